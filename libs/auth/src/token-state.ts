import type { TokenGrant } from './tokens';

/**
 * A refresh token as stored: never the token itself, only its SHA-256 (a stolen copy of the store
 * cannot be replayed). Each token belongs to a family: the chain of rotations from one sign-in.
 */
export interface RefreshRecord {
  readonly familyId: string;
  readonly grant: TokenGrant;
  /** Epoch seconds; the family's absolute end, inherited by every rotation. */
  readonly expiresAt: number;
}

export type RefreshUse =
  | { status: 'fresh'; record: RefreshRecord }
  /** Presented before: a rotated token replayed, so the family must be revoked (RFC 9700 §4.14.2). */
  | { status: 'reused'; record: RefreshRecord }
  | { status: 'unknown' };

/**
 * The state behind refresh rotation, revocation and TOTP replay protection. In process for a
 * single gateway; Redis when several replicas must share it. Every operation is atomic.
 */
export interface TokenStateStore {
  saveRefresh(tokenHash: string, record: RefreshRecord, nowSeconds: number): Promise<void>;
  /** Marks the token used and says whether it was fresh; exactly one caller sees `fresh`. */
  useRefresh(tokenHash: string, nowSeconds: number): Promise<RefreshUse>;
  /** The record without using the token (revocation looks tokens up this way). */
  findRefresh(tokenHash: string, nowSeconds: number): Promise<RefreshRecord | undefined>;
  revokeFamily(familyId: string, untilSeconds: number, nowSeconds: number): Promise<void>;
  isFamilyRevoked(familyId: string, nowSeconds: number): Promise<boolean>;
  /** Access tokens are revoked by jti until they would have expired anyway. */
  revokeAccessToken(tokenId: string, untilSeconds: number, nowSeconds: number): Promise<void>;
  /** Whether the token, or the sign-in it belongs to, was revoked: one round trip per request. */
  isAccessTokenRevoked(tokenId: string, sessionId: string | undefined, nowSeconds: number): Promise<boolean>;
  /**
   * Records that `subject` used the TOTP time step `step`; false when that step or a later one was
   * already used (RFC 6238 §5.2: a code is accepted once).
   */
  claimTotpStep(subject: string, step: number, untilSeconds: number, nowSeconds: number): Promise<boolean>;
  /** Liveness for the health check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface Expiring<T> {
  value: T;
  until: number;
}

/** One gateway process: plain maps, entries dropped lazily and by a sweep once expired. */
export class InProcessTokenStateStore implements TokenStateStore {
  private readonly refresh = new Map<string, Expiring<{ record: RefreshRecord; used: boolean }>>();
  private readonly revokedFamilies = new Map<string, Expiring<true>>();
  private readonly revokedTokens = new Map<string, Expiring<true>>();
  private readonly totpSteps = new Map<string, Expiring<number>>();
  private lastSweep = 0;

  async saveRefresh(tokenHash: string, record: RefreshRecord, nowSeconds: number): Promise<void> {
    this.sweep(nowSeconds);
    this.refresh.set(tokenHash, { value: { record, used: false }, until: record.expiresAt });
  }

  async useRefresh(tokenHash: string, nowSeconds: number): Promise<RefreshUse> {
    const entry = live(this.refresh, tokenHash, nowSeconds);
    if (!entry) return { status: 'unknown' };
    if (entry.used) return { status: 'reused', record: entry.record };
    entry.used = true;
    return { status: 'fresh', record: entry.record };
  }

  async findRefresh(tokenHash: string, nowSeconds: number): Promise<RefreshRecord | undefined> {
    return live(this.refresh, tokenHash, nowSeconds)?.record;
  }

  async revokeFamily(familyId: string, untilSeconds: number, nowSeconds: number): Promise<void> {
    this.sweep(nowSeconds);
    this.revokedFamilies.set(familyId, { value: true, until: untilSeconds });
  }

  async isFamilyRevoked(familyId: string, nowSeconds: number): Promise<boolean> {
    return live(this.revokedFamilies, familyId, nowSeconds) === true;
  }

  async revokeAccessToken(tokenId: string, untilSeconds: number, nowSeconds: number): Promise<void> {
    this.sweep(nowSeconds);
    this.revokedTokens.set(tokenId, { value: true, until: untilSeconds });
  }

  async isAccessTokenRevoked(
    tokenId: string,
    sessionId: string | undefined,
    nowSeconds: number,
  ): Promise<boolean> {
    return (
      live(this.revokedTokens, tokenId, nowSeconds) === true ||
      (sessionId !== undefined && live(this.revokedFamilies, sessionId, nowSeconds) === true)
    );
  }

  async claimTotpStep(
    subject: string,
    step: number,
    untilSeconds: number,
    nowSeconds: number,
  ): Promise<boolean> {
    const last = live(this.totpSteps, subject, nowSeconds);
    if (last !== undefined && last >= step) return false;
    this.totpSteps.set(subject, { value: step, until: untilSeconds });
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** At most once a minute, drop everything expired so the maps do not grow without bound. */
  private sweep(nowSeconds: number): void {
    if (nowSeconds - this.lastSweep < 60) return;
    this.lastSweep = nowSeconds;
    for (const map of [this.refresh, this.revokedFamilies, this.revokedTokens, this.totpSteps] as Map<
      string,
      Expiring<unknown>
    >[]) {
      for (const [k, e] of map) if (e.until <= nowSeconds) map.delete(k);
    }
  }
}

function live<T>(map: Map<string, Expiring<T>>, key: string, nowSeconds: number): T | undefined {
  const entry = map.get(key);
  if (!entry) return undefined;
  if (entry.until <= nowSeconds) {
    map.delete(key);
    return undefined;
  }
  return entry.value;
}
