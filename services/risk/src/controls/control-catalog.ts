import { formatFixed, parseFixed, rescale, type FixedPoint } from '@tapeline/fixed-point';
import { INSTRUMENT_ID_RE } from '@tapeline/instruments';
import type { ControlName as EngineControl, LimitPatch, ThrottleLimit } from '@tapeline/risk-checks';

/**
 * The controls as the wire (SetLimit, ListLimits, rejections, the limits file, the journal) names
 * them. A rejection's `control` is the name of the setting that would let the order through.
 *
 *   control                scopes                          value
 *   max_order_qty          all; account or instrument      decimal quantity (instrument units)
 *                          target may name an instrument
 *   max_order_value        like max_order_qty              money (decimal, money scale 4), in the
 *                                                         instrument's currency
 *   price_collar           global/desk/account[/instr]     integer bps either side of the reference
 *   max_position           like max_order_qty              decimal quantity
 *   duplicate_order        global/desk/account[/instr]     duration: 500ms, 1s, 250000us
 *   credit_limit           global/desk/account             money
 *   max_open_orders        global/desk/account             integer
 *   message_throttle       global/desk/account             N/duration: 100/1s
 *   restricted_instrument  instrument (firm), desk/INSTR,  "true" ("" or "false" lifts it)
 *                          account/INSTR
 *   daily_loss_limit       global/desk/account             money
 *
 * Targets: "" for global, the desk or account id, "ACCOUNT/INSTRUMENT" for one account in one
 * instrument, and the instrument id for scope "instrument" (a firm-wide per-instrument limit, which
 * outranks desk and global but yields to account settings). An empty value removes the setting.
 */
export const CONTROLS = [
  'kill_switch',
  'restricted_instrument',
  'message_throttle',
  'duplicate_order',
  'max_order_qty',
  'max_order_value',
  'price_collar',
  'max_position',
  'credit_limit',
  'max_open_orders',
  'daily_loss_limit',
] as const;
export type Control = (typeof CONTROLS)[number];
export type SettableControl = Exclude<Control, 'kill_switch'>;

export const SCOPES = ['global', 'desk', 'account', 'instrument'] as const;
export type Scope = (typeof SCOPES)[number];

/** The engine's control names (RTS 6 spelling) as the wire spells them. */
export const WIRE_CONTROL: Readonly<Record<EngineControl, Control>> = {
  KILL_SWITCH: 'kill_switch',
  RESTRICTED_INSTRUMENT: 'restricted_instrument',
  MESSAGE_THROTTLE: 'message_throttle',
  DUPLICATE_ORDER: 'duplicate_order',
  MAX_ORDER_QUANTITY: 'max_order_qty',
  MAX_ORDER_VALUE: 'max_order_value',
  PRICE_COLLAR: 'price_collar',
  POSITION_LIMIT: 'max_position',
  CREDIT_LIMIT: 'credit_limit',
  MAX_OPEN_ORDERS: 'max_open_orders',
};

type Kind = 'quantity' | 'money' | 'bps' | 'count' | 'duration' | 'throttle' | 'flag';
type LimitField = keyof LimitPatch;

interface ControlSpec {
  readonly kind: Kind;
  /** The LimitBook field; absent for restrictions and the daily loss limit. */
  readonly field?: LimitField;
  /** May be set for one account in one instrument (LimitBook's instrument-level fields). */
  readonly perInstrument: boolean;
  /** May be set firm-wide for one instrument (scope "instrument"). */
  readonly firmInstrument: boolean;
}

const SPECS: Readonly<Record<SettableControl, ControlSpec>> = {
  max_order_qty: { kind: 'quantity', field: 'maxOrderQuantity', perInstrument: true, firmInstrument: true },
  max_order_value: { kind: 'money', field: 'maxOrderValue', perInstrument: true, firmInstrument: true },
  price_collar: { kind: 'bps', field: 'priceCollarBps', perInstrument: true, firmInstrument: false },
  max_position: { kind: 'quantity', field: 'maxPosition', perInstrument: true, firmInstrument: true },
  duplicate_order: {
    kind: 'duration',
    field: 'duplicateWindowMicros',
    perInstrument: true,
    firmInstrument: false,
  },
  credit_limit: { kind: 'money', field: 'creditLimit', perInstrument: false, firmInstrument: false },
  max_open_orders: { kind: 'count', field: 'maxOpenOrders', perInstrument: false, firmInstrument: false },
  message_throttle: { kind: 'throttle', field: 'throttle', perInstrument: false, firmInstrument: false },
  restricted_instrument: { kind: 'flag', perInstrument: true, firmInstrument: true },
  daily_loss_limit: { kind: 'money', perInstrument: false, firmInstrument: false },
};

/** Money amounts (limits, notionals, P&L) are mantissas at this scale, as in the engine. */
export const MONEY_SCALE = 4;

/** A money-scale mantissa as the wire writes money: "1234.5000". */
export function formatMoney(mantissa: bigint): string {
  return formatFixed({ mantissa, scale: MONEY_SCALE });
}

export type SettingField = 'scope' | 'target' | 'control' | 'value';

/** A setting the catalog refuses; `field` names the request field that is wrong. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
  readonly code = 'BAD_SETTING';
  constructor(
    readonly field: SettingField,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** One setting as the wire carries it. */
export interface SettingText {
  readonly scope: string;
  readonly target: string;
  readonly control: string;
  readonly value: string;
}

/** Who a setting applies to: `owner` is the desk or account id ("" for global and instrument scope). */
export interface SettingTarget {
  readonly scope: Scope;
  readonly owner: string;
  readonly instrumentId: string | undefined;
}

export type SettingValue = FixedPoint | number | ThrottleLimit | true;

/** A validated setting: the normalised text and the value the engine takes (null = remove). */
export interface Setting {
  readonly scope: Scope;
  readonly target: string;
  readonly control: SettableControl;
  readonly value: string;
  readonly where: SettingTarget;
  readonly parsed: SettingValue | null;
  readonly field: LimitField | undefined;
}

/** Parses and validates one setting; throws SettingError naming the field that is wrong. */
export function parseSetting(text: SettingText): Setting {
  const scope = text.scope.trim();
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw new SettingError('scope', `must be one of ${SCOPES.join(', ')}, got "${text.scope}"`);
  }
  const control = text.control.trim();
  if (control === 'kill_switch') {
    throw new SettingError('control', 'kill switches are set with SetKillSwitch, not SetLimit');
  }
  if (!(control in SPECS)) {
    throw new SettingError(
      'control',
      `unknown control "${text.control}"; known: ${Object.keys(SPECS).join(', ')}`,
    );
  }
  const name = control as SettableControl;
  const spec = SPECS[name];
  const where = parseTarget(scope as Scope, text.target.trim(), name, spec);
  const { value, parsed } = parseValue(spec.kind, text.value.trim());
  return {
    scope: where.scope,
    target: text.target.trim(),
    control: name,
    value,
    where,
    parsed,
    field: spec.field,
  };
}

/** Identity of a setting (scope, target, control), as the board and the journal replay key it. */
export function settingKey(s: { scope: string; target: string; control: string }): string {
  return `${s.scope}|${s.target}|${s.control}`;
}

function parseTarget(
  scope: Scope,
  target: string,
  control: SettableControl,
  spec: ControlSpec,
): SettingTarget {
  const bad = (why: string): never => {
    throw new SettingError('target', why);
  };
  if (scope === 'global') {
    if (target !== '') bad(`must be empty for scope global, got "${target}"`);
    if (control === 'restricted_instrument') {
      bad('restrict an instrument firm-wide with scope "instrument" and the instrument id as target');
    }
    return { scope, owner: '', instrumentId: undefined };
  }
  if (scope === 'instrument') {
    if (!spec.firmInstrument) bad(`${control} cannot be set firm-wide for one instrument`);
    if (!INSTRUMENT_ID_RE.test(target)) bad(`"${target}" is not an instrument id (SYMBOL.VENUE)`);
    return { scope, owner: '', instrumentId: target };
  }
  // desk or account: "OWNER" or "OWNER/INSTRUMENT"
  const slash = target.indexOf('/');
  const owner = slash < 0 ? target : target.slice(0, slash);
  const instrumentId = slash < 0 ? undefined : target.slice(slash + 1);
  if (owner === '') bad(`the ${scope} id is required`);
  if (instrumentId !== undefined && !INSTRUMENT_ID_RE.test(instrumentId)) {
    bad(`"${instrumentId}" is not an instrument id (SYMBOL.VENUE)`);
  }
  if (control === 'restricted_instrument') {
    if (instrumentId === undefined) bad(`name the instrument: "${owner}/SYMBOL.VENUE"`);
  } else if (instrumentId !== undefined && !(scope === 'account' && spec.perInstrument)) {
    bad(
      spec.perInstrument
        ? `${control} can be set per instrument for an account, not for a ${scope}`
        : `${control} is account-wide and cannot be set per instrument`,
    );
  }
  return { scope, owner, instrumentId };
}

function parseValue(kind: Kind, raw: string): { value: string; parsed: SettingValue | null } {
  if (raw === '' || (kind === 'flag' && raw === 'false')) return { value: '', parsed: null };
  const bad = (why: string): never => {
    throw new SettingError('value', why);
  };
  switch (kind) {
    case 'quantity':
    case 'money': {
      let fp: FixedPoint;
      try {
        fp = parseFixed(raw);
      } catch (err) {
        return bad((err as Error).message);
      }
      if (fp.mantissa < 0n) bad(`must not be negative, got ${raw}`);
      if (kind === 'money') {
        try {
          rescale(fp, MONEY_SCALE);
        } catch {
          bad(`${raw} has more than ${MONEY_SCALE} decimals`);
        }
      }
      return { value: formatFixed(fp), parsed: fp };
    }
    case 'bps':
    case 'count': {
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
        bad(`must be a non-negative integer${kind === 'bps' ? ' (basis points)' : ''}, got "${raw}"`);
      }
      const n = Number(raw);
      return { value: String(n), parsed: n };
    }
    case 'duration': {
      const micros = parseDuration(raw);
      if (micros === undefined) bad(`must be a duration such as 500ms, 1s or 250000us, got "${raw}"`);
      return { value: formatDuration(micros!), parsed: micros! };
    }
    case 'throttle': {
      const m = /^(\d+)\/(.+)$/.exec(raw);
      const maxMessages = m ? Number(m[1]) : NaN;
      const windowMicros = m ? parseDuration(m[2]!) : undefined;
      if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || windowMicros === undefined) {
        bad(`must be MESSAGES/DURATION such as 100/1s, got "${raw}"`);
      }
      return {
        value: `${maxMessages}/${formatDuration(windowMicros!)}`,
        parsed: { maxMessages, windowMicros: windowMicros! },
      };
    }
    case 'flag':
      if (raw !== 'true') bad(`must be "true" (or "" / "false" to lift it), got "${raw}"`);
      return { value: 'true', parsed: true };
  }
}

const UNIT_MICROS = { us: 1, ms: 1_000, s: 1_000_000 } as const;

/** "500ms" -> 500000; positive whole numbers of us, ms or s only (undefined otherwise). */
function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(us|ms|s)$/.exec(text);
  if (!m) return undefined;
  const micros = Number(m[1]) * UNIT_MICROS[m[2] as keyof typeof UNIT_MICROS];
  return Number.isSafeInteger(micros) && micros > 0 ? micros : undefined;
}

/** The largest unit that states the duration exactly: 1000000 -> "1s", 1500 -> "1500us". */
function formatDuration(micros: number): string {
  if (micros % UNIT_MICROS.s === 0) return `${micros / UNIT_MICROS.s}s`;
  if (micros % UNIT_MICROS.ms === 0) return `${micros / UNIT_MICROS.ms}ms`;
  return `${micros}us`;
}
