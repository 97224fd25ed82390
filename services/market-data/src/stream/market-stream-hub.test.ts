import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonV1, eventsV1, marketDataV1 } from '@tapeline/contracts';
import {
  MarketStreamHub,
  StreamFellBehindError,
  type BookSource,
  type MarketStream,
} from './market-stream-hub';

const ID = 'AAPL.XNAS';
const { MARKET_DATA_KIND_QUOTES, MARKET_DATA_KIND_TRADES, MARKET_DATA_KIND_DEPTH } =
  marketDataV1.MarketDataKind;

function depth(
  sequence: number,
  previous: number,
  kind = eventsV1.DepthKind.DEPTH_KIND_DIFF,
): eventsV1.DepthEvent {
  const level = { price: String(18_900 + sequence), size: '1' };
  return {
    instrumentId: ID,
    venue: 'SIM',
    sequence: String(sequence),
    previousSequence: String(previous),
    kind,
    priceScale: 2,
    sizeScale: 0,
    bids: [level, { price: '18800', size: '5' }],
    asks: [],
    exchangeTimeMicros: '0',
    receiveTimeMicros: '0',
    publishTimeMicros: '0',
  };
}

function trade(n: number): eventsV1.TradeEvent {
  return {
    instrumentId: ID,
    venue: 'SIM',
    sequence: String(n),
    tradeId: `T${n}`,
    priceScale: 2,
    sizeScale: 0,
    price: '18950',
    size: '1',
    aggressorSide: commonV1.Side.SIDE_BUY,
    exchangeTimeMicros: '0',
    receiveTimeMicros: '0',
    publishTimeMicros: '0',
  };
}

/** A book whose sequence the test moves; snapshots are taken at the current one. */
function book(): BookSource & { sequence: number } {
  return {
    sequence: 10,
    bookVenue: () => 'SIM',
    snapshot(_id, levels) {
      const s = depth(this.sequence, 0, eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT);
      return { ...s, bids: s.bids.slice(0, levels) };
    },
  };
}

async function drain(stream: MarketStream): Promise<marketDataV1.StreamMarketDataResponse[]> {
  const out: marketDataV1.StreamMarketDataResponse[] = [];
  while (stream.mailbox.pending > 0) out.push((await stream.next())!);
  return out;
}

const sequences = (messages: marketDataV1.StreamMarketDataResponse[]) =>
  messages.map((m) => [m.depth!.kind, m.depth!.sequence, m.depth!.previousSequence, m.depth!.bids.length]);

test('a depth stream opens with a snapshot of the requested depth, then the chained diffs', async () => {
  const source = book();
  const hub = new MarketStreamHub(source, { bufferPerInstrument: 8 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_DEPTH]), depth: 1 });
  hub.depth(depth(11, 10));
  hub.depth(depth(12, 11));
  assert.deepEqual(sequences(await drain(stream)), [
    [eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT, '10', '0', 1],
    [eventsV1.DepthKind.DEPTH_KIND_DIFF, '11', '10', 2],
    [eventsV1.DepthKind.DEPTH_KIND_DIFF, '12', '11', 2],
  ]);
  stream.close();
  assert.equal(hub.size, 0);
});

test('a slow depth reader gets a fresh snapshot instead of an overflowing run of diffs', async () => {
  const source = book();
  const hub = new MarketStreamHub(source, { bufferPerInstrument: 2 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_DEPTH]), depth: 5 });
  for (let s = 11; s <= 15; s++) hub.depth(depth(s, s - 1)); // the reader reads none of them
  source.sequence = 15;
  const snapshot = await stream.next();
  hub.depth(depth(16, 15));
  const diff = await stream.next();
  assert.deepEqual(sequences([snapshot!, diff!]), [
    [eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT, '15', '0', 2],
    [eventsV1.DepthKind.DEPTH_KIND_DIFF, '16', '15', 2],
  ]);
  assert.equal(stream.mailbox.stats.resyncs, 1);
  stream.close();
});

test('a book that is not live yet is streamed from the snapshot it publishes when it is', async () => {
  const source = { ...book(), snapshot: () => undefined };
  const hub = new MarketStreamHub(source, { bufferPerInstrument: 8 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_DEPTH]), depth: 1 });
  hub.depth(depth(11, 10)); // nothing to chain to: skipped
  hub.depth(depth(20, 0, eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT));
  hub.depth(depth(21, 20));
  assert.deepEqual(sequences(await drain(stream)), [
    [eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT, '20', '0', 1],
    [eventsV1.DepthKind.DEPTH_KIND_DIFF, '21', '20', 2],
  ]);
});

test('quotes are latest-wins for a slow reader', async () => {
  const hub = new MarketStreamHub(book(), { bufferPerInstrument: 8 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_QUOTES]), depth: 1 });
  for (const bidPrice of ['18948', '18949', '18950']) {
    hub.quote({ instrumentId: ID, venue: 'SIM', sequence: '1', bidPrice } as eventsV1.QuoteEvent);
  }
  assert.deepEqual(
    (await drain(stream)).map((m) => m.quote!.bidPrice),
    ['18950'],
  );
});

test('trades are never conflated: an overflow is caught up from the recent trades, in order', async () => {
  const hub = new MarketStreamHub(book(), { bufferPerInstrument: 2, tradeWindow: 16 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_TRADES]), depth: 1 });
  hub.trade(trade(1));
  assert.equal((await stream.next())!.trade!.tradeId, 'T1');
  for (let n = 2; n <= 7; n++) hub.trade(trade(n));
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await stream.next())!.trade!.tradeId);
  assert.deepEqual(ids, ['T2', 'T3', 'T4', 'T5', 'T6', 'T7']);
  assert.equal(stream.mailbox.stats.resyncs, 1, 'the queue did overflow');
  hub.trade(trade(8));
  assert.equal((await stream.next())!.trade!.tradeId, 'T8');
});

test('a reader further behind than the recent-trade window is told so, not given a hole', async () => {
  const hub = new MarketStreamHub(book(), { bufferPerInstrument: 2, tradeWindow: 4 });
  const stream = hub.open({ instrumentIds: [ID], kinds: new Set([MARKET_DATA_KIND_TRADES]), depth: 1 });
  hub.trade(trade(1));
  await stream.next();
  for (let n = 2; n <= 12; n++) hub.trade(trade(n));
  await assert.rejects(stream.next(), StreamFellBehindError);
  assert.equal(hub.size, 0, 'the stream is released');
});
