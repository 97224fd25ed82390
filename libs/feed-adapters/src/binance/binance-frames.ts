// Decodes Binance spot public market-data JSON into raw feed events. Combined-stream frames are
// {"stream":"btcusdt@trade","data":{...}}; the payloads handled are:
//   trade       {e:"trade", E, s, t, p, q, T, m}        -> RawTrade (time T, m=true: buyer is maker, so the seller aggressed)
//   bookTicker  {u, s, b, B, a, A}                      -> RawQuote (spot bookTicker has no time: receive time is used)
//   depthUpdate {e:"depthUpdate", E, s, U, u, b, a}     -> RawDepth diff, sequence u, previousSequence U-1
//   REST depth  {lastUpdateId, bids, asks}              -> RawDepth snapshot, sequence lastUpdateId
// Anything else throws MalformedFrameError naming what is wrong.

import type { RawDepth, RawLevel, RawMarketEvent, RawQuote, RawTrade } from '@tapeline/market';
import { MalformedFrameError } from '../errors';
import { requireDecimal } from '../frame';

type Json = Record<string, unknown>;

export function decodeBinanceFrame(text: string, venue: string, receiveTimeMicros: bigint): RawMarketEvent {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch (err) {
    throw new MalformedFrameError(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(frame)) throw new MalformedFrameError('frame is not a JSON object');
  const stream = frame['stream'];
  const data = frame['data'];
  if (typeof stream !== 'string' || !isObject(data)) {
    throw new MalformedFrameError('not a combined-stream frame: expected {stream, data}');
  }
  const event = data['e'];
  if (event === 'trade') return decodeTrade(data, venue, receiveTimeMicros);
  if (event === 'depthUpdate') return decodeDepthUpdate(data, venue, receiveTimeMicros);
  if (event === undefined && stream.endsWith('@bookTicker'))
    return decodeBookTicker(data, venue, receiveTimeMicros);
  throw new MalformedFrameError(`unsupported stream ${stream} (event ${JSON.stringify(event)})`);
}

function decodeTrade(d: Json, venue: string, receiveTimeMicros: bigint): RawTrade {
  const maker = d['m'];
  if (typeof maker !== 'boolean') throw new MalformedFrameError('trade.m (buyer is maker) is not a boolean');
  return {
    type: 'trade',
    venue,
    symbol: requireSymbol(d),
    exchangeTimeMicros: millisToMicros(d['T'], 'trade.T'),
    receiveTimeMicros,
    tradeId: String(requireSafeInteger(d['t'], 'trade.t')),
    price: requireDecimal(d['p'], 'trade.p'),
    size: requireDecimal(d['q'], 'trade.q'),
    aggressor: maker ? 'sell' : 'buy',
  };
}

function decodeBookTicker(d: Json, venue: string, receiveTimeMicros: bigint): RawQuote {
  requireSafeInteger(d['u'], 'bookTicker.u');
  return {
    type: 'quote',
    venue,
    symbol: requireSymbol(d),
    // Spot bookTicker carries no timestamp; futures add E, which is used when present.
    exchangeTimeMicros: d['E'] === undefined ? receiveTimeMicros : millisToMicros(d['E'], 'bookTicker.E'),
    receiveTimeMicros,
    bidPrice: requireDecimal(d['b'], 'bookTicker.b'),
    bidSize: requireDecimal(d['B'], 'bookTicker.B'),
    askPrice: requireDecimal(d['a'], 'bookTicker.a'),
    askSize: requireDecimal(d['A'], 'bookTicker.A'),
  };
}

function decodeDepthUpdate(d: Json, venue: string, receiveTimeMicros: bigint): RawDepth {
  const first = requireSafeInteger(d['U'], 'depthUpdate.U');
  const last = requireSafeInteger(d['u'], 'depthUpdate.u');
  if (last < first) throw new MalformedFrameError(`depthUpdate.u (${last}) is below U (${first})`);
  return {
    type: 'depth',
    kind: 'diff',
    venue,
    symbol: requireSymbol(d),
    exchangeTimeMicros: millisToMicros(d['E'], 'depthUpdate.E'),
    receiveTimeMicros,
    sequence: BigInt(last),
    previousSequence: BigInt(first - 1),
    bids: requireLevels(d['b'], 'depthUpdate.b'),
    asks: requireLevels(d['a'], 'depthUpdate.a'),
  };
}

/** The body of GET /api/v3/depth. It has no timestamp, so the exchange time is the receive time. */
export function decodeBinanceDepthSnapshot(
  text: string,
  venue: string,
  symbol: string,
  receiveTimeMicros: bigint,
): RawDepth {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new MalformedFrameError(`depth snapshot is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(body)) throw new MalformedFrameError('depth snapshot is not a JSON object');
  return {
    type: 'depth',
    kind: 'snapshot',
    venue,
    symbol,
    exchangeTimeMicros: receiveTimeMicros,
    receiveTimeMicros,
    sequence: BigInt(requireSafeInteger(body['lastUpdateId'], 'depth.lastUpdateId')),
    bids: requireLevels(body['bids'], 'depth.bids'),
    asks: requireLevels(body['asks'], 'depth.asks'),
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireSymbol(d: Json): string {
  const s = d['s'];
  if (typeof s !== 'string' || s.length === 0) throw new MalformedFrameError('s (symbol) is missing');
  return s;
}

// JSON numbers lose precision above 2^53; Binance ids and times are far below that today, and
// anything larger is reported rather than silently rounded.
function requireSafeInteger(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new MalformedFrameError(`${field} is not a non-negative safe integer: ${JSON.stringify(v)}`);
  }
  return v;
}

function millisToMicros(v: unknown, field: string): bigint {
  return BigInt(requireSafeInteger(v, field)) * 1000n;
}

function requireLevels(v: unknown, field: string): RawLevel[] {
  if (!Array.isArray(v)) throw new MalformedFrameError(`${field} is not an array of levels`);
  const levels: RawLevel[] = new Array<RawLevel>(v.length);
  for (let i = 0; i < v.length; i++) {
    const level: unknown = v[i];
    if (!Array.isArray(level) || level.length < 2) {
      throw new MalformedFrameError(`${field}[${i}] is not a [price, size] pair`);
    }
    levels[i] = [
      requireDecimal(level[0], `${field}[${i}] price`),
      requireDecimal(level[1], `${field}[${i}] size`),
    ];
  }
  return levels;
}
