import { type commonV1 } from '@tapeline/contracts';

/** Why an order, or the unfilled rest of one, left the book without trading. */
export enum CancelReason {
  /** `cancel()` or `cancelOwner()` by the caller. */
  Requested = 1,
  /** IOC remainder, and the remainder of a market order once the opposite side is exhausted. */
  ImmediateOrCancel = 2,
  /** FOK that could not fill completely: nothing traded. */
  FillOrKill = 3,
  /** Self-trade prevention removed it (resting or incoming, depending on the book's mode). */
  SelfTradePrevention = 4,
  /** GTD reached its expiry time (`expire(nowMicros)`). */
  Expired = 5,
  /** DAY order at the end of the session (`endOfDay()`). */
  EndOfDay = 6,
}

/** What happened to an incoming order (or an amend that re-entered the book). */
export enum SubmitStatus {
  /** Some or none filled; the rest is resting on the book. */
  Rested = 1,
  /** Completely filled. */
  Filled = 2,
  /** Some or none filled; the rest was cancelled (IOC, market, self-trade prevention). */
  Canceled = 3,
  /** FOK not fillable: nothing traded, the book is untouched. */
  Killed = 4,
}

/** One match between an incoming (taker) and a resting (maker) order, at the maker's price. */
export interface Fill {
  /** Per-book sequence, 1, 2, 3, ...: the venue's trade id. */
  matchId: number;
  takerId: number;
  takerOwner: number;
  takerSide: commonV1.Side;
  makerId: number;
  makerOwner: number;
  price: number;
  qty: number;
  /** Quantity of the taker still to be worked after this fill. */
  takerLeaves: number;
  /** Quantity of the maker still resting after this fill (0: it left the book). */
  makerLeaves: number;
}

export interface CancelReport {
  orderId: number;
  owner: number;
  side: commonV1.Side;
  /** The order's limit price (0 for market orders). */
  price: number;
  canceledQty: number;
  reason: CancelReason;
}

/**
 * Receives every execution of a book, synchronously, in order. The report objects are owned by the
 * book and reused for the next report: copy what you keep. No allocation per fill.
 */
export interface ExecutionSink {
  onFill(fill: Readonly<Fill>): void;
  onCancel(cancel: Readonly<CancelReport>): void;
}

/** The book's answer to `submit`/`limit`/`market`; one object reused per call: read it at once. */
export interface SubmitResult {
  orderId: number;
  status: SubmitStatus;
  filledQty: number;
  restingQty: number;
  canceledQty: number;
  /** Set when status is Canceled or Killed. */
  cancelReason: CancelReason | 0;
}

/** A sink that keeps copies of every report: for tests, tools and low-rate callers. */
export class ExecutionLog implements ExecutionSink {
  readonly fills: Fill[] = [];
  readonly cancels: CancelReport[] = [];

  onFill(fill: Readonly<Fill>): void {
    this.fills.push({ ...fill });
  }

  onCancel(cancel: Readonly<CancelReport>): void {
    this.cancels.push({ ...cancel });
  }

  clear(): void {
    this.fills.length = 0;
    this.cancels.length = 0;
  }
}
