import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '@tapeline/telemetry';

export interface RateLimit {
  /** Requests per second a client may sustain. */
  perSecond: number;
  /** Requests a client may make at once after being idle. */
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A token bucket per client key: take one token per request. */
export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Token buckets of one gateway process (REDIS_URL unset): a client's budget is per replica. */
export class InProcessRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = Date.now,
  ) {
    // A bucket idle long enough to be full again is the same as no bucket: forget it.
    const refillMs = (limit.burst / limit.perSecond) * 1000;
    this.sweeper = setInterval(
      () => {
        const now = this.clock();
        for (const [key, b] of this.buckets) if (now - b.updatedMs > refillMs) this.buckets.delete(key);
      },
      Math.max(1000, refillMs),
    );
    this.sweeper.unref();
  }

  take(key: string): Promise<RateDecision> {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: this.limit.burst, updatedMs: now }));
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.updatedMs) * this.limit.perSecond) / 1000);
    b.updatedMs = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return Promise.resolve({ allowed: true });
    }
    return Promise.resolve({
      allowed: false,
      retryAfterMs: Math.ceil(((1 - b.tokens) * 1000) / this.limit.perSecond),
    });
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}

/**
 * The bucket refill and take in one atomic step, on Redis's clock so that replicas with skewed
 * clocks agree. Returns {allowed (0/1), retry-after ms}.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(b[1]) or burst
local updated = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - updated) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry}`;

/**
 * Token buckets shared by every gateway replica (REDIS_URL set). When Redis does not answer the
 * request is let through and the failure logged: an outage of the limiter must not become an
 * outage of the API.
 */
export class RedisRateLimiter implements RateLimiter {
  private failures = 0;

  constructor(
    private readonly redis: Redis,
    private readonly limit: RateLimit,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  static connect(url: string, limit: RateLimit, prefix: string, logger: Logger): RedisRateLimiter {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 500,
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    redis.on('error', () => undefined);
    return new RedisRateLimiter(redis, limit, prefix, logger);
  }

  /** Resolves once connected (until then requests are let through, as during an outage). */
  async whenReady(): Promise<void> {
    if (this.redis.status !== 'ready') await once(this.redis, 'ready');
  }

  async take(key: string): Promise<RateDecision> {
    try {
      const [allowed, retry] = (await this.redis.eval(
        TAKE,
        1,
        this.prefix + key,
        this.limit.perSecond,
        this.limit.burst,
      )) as [number, number];
      this.failures = 0;
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: retry };
    } catch (err) {
      if (this.failures++ % 1000 === 0) {
        this.logger.warn(
          { err, failures: this.failures },
          'rate limiter: redis unavailable; letting requests through',
        );
      }
      return { allowed: true };
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
