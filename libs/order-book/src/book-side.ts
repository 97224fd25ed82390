// One side of a limit order book: price levels in a sorted array with the best level LAST (O(1)
// best access, O(1) removal of the best level when it empties), each level an intrusive FIFO of
// resting orders. Orders and levels are recycled through free lists so that a steady-state book
// allocates nothing while matching.

export class RestingOrder {
  id = 0;
  owner = 0;
  side = 0;
  price = 0;
  leaves = 0;
  tif = 0;
  expireAtMicros = 0;
  level: PriceLevel | null = null;
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
}

export class PriceLevel {
  price = 0;
  /** Sum of the leaves of the orders queued here. */
  qty = 0;
  count = 0;
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
}

export class BookSide {
  /** Sorted so that the best price is at the end: bids ascending, asks descending. */
  readonly levels: PriceLevel[] = [];
  private readonly byPrice = new Map<number, PriceLevel>();
  private readonly freeLevels: PriceLevel[] = [];

  constructor(readonly isBid: boolean) {}

  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** True when `a` is a strictly better price than `b` on this side. */
  better(a: number, b: number): boolean {
    return this.isBid ? a > b : a < b;
  }

  levelAt(price: number): PriceLevel | undefined {
    return this.byPrice.get(price);
  }

  /** Appends an order at the back of its price level's queue (time priority). */
  append(order: RestingOrder): void {
    let level = this.byPrice.get(order.price);
    if (level === undefined) level = this.addLevel(order.price);
    order.level = level;
    order.prev = level.tail;
    order.next = null;
    if (level.tail === null) level.head = order;
    else level.tail.next = order;
    level.tail = order;
    level.qty += order.leaves;
    level.count++;
  }

  /** Takes an order out of its queue; the level stays even when empty (see `dropIfEmpty`). */
  unlink(order: RestingOrder): void {
    const level = order.level!;
    if (order.prev === null) level.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) level.tail = order.prev;
    else order.next.prev = order.prev;
    level.qty -= order.leaves;
    level.count--;
    order.level = order.prev = order.next = null;
  }

  dropIfEmpty(level: PriceLevel): void {
    if (level.count !== 0) return;
    const levels = this.levels;
    const last = levels.length - 1;
    if (levels[last] === level) {
      levels.pop();
    } else {
      // Binary search on the sorted array; a price far from the touch costs a short shift.
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.better(level.price, levels[mid]!.price)) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < last; i++) levels[i] = levels[i + 1]!;
      levels.pop();
    }
    this.byPrice.delete(level.price);
    level.head = level.tail = null;
    this.freeLevels.push(level);
  }

  /** Total resting quantity on this side. */
  volume(): number {
    let sum = 0;
    for (const level of this.levels) sum += level.qty;
    return sum;
  }

  private addLevel(price: number): PriceLevel {
    const level = this.freeLevels.pop() ?? new PriceLevel();
    level.price = price;
    level.qty = 0;
    level.count = 0;
    this.byPrice.set(price, level);
    // Insertion from the best end: new levels usually appear near the touch.
    const levels = this.levels;
    let i = levels.length;
    levels.push(level);
    while (i > 0 && this.better(levels[i - 1]!.price, price)) {
      levels[i] = levels[i - 1]!;
      i--;
    }
    levels[i] = level;
    return level;
  }
}
