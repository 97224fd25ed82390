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

/** (account, ClOrdID) -> the request it named. A ClOrdID names one request per account, forever. */
export class ClOrdIdRegistry {
  private readonly entries = new Map<string, { orderId: string; fingerprint: string }>();

  /**
   * The order a ClOrdID already names when it names the same request; undefined when unused.
   * Throws DuplicateClOrdIdError when it named a different request.
   */
  lookup(accountId: string, clOrdId: string, fingerprint: string): string | undefined {
    const entry = this.entries.get(key(accountId, clOrdId));
    if (entry === undefined) return undefined;
    if (entry.fingerprint !== fingerprint) throw new DuplicateClOrdIdError(accountId, clOrdId);
    return entry.orderId;
  }

  register(accountId: string, clOrdId: string, fingerprint: string, orderId: string): void {
    this.entries.set(key(accountId, clOrdId), { orderId, fingerprint });
  }

  orderIdOf(accountId: string, clOrdId: string): string | undefined {
    return this.entries.get(key(accountId, clOrdId))?.orderId;
  }
}

const key = (accountId: string, clOrdId: string) => `${accountId}\u0000${clOrdId}`;

export class OrderStore {
  private readonly orders = new Map<string, Order>();
  private readonly clOrdIds = new ClOrdIdRegistry();
  private readonly execIds = new Set<string>();

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
    let claim: { clOrdId: string; fingerprint: string } | undefined;
    if (event.type === 'Fill') {
      if (this.execIds.has(execKey(order.orderId, event.execId))) {
        return { kind: 'duplicate', order, reason: 'repeated-execution' };
      }
    } else if (event.type === 'CancelRequest' || event.type === 'ReplaceRequest') {
      const fingerprint =
        event.type === 'CancelRequest'
          ? `cancel|${order.orderId}`
          : [
              'replace',
              order.orderId,
              event.orderQty,
              event.price ?? '',
              event.stopPrice ?? '',
              event.timeInForce ?? '',
              event.expireTimeMicros ?? '',
            ].join('|');
      if (this.clOrdIds.lookup(order.accountId, event.clOrdId, fingerprint) !== undefined) {
        return { kind: 'duplicate', order, reason: 'repeated-request' };
      }
      claim = { clOrdId: event.clOrdId, fingerprint };
    }
    const t = transition(order, event);
    // Only an accepted transition claims its ClOrdID or ExecID.
    if (claim !== undefined)
      this.clOrdIds.register(order.accountId, claim.clOrdId, claim.fingerprint, order.orderId);
    if (event.type === 'Fill') this.execIds.add(execKey(order.orderId, event.execId));
    this.orders.set(order.orderId, t.after);
    return { kind: 'applied', transition: t };
  }

  /**
   * Before risk and routing: the order a repeated request already created (same content), or
   * undefined for a new ClOrdID. Throws DuplicateClOrdIdError when the ClOrdID was used for
   * something else.
   */
  findSubmission(request: NewOrderRequest): Order | undefined {
    const orderId = this.clOrdIds.lookup(request.accountId, request.clOrdId, requestFingerprint(request));
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
    const fingerprint = requestFingerprint(event.request);
    const existing = this.clOrdIds.lookup(event.request.accountId, event.request.clOrdId, fingerprint);
    if (existing !== undefined) {
      return { kind: 'duplicate', order: this.require(existing), reason: 'repeated-request' };
    }
    if (this.orders.has(event.orderId)) {
      throw new OrdersError('INVALID_ORDER', `order id ${event.orderId} is already in use`);
    }
    const t = createOrder(event);
    this.clOrdIds.register(event.request.accountId, event.request.clOrdId, fingerprint, event.orderId);
    this.orders.set(event.orderId, t.after);
    return { kind: 'applied', transition: t };
  }
}

const execKey = (orderId: string, execId: string) => `${orderId}\u0000${execId}`;
