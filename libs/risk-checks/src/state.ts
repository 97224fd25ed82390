import type { ResolvedLimits } from './limits';
import type { Side } from './model';

/**
 * The last `capacity` message times of one account in a ring. With capacity = the throttle's
 * N, "N messages already in the window" is one comparison against the oldest slot: O(1).
 * Times are µs since the epoch as numbers (2^53 µs is year 2255, so exact). The array grows
 * (doubling) with the messages actually recorded up to `capacity`: a generous throttle (say
 * 10^9 messages per second) must not reserve gigabytes per account up front.
 */
export class MessageRing {
  private times: Float64Array;
  private limit: number;
  /** The oldest slot once full (`count === limit`); before that the times are [0, count). */
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    this.limit = capacity;
    this.times = new Float64Array(Math.min(capacity, INITIAL_RING));
  }

  get capacity(): number {
    return this.limit;
  }

  /** True when `capacity` messages already fall in (now - window, now]. */
  isFull(nowMicros: number, windowMicros: number): boolean {
    return this.count === this.limit && this.times[this.next]! > nowMicros - windowMicros;
  }

  /** Messages in (now - window, now]; for rejection messages, O(capacity). */
  countInWindow(nowMicros: number, windowMicros: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.times[i]! > nowMicros - windowMicros) n++;
    return n;
  }

  record(nowMicros: number): void {
    if (this.count < this.limit) {
      if (this.count === this.times.length) {
        const grown = new Float64Array(Math.min(this.limit, this.times.length * 2));
        grown.set(this.times);
        this.times = grown;
      }
      this.times[this.count++] = nowMicros;
      this.next = this.count % this.limit;
      return;
    }
    this.times[this.next] = nowMicros;
    this.next = (this.next + 1) % this.limit;
  }

  /** Changes capacity keeping the most recent times (a throttle limit was changed). */
  resize(capacity: number): void {
    const kept: number[] = [];
    const length = this.times.length;
    for (let i = 0; i < this.count; i++) {
      kept.push(this.times[(this.next - this.count + i + length) % length]!);
    }
    this.limit = capacity;
    this.times = new Float64Array(Math.min(capacity, INITIAL_RING));
    this.next = 0;
    this.count = 0;
    for (const t of kept.slice(-capacity)) this.record(t);
  }
}

const INITIAL_RING = 64;

/** Position and working quantity of one account in one instrument (size-scale mantissas). */
export class PositionState {
  position = 0n;
  openBuy = 0n;
  openSell = 0n;
}

export class AccountState {
  openOrders = 0;
  /** Money-scale notional of the account's open orders. */
  openNotional = 0n;
  /** Money-scale credit in use outside open orders, as told by the service (e.g. settlement). */
  utilisation = 0n;
  throttle: MessageRing | undefined;
  readonly positions = new Map<string, PositionState>();
  /** Limits resolved per instrument for this account, valid while `limitsVersion` is the book's version. */
  readonly limits = new Map<string, ResolvedLimits>();
  limitsVersion = -1;

  constructor(
    readonly accountId: string,
    public desk: string,
  ) {}

  position(instrumentId: string): PositionState {
    let p = this.positions.get(instrumentId);
    if (!p) this.positions.set(instrumentId, (p = new PositionState()));
    return p;
  }
}

/** An accepted order that still works: what the engine must reserve and may have to cancel. */
export interface OpenOrder {
  readonly orderId: string;
  readonly accountId: string;
  readonly desk: string;
  readonly instrumentId: string;
  readonly side: Side;
  leavesQuantity: bigint;
  /** Price it was valued at: its limit, or for a market order the price risk assumed. */
  readonly price: bigint;
  /** Money-scale notional of the leaves quantity. */
  notional: bigint;
}

/**
 * Recently accepted order shapes and when each stops counting as a duplicate. Expired keys are
 * dropped as time passes (FIFO of insertions), so memory is bounded by one window of orders.
 */
export class DuplicateWindow {
  private readonly expiries = new Map<string, number>();
  private queueKeys: string[] = [];
  private queueExpiries: number[] = [];
  private head = 0;

  /** When the earlier identical order stops counting, or undefined if there is none in its window. */
  activeUntil(key: string, nowMicros: number): number | undefined {
    const until = this.expiries.get(key);
    return until !== undefined && until > nowMicros ? until : undefined;
  }

  record(key: string, nowMicros: number, windowMicros: number): void {
    this.evict(nowMicros);
    const until = nowMicros + windowMicros;
    this.expiries.set(key, until);
    this.queueKeys.push(key);
    this.queueExpiries.push(until);
  }

  get size(): number {
    return this.expiries.size;
  }

  private evict(nowMicros: number): void {
    while (this.head < this.queueKeys.length && this.queueExpiries[this.head]! <= nowMicros) {
      const key = this.queueKeys[this.head]!;
      // Only drop the key if it was not re-recorded with a later expiry.
      if (this.expiries.get(key) === this.queueExpiries[this.head]) this.expiries.delete(key);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.queueKeys.length) {
      this.queueKeys = this.queueKeys.slice(this.head);
      this.queueExpiries = this.queueExpiries.slice(this.head);
      this.head = 0;
    }
  }
}
