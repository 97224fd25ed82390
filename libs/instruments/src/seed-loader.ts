import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FixedPointError, parseFixed, rescale, type FixedPoint } from '@tapeline/fixed-point';
import {
  ASSET_CLASSES,
  INSTRUMENT_ID_RE,
  INSTRUMENT_STATUSES,
  type AssetClass,
  type Instrument,
  type InstrumentStatus,
  type TradingSession,
  type VenueSymbol,
} from './instrument';

export class SeedError extends Error {
  override readonly name = 'SeedError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `instrument seed ${source} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Reads and validates a YAML seed file; every problem in the file is reported at once. */
export function loadSeedFile(path: string): Instrument[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseSeed(text, path);
}

export function parseSeed(text: string, source = '<inline>'): Instrument[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new SeedError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  const list = (doc as { instruments?: unknown } | null)?.instruments;
  if (!Array.isArray(list)) throw new SeedError(source, ['top-level "instruments" list is missing']);

  const problems: string[] = [];
  const out: Instrument[] = [];
  const ids = new Set<string>();
  const venueSymbols = new Map<string, string>();
  list.forEach((raw: unknown, index) => {
    const entry = new EntryReader(raw, index, problems);
    const instrument = entry.read();
    if (!instrument) return;
    if (ids.has(instrument.instrumentId)) entry.problem('id', `duplicate id ${instrument.instrumentId}`);
    ids.add(instrument.instrumentId);
    for (const vs of instrument.venueSymbols) {
      const key = `${vs.venue}:${vs.symbol}`;
      const owner = venueSymbols.get(key);
      if (owner) entry.problem('venueSymbols', `${key} is already mapped to ${owner}`);
      venueSymbols.set(key, instrument.instrumentId);
    }
    out.push(instrument);
  });
  if (problems.length) throw new SeedError(source, problems);
  return out;
}

const CODE_RE = /^[A-Z0-9]{2,12}$/;
const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

class EntryReader {
  private readonly label: string;
  private failed = false;
  constructor(
    private readonly raw: unknown,
    index: number,
    private readonly problems: string[],
  ) {
    const id = typeof raw === 'object' && raw && 'id' in raw ? String((raw as { id: unknown }).id) : '?';
    this.label = `instruments[${index}] (${id})`;
  }

  problem(field: string, message: string): void {
    this.failed = true;
    this.problems.push(`${this.label}.${field}: ${message}`);
  }

  read(): Instrument | undefined {
    if (typeof this.raw !== 'object' || this.raw === null) {
      this.problem('', 'must be a mapping');
      return undefined;
    }
    const r = this.raw as Record<string, unknown>;
    const id = this.str(r, 'id', true);
    if (id && !INSTRUMENT_ID_RE.test(id)) this.problem('id', `"${id}" is not of the form SYMBOL.VENUE`);
    const assetClass = this.oneOf(r, 'assetClass', ASSET_CLASSES) as AssetClass;
    const venue = this.str(r, 'venue', true);
    if (venue && !CODE_RE.test(venue)) this.problem('venue', `"${venue}" must be 2-12 capitals or digits`);
    if (id && venue && !id.endsWith(`.${venue}`)) this.problem('id', `must end with ".${venue}" (its venue)`);
    const priceScale = this.scale(r, 'priceScale');
    const sizeScale = this.scale(r, 'sizeScale');
    const tickSize = this.decimal(r, 'tickSize', priceScale, true);
    const lotSize = this.decimal(r, 'lotSize', sizeScale, true);
    const minSize = this.decimal(r, 'minSize', sizeScale, false) ?? lotSize;
    const multiplier = this.decimal(r, 'multiplier', undefined, false) ?? { mantissa: 1n, scale: 0 };
    const isPair =
      assetClass === 'FX_SPOT' || assetClass === 'CRYPTO_SPOT' || assetClass === 'CRYPTO_PERPETUAL';
    const baseCurrency = this.str(r, 'baseCurrency', isPair);
    const expiryDate = this.str(r, 'expiryDate', assetClass === 'FUTURE');
    if (expiryDate && !DATE_RE.test(expiryDate))
      this.problem('expiryDate', `"${expiryDate}" is not YYYY-MM-DD`);
    const status = (
      r.status === undefined ? 'ACTIVE' : this.oneOf(r, 'status', INSTRUMENT_STATUSES)
    ) as InstrumentStatus;
    const instrument: Instrument = {
      instrumentId: id,
      symbol: this.str(r, 'symbol', true),
      description: this.str(r, 'description', true),
      assetClass,
      venue,
      currency: this.str(r, 'currency', true),
      baseCurrency,
      priceScale,
      sizeScale,
      tickSize: tickSize ?? { mantissa: 0n, scale: 0 },
      lotSize: lotSize ?? { mantissa: 0n, scale: 0 },
      minSize: minSize ?? { mantissa: 0n, scale: 0 },
      multiplier,
      venueSymbols: this.venueSymbols(r),
      sessions: this.sessions(r),
      status,
      expiryDate,
      underlying: this.str(r, 'underlying', false),
    };
    return this.failed ? undefined : instrument;
  }

  private str(r: Record<string, unknown>, field: string, required: boolean): string {
    const v = r[field];
    if (v === undefined || v === null || v === '') {
      if (required) this.problem(field, 'is required');
      return '';
    }
    if (typeof v !== 'string') {
      this.problem(field, `must be a string, got ${typeof v}`);
      return '';
    }
    return v;
  }

  private oneOf(r: Record<string, unknown>, field: string, allowed: readonly string[]): string {
    const v = r[field];
    if (typeof v !== 'string' || !allowed.includes(v)) {
      this.problem(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return allowed[0]!;
    }
    return v;
  }

  private scale(r: Record<string, unknown>, field: string): number {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 12) {
      this.problem(field, `must be an integer 0..12, got ${JSON.stringify(v)}`);
      return 0;
    }
    return v;
  }

  /** Decimals must be quoted strings in the seed: a YAML float would already have lost digits. */
  private decimal(r: Record<string, unknown>, field: string, scale: number | undefined, required: boolean) {
    const v = r[field];
    if (v === undefined) {
      if (required) this.problem(field, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.problem(field, `must be a quoted decimal string (e.g. "0.01"), got ${JSON.stringify(v)}`);
      return undefined;
    }
    try {
      let d: FixedPoint = parseFixed(v);
      if (d.mantissa <= 0n) {
        this.problem(field, `must be positive, got ${v}`);
        return undefined;
      }
      if (scale !== undefined) d = rescale(d, scale);
      return d;
    } catch (err) {
      const msg = err instanceof FixedPointError ? err.message : String(err);
      this.problem(field, scale !== undefined ? `${msg} (scale ${scale})` : msg);
      return undefined;
    }
  }

  private venueSymbols(r: Record<string, unknown>): VenueSymbol[] {
    const v = r.venueSymbols;
    if (v === undefined) return [];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.problem('venueSymbols', 'must be a mapping of venue to symbol');
      return [];
    }
    return Object.entries(v).map(([venue, symbol]) => {
      if (!CODE_RE.test(venue))
        this.problem(`venueSymbols.${venue}`, 'venue must be 2-12 capitals or digits');
      if (typeof symbol !== 'string' || !symbol)
        this.problem(`venueSymbols.${venue}`, 'symbol must be a non-empty string');
      return { venue, symbol: String(symbol) };
    });
  }

  private sessions(r: Record<string, unknown>): TradingSession[] {
    const v = r.sessions;
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.problem('sessions', 'must be a list');
      return [];
    }
    return v.map((s: Record<string, unknown>, i) => {
      const f = `sessions[${i}]`;
      const open = String(s?.open ?? '');
      const close = String(s?.close ?? '');
      if (!TIME_RE.test(open)) this.problem(`${f}.open`, `"${open}" is not HH:MM`);
      if (!TIME_RE.test(close)) this.problem(`${f}.close`, `"${close}" is not HH:MM`);
      const weekdays = Array.isArray(s?.weekdays) ? (s.weekdays as unknown[]) : [];
      if (
        !weekdays.length ||
        !weekdays.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7)
      ) {
        this.problem(`${f}.weekdays`, 'must list ISO weekdays 1..7');
      }
      const timeZone = String(s?.timeZone ?? '');
      try {
        new Intl.DateTimeFormat('en', { timeZone });
      } catch {
        this.problem(`${f}.timeZone`, `"${timeZone}" is not an IANA time zone`);
      }
      return {
        name: String(s?.name ?? ''),
        timeZone,
        openTime: open,
        closeTime: close,
        weekdays: weekdays as number[],
      };
    });
  }
}
