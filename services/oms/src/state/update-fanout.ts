// StreamOrderUpdates: each subscriber gets the order, execution and position updates of its
// accounts (all accounts when it named none), once they are durable.
import { Observable } from 'rxjs';
import type { omsV1 } from '@tapeline/contracts';

interface Subscriber {
  readonly accounts: ReadonlySet<string> | null;
  next(update: omsV1.StreamOrderUpdatesResponse): void;
}

export class UpdateFanout {
  private readonly subscribers = new Set<Subscriber>();
  /** Ends each open stream (OK status) at shutdown. */
  private readonly completers = new Set<() => void>();
  private closed = false;

  subscribe(accountIds: readonly string[]): Observable<omsV1.StreamOrderUpdatesResponse> {
    return new Observable((sub) => {
      if (this.closed) {
        sub.complete();
        return undefined;
      }
      const subscriber: Subscriber = {
        accounts: accountIds.length > 0 ? new Set(accountIds) : null,
        next: (u) => sub.next(u),
      };
      this.subscribers.add(subscriber);
      const complete = () => sub.complete();
      this.completers.add(complete);
      return () => {
        this.subscribers.delete(subscriber);
        this.completers.delete(complete);
      };
    });
  }

  emit(accountId: string, update: omsV1.StreamOrderUpdatesResponse): void {
    for (const s of this.subscribers) if (s.accounts === null || s.accounts.has(accountId)) s.next(update);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** At shutdown: streams end cleanly (OK), so the graceful drain does not wait on them. */
  close(): void {
    this.closed = true;
    for (const complete of [...this.completers]) complete();
  }
}
