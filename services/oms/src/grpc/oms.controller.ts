import { randomUUID } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import { omsV1, type commonV1, type eventsV1 } from '@tapeline/contracts';
import type { FixedPoint } from '@tapeline/fixed-point';
import { toOrderEvent } from '@tapeline/orders';
import { grpcError } from '@tapeline/service-kit';
import { OmsError } from '../errors';
import type { Requester } from '../use-cases/trading-context';
import { AccountsQuery } from './accounts.query';
import { OMS_USE_CASES, type OmsUseCases } from './use-case-registry';

/** The contract's RPCs: proto in, a use case or query, proto out. */
@Controller()
@omsV1.OmsServiceControllerMethods()
export class OmsController implements omsV1.OmsServiceController {
  constructor(@Inject(OMS_USE_CASES) private readonly oms: OmsUseCases) {}

  private readonly accounts = new AccountsQuery();

  submitOrder(req: omsV1.SubmitOrderRequest): Promise<omsV1.SubmitOrderResponse> {
    return answer(async () => {
      const r = await this.oms.submitOrder.execute({
        ...requester(req),
        accountId: req.accountId,
        clOrdId: req.clOrdId,
        instrumentId: req.instrumentId,
        side: req.side,
        ordType: req.ordType,
        timeInForce: req.timeInForce,
        orderQty: required(decimal(req.orderQty, 'order_qty'), 'order_qty'),
        ...optional('price', decimal(req.price, 'price')),
        ...optional('stopPrice', decimal(req.stopPrice, 'stop_price')),
        ...optional('expireTimeMicros', timestamp(req.expireTime)),
      });
      return { order: toOrderEvent(r.order), duplicate: r.duplicate, rejections: [...r.rejections] };
    });
  }

  cancelOrder(req: omsV1.CancelOrderRequest): Promise<omsV1.CancelOrderResponse> {
    return answer(async () => {
      const order = await this.oms.cancelOrder.execute({ ...requester(req), ...amendTarget(req) });
      return { order: toOrderEvent(order) };
    });
  }

  replaceOrder(req: omsV1.ReplaceOrderRequest): Promise<omsV1.ReplaceOrderResponse> {
    return answer(async () => {
      const r = await this.oms.replaceOrder.execute({
        ...requester(req),
        ...amendTarget(req),
        ...optional('orderQty', decimal(req.orderQty, 'order_qty')),
        ...optional('price', decimal(req.price, 'price')),
      });
      return { order: toOrderEvent(r.order), rejections: [...r.rejections] };
    });
  }

  getOrder(req: omsV1.GetOrderRequest): Promise<omsV1.GetOrderResponse> {
    return answer(() => this.oms.orders.getOrder(req));
  }

  listOrders(req: omsV1.ListOrdersRequest): Promise<omsV1.ListOrdersResponse> {
    return answer(() => this.oms.orders.listOrders(req));
  }

  listExecutions(req: omsV1.ListExecutionsRequest): Promise<omsV1.ListExecutionsResponse> {
    return answer(() => this.oms.orders.listExecutions(req));
  }

  listPositions(req: omsV1.ListPositionsRequest): Promise<omsV1.ListPositionsResponse> {
    return answer(() => this.oms.orders.listPositions(req));
  }

  streamOrderUpdates(req: omsV1.StreamOrderUpdatesRequest): Observable<omsV1.StreamOrderUpdatesResponse> {
    return this.oms.updates.subscribe(req.accountIds);
  }

  setKillSwitch(req: omsV1.SetKillSwitchRequest): Promise<omsV1.SetKillSwitchResponse> {
    return answer(async () => {
      const r = await this.oms.setKillSwitch.execute({
        ...requester(req),
        scope: req.scope,
        target: req.target,
        engaged: req.engaged,
        reason: req.reason,
      });
      return { engaged: r.engaged, cancelledOrderIds: [...r.cancelledOrderIds] };
    });
  }

  setRiskLimit(req: omsV1.SetRiskLimitRequest): Promise<omsV1.SetRiskLimitResponse> {
    return answer(() =>
      this.oms.setRiskLimit.execute({
        ...requester(req),
        scope: req.scope,
        target: req.target,
        control: req.control,
        value: req.value,
      }),
    );
  }

  queryJournal(req: omsV1.QueryJournalRequest): Promise<omsV1.QueryJournalResponse> {
    return answer(() => this.oms.journal.query(req));
  }

  verifyJournal(req: omsV1.VerifyJournalRequest): Promise<omsV1.VerifyJournalResponse> {
    return answer(() => this.oms.journal.verify(req));
  }

  listAccounts(): Promise<omsV1.ListAccountsResponse> {
    return answer(() => Promise.resolve(this.accounts.list()));
  }
}

/** OmsError to its gRPC status; anything else reaches the exception filter (INTERNAL, logged). */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OmsError) throw grpcError(status[err.code], err.message);
    throw err;
  }
}

function requester(req: { actor?: eventsV1.Actor | undefined; requestId: string }): Requester {
  const a = req.actor;
  if (!a || (!a.userId && !a.clientId))
    throw new OmsError('INVALID_ARGUMENT', 'actor (user_id or client_id) is required');
  return {
    actor: { userId: a.userId, clientId: a.clientId, desk: a.desk, role: a.role },
    requestId: req.requestId || `oms-${randomUUID()}`,
  };
}

function amendTarget(req: { accountId: string; clOrdId: string; origClOrdId: string; orderId: string }) {
  return {
    accountId: req.accountId,
    clOrdId: req.clOrdId,
    origClOrdId: req.origClOrdId,
    orderId: req.orderId,
  };
}

function decimal(d: commonV1.Decimal | undefined, field: string): FixedPoint | undefined {
  if (!d) return undefined;
  if (!/^-?\d{1,19}$/.test(d.mantissa) || !Number.isInteger(d.scale) || d.scale > 18) {
    throw new OmsError(
      'INVALID_ARGUMENT',
      `${field} is not a decimal (mantissa "${d.mantissa}", scale ${d.scale})`,
    );
  }
  return { mantissa: BigInt(d.mantissa), scale: d.scale };
}

function timestamp(t: commonV1.Timestamp | undefined): bigint | undefined {
  if (!t || t.unixMicros === '0' || t.unixMicros === '') return undefined;
  if (!/^\d{1,19}$/.test(t.unixMicros))
    throw new OmsError('INVALID_ARGUMENT', `expire_time "${t.unixMicros}" is not UTC micros`);
  return BigInt(t.unixMicros);
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new OmsError('INVALID_ARGUMENT', `${field} is required`);
  return value;
}

function optional<K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };
}
