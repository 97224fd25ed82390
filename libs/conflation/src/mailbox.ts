// One mailbox per subscriber. Market data arrives faster than a slow client can read it; instead of
// an unbounded queue (memory grows, and the publisher or other clients eventually wait), the mailbox
// keeps at most one pending value per latest-wins key (quotes, forming bars) and a bounded run of
// diffs per sequenced key (depth). A diff run that overflows is dropped as a whole and replaced by a
// resync marker: the subscriber then sends a fresh snapshot, so a client never sees a book with a
// hole in it. Facts (trades, alerts) can be neither conflated nor rebuilt from a snapshot: they
// are kept in order up to the same bound, and past it the newest pending fact is replaced by the
// one arriving, the replaced ones summed up in a gap the survivor carries, so the subscriber learns
// exactly what it missed and can fetch it from history. Keys are served round-robin so one busy
// instrument cannot starve the others.

/** Facts of one key dropped in a row for a subscriber too slow for them, oldest first. */
export interface Gap<T> {
  readonly count: number;
  readonly first: T;
  readonly last: T;
}

export type Delivery<T> =
  /** `gap`: facts of `key` dropped just before this one (publishFact only). */
  | { readonly kind: 'update'; readonly key: string; readonly value: T; readonly gap?: Gap<T> }
  /** The diffs of `key` were dropped: send a fresh snapshot before anything else of that key. */
  | { readonly kind: 'resync'; readonly key: string };

export interface MailboxOptions {
  /** Pending diffs (or facts) per sequenced key before overflow handling starts (default 256). */
  maxDiffsPerKey?: number;
}

export interface MailboxStats {
  published: number;
  delivered: number;
  /** Latest-wins values replaced before delivery. */
  conflated: number;
  /** Diffs dropped by overflow or while a resync was pending. */
  diffsDropped: number;
  resyncs: number;
  /** Facts dropped by overflow (each is in the gap of a fact delivered later). */
  factsDropped: number;
  /** Gaps opened: runs of dropped facts. */
  gaps: number;
}

interface Slot<T> {
  queued: boolean;
  latest: T | undefined;
  hasLatest: boolean;
  /** Pending diffs or facts, in order; a key takes one kind only. */
  diffs: T[];
  /** Facts only: the gap each pending fact carries, index for index with `diffs`. */
  gaps: (Gap<T> | undefined)[];
  resync: boolean;
}

export class MailboxClosedError extends Error {
  readonly code = 'MAILBOX_CLOSED';
  constructor() {
    super('the mailbox is closed');
  }
}

export class ConflatingMailbox<T> {
  private readonly slots = new Map<string, Slot<T>>();
  // Keys with pending work, each at most once; a ring buffer would save little at these sizes.
  private ready: string[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private closed = false;
  private readonly maxDiffs: number;
  readonly stats: MailboxStats = {
    published: 0,
    delivered: 0,
    conflated: 0,
    diffsDropped: 0,
    resyncs: 0,
    factsDropped: 0,
    gaps: 0,
  };

  constructor(options: MailboxOptions = {}) {
    this.maxDiffs = options.maxDiffsPerKey ?? 256;
    if (!Number.isInteger(this.maxDiffs) || this.maxDiffs < 1) {
      throw new RangeError(
        `maxDiffsPerKey must be a positive integer, got ${String(options.maxDiffsPerKey)}`,
      );
    }
  }

  /** Pending deliveries (values, diffs and resync markers). */
  get pending(): number {
    let n = 0;
    for (const s of this.slots.values()) n += (s.hasLatest ? 1 : 0) + s.diffs.length + (s.resync ? 1 : 0);
    return n;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A value that supersedes any pending value of the same key (top of book, forming bar). */
  publishLatest(key: string, value: T): void {
    if (this.closed) return;
    this.stats.published++;
    const slot = this.slot(key);
    if (slot.hasLatest) this.stats.conflated++;
    slot.latest = value;
    slot.hasLatest = true;
    this.enqueue(key, slot);
  }

  /** One diff of a sequenced stream; never conflated, but dropped for a resync on overflow. */
  publishDiff(key: string, value: T): void {
    if (this.closed) return;
    this.stats.published++;
    const slot = this.slot(key);
    // While a resync is pending the snapshot sent for it will already contain this change.
    if (slot.resync) {
      this.stats.diffsDropped++;
      return;
    }
    if (slot.diffs.length >= this.maxDiffs) {
      this.stats.diffsDropped += slot.diffs.length + 1;
      this.stats.resyncs++;
      slot.diffs = [];
      slot.resync = true;
    } else {
      slot.diffs.push(value);
    }
    this.enqueue(key, slot);
  }

  /**
   * One fact of a sequenced stream (a trade, an alert): never conflated and never silently lost.
   * Within the bound it is queued; past it, the newest pending fact makes way for this one and
   * joins the gap this one carries. Memory stays at the bound, the older pending facts still go
   * out in order, and the live edge keeps moving for the subscriber.
   */
  publishFact(key: string, value: T): void {
    if (this.closed) return;
    this.stats.published++;
    const slot = this.slot(key);
    if (slot.diffs.length < this.maxDiffs) {
      slot.diffs.push(value);
      slot.gaps.push(undefined);
    } else {
      const i = slot.diffs.length - 1;
      const dropped = slot.diffs[i]!;
      const gap = slot.gaps[i];
      slot.diffs[i] = value;
      slot.gaps[i] = gap
        ? { count: gap.count + 1, first: gap.first, last: dropped }
        : { count: 1, first: dropped, last: dropped };
      if (!gap) this.stats.gaps++;
      this.stats.factsDropped++;
    }
    this.enqueue(key, slot);
  }

  /** Takes the next delivery, or undefined when nothing is pending. */
  take(): Delivery<T> | undefined {
    while (this.head < this.ready.length) {
      const key = this.ready[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      }
      const slot = this.slots.get(key);
      if (!slot) continue;
      slot.queued = false;
      let out: Delivery<T> | undefined;
      if (slot.resync) {
        slot.resync = false;
        out = { kind: 'resync', key };
      } else if (slot.diffs.length > 0) {
        const value = slot.diffs.shift()!;
        const gap = slot.gaps.length > 0 ? slot.gaps.shift() : undefined;
        out = gap ? { kind: 'update', key, value, gap } : { kind: 'update', key, value };
      } else if (slot.hasLatest) {
        out = { kind: 'update', key, value: slot.latest as T };
        slot.latest = undefined;
        slot.hasLatest = false;
      }
      // Round-robin: a key with more work goes to the back of the line.
      if (slot.diffs.length > 0 || slot.hasLatest) this.enqueue(key, slot);
      if (out) {
        this.stats.delivered++;
        return out;
      }
    }
    return undefined;
  }

  /** Resolves when something is pending; rejects with MailboxClosedError once closed. */
  async waitForWork(): Promise<void> {
    while (!this.closed && this.head >= this.ready.length) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    if (this.closed) throw new MailboxClosedError();
  }

  /** Deliveries as they come; ends when the mailbox is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Delivery<T>> {
    for (;;) {
      const next = this.take();
      if (next) {
        yield next;
        continue;
      }
      try {
        await this.waitForWork();
      } catch {
        return;
      }
    }
  }

  /** Drops everything pending and ends iteration; later publishes are ignored. */
  close(): void {
    this.closed = true;
    this.slots.clear();
    this.ready = [];
    this.head = 0;
    this.wake();
  }

  private slot(key: string): Slot<T> {
    let s = this.slots.get(key);
    if (!s) {
      s = { queued: false, latest: undefined, hasLatest: false, diffs: [], gaps: [], resync: false };
      this.slots.set(key, s);
    }
    return s;
  }

  private enqueue(key: string, slot: Slot<T>): void {
    if (!slot.queued) {
      slot.queued = true;
      this.ready.push(key);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
