import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseIdentityFile, IdentityDirectory } from '../identities';
import { SigningKeyRing } from '../key-ring';
import { RedisTokenStateStore } from '../redis-token-state';
import type { ScryptCost } from '../secrets';
import { InProcessTokenStateStore, type TokenStateStore } from '../token-state';
import type { TokenSettings } from '../tokens';

/** A clock the test moves by hand; starts at a fixed, hand-picked instant. */
export function manualClock(startMs = Date.UTC(2026, 4, 11, 9, 30, 0)) {
  let now = startMs;
  return {
    clock: () => now,
    advanceSeconds(s: number) {
      now += s * 1000;
    },
  };
}

/** Cheap hashes: unit tests check behaviour, not cost. */
export const TEST_COST: ScryptCost = { ln: 10, r: 8, p: 1 };

export const SETTINGS: TokenSettings = {
  issuer: 'urn:tapeline:test-issuer',
  audience: 'urn:tapeline:test-api',
  accessTokenTtlSeconds: 900,
  clockToleranceSeconds: 30,
};

export function ringFor(settings: TokenSettings, nowMs: number): SigningKeyRing {
  const ring = new SigningKeyRing((settings.accessTokenTtlSeconds + settings.clockToleranceSeconds) * 1000);
  ring.rotate(nowMs);
  return ring;
}

/** The RFC 6238 appendix B secret, base32: "12345678901234567890". */
export const TRADER_TOTP = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

export const IDENTITIES = `
dev_only: true
clients:
  - { client_id: md-reader, client_secret: reader-secret-0123456789, role: auditor, desk: AUDIT }
  - { client_id: fx-algo, client_secret: fx-algo-secret-0123456789, role: trader, desk: FX }
users:
  - { username: alice, password: alice-password-123, totp_secret: ${TRADER_TOTP}, role: trader, desk: FX }
  - { username: zoe, password: zoe-password-12345, role: auditor, desk: AUDIT }
`;

export function testDirectory(): Promise<IdentityDirectory> {
  return IdentityDirectory.build(parseIdentityFile(IDENTITIES, 'test identities'), TEST_COST);
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers at REDIS_URL; Redis-backed tests skip (visibly) when none does. */
export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export interface StoreUnderTest {
  readonly name: string;
  create(): Promise<TokenStateStore>;
  /** Drops every key a Redis store wrote under its test prefix. */
  cleanup(): Promise<void>;
}

/** Both implementations of the port, so that each behaviour is checked against both. */
export function storesUnderTest(): StoreUnderTest[] {
  const prefix = `tapeline:test:auth:${randomUUID()}:`;
  const opened: TokenStateStore[] = [];
  return [
    {
      name: 'in-process store',
      create: async () => new InProcessTokenStateStore(),
      cleanup: async () => undefined,
    },
    {
      name: 'Redis store',
      create: async () => {
        const store = RedisTokenStateStore.connect(REDIS_URL, prefix);
        opened.push(store);
        return store;
      },
      cleanup: async () => {
        const redis = new Redis(REDIS_URL);
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        redis.disconnect();
        await Promise.all(opened.splice(0).map((s) => s.close()));
      },
    },
  ];
}
