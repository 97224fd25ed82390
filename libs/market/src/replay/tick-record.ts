import type { AggressorSide, RawLevel, RawMarketEvent } from '../feed';

// Tick file records (the format is documented in libs/market/README.md). NDJSON and CSV share the
// field names, so one decoder serves both: a CSV row is read into the same shape as a JSON object.

export type TickFileFormat = 'ndjson' | 'csv';

/** A record that cannot become a market event; the replay reports it with its line number. */
export class TickRecordError extends Error {
  override readonly name = 'TickRecordError';
  readonly code = 'MALFORMED_RECORD';
}

export const CSV_COLUMNS = [
  'type',
  'venue',
  'symbol',
  'ts',
  'recv',
  'id',
  'price',
  'size',
  'side',
  'bid',
  'bid_size',
  'ask',
  'ask_size',
  'kind',
  'seq',
  'prev',
  'bids',
  'asks',
] as const;

type Fields = Record<string, unknown>;

export interface DecodeContext {
  /** Venue of records that name none. */
  readonly venue: string;
  readonly format: TickFileFormat;
}

/** Decodes one record (a parsed JSON object or a CSV row as a map); throws TickRecordError. */
export function decodeTickRecord(fields: Fields, ctx: DecodeContext): RawMarketEvent {
  const type = text(fields, 'type');
  const venue = optionalText(fields, 'venue') ?? ctx.venue;
  const symbol = text(fields, 'symbol');
  const exchangeTimeMicros = micros(fields, 'ts');
  const receiveTimeMicros = fields.recv === undefined ? exchangeTimeMicros : micros(fields, 'recv');
  const base = { venue, symbol, exchangeTimeMicros, receiveTimeMicros };
  switch (type) {
    case 'trade':
      return {
        type: 'trade',
        ...base,
        tradeId: text(fields, 'id'),
        price: decimal(fields, 'price'),
        size: decimal(fields, 'size'),
        aggressor: side(fields),
      };
    case 'quote':
      return {
        type: 'quote',
        ...base,
        bidPrice: decimal(fields, 'bid'),
        bidSize: decimal(fields, 'bid_size'),
        askPrice: decimal(fields, 'ask'),
        askSize: decimal(fields, 'ask_size'),
      };
    case 'depth': {
      const kind = text(fields, 'kind');
      if (kind !== 'snapshot' && kind !== 'diff') {
        throw new TickRecordError(`kind must be "snapshot" or "diff", got ${JSON.stringify(kind)}`);
      }
      const sequence = counter(fields, 'seq');
      const previous = fields.prev === undefined ? undefined : counter(fields, 'prev');
      if (kind === 'snapshot' && previous !== undefined) throw new TickRecordError('a snapshot has no prev');
      return {
        type: 'depth',
        ...base,
        kind,
        sequence,
        ...(previous === undefined ? {} : { previousSequence: previous }),
        bids: levels(fields, 'bids', ctx.format),
        asks: levels(fields, 'asks', ctx.format),
      };
    }
    default:
      throw new TickRecordError(`type must be "trade", "quote" or "depth", got ${JSON.stringify(type)}`);
  }
}

/** Splits a CSV line (no quoting: no field of the format contains a comma). */
export function csvCells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/** Checks a CSV header: known column names, each at most once, the required ones present. */
export function csvHeader(line: string): string[] {
  const names = csvCells(line);
  const known = new Set<string>(CSV_COLUMNS);
  const seen = new Set<string>();
  for (const n of names) {
    if (!known.has(n))
      throw new TickRecordError(`unknown CSV column "${n}" (known: ${CSV_COLUMNS.join(', ')})`);
    if (seen.has(n)) throw new TickRecordError(`CSV column "${n}" appears twice`);
    seen.add(n);
  }
  for (const required of ['type', 'symbol', 'ts']) {
    if (!seen.has(required)) throw new TickRecordError(`CSV header lacks the "${required}" column`);
  }
  return names;
}

export function csvRow(header: readonly string[], line: string): Fields {
  const cells = csvCells(line);
  if (cells.length !== header.length) {
    throw new TickRecordError(`${cells.length} cells where the header has ${header.length} columns`);
  }
  const fields: Fields = {};
  for (let i = 0; i < header.length; i++) if (cells[i] !== '') fields[header[i]!] = cells[i];
  return fields;
}

export function ndjsonRow(line: string): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new TickRecordError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TickRecordError('a record must be a JSON object');
  }
  return parsed as Fields;
}

function text(fields: Fields, name: string): string {
  const v = fields[name];
  if (typeof v !== 'string' || v === '') throw new TickRecordError(`${name} is required (a string)`);
  return v;
}

function optionalText(fields: Fields, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new TickRecordError(`${name} must be a non-empty string`);
  return v;
}

/**
 * Prices and sizes stay strings: a JSON number would already have gone through a binary double.
 * Their syntax is the normaliser's to judge (it reports malformed numbers as such).
 */
function decimal(fields: Fields, name: string): string {
  const v = fields[name];
  if (typeof v === 'number') {
    throw new TickRecordError(`${name} must be a decimal string ("${v}"), not a JSON number`);
  }
  return text(fields, name);
}

const DIGITS_RE = /^\d{1,19}$/;

function micros(fields: Fields, name: string): bigint {
  return wholeNumber(fields, name, 'UTC microseconds since the epoch (an integer)');
}

function counter(fields: Fields, name: string): bigint {
  return wholeNumber(fields, name, 'a non-negative integer');
}

function wholeNumber(fields: Fields, name: string, what: string): bigint {
  const v = fields[name];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && DIGITS_RE.test(v)) return BigInt(v);
  throw new TickRecordError(`${name} must be ${what}, got ${JSON.stringify(v)}`);
}

function side(fields: Fields): AggressorSide {
  const v = fields.side ?? 'unknown';
  if (v === 'buy' || v === 'sell' || v === 'unknown') return v;
  throw new TickRecordError(`side must be "buy", "sell" or "unknown", got ${JSON.stringify(v)}`);
}

/** NDJSON: [["189.50","300"], ...]; CSV: "189.50:300;189.49:100" (empty for none). */
function levels(fields: Fields, name: string, format: TickFileFormat): RawLevel[] {
  const v = fields[name];
  if (v === undefined) return [];
  if (format === 'csv') {
    if (typeof v !== 'string') throw new TickRecordError(`${name} must be "price:size;..."`);
    return v.split(';').map((pair, i) => {
      const parts = pair.split(':');
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        throw new TickRecordError(`${name}[${i}] "${pair}" is not price:size`);
      }
      return [parts[0], parts[1]] as const;
    });
  }
  if (!Array.isArray(v)) throw new TickRecordError(`${name} must be an array of [price, size] string pairs`);
  return v.map((pair: unknown, i) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      typeof pair[1] !== 'string'
    ) {
      throw new TickRecordError(`${name}[${i}] must be a [price, size] pair of decimal strings`);
    }
    return [pair[0], pair[1]] as const;
  });
}
