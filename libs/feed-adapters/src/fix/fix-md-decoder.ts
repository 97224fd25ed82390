// Turns FIX 4.4 market data messages into raw feed events. Prices and sizes are read as the wire
// strings (MsgView.getString), never through toObject(), which would turn them into floats.
//
//   W (Snapshot/Full Refresh)  bid/offer entries -> one RawDepth snapshot; trade entries -> RawTrade each
//   X (Incremental Refresh)    bid/offer entries -> one RawDepth diff per symbol; trade entries -> RawTrade each
//   other entry types (opening price, VWAP, ...) were not requested and are not part of the port: ignored.
//
// Sequence numbers come from the session's MsgSeqNum (34): FIX 4.4 has no per-instrument RptSeq in
// the market data groups of the dictionaries jspurefix ships. A W has sequence = its MsgSeqNum.
// An X has sequence = its MsgSeqNum and previousSequence = the MsgSeqNum of the previous W/X that
// carried that symbol's depth on this session, so heartbeats and other symbols' messages in
// between are not mistaken for gaps. The chain is broken (previousSequence = MsgSeqNum - 1, which
// never meets the book) after a session-level sequence gap, a new logon, a replayed message
// (PossDupFlag) or a malformed message, so the book builder resyncs exactly then.

import type { MsgView } from 'jspurefix';
import { fixDateTimeMicros, fixTimestampMicros } from '@tapeline/fix-session';
import type { RawDepth, RawLevel, RawMarketEvent, RawTrade } from '@tapeline/market';
import { MalformedFrameError } from '../errors';
import { requireDecimal } from '../frame';

const enum Tag {
  MsgSeqNum = 34,
  PossDupFlag = 43,
  SendingTime = 52,
  Symbol = 55,
  MDReqID = 262,
  MDEntryType = 269,
  MDEntryPx = 270,
  MDEntrySize = 271,
  MDEntryDate = 272,
  MDEntryTime = 273,
  MDEntryID = 278,
  MDUpdateAction = 279,
}

const BID = '0';
const OFFER = '1';
const TRADE = '2';

interface SideLevels {
  readonly bids: RawLevel[];
  readonly asks: RawLevel[];
}

interface Header {
  readonly seq: number;
  readonly possDup: boolean;
  readonly sendingTime: string;
  readonly exchangeTimeMicros: bigint;
  readonly mdReqId: string | null;
}

export class FixMarketDataDecoder {
  /** Per symbol: MsgSeqNum of the last message that carried its depth on this session. */
  private readonly chain = new Map<string, number>();

  constructor(
    private readonly venue: string,
    /** The symbol a MarketDataRequest was sent for, by MDReqID (entries may omit the instrument). */
    private readonly symbolForRequest: (mdReqId: string) => string | undefined,
  ) {}

  /** After anything that may have lost messages: the next diff of every symbol reports a gap. */
  breakChains(): void {
    this.chain.clear();
  }

  snapshot(view: MsgView, receiveTimeMicros: bigint): RawMarketEvent[] {
    const h = header(view);
    const symbol = view.getString(Tag.Symbol) ?? this.requestSymbol(h.mdReqId);
    const book: SideLevels = { bids: [], asks: [] };
    const trades: RawTrade[] = [];
    forEachEntry(view, (entry, i) => {
      const type = entry.getString(Tag.MDEntryType);
      if (type === BID || type === OFFER) {
        (type === BID ? book.bids : book.asks).push([price(entry, i), size(entry, i)]);
      } else if (type === TRADE) {
        trades.push(this.trade(entry, i, symbol, h, receiveTimeMicros));
      }
    });
    if (!h.possDup) this.chain.set(symbol, h.seq);
    const depth: RawDepth = {
      type: 'depth',
      kind: 'snapshot',
      venue: this.venue,
      symbol,
      exchangeTimeMicros: h.exchangeTimeMicros,
      receiveTimeMicros,
      sequence: BigInt(h.seq),
      bids: book.bids,
      asks: book.asks,
    };
    return [depth, ...trades];
  }

  incremental(view: MsgView, receiveTimeMicros: bigint): RawMarketEvent[] {
    const h = header(view);
    const books = new Map<string, SideLevels>();
    const trades: RawTrade[] = [];
    forEachEntry(view, (entry, i) => {
      const type = entry.getString(Tag.MDEntryType);
      if (type !== BID && type !== OFFER && type !== TRADE) return;
      const symbol = entry.getString(Tag.Symbol) ?? this.requestSymbol(h.mdReqId);
      const action = entry.getString(Tag.MDUpdateAction);
      if (type === TRADE) {
        if (action !== '0')
          throw new MalformedFrameError(
            `entry ${i}: trade with MDUpdateAction ${action} (only New is supported)`,
          );
        trades.push(this.trade(entry, i, symbol, h, receiveTimeMicros));
        return;
      }
      let book = books.get(symbol);
      if (!book) books.set(symbol, (book = { bids: [], asks: [] }));
      const side = type === BID ? book.bids : book.asks;
      if (action === '0' || action === '1') side.push([price(entry, i), size(entry, i)]);
      else if (action === '2')
        side.push([price(entry, i), '0']); // the port's "size 0 removes the level"
      else
        throw new MalformedFrameError(
          `entry ${i}: MDUpdateAction ${JSON.stringify(action)} is not New/Change/Delete`,
        );
    });
    const events: RawMarketEvent[] = [];
    for (const [symbol, book] of books) {
      const previous = h.possDup ? undefined : this.chain.get(symbol);
      if (!h.possDup) this.chain.set(symbol, h.seq);
      events.push({
        type: 'depth',
        kind: 'diff',
        venue: this.venue,
        symbol,
        exchangeTimeMicros: h.exchangeTimeMicros,
        receiveTimeMicros,
        sequence: BigInt(h.seq),
        previousSequence: BigInt(previous ?? h.seq - 1),
        bids: book.bids,
        asks: book.asks,
      });
    }
    return events.concat(trades);
  }

  private trade(entry: MsgView, i: number, symbol: string, h: Header, receiveTimeMicros: bigint): RawTrade {
    const date = entry.getString(Tag.MDEntryDate);
    const time = entry.getString(Tag.MDEntryTime);
    return {
      type: 'trade',
      venue: this.venue,
      symbol,
      exchangeTimeMicros: time
        ? fixDateTimeMicros(date ?? h.sendingTime.slice(0, 8), time, `entry ${i} MDEntryDate/MDEntryTime`)
        : h.exchangeTimeMicros,
      receiveTimeMicros,
      // Without an MDEntryID the id is "<MsgSeqNum>:<entry index>", unique within the session.
      tradeId: entry.getString(Tag.MDEntryID) ?? `${h.seq}:${i}`,
      price: price(entry, i),
      size: size(entry, i),
      aggressor: 'unknown', // FIX 4.4 market data carries no aggressor side
    };
  }

  private requestSymbol(mdReqId: string | null): string {
    const symbol = mdReqId === null ? undefined : this.symbolForRequest(mdReqId);
    if (symbol === undefined) {
      throw new MalformedFrameError(
        `no Symbol and MDReqID ${JSON.stringify(mdReqId)} matches no request of ours`,
      );
    }
    return symbol;
  }
}

function header(view: MsgView): Header {
  const seq = Number(view.getString(Tag.MsgSeqNum));
  if (!Number.isSafeInteger(seq) || seq <= 0)
    throw new MalformedFrameError('MsgSeqNum is missing or not a positive integer');
  const sendingTime = view.getString(Tag.SendingTime);
  if (sendingTime === null) throw new MalformedFrameError('SendingTime is missing');
  return {
    seq,
    possDup: view.getString(Tag.PossDupFlag) === 'Y',
    sendingTime,
    exchangeTimeMicros: fixTimestampMicros(sendingTime, 'SendingTime'),
    mdReqId: view.getString(Tag.MDReqID),
  };
}

function forEachEntry(view: MsgView, visit: (entry: MsgView, index: number) => void): void {
  const group = view.getView('NoMDEntries');
  if (!group) return; // NoMDEntries=0: an empty book or an empty update
  const n = group.groupCount();
  for (let i = 0; i < n; i++) {
    const entry = group.getGroupInstance(i);
    if (!entry) throw new MalformedFrameError(`NoMDEntries instance ${i} is missing`);
    visit(entry, i);
  }
}

function price(entry: MsgView, i: number): string {
  return requireDecimal(entry.getString(Tag.MDEntryPx), `entry ${i} MDEntryPx`);
}

function size(entry: MsgView, i: number): string {
  return requireDecimal(entry.getString(Tag.MDEntrySize), `entry ${i} MDEntrySize`);
}
