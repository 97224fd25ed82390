import { randomUUID } from 'node:crypto';
import type { Principal } from '@tapeline/auth';
import type { eventsV1 } from '@tapeline/contracts';

/**
 * Who acts, for the oms's journal: the principal as the gateway authenticated it. A service client
 * acts under its own name: user_id is then its client id (risk refuses a limit change naming no one).
 */
export function actorOf(p: Principal): eventsV1.Actor {
  return {
    userId: p.userId ?? p.subject,
    clientId: p.clientId ?? (p.kind === 'client' ? p.subject : ''),
    desk: p.desk,
    role: p.role,
  };
}

/** One id per mutation, journaled by the oms with everything the request caused. */
export function newRequestId(): string {
  return `gw-${randomUUID()}`;
}
