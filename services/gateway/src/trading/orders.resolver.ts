import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '@tapeline/auth';
import type { commonV1 } from '@tapeline/contracts';
import { FixedPointError, parseFixed, toWireDecimal } from '@tapeline/fixed-point';
import { CurrentPrincipal, RequirePermission } from '../auth/require-permission';
import { badInput } from '../graphql/errors';
import { loadConnection } from '../graphql/paging';
import { TimestampScalar } from '../graphql/scalars';
import { wireTimestamp } from '../graphql/wire';
import { asYielded, type LiveContext } from '../live/live-context';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { AccountDesks } from './account-desks';
import { actorOf, newRequestId } from './actor';
import { OrderUpdateFeed } from './order-update-feed';
import { OmsClient } from './trading-clients';
import {
  CancelOrderInput,
  Execution,
  ExecutionConnection,
  Order,
  OrderConnection,
  OrderResult,
  OrdStatus,
  Position,
  Positions,
  ReplaceOrderInput,
  SubmitOrderInput,
  toExecution,
  toOrder,
  toPosition,
  toRejection,
  WIRE,
} from './trading.model';

export const MAX_TRADING_PAGE = 1000;
const ACCOUNT_IDS = {
  type: () => [ID],
  nullable: true,
  description: 'Unset: every account the caller may see.',
};

function wireDecimal(value: string | null | undefined, argument: string): commonV1.Decimal | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return toWireDecimal(parseFixed(value));
  } catch (err) {
    if (err instanceof FixedPointError) throw badInput(argument, err.message);
    throw err;
  }
}

function timeRange(from: number | null | undefined, to: number | null | undefined) {
  if (from != null && to != null && to <= from) throw badInput('to', 'must be after from');
  return {
    ...(from != null ? { from: wireTimestamp(from) } : {}),
    ...(to != null ? { to: wireTimestamp(to) } : {}),
  };
}

/** Orders, executions and positions of the oms, under the desk rule of the permission table. */
@Resolver()
export class OrdersResolver {
  constructor(
    @Inject(OmsClient) private readonly oms: OmsClient,
    @Inject(AccountDesks) private readonly accounts: AccountDesks,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
    @Inject(OrderUpdateFeed) private readonly feed: OrderUpdateFeed,
  ) {}

  @RequirePermission('orders:submit')
  @Mutation(() => OrderResult, {
    description:
      'A new order on an account of your desk. Idempotent on (accountId, clOrdId): a repeat returns ' +
      'the original order (duplicate: true). A risk refusal is data: the order REJECTED with its rejections.',
  })
  async submitOrder(
    @Args('input') input: SubmitOrderInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderResult> {
    await this.accounts.authorizeAccount(principal, 'orders:submit', input.accountId, 'input.accountId');
    const price = wireDecimal(input.price, 'input.price');
    const stopPrice = wireDecimal(input.stopPrice, 'input.stopPrice');
    const res = await this.oms.call('submitOrder', {
      actor: actorOf(principal),
      requestId: newRequestId(),
      accountId: input.accountId,
      clOrdId: input.clOrdId,
      instrumentId: input.instrumentId,
      side: WIRE.side[input.side],
      ordType: WIRE.ordType[input.ordType],
      timeInForce: WIRE.timeInForce[input.timeInForce],
      orderQty: wireDecimal(input.orderQty, 'input.orderQty'),
      price,
      stopPrice,
      expireTime: input.expireTime != null ? wireTimestamp(input.expireTime) : undefined,
    });
    return {
      order: toOrder(res.order!),
      duplicate: res.duplicate,
      rejections: res.rejections.map(toRejection),
    };
  }

  @RequirePermission('orders:cancel')
  @Mutation(() => Order, { description: 'OrderCancelRequest: the order goes PENDING_CANCEL, then CANCELED.' })
  async cancelOrder(
    @Args('input') input: CancelOrderInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Order> {
    await this.accounts.authorizeAccount(principal, 'orders:cancel', input.accountId, 'input.accountId');
    const res = await this.oms.call('cancelOrder', {
      actor: actorOf(principal),
      requestId: newRequestId(),
      accountId: input.accountId,
      clOrdId: input.clOrdId,
      origClOrdId: input.origClOrdId ?? '',
      orderId: input.orderId ?? '',
    });
    return toOrder(res.order!);
  }

  @RequirePermission('orders:submit')
  @Mutation(() => OrderResult, {
    description: 'OrderCancelReplaceRequest: amend price and/or quantity under a new clOrdId.',
  })
  async replaceOrder(
    @Args('input') input: ReplaceOrderInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderResult> {
    await this.accounts.authorizeAccount(principal, 'orders:submit', input.accountId, 'input.accountId');
    const res = await this.oms.call('replaceOrder', {
      actor: actorOf(principal),
      requestId: newRequestId(),
      accountId: input.accountId,
      clOrdId: input.clOrdId,
      origClOrdId: input.origClOrdId ?? '',
      orderId: input.orderId ?? '',
      orderQty: wireDecimal(input.orderQty, 'input.orderQty'),
      price: wireDecimal(input.price, 'input.price'),
    });
    return { order: toOrder(res.order!), duplicate: false, rejections: res.rejections.map(toRejection) };
  }

  @RequirePermission('orders:read')
  @Query(() => Order, { description: 'One order of an account, by orderId or clOrdId.' })
  async order(
    @Args('accountId', { type: () => ID }) accountId: string,
    @Args('orderId', { type: () => ID, nullable: true }) orderId: string | null,
    @Args('clOrdId', { type: () => String, nullable: true }) clOrdId: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Order> {
    if (!orderId && !clOrdId) throw badInput('orderId', 'or clOrdId is required');
    await this.accounts.authorizeAccount(principal, 'orders:read', accountId);
    const res = await this.oms.call('getOrder', {
      accountId,
      orderId: orderId ?? '',
      clOrdId: clOrdId ?? '',
    });
    return toOrder(res.order!);
  }

  @RequirePermission('orders:read')
  @Query(() => OrderConnection, {
    description: 'Orders of accounts, oldest first; [from, to) on creation time.',
  })
  async orders(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @Args('statuses', { type: () => [OrdStatus], nullable: true }) statuses: OrdStatus[] | null,
    @Args('from', { type: () => TimestampScalar, nullable: true }) from: number | null,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: `1..${MAX_TRADING_PAGE}` })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderConnection> {
    const range = timeRange(from, to);
    const visible = await this.accounts.visibleAccounts(principal, 'orders:read', accountIds);
    return loadConnection(
      { first, after, max: MAX_TRADING_PAGE },
      async (page) => {
        if (visible?.length === 0) return { items: [] };
        const res = await this.oms.call('listOrders', {
          accountIds: visible ?? [],
          statuses: (statuses ?? []).map(WIRE.ordStatus),
          ...range,
          page,
        });
        return { items: res.orders, pageInfo: res.pageInfo };
      },
      toOrder,
    );
  }

  @RequirePermission('orders:read')
  @Query(() => ExecutionConnection, {
    description: 'Execution reports of accounts (or one order), as they happened.',
  })
  async executions(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @Args('orderId', { type: () => ID, nullable: true }) orderId: string | null,
    @Args('from', { type: () => TimestampScalar, nullable: true }) from: number | null,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: `1..${MAX_TRADING_PAGE}` })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExecutionConnection> {
    const range = timeRange(from, to);
    const visible = await this.accounts.visibleAccounts(principal, 'orders:read', accountIds);
    return loadConnection(
      { first, after, max: MAX_TRADING_PAGE },
      async (page) => {
        if (visible?.length === 0) return { items: [] };
        const res = await this.oms.call('listExecutions', {
          accountIds: visible ?? [],
          orderId: orderId ?? '',
          ...range,
          page,
        });
        return { items: res.executions, pageInfo: res.pageInfo };
      },
      toExecution,
    );
  }

  @RequirePermission('positions:read')
  @Query(() => Positions, {
    description: 'Positions of accounts (or of a desk) and the exposure of each desk.',
  })
  async positions(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @Args('desk', { type: () => String, nullable: true }) desk: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Positions> {
    const visible = await this.accounts.visibleAccounts(principal, 'positions:read', accountIds);
    if (desk) this.accounts.authorizeDesk(principal, 'positions:read', desk);
    if (visible?.length === 0) return { positions: [], exposures: [] };
    const res = await this.oms.call('listPositions', { accountIds: visible ?? [], desk: desk ?? '' });
    return {
      positions: res.positions.map(toPosition),
      exposures: res.exposures.map((e) => ({
        desk: e.desk,
        currency: e.currency,
        grossExposure: e.grossExposure || '0',
        netExposure: e.netExposure || '0',
        realizedPnl: e.realizedPnl || '0',
        unrealizedPnl: e.unrealizedPnl || '0',
      })),
    };
  }

  @RequirePermission('orders:read')
  @Subscription(() => Order, {
    name: 'orderUpdates',
    resolve: asYielded,
    description: 'Every state change of the orders of accounts you may see, in order.',
  })
  async liveOrderUpdates(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @CurrentPrincipal() principal: Principal,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Order>> {
    return this.stream<Order>('orderUpdates', 'orders:read', accountIds, principal, ctx);
  }

  @RequirePermission('orders:read')
  @Subscription(() => Execution, {
    name: 'executions',
    resolve: asYielded,
    description: 'Execution reports of the accounts you may see, as they happen.',
  })
  async liveExecutions(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @CurrentPrincipal() principal: Principal,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Execution>> {
    return this.stream<Execution>('executions', 'orders:read', accountIds, principal, ctx);
  }

  @RequirePermission('positions:read')
  @Subscription(() => Position, {
    name: 'positions',
    resolve: asYielded,
    description:
      'Positions of the accounts you may see as they change: the latest per account and instrument.',
  })
  async livePositions(
    @Args('accountIds', ACCOUNT_IDS) accountIds: string[] | null,
    @CurrentPrincipal() principal: Principal,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Position>> {
    return this.stream<Position>('positions', 'positions:read', accountIds, principal, ctx);
  }

  /** A subscription to the oms's updates of the accounts the principal may see (the stream starts if not yet). */
  private async stream<U extends { instrumentId: string }>(
    channel: 'orderUpdates' | 'executions' | 'positions',
    permission: 'orders:read' | 'positions:read',
    accountIds: string[] | null,
    principal: Principal,
    ctx: LiveContext,
  ): Promise<AsyncIterator<U>> {
    const visible = await this.accounts.visibleAccounts(principal, permission, accountIds);
    this.feed.start();
    return this.live.accountUpdates<U>(channel, visible, ctx.connection);
  }
}
