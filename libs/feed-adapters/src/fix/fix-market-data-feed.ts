// FIX 4.4 market data over a jspurefix initiator session. On every logon the feed subscribes each
// symbol with a MarketDataRequest (263=1 snapshot + updates, 265=1 incremental, 267: bid, offer,
// trade); the venue answers with a Snapshot/Full Refresh (W) and then Incremental Refreshes (X).
// A lost session is retried with backoff (@tapeline/fix-session's ReconnectingInitiator), and the
// new session starts with fresh snapshots: a reconnect is a gap.
// Sequence numbers: see fix-md-decoder.ts (MsgSeqNum, chained per symbol) and sequence-watch.ts.

import type { MsgView } from 'jspurefix';
import { initiatorDescription, ReconnectingInitiator, type FixInitiatorOptions } from '@tapeline/fix-session';
import type { SessionShell } from '@tapeline/fix-session/runtime';
import type { FeedAdapter, FeedSink, FeedStatus, RawMarketEvent } from '@tapeline/market';
import { FeedConfigError, SnapshotRequestError, describeError } from '../errors';
import { receiveTimeMicros, truncateFrame } from '../frame';
import { feedBackoff } from '../reconnect-backoff';
import { FixMarketDataDecoder } from './fix-md-decoder';
import { SequenceWatch } from './sequence-watch';

export interface FixMarketDataOptions extends FixInitiatorOptions {
  /** Venue name stamped on every event. Default "fix". */
  readonly venue?: string;
  /** Venue symbols (55), e.g. ["EUR/USD"]. */
  readonly symbols: readonly string[];
  /** MarketDepth (264): 0 = full book. Default 0. */
  readonly marketDepth?: number;
}

// MsgType (35) values; jspurefix's MsgType enum is not imported here so that loading this module stays cheap.
const MARKET_DATA_REQUEST = 'V';
const SNAPSHOT_FULL_REFRESH = 'W';
const INCREMENTAL_REFRESH = 'X';
const REQUEST_REJECT = 'Y';

const ENTRY_TYPES = [{ MDEntryType: '0' }, { MDEntryType: '1' }, { MDEntryType: '2' }]; // bid, offer, trade

const REJECT_REASONS: Record<string, string> = {
  '0': 'unknown symbol',
  '1': 'duplicate MDReqID',
  '2': 'insufficient bandwidth',
  '3': 'insufficient permissions',
  '4': 'unsupported SubscriptionRequestType',
  '5': 'unsupported MarketDepth',
  '6': 'unsupported MDUpdateType',
  '7': 'unsupported AggregatedBook',
  '8': 'unsupported MDEntryType',
};

export class FixMarketDataFeed implements FeedAdapter {
  readonly venue: string;
  private readonly initiator: ReconnectingInitiator;
  private readonly decoder: FixMarketDataDecoder;
  private readonly sequence: SequenceWatch;
  /** Symbol per MDReqID sent on the current session. */
  private readonly requests = new Map<string, string>();
  private requestCount = 0;
  private sink: FeedSink | null = null;

  constructor(private readonly options: FixMarketDataOptions) {
    if (options.symbols.length === 0)
      throw new FeedConfigError('FIX market data feed needs at least one symbol');
    if (!options.senderCompId || !options.targetCompId) {
      throw new FeedConfigError('FIX market data feed needs senderCompId and targetCompId');
    }
    if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
      throw new FeedConfigError(`FIX port must be 1..65535, got ${options.port}`);
    }
    this.venue = options.venue ?? 'fix';
    this.decoder = new FixMarketDataDecoder(this.venue, (id) => this.requests.get(id));
    this.sequence = new SequenceWatch(() => this.decoder.breakChains());
    const description = initiatorDescription(options, {
      name: `${this.venue}-md`,
      resetSeqNumOnLogon: true, // market data is not recovered from a resend store: a new session resyncs by snapshot
    });
    this.initiator = new ReconnectingInitiator(
      {
        description,
        backoff: feedBackoff(options.backoff),
        logFactory: options.logFactory,
        stopReason: `${this.venue} feed stopping`,
      },
      {
        onSessionStarting: () => {
          this.requests.clear();
          this.decoder.breakChains();
          this.sequence.reset();
        },
        onLoggedOn: (session) => this.onLoggedOn(session),
        onInbound: (msgType, view) => this.sequence.inbound(msgType, view),
        onApplicationMessage: (msgType, view, text) => this.onApplicationMessage(msgType, view, text),
        onDisconnected: (reason) => this.status({ state: 'disconnected', venue: this.venue, reason }),
        onReconnecting: (attempt, delayMs) =>
          this.status({ state: 'reconnecting', venue: this.venue, attempt, delayMs }),
      },
    );
  }

  /** Resolves once the first session attempt has settled (logged on or failed); retries continue in the background. */
  async start(sink: FeedSink): Promise<void> {
    if (this.initiator.running) throw new FeedConfigError(`${this.venue} feed is already started`);
    this.sink = sink;
    await this.initiator.start();
  }

  async stop(): Promise<void> {
    if (!this.initiator.running) return;
    await this.initiator.stop();
    this.sink = null;
  }

  async requestSnapshot(symbol: string): Promise<void> {
    const session = this.initiator.session;
    if (!session || !this.initiator.running)
      throw new SnapshotRequestError(symbol, 'no FIX session is logged on');
    try {
      await session.sendApplication(MARKET_DATA_REQUEST, this.marketDataRequest(symbol, '0'));
    } catch (err) {
      throw new SnapshotRequestError(symbol, describeError(err));
    }
  }

  private onLoggedOn(session: SessionShell): void {
    this.status({ state: 'connected', venue: this.venue });
    for (const symbol of this.options.symbols) {
      session
        .sendApplication(MARKET_DATA_REQUEST, this.marketDataRequest(symbol, '1'))
        .catch((err: unknown) => {
          session.requestStop(`MarketDataRequest for ${symbol} not sent: ${describeError(err)}`);
        });
    }
  }

  private onApplicationMessage(msgType: string, view: MsgView, text: string): void {
    if (!this.initiator.running) return;
    const received = receiveTimeMicros();
    let events: RawMarketEvent[];
    try {
      switch (msgType) {
        case SNAPSHOT_FULL_REFRESH:
          events = this.decoder.snapshot(view, received);
          break;
        case INCREMENTAL_REFRESH:
          events = this.decoder.incremental(view, received);
          break;
        case REQUEST_REJECT:
          this.reportMalformed(this.rejectReason(view), text, received);
          return;
        default:
          this.reportMalformed(`unexpected application message 35=${msgType}`, text, received);
          return;
      }
    } catch (err) {
      // A lost update leaves the book wrong: the next diff must show a gap.
      this.decoder.breakChains();
      this.reportMalformed(describeError(err), text, received);
      return;
    }
    for (const e of events) this.sink?.onEvent(e);
  }

  private marketDataRequest(symbol: string, subscriptionRequestType: '0' | '1'): object {
    const id = `${symbol}-${++this.requestCount}`;
    this.requests.set(id, symbol);
    return {
      MDReqID: id,
      SubscriptionRequestType: subscriptionRequestType,
      MarketDepth: this.options.marketDepth ?? 0,
      ...(subscriptionRequestType === '1' ? { MDUpdateType: 1 } : {}),
      AggregatedBook: true,
      MDReqGrp: { NoMDEntryTypes: ENTRY_TYPES },
      InstrmtMDReqGrp: { NoRelatedSym: [{ Instrument: { Symbol: symbol } }] },
    };
  }

  private rejectReason(view: MsgView): string {
    const id = view.getString(262) ?? '';
    const code = view.getString(281);
    const text = view.getString(58);
    const symbol = this.requests.get(id) ?? 'unknown symbol';
    this.requests.delete(id);
    const why =
      code === null ? 'no reason given' : `${REJECT_REASONS[code] ?? `reason ${code}`} (281=${code})`;
    return `MarketDataRequest ${id} for ${symbol} rejected: ${why}${text ? `: ${text}` : ''}`;
  }

  private status(status: FeedStatus): void {
    if (this.initiator.running) this.sink?.onStatus(status);
  }

  private reportMalformed(reason: string, text: string, received: bigint): void {
    if (!this.initiator.running) return;
    // eslint-disable-next-line no-control-regex -- SOH is the FIX field delimiter
    const frame = truncateFrame(text.replace(/\x01/g, '|'));
    this.sink?.onMalformed({ venue: this.venue, reason, frame, receiveTimeMicros: received });
  }
}
