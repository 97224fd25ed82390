import { ConflatingMailbox, type Delivery, type Gap, type MailboxStats } from '@tapeline/conflation';
import { GraphQLError } from 'graphql';
import type { Logger } from '@tapeline/telemetry';
import { apiError } from '../graphql/errors';
import { DepthKind, type DepthUpdate } from '../market/market.model';
import {
  toAlertGap,
  toTradeGap,
  type AlertGap,
  type GapAlert,
  type GapTrade,
  type TradeGap,
} from './live-gap.model';
import { LiveStream, SendWindow, type Render, type SocketLike } from './live-stream';
import { ANY_INSTRUMENT, type Channel, type MarketHub } from './market-hub';

/**
 * One WebSocket connection as the subscription layer sees it: its socket (for the send window) and
 * how many subscriptions it holds, against the per-connection limit.
 */
export class LiveConnection {
  private open = 0;

  constructor(
    readonly socket: SocketLike | undefined,
    private readonly maxSubscriptions: number,
  ) {}

  /** Takes a subscription slot; returns its release. TOO_MANY_SUBSCRIPTIONS past the limit. */
  acquire(): () => void {
    if (this.open >= this.maxSubscriptions) {
      throw apiError(
        'TOO_MANY_SUBSCRIPTIONS',
        `a connection may hold at most ${this.maxSubscriptions} subscriptions; this would be ${this.open + 1}`,
        { limit: this.maxSubscriptions, value: this.open + 1 },
      );
    }
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
    };
  }

  get subscriptions(): number {
    return this.open;
  }
}

export interface LiveLimits {
  /** A subscription takes from its mailbox only while its socket buffers less than this. */
  wsSendBufferBytes: number;
  /** Pending depth diffs per instrument before they are dropped for a fresh snapshot. */
  depthDiffsPerSubscription: number;
  /**
   * Pending trades or alerts per instrument before the newest pending one makes way for a gap
   * (ADR 0011); pending closed bars, order updates or executions before the subscriber is too slow.
   */
  factsPerSubscription: number;
}

/** What the bars filter needs of a bar; the live bar model has these fields. */
export interface LiveBar {
  barType: string;
  closed: boolean;
  openTime: number;
}

/** A depth snapshot of one instrument from the book service (market-data GetBook). */
export type FetchSnapshot = (instrumentId: string) => Promise<DepthUpdate>;

export interface LiveStats extends MailboxStats {
  subscriptions: number;
  /** Pending deliveries over every mailbox, and the most any one mailbox holds. */
  pending: number;
  maxPending: number;
}

type AnyStream = LiveStream<unknown, unknown>;

/**
 * Opens the live subscriptions of the API over the market hub, each with its own conflating
 * mailbox: quotes and forming bars latest-wins, depth diffs sequenced with snapshot resync,
 * trades and alerts kept in order up to a bound and past it dropped with a gap named on the next
 * one delivered (ADR 0011), closed bars and account updates kept in order up to a bound (each is a
 * fact: a subscriber too slow for them is told so rather than silently missing some).
 */
export class LiveSubscriptions {
  private readonly streams = new Set<AnyStream>();
  private readonly finished: MailboxStats = {
    published: 0,
    delivered: 0,
    conflated: 0,
    diffsDropped: 0,
    resyncs: 0,
    factsDropped: 0,
    gaps: 0,
  };

  constructor(
    private readonly hub: MarketHub,
    private readonly limits: LiveLimits,
    private readonly logger?: Logger,
  ) {}

  quotes<Q>(instrumentIds: readonly string[], connection: LiveConnection | undefined): LiveStream<Q, Q> {
    return this.open<Q, Q>({
      channel: 'quotes',
      instrumentIds,
      connection,
      publish: (mailbox, id, quote) => mailbox.publishLatest(id, quote),
      render: (d) => (d.kind === 'update' ? d.value : undefined),
    });
  }

  /**
   * Trades in order; a subscriber too slow for them keeps a bounded buffer, and the trade after
   * the ones dropped carries their gap.
   */
  trades<T extends GapTrade & { gap?: TradeGap | null }>(
    instrumentIds: readonly string[],
    connection: LiveConnection | undefined,
  ): LiveStream<T, T> {
    return this.open<T, T>({
      channel: 'trades',
      instrumentIds,
      connection,
      publish: (mailbox, id, trade) => mailbox.publishFact(id, trade),
      render: (d) => withGap(d, toTradeGap),
    });
  }

  /**
   * Alerts of the given instruments, or of everything (alerts not tied to one included) when null;
   * only those `accept` lets through when it is given. Like trades, with their gaps.
   */
  alerts<A extends GapAlert & { gap?: AlertGap | null }>(
    instrumentIds: readonly string[] | null,
    connection: LiveConnection | undefined,
    accept?: (alert: A) => boolean,
  ): LiveStream<A, A> {
    return this.open<A, A>({
      channel: 'alerts',
      instrumentIds: instrumentIds ?? [ANY_INSTRUMENT],
      connection,
      publish: (mailbox, id, alert) => {
        if (!accept || accept(alert)) mailbox.publishFact(id, alert);
      },
      render: (d) => withGap(d, toAlertGap),
    });
  }

  /**
   * Order updates or executions of some accounts (every account when null), in order: each is a
   * fact. Positions instead are latest-wins per account and instrument: a slow reader gets the
   * current position, never a stale one.
   */
  accountUpdates<U extends { instrumentId: string }>(
    channel: 'orderUpdates' | 'executions' | 'positions',
    accountIds: readonly string[] | null,
    connection: LiveConnection | undefined,
  ): LiveStream<U, U> {
    return this.open<U, U>({
      channel,
      instrumentIds: accountIds ?? [ANY_INSTRUMENT],
      connection,
      publish: (mailbox, account, update) => {
        if (channel === 'positions') mailbox.publishLatest(`${account} ${update.instrumentId}`, update);
        else mailbox.publishDiff(account, update);
      },
      render: (d) => this.fact(d, channel),
    });
  }

  /**
   * Bars of the instruments and bar types: closed bars in order, forming bars latest-wins. A forming
   * bar never follows the close of its own period.
   */
  bars<B extends LiveBar>(
    instrumentIds: readonly string[],
    barTypes: readonly string[],
    includeForming: boolean,
    connection: LiveConnection | undefined,
  ): LiveStream<B, B> {
    const wanted = new Set(barTypes);
    const lastClosedOpen = new Map<string, number>();
    return this.open<B, B>({
      channel: 'bars',
      instrumentIds,
      connection,
      publish: (mailbox, id, bar) => {
        if (!wanted.has(bar.barType)) return;
        const key = `${id} ${bar.barType}`;
        if (bar.closed) mailbox.publishDiff(key, bar);
        else if (includeForming) mailbox.publishLatest(key, bar);
      },
      render: (d) => {
        const bar = this.fact(d, 'bars');
        if (!bar) return undefined;
        const last = lastClosedOpen.get(d.key);
        if (bar.closed) lastClosedOpen.set(d.key, bar.openTime);
        else if (last !== undefined && bar.openTime <= last) return undefined;
        return bar;
      },
    });
  }

  /**
   * Depth of the instruments: a snapshot of each book first, then the diffs that chain onto it.
   * Diffs already in the snapshot are skipped; a gap in the chain, or a run of diffs the client
   * was too slow for, is answered with a fresh snapshot. The hub route is registered before the
   * snapshots are fetched so that no diff falls between the two.
   */
  async depth(
    instrumentIds: readonly string[],
    fetchSnapshot: FetchSnapshot,
    connection: LiveConnection | undefined,
  ): Promise<LiveStream<DepthUpdate, DepthUpdate>> {
    const last = new Map<string, bigint>();
    const snapshot = async (id: string): Promise<DepthUpdate> => {
      const s = await fetchSnapshot(id);
      last.set(id, BigInt(s.sequence));
      return s;
    };
    const stream = this.open<DepthUpdate, DepthUpdate>({
      channel: 'depth',
      instrumentIds,
      connection,
      publish: (mailbox, id, update) => mailbox.publishDiff(id, update),
      render: async (d) => {
        if (d.kind === 'resync') return snapshot(d.key);
        const update = d.value;
        const sequence = BigInt(update.sequence);
        const seen = last.get(d.key);
        if (update.kind === DepthKind.SNAPSHOT) {
          last.set(d.key, sequence);
          return update;
        }
        if (seen !== undefined && sequence <= seen) return undefined;
        if (seen === undefined || BigInt(update.previousSequence) !== seen) return snapshot(d.key);
        last.set(d.key, sequence);
        return update;
      },
      maxDiffsPerKey: this.limits.depthDiffsPerSubscription,
    });
    try {
      const snapshots = await Promise.all([...new Set(instrumentIds)].map(snapshot));
      stream.prepend(snapshots);
    } catch (err) {
      await stream.return();
      throw err;
    }
    return stream;
  }

  stats(): LiveStats {
    const total: LiveStats = {
      ...this.finished,
      subscriptions: this.streams.size,
      pending: 0,
      maxPending: 0,
    };
    for (const s of this.streams) {
      addStats(total, s.mailbox.stats);
      const pending = s.mailbox.pending;
      total.pending += pending;
      if (pending > total.maxPending) total.maxPending = pending;
    }
    return total;
  }

  /** Ends every subscription (shutdown). */
  closeAll(): void {
    for (const s of [...this.streams]) void s.return();
  }

  /** API errors end the subscription as they are; anything else is logged and sent as INTERNAL. */
  private failed(err: unknown, channel: Channel): never {
    if (err instanceof GraphQLError) throw err;
    this.logger?.error({ err, channel }, 'live subscription failed');
    throw apiError('INTERNAL', 'internal error');
  }

  private fact<V>(d: Delivery<V>, channel: Channel): V | undefined {
    if (d.kind === 'update') return d.value;
    throw apiError(
      'SLOW_CONSUMER',
      `the subscriber read ${channel} of ${d.key} too slowly and ${this.limits.factsPerSubscription}+ ` +
        `were pending; resubscribe, and query the history for what was missed`,
      { limit: this.limits.factsPerSubscription },
    );
  }

  private open<T, Out>(spec: {
    channel: Channel;
    instrumentIds: readonly string[];
    connection: LiveConnection | undefined;
    publish: (mailbox: ConflatingMailbox<T>, instrumentId: string, value: T) => void;
    render: Render<T, Out>;
    maxDiffsPerKey?: number;
  }): LiveStream<T, Out> {
    const release = spec.connection?.acquire() ?? (() => undefined);
    const mailbox = new ConflatingMailbox<T>({
      maxDiffsPerKey: spec.maxDiffsPerKey ?? this.limits.factsPerSubscription,
    });
    const unsubscribe = this.hub.subscribe(spec.channel, spec.instrumentIds, (id, value) =>
      spec.publish(mailbox, id, value as T),
    );
    const stream: LiveStream<T, Out> = new LiveStream<T, Out>({
      mailbox,
      window: new SendWindow(spec.connection?.socket, this.limits.wsSendBufferBytes),
      render: (d) => {
        try {
          const out = spec.render(d);
          return out instanceof Promise ? out.catch((err: unknown) => this.failed(err, spec.channel)) : out;
        } catch (err) {
          return this.failed(err, spec.channel);
        }
      },
      onClose: () => {
        unsubscribe();
        release();
        this.streams.delete(stream as unknown as AnyStream);
        addStats(this.finished, mailbox.stats);
      },
    });
    this.streams.add(stream as unknown as AnyStream);
    return stream;
  }
}

function addStats(into: MailboxStats, from: Readonly<MailboxStats>): void {
  into.published += from.published;
  into.delivered += from.delivered;
  into.conflated += from.conflated;
  into.diffsDropped += from.diffsDropped;
  into.resyncs += from.resyncs;
  into.factsDropped += from.factsDropped;
  into.gaps += from.gaps;
}

/** A fact as delivered: itself, or a copy that names the gap before it. */
function withGap<V extends { gap?: G | null }, G>(d: Delivery<V>, toGap: (gap: Gap<V>) => G): V | undefined {
  if (d.kind !== 'update') return undefined; // facts are never resynced
  return d.gap ? { ...d.value, gap: toGap(d.gap) } : d.value;
}
