import type { Role } from './roles';

/**
 * How a role holds a permission:
 * - `granted`: the resource is not owned by a desk (instruments, market data), so no desk rule applies;
 * - `own_desk`: only resources of the principal's own desk (accounts, orders, positions of that desk);
 * - `all_desks`: resources of every desk;
 * - `none`: not at all.
 */
export type Access = 'none' | 'granted' | 'own_desk' | 'all_desks';

export interface PermissionRule {
  readonly description: string;
  /** Changes state (trading, limits, master data): roles holding one must sign in with a second factor. */
  readonly changesState: boolean;
  /** Every role, always spelled out: a new role must be placed in each row, never inherit silently. */
  readonly access: Readonly<Record<Role, Access>>;
}

const market = (description: string): PermissionRule => ({
  description,
  changesState: false,
  access: {
    trader: 'granted',
    desk_head: 'granted',
    risk_officer: 'granted',
    auditor: 'granted',
    admin: 'granted',
  },
});

/** Records of a desk's accounts: the desk reads its own, risk and audit read every desk's. */
const deskRecords = (description: string): PermissionRule => ({
  description,
  changesState: false,
  access: {
    trader: 'own_desk',
    desk_head: 'own_desk',
    risk_officer: 'all_desks',
    auditor: 'all_desks',
    admin: 'none',
  },
});

/**
 * THE permission table: every permission of the API and which roles hold it, with the desk rule.
 * Resolvers declare one of these names; libs/auth/PERMISSIONS.md is generated from this object.
 */
export const PERMISSIONS = {
  'instruments:read': market('Read the instrument master'),
  'marketdata:read': market('Read quotes, trades and depth'),
  'history:read': market('Read tick and bar history'),
  'analytics:read': market('Read aggregates, indicators and signals'),
  'alerts:read': market('Read price, indicator and anomaly alerts'),
  'instruments:admin': {
    description: 'Create, change and halt instruments',
    changesState: true,
    access: { trader: 'none', desk_head: 'none', risk_officer: 'none', auditor: 'none', admin: 'granted' },
  },
  'orders:submit': {
    description: 'Submit and replace orders for a desk account',
    changesState: true,
    access: {
      trader: 'own_desk',
      desk_head: 'own_desk',
      risk_officer: 'none',
      auditor: 'none',
      admin: 'none',
    },
  },
  'orders:cancel': {
    description: 'Cancel orders of a desk account',
    changesState: true,
    access: {
      trader: 'own_desk',
      desk_head: 'own_desk',
      risk_officer: 'all_desks',
      auditor: 'none',
      admin: 'none',
    },
  },
  'orders:read': deskRecords('Read orders and executions of a desk account'),
  'positions:read': deskRecords('Read positions and P&L of a desk account'),
  // The kill switch is a risk control: only risk officers engage or release it (MiFID II RTS 6).
  'killswitch:set': {
    description: 'Engage or release a kill switch (account, desk or global)',
    changesState: true,
    access: { trader: 'none', desk_head: 'none', risk_officer: 'all_desks', auditor: 'none', admin: 'none' },
  },
  'limits:set': {
    description: 'Set pre-trade risk limits of a desk',
    changesState: true,
    access: { trader: 'none', desk_head: 'none', risk_officer: 'all_desks', auditor: 'none', admin: 'none' },
  },
  'limits:read': deskRecords('Read pre-trade limits, kill switches and risk alerts that apply to a desk'),
  'journal:read': {
    description: 'Read the append-only journal',
    changesState: false,
    access: {
      trader: 'none',
      desk_head: 'own_desk',
      risk_officer: 'all_desks',
      auditor: 'all_desks',
      admin: 'none',
    },
  },
  'journal:verify': {
    description: 'Verify the hash chain of the journal',
    changesState: false,
    access: {
      trader: 'none',
      desk_head: 'none',
      risk_officer: 'all_desks',
      auditor: 'all_desks',
      admin: 'all_desks',
    },
  },
} as const satisfies Record<string, PermissionRule>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

export function accessOf(role: Role, permission: Permission): Access {
  return PERMISSIONS[permission].access[role];
}

/** The permissions a role holds in any form, in table order. */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((p) => accessOf(role, p) !== 'none');
}

/** A role that can trade or change the platform signs in with a second factor (TOTP). */
export function requiresSecondFactor(role: Role): boolean {
  return PERMISSION_NAMES.some((p) => PERMISSIONS[p].changesState && accessOf(role, p) !== 'none');
}

/** What `authorize` needs of a caller: its role, its desk, and the scopes its token was issued for. */
export interface Grantee {
  readonly role: Role;
  readonly desk: string;
  readonly scopes: readonly Permission[];
}

export type Decision =
  { allowed: true } | { allowed: false; reason: 'role' | 'scope' | 'desk'; message: string };

/**
 * May `who` use `permission`, on a resource of `resourceDesk` when the resource belongs to a desk?
 * Without `resourceDesk` the answer is about the permission itself; a listing then narrows with
 * `deskScope`.
 */
export function authorize(who: Grantee, permission: Permission, resourceDesk?: string): Decision {
  const access = accessOf(who.role, permission);
  if (access === 'none') {
    return { allowed: false, reason: 'role', message: `role ${who.role} does not hold ${permission}` };
  }
  if (!who.scopes.includes(permission)) {
    return { allowed: false, reason: 'scope', message: `the token was not issued for ${permission}` };
  }
  if (access === 'own_desk' && resourceDesk !== undefined && resourceDesk !== who.desk) {
    return {
      allowed: false,
      reason: 'desk',
      message: `${permission} is limited to desk ${who.desk}; the resource belongs to desk ${resourceDesk}`,
    };
  }
  return { allowed: true };
}

/** Which desks a listing under `permission` may show: every desk, or only the caller's own. */
export type DeskScope = { kind: 'all_desks' } | { kind: 'desk'; desk: string } | { kind: 'none' };

export function deskScope(who: Grantee, permission: Permission): DeskScope {
  if (!authorize(who, permission).allowed) return { kind: 'none' };
  return accessOf(who.role, permission) === 'own_desk'
    ? { kind: 'desk', desk: who.desk }
    : { kind: 'all_desks' };
}
