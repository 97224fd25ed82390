import { Redis } from 'ioredis';
import { TokenStateUnavailableError } from './errors';
import type { RefreshRecord, RefreshUse, TokenStateStore } from './token-state';

/** Marks a refresh token used and returns its record with whether it was fresh, atomically. */
const USE_REFRESH = `
local rec = redis.call('HGET', KEYS[1], 'record')
if not rec then return nil end
if redis.call('HSETNX', KEYS[1], 'used', '1') == 0 then return {'reused', rec} end
return {'fresh', rec}`;

/** Accepts a TOTP step only when later than the last one accepted for the subject. */
const CLAIM_TOTP_STEP = `
local last = redis.call('GET', KEYS[1])
if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** Seconds to keep a key: relative to the caller's clock, at least one. */
const ttl = (untilSeconds: number, nowSeconds: number) => Math.max(1, Math.ceil(untilSeconds - nowSeconds));

/**
 * Token state shared by every gateway replica. Keys carry a prefix and expire with what they
 * describe, so Redis holds nothing stale. A Redis failure surfaces as TokenStateUnavailableError
 * and callers refuse the request: a revocation that cannot be checked is not assumed absent.
 */
export class RedisTokenStateStore implements TokenStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'tapeline:auth:',
  ) {}

  static connect(url: string, prefix?: string): RedisTokenStateStore {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // Reconnect forever with a capped backoff; requests in between fail fast instead of queueing.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Errors reach the callers of each command; without a listener ioredis would also print them.
    redis.on('error', () => undefined);
    return new RedisTokenStateStore(redis, prefix);
  }

  async saveRefresh(tokenHash: string, record: RefreshRecord, nowSeconds: number): Promise<void> {
    const key = `${this.prefix}rt:${tokenHash}`;
    const results = await this.run(() =>
      this.redis
        .multi()
        .hset(key, 'record', JSON.stringify(record))
        .expire(key, ttl(record.expiresAt, nowSeconds))
        .exec(),
    );
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw new TokenStateUnavailableError(failed?.message ?? 'transaction discarded');
  }

  async findRefresh(tokenHash: string, _nowSeconds: number): Promise<RefreshRecord | undefined> {
    const rec = await this.run(() => this.redis.hget(`${this.prefix}rt:${tokenHash}`, 'record'));
    return rec ? (JSON.parse(rec) as RefreshRecord) : undefined;
  }

  async useRefresh(tokenHash: string, _nowSeconds: number): Promise<RefreshUse> {
    const res = (await this.run(() => this.redis.eval(USE_REFRESH, 1, `${this.prefix}rt:${tokenHash}`))) as
      [string, string] | null;
    if (!res) return { status: 'unknown' };
    return { status: res[0] === 'fresh' ? 'fresh' : 'reused', record: JSON.parse(res[1]) as RefreshRecord };
  }

  async revokeFamily(familyId: string, untilSeconds: number, nowSeconds: number): Promise<void> {
    await this.run(() =>
      this.redis.set(`${this.prefix}fam:${familyId}`, '1', 'EX', ttl(untilSeconds, nowSeconds)),
    );
  }

  async isFamilyRevoked(familyId: string, _nowSeconds: number): Promise<boolean> {
    return (await this.run(() => this.redis.exists(`${this.prefix}fam:${familyId}`))) === 1;
  }

  async revokeAccessToken(tokenId: string, untilSeconds: number, nowSeconds: number): Promise<void> {
    await this.run(() =>
      this.redis.set(`${this.prefix}jti:${tokenId}`, '1', 'EX', ttl(untilSeconds, nowSeconds)),
    );
  }

  async isAccessTokenRevoked(
    tokenId: string,
    sessionId: string | undefined,
    _nowSeconds: number,
  ): Promise<boolean> {
    const keys = [`${this.prefix}jti:${tokenId}`, ...(sessionId ? [`${this.prefix}fam:${sessionId}`] : [])];
    return (await this.run(() => this.redis.exists(...keys))) > 0;
  }

  async claimTotpStep(
    subject: string,
    step: number,
    untilSeconds: number,
    nowSeconds: number,
  ): Promise<boolean> {
    const res = await this.run(() =>
      this.redis.eval(
        CLAIM_TOTP_STEP,
        1,
        `${this.prefix}totp:${subject}`,
        step,
        ttl(untilSeconds, nowSeconds),
      ),
    );
    return res === 1;
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new TokenStateUnavailableError((err as Error).message);
    }
  }
}
