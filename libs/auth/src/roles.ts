/** The roles of the platform; every principal holds exactly one. */
export const ROLES = ['trader', 'desk_head', 'risk_officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Desk codes: short upper-case identifiers such as FX, RATES, EQ-CASH. */
export const DESK_RE = /^[A-Z][A-Z0-9_-]{0,31}$/;
