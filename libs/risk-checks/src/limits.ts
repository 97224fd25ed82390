import { formatFixed, rescale, type FixedPoint } from '@tapeline/fixed-point';
import type { JsonObject } from '@tapeline/journal';
import { RiskInputError } from './errors';
import type { PreparedInstrument } from './instruments';
import type { RiskActor } from './model';

/**
 * Where a limit is configured. Precedence, most specific first, field by field:
 *   account-instrument > account > desk > global
 * A field not set at one level falls through to the next; a field set nowhere disables its
 * control. A desk or global value is the default for EACH account, not a budget they share.
 * Account-wide controls (credit, open orders, throttle) cannot be set per instrument.
 * Restricted instruments are the exception: lists at every level add up (a global restriction
 * cannot be lifted for one account).
 */
export type LimitScope =
  | { readonly level: 'global' }
  | { readonly level: 'desk'; readonly desk: string }
  | { readonly level: 'account'; readonly accountId: string }
  | { readonly level: 'account-instrument'; readonly accountId: string; readonly instrumentId: string };

export interface ThrottleLimit {
  /** At most this many messages... */
  readonly maxMessages: number;
  /** ...in any window of this length (a message at exactly now - window has left it). */
  readonly windowMicros: number;
}

/** A change to one scope: a value sets the field, null clears it, absent leaves it alone. */
export interface LimitPatch {
  readonly maxOrderQuantity?: FixedPoint | null;
  /** Notional qty x price x multiplier, in money. */
  readonly maxOrderValue?: FixedPoint | null;
  /** Allowed distance from the reference price, in basis points either side. */
  readonly priceCollarBps?: number | null;
  /** Largest absolute position, counting open orders on the same side. */
  readonly maxPosition?: FixedPoint | null;
  /** Same account/instrument/side/qty/price within this window is a duplicate. */
  readonly duplicateWindowMicros?: number | null;
  /** Notional of open orders (plus utilisation set by the service) an account may carry, in money. */
  readonly creditLimit?: FixedPoint | null;
  readonly maxOpenOrders?: number | null;
  readonly throttle?: ThrottleLimit | null;
}

type LimitField = keyof LimitPatch;
type LimitSet = { -readonly [K in LimitField]?: NonNullable<LimitPatch[K]> };

const INSTRUMENT_FIELDS = [
  'maxOrderQuantity',
  'maxOrderValue',
  'priceCollarBps',
  'maxPosition',
  'duplicateWindowMicros',
] as const satisfies readonly LimitField[];
const ACCOUNT_FIELDS = ['creditLimit', 'maxOpenOrders', 'throttle'] as const satisfies readonly LimitField[];
const MONEY_FIELDS: readonly LimitField[] = ['maxOrderValue', 'creditLimit'];
const QUANTITY_FIELDS: readonly LimitField[] = ['maxOrderQuantity', 'maxPosition'];

/** The limits that apply to one account trading one instrument, at that instrument's scales. */
export interface ResolvedLimits {
  readonly desk: string;
  /** Size-scale mantissas (rounded down: an integer qty is within L exactly when within floor(L)). */
  readonly maxOrderQuantity: bigint | undefined;
  readonly maxPosition: bigint | undefined;
  /** Money-scale mantissas. */
  readonly maxOrderValue: bigint | undefined;
  readonly creditLimit: bigint | undefined;
  readonly priceCollarBps: bigint | undefined;
  readonly duplicateWindowMicros: number | undefined;
  readonly maxOpenOrders: number | undefined;
  readonly throttle: ThrottleLimit | undefined;
  /** Scope key each field was found at, for rejections. */
  readonly sources: Readonly<Partial<Record<LimitField, string>>>;
}

export interface LimitChangeEvent {
  readonly kind: 'limit.change';
  readonly scope: LimitScope;
  readonly scopeKey: string;
  readonly actor: RiskActor;
  readonly atMicros: number;
  readonly reason: string;
  /** The whole configuration of the scope before and after (decimal strings for amounts). */
  readonly before: JsonObject;
  readonly after: JsonObject;
}

export function limitChangeEvent(
  scope: LimitScope,
  actor: RiskActor,
  atMicros: number,
  reason: string,
  before: JsonObject,
  after: JsonObject,
): LimitChangeEvent {
  return { kind: 'limit.change', scope, scopeKey: scopeKey(scope), actor, atMicros, reason, before, after };
}

export function scopeKey(scope: LimitScope): string {
  switch (scope.level) {
    case 'global':
      return 'global';
    case 'desk':
      return `desk:${scope.desk}`;
    case 'account':
      return `account:${scope.accountId}`;
    case 'account-instrument':
      return `account:${scope.accountId}/instrument:${scope.instrumentId}`;
  }
}

/** Limit configuration at every scope, resolved per (account, instrument). */
export class LimitBook {
  private readonly sets = new Map<string, LimitSet>();
  /** Restricted instruments by scope key, and the same sets indexed by level for the hot path. */
  private readonly restricted = new Map<string, Set<string>>();
  private readonly restrictedByLevel = {
    global: new Set<string>(),
    desk: new Map<string, Set<string>>(),
    account: new Map<string, Set<string>>(),
  };
  private changes = 0;

  constructor(readonly moneyScale: number) {}

  set(
    scope: LimitScope,
    patch: LimitPatch,
    actor: RiskActor,
    atMicros: number,
    reason = '',
  ): LimitChangeEvent {
    const key = scopeKey(scope);
    const current = this.sets.get(key) ?? {};
    const next: LimitSet = { ...current };
    for (const field of Object.keys(patch) as LimitField[]) {
      const value = patch[field];
      if (value === undefined) continue;
      if (scope.level === 'account-instrument' && (ACCOUNT_FIELDS as readonly string[]).includes(field)) {
        throw new RiskInputError('BAD_LIMIT', `${field} is account-wide and cannot be set for ${key}`);
      }
      if (value === null) delete next[field];
      else (next as Record<string, unknown>)[field] = this.validate(field, value, key);
    }
    return this.change(scope, actor, atMicros, reason, () => this.sets.set(key, next));
  }

  /** Adds or removes an instrument from the restricted list of a global, desk or account scope. */
  restrict(
    scope: LimitScope,
    instrumentId: string,
    restricted: boolean,
    actor: RiskActor,
    atMicros: number,
    reason = '',
  ): LimitChangeEvent {
    const key = scopeKey(scope);
    if (scope.level === 'account-instrument') {
      throw new RiskInputError(
        'BAD_LIMIT',
        `restrict an instrument at account, desk or global scope, not ${key}`,
      );
    }
    return this.change(scope, actor, atMicros, reason, () => {
      let list = this.restricted.get(key);
      if (!list) {
        list = scope.level === 'global' ? this.restrictedByLevel.global : new Set<string>();
        if (scope.level === 'desk') this.restrictedByLevel.desk.set(scope.desk, list);
        if (scope.level === 'account') this.restrictedByLevel.account.set(scope.accountId, list);
        this.restricted.set(key, list);
      }
      if (restricted) list.add(instrumentId);
      else list.delete(instrumentId);
    });
  }

  /** The scope key of the list restricting the instrument for this account, if any. */
  restrictedBy(accountId: string, desk: string, instrumentId: string): string | undefined {
    // Per-level maps so the hot path builds no keys: a lookup per level, and none when no list exists.
    if (this.restricted.size === 0) return undefined;
    if (this.restrictedByLevel.account.get(accountId)?.has(instrumentId)) return `account:${accountId}`;
    if (this.restrictedByLevel.desk.get(desk)?.has(instrumentId)) return `desk:${desk}`;
    return this.restrictedByLevel.global.has(instrumentId) ? 'global' : undefined;
  }

  /** The configuration stored at exactly one scope (no fall-through), as a journal document. */
  configuredAt(scope: LimitScope): JsonObject {
    const key = scopeKey(scope);
    return this.document(key, this.sets.get(key) ?? {});
  }

  /** Bumped by every change: a cache of resolved limits is valid while this stays the same. */
  get version(): number {
    return this.changes;
  }

  /** Walks the precedence chain; the engine caches the result per account until `version` moves. */
  resolve(accountId: string, desk: string, instrument: PreparedInstrument): ResolvedLimits {
    const sources: Partial<Record<LimitField, string>> = {};
    const pick = this.picker(
      [
        `account:${accountId}/instrument:${instrument.instrumentId}`,
        `account:${accountId}`,
        `desk:${desk}`,
        'global',
      ],
      sources,
    );
    const quantity = (fp: FixedPoint | undefined): bigint | undefined =>
      fp === undefined ? undefined : floorToScale(fp, instrument.sizeScale);
    const collar = pick('priceCollarBps');
    const limits: ResolvedLimits = {
      ...this.accountWide(pick),
      desk,
      maxOrderQuantity: quantity(pick('maxOrderQuantity')),
      maxPosition: quantity(pick('maxPosition')),
      maxOrderValue: this.money(pick('maxOrderValue')),
      priceCollarBps: collar === undefined ? undefined : BigInt(collar),
      duplicateWindowMicros: pick('duplicateWindowMicros'),
      sources,
    };
    return limits;
  }

  /** The account-wide limits alone (account > desk > global), e.g. to throttle a cancel. */
  resolveAccount(
    accountId: string,
    desk: string,
  ): Pick<ResolvedLimits, 'creditLimit' | 'maxOpenOrders' | 'throttle' | 'sources'> {
    const sources: Partial<Record<LimitField, string>> = {};
    const pick = this.picker([`account:${accountId}`, `desk:${desk}`, 'global'], sources);
    return { ...this.accountWide(pick), sources };
  }

  private picker(chain: readonly string[], sources: Partial<Record<LimitField, string>>) {
    return <K extends LimitField>(field: K): LimitSet[K] => {
      for (const key of chain) {
        const value = this.sets.get(key)?.[field];
        if (value !== undefined) {
          sources[field] = key;
          return value;
        }
      }
      return undefined;
    };
  }

  private accountWide(pick: ReturnType<LimitBook['picker']>) {
    return {
      creditLimit: this.money(pick('creditLimit')),
      maxOpenOrders: pick('maxOpenOrders'),
      throttle: pick('throttle'),
    };
  }

  private money(fp: FixedPoint | undefined): bigint | undefined {
    return fp === undefined ? undefined : rescale(fp, this.moneyScale).mantissa;
  }

  /** Applies one change to a scope and describes it with the scope's configuration before and after. */
  private change(
    scope: LimitScope,
    actor: RiskActor,
    atMicros: number,
    reason: string,
    apply: () => void,
  ): LimitChangeEvent {
    const before = this.configuredAt(scope);
    apply();
    this.changes++;
    return limitChangeEvent(scope, actor, atMicros, reason, before, this.configuredAt(scope));
  }

  private validate(field: LimitField, value: unknown, key: string): unknown {
    const bad = (why: string): never => {
      throw new RiskInputError('BAD_LIMIT', `${key}: ${field} ${why}`);
    };
    if (MONEY_FIELDS.includes(field) || QUANTITY_FIELDS.includes(field)) {
      const fp = value as FixedPoint;
      if (typeof fp.mantissa !== 'bigint' || fp.mantissa < 0n)
        bad('must be a non-negative fixed-point value');
      if (MONEY_FIELDS.includes(field)) {
        try {
          rescale(fp, this.moneyScale);
        } catch {
          bad(`${formatFixed(fp)} has more decimals than the money scale ${this.moneyScale}`);
        }
      }
      return fp;
    }
    if (field === 'throttle') {
      const t = value as ThrottleLimit;
      if (!Number.isSafeInteger(t.maxMessages) || t.maxMessages < 1)
        bad('maxMessages must be a positive integer');
      if (!Number.isSafeInteger(t.windowMicros) || t.windowMicros < 1)
        bad('windowMicros must be a positive integer');
      return { maxMessages: t.maxMessages, windowMicros: t.windowMicros };
    }
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      bad(`must be a non-negative integer, got ${value}`);
    return value;
  }

  private document(key: string, set: LimitSet): JsonObject {
    // Every field in a fixed order, amounts as decimal strings: the journal hashes this document.
    const doc: Record<string, JsonObject[string]> = {};
    for (const field of [...INSTRUMENT_FIELDS, ...ACCOUNT_FIELDS]) {
      const value = set[field];
      if (value === undefined) continue;
      if (typeof value === 'number') doc[field] = value;
      else if ('mantissa' in value) doc[field] = formatFixed(value);
      else doc[field] = { maxMessages: value.maxMessages, windowMicros: value.windowMicros };
    }
    const restricted = this.restricted.get(key);
    if (restricted?.size) doc['restrictedInstruments'] = [...restricted].sort();
    return doc;
  }
}

function floorToScale(fp: FixedPoint, scale: number): bigint {
  if (fp.scale <= scale) return fp.mantissa * 10n ** BigInt(scale - fp.scale);
  return fp.mantissa / 10n ** BigInt(fp.scale - scale);
}
