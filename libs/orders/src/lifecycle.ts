// The FIX 4.4 order lifecycle as ONE table: (state, trigger) -> (next state, ExecType, tag 150).
// Anything not listed is refused. The reducer (reducer.ts) only computes quantities and looks the
// state change up here, so this table is the whole state machine.
//
// Choices, following FIX 4.4 (Volume 4, Order State Change Matrices):
// - OrdStatus precedence: a fill that arrives while a cancel or replace is pending keeps the order
//   in PendingCancel/PendingReplace (they outrank PartiallyFilled and Filled); the venue's
//   CancelReject/ReplaceReject ("too late") then settles it by quantity.
// - BY_QUANTITY = the status the quantities say: Filled when CumQty >= OrderQty, PartiallyFilled
//   when CumQty > 0, else New (or PendingNew if the venue has not acknowledged the order yet).
// - Replace: FIX 4.4 answers a replace with ExecType Replaced and the order's current OrdStatus
//   (OrdStatus Replaced is "no longer used" since FIX 4.3). So ReplaceAck settles BY_QUANTITY under
//   the new ClOrdID; the Replaced state stays in the enum for the wire and has no transitions.
// - Cancel/replace rejects are OrderCancelReject (35=9) on the wire, not ExecutionReports; they are
//   recorded here with ExecType ORDER_STATUS (the order's status restated).
// - One request in flight at a time: a cancel or replace while another is pending is refused.
//   A replace needs an acknowledged order (PendingNew refuses it); a cancel does not.
// - Trigger (a stop order released to the venue) has no ExecType in FIX 4.4 (FIX 5 added
//   Triggered); it is recorded as ORDER_STATUS and keeps the status.
// - DoneForDay is not modelled: the contracts' OrdStatus has no such value.
import { tradingV1 } from '@tapeline/contracts';

export type LifecycleTrigger =
  | 'Ack'
  | 'Reject'
  | 'PartialFill'
  | 'FullFill'
  | 'CancelRequest'
  | 'CancelAck'
  | 'CancelReject'
  | 'ReplaceRequest'
  | 'ReplaceAck'
  | 'ReplaceReject'
  | 'VenueCancel'
  | 'Expire'
  | 'Trigger';

export const LIFECYCLE_TRIGGERS: readonly LifecycleTrigger[] = [
  'Ack',
  'Reject',
  'PartialFill',
  'FullFill',
  'CancelRequest',
  'CancelAck',
  'CancelReject',
  'ReplaceRequest',
  'ReplaceAck',
  'ReplaceReject',
  'VenueCancel',
  'Expire',
  'Trigger',
];

export const BY_QUANTITY = 'byQuantity' as const;

export interface LifecycleRule {
  readonly from: tradingV1.OrdStatus;
  readonly trigger: LifecycleTrigger;
  readonly to: tradingV1.OrdStatus | typeof BY_QUANTITY;
  readonly execType: tradingV1.ExecType;
}

const S = tradingV1.OrdStatus;
const E = tradingV1.ExecType;

/** Every status an order can be in (UNSPECIFIED excluded). */
export const ORDER_STATUSES: readonly tradingV1.OrdStatus[] = [
  S.ORD_STATUS_PENDING_NEW,
  S.ORD_STATUS_NEW,
  S.ORD_STATUS_PARTIALLY_FILLED,
  S.ORD_STATUS_FILLED,
  S.ORD_STATUS_PENDING_CANCEL,
  S.ORD_STATUS_CANCELED,
  S.ORD_STATUS_PENDING_REPLACE,
  S.ORD_STATUS_REPLACED,
  S.ORD_STATUS_REJECTED,
  S.ORD_STATUS_EXPIRED,
];

/** Shared by New and PartiallyFilled: a working order. */
function working(from: tradingV1.OrdStatus): LifecycleRule[] {
  return [
    { from, trigger: 'PartialFill', to: S.ORD_STATUS_PARTIALLY_FILLED, execType: E.EXEC_TYPE_TRADE },
    { from, trigger: 'FullFill', to: S.ORD_STATUS_FILLED, execType: E.EXEC_TYPE_TRADE },
    { from, trigger: 'CancelRequest', to: S.ORD_STATUS_PENDING_CANCEL, execType: E.EXEC_TYPE_PENDING_CANCEL },
    {
      from,
      trigger: 'ReplaceRequest',
      to: S.ORD_STATUS_PENDING_REPLACE,
      execType: E.EXEC_TYPE_PENDING_REPLACE,
    },
    { from, trigger: 'VenueCancel', to: S.ORD_STATUS_CANCELED, execType: E.EXEC_TYPE_CANCELED },
    { from, trigger: 'Expire', to: S.ORD_STATUS_EXPIRED, execType: E.EXEC_TYPE_EXPIRED },
  ];
}

/** Shared by PendingCancel and PendingReplace: fills keep the pending status (precedence). */
function pending(from: tradingV1.OrdStatus): LifecycleRule[] {
  return [
    { from, trigger: 'PartialFill', to: from, execType: E.EXEC_TYPE_TRADE },
    { from, trigger: 'FullFill', to: from, execType: E.EXEC_TYPE_TRADE },
    { from, trigger: 'VenueCancel', to: S.ORD_STATUS_CANCELED, execType: E.EXEC_TYPE_CANCELED },
    { from, trigger: 'Expire', to: S.ORD_STATUS_EXPIRED, execType: E.EXEC_TYPE_EXPIRED },
  ];
}

export const ORDER_LIFECYCLE: readonly LifecycleRule[] = Object.freeze([
  { from: S.ORD_STATUS_PENDING_NEW, trigger: 'Ack', to: S.ORD_STATUS_NEW, execType: E.EXEC_TYPE_NEW },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'Reject',
    to: S.ORD_STATUS_REJECTED,
    execType: E.EXEC_TYPE_REJECTED,
  },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'PartialFill',
    to: S.ORD_STATUS_PARTIALLY_FILLED,
    execType: E.EXEC_TYPE_TRADE,
  },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'FullFill',
    to: S.ORD_STATUS_FILLED,
    execType: E.EXEC_TYPE_TRADE,
  },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'CancelRequest',
    to: S.ORD_STATUS_PENDING_CANCEL,
    execType: E.EXEC_TYPE_PENDING_CANCEL,
  },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'VenueCancel',
    to: S.ORD_STATUS_CANCELED,
    execType: E.EXEC_TYPE_CANCELED,
  },
  {
    from: S.ORD_STATUS_PENDING_NEW,
    trigger: 'Expire',
    to: S.ORD_STATUS_EXPIRED,
    execType: E.EXEC_TYPE_EXPIRED,
  },

  ...working(S.ORD_STATUS_NEW),
  { from: S.ORD_STATUS_NEW, trigger: 'Trigger', to: S.ORD_STATUS_NEW, execType: E.EXEC_TYPE_ORDER_STATUS },
  ...working(S.ORD_STATUS_PARTIALLY_FILLED),

  ...pending(S.ORD_STATUS_PENDING_CANCEL),
  // The venue may still acknowledge or reject the original order after a cancel was requested.
  {
    from: S.ORD_STATUS_PENDING_CANCEL,
    trigger: 'Ack',
    to: S.ORD_STATUS_PENDING_CANCEL,
    execType: E.EXEC_TYPE_NEW,
  },
  {
    from: S.ORD_STATUS_PENDING_CANCEL,
    trigger: 'Reject',
    to: S.ORD_STATUS_REJECTED,
    execType: E.EXEC_TYPE_REJECTED,
  },
  {
    from: S.ORD_STATUS_PENDING_CANCEL,
    trigger: 'CancelAck',
    to: S.ORD_STATUS_CANCELED,
    execType: E.EXEC_TYPE_CANCELED,
  },
  {
    from: S.ORD_STATUS_PENDING_CANCEL,
    trigger: 'CancelReject',
    to: BY_QUANTITY,
    execType: E.EXEC_TYPE_ORDER_STATUS,
  },

  ...pending(S.ORD_STATUS_PENDING_REPLACE),
  {
    from: S.ORD_STATUS_PENDING_REPLACE,
    trigger: 'ReplaceAck',
    to: BY_QUANTITY,
    execType: E.EXEC_TYPE_REPLACED,
  },
  {
    from: S.ORD_STATUS_PENDING_REPLACE,
    trigger: 'ReplaceReject',
    to: BY_QUANTITY,
    execType: E.EXEC_TYPE_ORDER_STATUS,
  },
  // Filled, Canceled, Replaced, Rejected and Expired are terminal: no rules.
]);

// By state, then trigger: a lookup per transition that builds no key.
const RULES = new Map<tradingV1.OrdStatus, Map<LifecycleTrigger, LifecycleRule>>();
for (const r of ORDER_LIFECYCLE) {
  let byTrigger = RULES.get(r.from);
  if (byTrigger === undefined) RULES.set(r.from, (byTrigger = new Map()));
  byTrigger.set(r.trigger, r);
}

/** The rule for this state and trigger, or undefined when the table refuses it. */
export function lifecycleRule(
  from: tradingV1.OrdStatus,
  trigger: LifecycleTrigger,
): LifecycleRule | undefined {
  return RULES.get(from)?.get(trigger);
}

// Indexed by status (small non-negative integers): asked several times per event.
const LIVE: boolean[] = [];
for (const status of RULES.keys()) LIVE[status] = true;

/** No rule leaves this state: Filled, Canceled, Replaced, Rejected, Expired. */
export function isTerminal(status: tradingV1.OrdStatus): boolean {
  return LIVE[status] !== true;
}

/** "PARTIALLY_FILLED" for messages. */
export function statusName(status: tradingV1.OrdStatus): string {
  return (tradingV1.OrdStatus[status] ?? String(status)).replace(/^ORD_STATUS_/, '');
}
