// GetOrder, ListOrders, ListExecutions, ListPositions: answered from the oms state, after every
// change made so far is durable (a reader never sees a state a crash could take back).
import type { eventsV1, omsV1 } from '@tapeline/contracts';
import { toOrderEvent, type Order } from '@tapeline/orders';
import { OmsError } from '../errors';
import type { JournalWriter } from '../journal/journal-writer';
import type { OmsState } from '../state/oms-state';
import { deskExposures, positionView } from '../state/position-view';
import { decodeCursor, encodeCursor, micros, pageSize } from './paging';

export class OrderQueries {
  constructor(
    private readonly state: OmsState,
    private readonly writer: JournalWriter,
  ) {}

  async getOrder(req: omsV1.GetOrderRequest): Promise<omsV1.GetOrderResponse> {
    await this.writer.durable();
    if (!req.accountId) throw new OmsError('INVALID_ARGUMENT', 'account_id is required');
    let order: Order | undefined;
    if (req.orderId) order = this.state.orders.get(req.orderId);
    else if (req.clOrdId) order = this.state.orders.findByClOrdId(req.accountId, req.clOrdId);
    else throw new OmsError('INVALID_ARGUMENT', 'order_id or cl_ord_id is required');
    if (!order || order.accountId !== req.accountId) {
      throw new OmsError(
        'NOT_FOUND',
        `account ${req.accountId} has no order ${req.orderId || `with ClOrdID "${req.clOrdId}"`}`,
      );
    }
    return { order: toOrderEvent(order) };
  }

  /** Orders in creation order; `from`/`to` bound the creation time (to exclusive). */
  async listOrders(req: omsV1.ListOrdersRequest): Promise<omsV1.ListOrdersResponse> {
    await this.writer.durable();
    const accounts = req.accountIds.length > 0 ? new Set(req.accountIds) : null;
    const statuses = req.statuses.length > 0 ? new Set<number>(req.statuses) : null;
    const from = micros(req.from);
    const to = micros(req.to);
    const size = pageSize(req.page?.pageSize);
    const start = Number(decodeCursor('orders', req.page?.pageToken));
    const matching: Order[] = [];
    let nextIndex = -1;
    let total = 0;
    const ids = this.state.created;
    for (let i = 0; i < ids.length; i++) {
      const order = this.state.orders.get(ids[i]!)!;
      const createdAt = this.state.createdAt.get(order.orderId)!;
      if (accounts && !accounts.has(order.accountId)) continue;
      if (statuses && !statuses.has(order.status)) continue;
      if (from !== undefined && createdAt < from) continue;
      if (to !== undefined && createdAt >= to) continue;
      total++;
      if (i < start) continue;
      if (matching.length < size) matching.push(order);
      else if (nextIndex < 0) nextIndex = i;
    }
    return {
      orders: matching.map(toOrderEvent),
      pageInfo: { nextPageToken: nextIndex >= 0 ? encodeCursor('orders', nextIndex) : '', totalSize: total },
    };
  }

  /** Execution reports in the order they happened. */
  async listExecutions(req: omsV1.ListExecutionsRequest): Promise<omsV1.ListExecutionsResponse> {
    await this.writer.durable();
    const accounts = req.accountIds.length > 0 ? new Set(req.accountIds) : null;
    const from = micros(req.from);
    const to = micros(req.to);
    const size = pageSize(req.page?.pageSize);
    const start = Number(decodeCursor('executions', req.page?.pageToken));
    const page: eventsV1.ExecutionEvent[] = [];
    let nextIndex = -1;
    let total = 0;
    const all = this.state.executions;
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      if (accounts && !accounts.has(e.accountId)) continue;
      if (req.orderId && e.orderId !== req.orderId) continue;
      const at = BigInt(e.transactTimeMicros);
      if (from !== undefined && at < from) continue;
      if (to !== undefined && at >= to) continue;
      total++;
      if (i < start) continue;
      if (page.length < size) page.push(e);
      else if (nextIndex < 0) nextIndex = i;
    }
    return {
      executions: page,
      pageInfo: {
        nextPageToken: nextIndex >= 0 ? encodeCursor('executions', nextIndex) : '',
        totalSize: total,
      },
    };
  }

  async listPositions(req: omsV1.ListPositionsRequest): Promise<omsV1.ListPositionsResponse> {
    await this.writer.durable();
    const accounts = req.accountIds.length > 0 ? new Set(req.accountIds) : null;
    const positions = [...this.state.positions.all()]
      .filter((p) => (!accounts || accounts.has(p.accountId)) && (!req.desk || p.desk === req.desk))
      .sort((a, b) => (a.accountId + a.instrumentId < b.accountId + b.instrumentId ? -1 : 1));
    return {
      positions: positions.map((p) => positionView(this.state, p)),
      exposures: deskExposures(this.state, positions),
    };
  }
}
