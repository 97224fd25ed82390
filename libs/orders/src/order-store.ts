// All orders of the oms, folded from lifecycle events. Each order is a chain of immutable versions
// made by the pure reducer; the store keeps the latest version per OrderID, the ClOrdID registry
// (idempotent submission) and the ExecIDs already counted. Rebuilding after a crash is replaying
// the journaled events into a fresh store: `OrderStore.rebuild(events)`.
import { DuplicateClOrdIdError, OrdersError } from './errors';
import { type LifecycleEvent, type SubmitEvent } from './events';
import { isTerminal } from './lifecycle';
import { type NewOrderRequest, type Order, requestFingerprint } from './order';
import { createOrder, transition, type Transition } from './reducer';

export type ApplyResult =
  | { readonly kind: 'applied'; readonly transition: Transition }
  /**
   * Nothing changed: the same request under the same ClOrdID again (a client retry), or an
   * execution whose ExecID was already counted (a redelivery). `order` is the current version.
   */
  | {
      readonly kind: 'duplicate';
      readonly order: Order;
      readonly reason: 'repeated-request' | 'repeated-execution';
    };

/** A ClOrdID claimed by a cancel or replace request, or registered with its fingerprint. */
class Claim {
  constructor(
    readonly orderId: string,
    /** undefined for a cancel request: its fingerprint is `cancelFingerprint(orderId)`. */
    readonly fingerprint: string | undefined,
  ) {}
}

/**
 * What a registered ClOrdID names: a new order's id (a string), whose fingerprint is derived from
 * the order only when the ClOrdID comes again (rare), or a Claim. Nothing per order but the entry.
 */
type Entry = string | Claim;

const cancelFingerprint = (orderId: string): string => `cancel|${orderId}`;

/** (account, ClOrdID) -> the request it named. A ClOrdID names one request per account, forever. */
export class ClOrdIdRegistry {
  /** By account, then ClOrdID: no key string is built per order. */
  private readonly accounts = new Map<string, Map<string, Entry>>();

  /**
   * @param derive the fingerprint of a new order registered with `registerNew` (called only when
   * its ClOrdID is looked up again).
   */
  constructor(private readonly derive: (orderId: string) => string = noDerivation) {}

  /**
   * The order a ClOrdID already names when it names the same request; undefined when unused.
   * Throws DuplicateClOrdIdError when it named a different request.
   */
  lookup(accountId: string, clOrdId: string, fingerprint: string): string | undefined {
    const entry = this.entry(accountId, clOrdId);
    if (entry === undefined) return undefined;
    return this.sameRequest(accountId, clOrdId, entry, fingerprint);
  }

  register(accountId: string, clOrdId: string, fingerprint: string, orderId: string): void {
    this.claims(accountId).set(clOrdId, new Claim(orderId, fingerprint));
  }

  /** A new order's ClOrdID: its fingerprint comes from `derive(orderId)` when needed. */
  registerNew(accountId: string, clOrdId: string, orderId: string): void {
    this.claims(accountId).set(clOrdId, orderId);
  }

  /** A cancel request's ClOrdID (fingerprint `cancel|<orderId>`). */
  registerCancel(accountId: string, clOrdId: string, orderId: string): void {
    this.claims(accountId).set(clOrdId, new Claim(orderId, undefined));
  }

  orderIdOf(accountId: string, clOrdId: string): string | undefined {
    const entry = this.entry(accountId, clOrdId);
    return entry === undefined ? undefined : orderIdOf(entry);
  }

  /** What the ClOrdID names, undefined when unused. */
  entry(accountId: string, clOrdId: string): Entry | undefined {
    return this.accounts.get(accountId)?.get(clOrdId);
  }

  /** The order of `entry` when `fingerprint` is the request it named, else DuplicateClOrdIdError. */
  sameRequest(accountId: string, clOrdId: string, entry: Entry, fingerprint: string): string {
    const orderId = orderIdOf(entry);
    const named =
      typeof entry === 'string' ? this.derive(entry) : (entry.fingerprint ?? cancelFingerprint(orderId));
    if (named !== fingerprint) throw new DuplicateClOrdIdError(accountId, clOrdId);
    return orderId;
  }

  private claims(accountId: string): Map<string, Entry> {
    let claims = this.accounts.get(accountId);
    if (claims === undefined) this.accounts.set(accountId, (claims = new Map()));
    return claims;
  }
}

const orderIdOf = (entry: Entry): string => (typeof entry === 'string' ? entry : entry.orderId);

function noDerivation(orderId: string): never {
  throw new OrdersError('INVALID_ORDER', `no fingerprint for the request of order ${orderId}`);
}

export class OrderStore {
  private readonly orders = new Map<string, Order>();
  /**
   * Fingerprints of original requests whose terms a replace has since changed; every other
   * order's current version still carries its request's terms (only ReplaceAck changes them).
   */
  private readonly replacedRequests = new Map<string, string>();
  private readonly clOrdIds = new ClOrdIdRegistry(
    (orderId) => this.replacedRequests.get(orderId) ?? requestFingerprint(this.require(orderId)),
  );
  /** ExecIDs counted: ExecID -> its order id (or ids, should two orders share an ExecID). */
  private readonly execIds = new Map<string, string | string[]>();

  /** A fresh store with every event applied in order (the journal replay after a restart). */
  static rebuild(events: Iterable<LifecycleEvent>): OrderStore {
    const store = new OrderStore();
    for (const event of events) store.apply(event);
    return store;
  }

  /**
   * Applies one event. Refusals throw (TransitionRefusedError, DuplicateClOrdIdError, OrdersError)
   * and leave the store unchanged.
   */
  apply(event: LifecycleEvent): ApplyResult {
    if (event.type === 'Submit') return this.submit(event);
    const order = this.require(event.orderId);
    let replaceFingerprint = '';
    if (event.type === 'Fill') {
      if (this.counted(order.orderId, event.execId)) {
        return { kind: 'duplicate', order, reason: 'repeated-execution' };
      }
    } else if (event.type === 'CancelRequest') {
      const entry = this.clOrdIds.entry(order.accountId, event.clOrdId);
      if (entry !== undefined) {
        const fingerprint = cancelFingerprint(order.orderId);
        this.clOrdIds.sameRequest(order.accountId, event.clOrdId, entry, fingerprint);
        return { kind: 'duplicate', order, reason: 'repeated-request' };
      }
    } else if (event.type === 'ReplaceRequest') {
      replaceFingerprint = [
        'replace',
        order.orderId,
        event.orderQty,
        event.price ?? '',
        event.stopPrice ?? '',
        event.timeInForce ?? '',
        event.expireTimeMicros ?? '',
      ].join('|');
      if (this.clOrdIds.lookup(order.accountId, event.clOrdId, replaceFingerprint) !== undefined) {
        return { kind: 'duplicate', order, reason: 'repeated-request' };
      }
    }
    const t = transition(order, event);
    // Only an accepted transition claims its ClOrdID or ExecID.
    if (event.type === 'CancelRequest') {
      this.clOrdIds.registerCancel(order.accountId, event.clOrdId, order.orderId);
    } else if (event.type === 'ReplaceRequest') {
      this.clOrdIds.register(order.accountId, event.clOrdId, replaceFingerprint, order.orderId);
    } else if (event.type === 'Fill') {
      this.count(order.orderId, event.execId);
    } else if (event.type === 'ReplaceAck' && !this.replacedRequests.has(order.orderId)) {
      // The terms change now: keep what the original ClOrdID named.
      this.replacedRequests.set(order.orderId, requestFingerprint(order));
    }
    this.orders.set(order.orderId, t.after);
    return { kind: 'applied', transition: t };
  }

  /**
   * Before risk and routing: the order a repeated request already created (same content), or
   * undefined for a new ClOrdID. Throws DuplicateClOrdIdError when the ClOrdID was used for
   * something else.
   */
  findSubmission(request: NewOrderRequest): Order | undefined {
    const orderId = this.repeatOf(request);
    return orderId === undefined ? undefined : this.orders.get(orderId);
  }

  get(orderId: string): Order | undefined {
    return this.orders.get(orderId);
  }

  require(orderId: string): Order {
    const order = this.orders.get(orderId);
    if (order === undefined) throw new OrdersError('UNKNOWN_ORDER', `no order ${orderId}`);
    return order;
  }

  /** By any ClOrdID the order has had (original, cancel or replace requests). */
  findByClOrdId(accountId: string, clOrdId: string): Order | undefined {
    const orderId = this.clOrdIds.orderIdOf(accountId, clOrdId);
    return orderId === undefined ? undefined : this.orders.get(orderId);
  }

  /** Orders not yet in a terminal state, optionally of one account. */
  openOrders(accountId?: string): Order[] {
    const out: Order[] = [];
    for (const o of this.orders.values()) {
      if (!isTerminal(o.status) && (accountId === undefined || o.accountId === accountId)) out.push(o);
    }
    return out;
  }

  all(): IterableIterator<Order> {
    return this.orders.values();
  }

  get size(): number {
    return this.orders.size;
  }

  private submit(event: SubmitEvent): ApplyResult {
    const existing = this.repeatOf(event.request);
    if (existing !== undefined) {
      return { kind: 'duplicate', order: this.require(existing), reason: 'repeated-request' };
    }
    if (this.orders.has(event.orderId)) {
      throw new OrdersError('INVALID_ORDER', `order id ${event.orderId} is already in use`);
    }
    const t = createOrder(event);
    this.clOrdIds.registerNew(event.request.accountId, event.request.clOrdId, event.orderId);
    this.orders.set(event.orderId, t.after);
    return { kind: 'applied', transition: t };
  }

  /**
   * The order a repeated request names (same content), undefined for an unused ClOrdID; throws
   * DuplicateClOrdIdError when the ClOrdID named something else. The request's fingerprint is
   * computed only when its ClOrdID was used before.
   */
  private repeatOf(request: NewOrderRequest): string | undefined {
    const entry = this.clOrdIds.entry(request.accountId, request.clOrdId);
    if (entry === undefined) return undefined;
    const fingerprint = requestFingerprint(request);
    return this.clOrdIds.sameRequest(request.accountId, request.clOrdId, entry, fingerprint);
  }

  private counted(orderId: string, execId: string): boolean {
    const seen = this.execIds.get(execId);
    return seen === orderId || (Array.isArray(seen) && seen.includes(orderId));
  }

  private count(orderId: string, execId: string): void {
    const seen = this.execIds.get(execId);
    if (seen === undefined) this.execIds.set(execId, orderId);
    else if (Array.isArray(seen)) seen.push(orderId);
    else this.execIds.set(execId, [seen, orderId]);
  }
}
