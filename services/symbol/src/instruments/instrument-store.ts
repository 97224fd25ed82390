import { formatFixed, fromWireDecimal } from '@tapeline/fixed-point';
import { symbolV1, type eventsV1 } from '@tapeline/contracts';
import {
  InstrumentMaster,
  parseSeed,
  SeedError,
  type Instrument,
  type InstrumentStatus,
} from '@tapeline/instruments';
import type { Logger } from '@tapeline/telemetry';

/** A refused administration request: `field` is named as in the request (instrument.tickSize, ...). */
export class InstrumentAdminError extends Error {
  override readonly name = 'InstrumentAdminError';
  constructor(
    readonly kind: 'invalid' | 'exists' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/** Who asked, as the audit log records it. */
type Actor = eventsV1.Actor | undefined;

/**
 * The instrument master of this process and its administration. The master stays an immutable
 * snapshot (queries and feed resolution read it without locks); a change builds the next one from
 * the current list, which costs O(n log n) per change: nothing at master-data rates.
 *
 * Changes live in this process's memory, like the seed they start from: they do not survive a
 * restart and other replicas do not see them. A persistent store is future work; until then the
 * audit log is the record of what was changed.
 */
export class InstrumentStore {
  private snapshot: InstrumentMaster;
  private readonly byId = new Map<string, Instrument>();

  constructor(
    seed: readonly Instrument[],
    private readonly logger: Logger,
  ) {
    for (const i of seed) this.byId.set(i.instrumentId, i);
    this.snapshot = new InstrumentMaster(seed);
  }

  get master(): InstrumentMaster {
    return this.snapshot;
  }

  create(actor: Actor, wire: symbolV1.Instrument | undefined): Instrument {
    const instrument = validate(wire, 'ACTIVE');
    if (this.byId.has(instrument.instrumentId)) {
      throw new InstrumentAdminError(
        'exists',
        `instrument.instrumentId: ${instrument.instrumentId} already exists`,
      );
    }
    this.checkVenueSymbols(instrument);
    this.commit(instrument);
    this.audit(actor, 'instrument.create', instrument, { after: instrument });
    return instrument;
  }

  update(actor: Actor, wire: symbolV1.Instrument | undefined): Instrument {
    const id = wire?.instrumentId ?? '';
    const before = id ? this.byId.get(id) : undefined;
    if (!before) {
      // Validate first so that a malformed id is INVALID_ARGUMENT rather than NOT_FOUND.
      validate(wire, 'ACTIVE');
      throw new InstrumentAdminError('not_found', `instrument "${id}" not found`);
    }
    const instrument = validate(wire, before.status);
    for (const field of ['venue', 'assetClass', 'priceScale', 'sizeScale'] as const) {
      if (instrument[field] !== before[field]) {
        throw new InstrumentAdminError(
          'invalid',
          `instrument.${field}: cannot change (${String(before[field])} -> ${String(instrument[field])}); ` +
            'create a new instrument instead',
        );
      }
    }
    this.checkVenueSymbols(instrument);
    this.commit(instrument);
    this.audit(actor, 'instrument.update', instrument, { before, after: instrument });
    return instrument;
  }

  setStatus(
    actor: Actor,
    instrumentId: string,
    status: InstrumentStatus,
    reason: string,
  ): { instrument: Instrument; previous: InstrumentStatus } {
    if (!reason.trim()) throw new InstrumentAdminError('invalid', 'reason: is required');
    const before = this.snapshot.get(instrumentId); // throws InstrumentQueryError on a malformed id
    if (!before) throw new InstrumentAdminError('not_found', `instrument "${instrumentId}" not found`);
    const instrument: Instrument = { ...before, status };
    if (status !== before.status) this.commit(instrument);
    this.audit(actor, 'instrument.status', instrument, { from: before.status, to: status, reason });
    return { instrument: status !== before.status ? instrument : before, previous: before.status };
  }

  /** A venue symbol resolves to one instrument only. */
  private checkVenueSymbols(instrument: Instrument): void {
    for (const vs of instrument.venueSymbols) {
      const owner = this.snapshot.resolveVenueSymbol(vs.venue, vs.symbol);
      if (owner && owner.instrumentId !== instrument.instrumentId) {
        throw new InstrumentAdminError(
          'exists',
          `instrument.venueSymbols.${vs.venue}: "${vs.symbol}" is already mapped to ${owner.instrumentId}`,
        );
      }
    }
  }

  private commit(instrument: Instrument): void {
    this.byId.set(instrument.instrumentId, instrument);
    this.snapshot = new InstrumentMaster([...this.byId.values()]);
  }

  private audit(actor: Actor, action: string, instrument: Instrument, detail: Record<string, unknown>): void {
    this.logger.info(
      {
        audit: true,
        action,
        instrumentId: instrument.instrumentId,
        actor: actor && {
          userId: actor.userId,
          clientId: actor.clientId,
          role: actor.role,
          desk: actor.desk,
        },
        ...detail,
      },
      `audit: ${action} ${instrument.instrumentId}`,
    );
  }
}

/**
 * Validates a definition with the seed's own rules (one rule set for the file and the API), then
 * renames the problems after the request's fields. Every problem is reported at once.
 */
function validate(wire: symbolV1.Instrument | undefined, status: InstrumentStatus): Instrument {
  if (!wire) throw new InstrumentAdminError('invalid', 'instrument: is required');
  // proto-loader gives an unset message field as null, ts-proto as undefined.
  const dec = (d: { mantissa: string; scale: number } | null | undefined) =>
    d == null ? undefined : formatFixed(fromWireDecimal(d));
  const venues = new Set<string>();
  for (const vs of wire.venueSymbols) {
    if (venues.has(vs.venue)) {
      throw new InstrumentAdminError('invalid', `instrument.venueSymbols.${vs.venue}: listed twice`);
    }
    venues.add(vs.venue);
  }
  const record = {
    id: wire.instrumentId,
    symbol: wire.symbol,
    description: wire.description,
    assetClass: (symbolV1.AssetClass[wire.assetClass] ?? String(wire.assetClass)).replace('ASSET_CLASS_', ''),
    venue: wire.venue,
    currency: wire.currency,
    baseCurrency: wire.baseCurrency,
    priceScale: wire.priceScale,
    sizeScale: wire.sizeScale,
    tickSize: dec(wire.tickSize),
    lotSize: dec(wire.lotSize),
    // Optional: zero (an unset message) means the default (the lot size; 1).
    minSize: isZero(wire.minSize) ? undefined : dec(wire.minSize),
    multiplier: isZero(wire.multiplier) ? undefined : dec(wire.multiplier),
    venueSymbols: Object.fromEntries(wire.venueSymbols.map((v) => [v.venue, v.symbol])),
    sessions: wire.sessions.map((s) => ({
      name: s.name,
      timeZone: s.timeZone,
      open: s.openTime,
      close: s.closeTime,
      weekdays: s.weekdays,
    })),
    status,
    expiryDate: wire.expiryDate,
    underlying: wire.underlying,
  };
  try {
    // YAML is a superset of JSON: the seed parser takes the record as it is.
    return parseSeed(JSON.stringify({ instruments: [record] }), 'request')[0]!;
  } catch (err) {
    if (!(err instanceof SeedError)) throw err;
    throw new InstrumentAdminError('invalid', err.problems.map(requestField).join('; '));
  }
}

function isZero(d: { mantissa: string | number } | null | undefined): boolean {
  return d == null || BigInt(d.mantissa || 0) === 0n;
}

/** "instruments[0] (X).sessions[1].open: ..." -> "instrument.sessions[1].openTime: ...". */
function requestField(problem: string): string {
  const m = /^instruments\[0\] \([^)]*\)\.([^:]*): (.*)$/s.exec(problem);
  if (!m) return problem;
  const field = m[1]!
    .replace(/^id$/, 'instrumentId')
    .replace(/\.open$/, '.openTime')
    .replace(/\.close$/, '.closeTime');
  return `instrument.${field}: ${m[2]!}`;
}
