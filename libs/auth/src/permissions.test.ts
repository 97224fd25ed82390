import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  accessOf,
  authorize,
  deskScope,
  PERMISSION_NAMES,
  permissionsOf,
  requiresSecondFactor,
  type Grantee,
  type Role,
} from './index';
import { PERMISSIONS_DOC, renderPermissionsMarkdown } from './permissions-doc';

const grantee = (role: Role, desk = 'FX'): Grantee => ({ role, desk, scopes: permissionsOf(role) });

test('PERMISSIONS.md is the generated form of the permission table', () => {
  assert.equal(
    readFileSync(PERMISSIONS_DOC, 'utf8'),
    renderPermissionsMarkdown(),
    'run `node libs/auth/dist/src/permissions-doc.js` after changing permissions.ts',
  );
});

test('the markdown lists every permission once with a cell per role', () => {
  const rows = renderPermissionsMarkdown()
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  assert.deepEqual(
    rows.map((r) => /`([^`]+)`/.exec(r)![1]),
    PERMISSION_NAMES,
  );
  assert.match(
    rows.find((r) => r.includes('`orders:submit`'))!,
    /\| own desk +\| own desk +\| – +\| – +\| – +\|/,
  );
});

test('only traders and desk heads submit orders, and only for their own desk', () => {
  assert.deepEqual(authorize(grantee('trader'), 'orders:submit', 'FX'), { allowed: true });
  assert.equal(authorize(grantee('desk_head', 'RATES'), 'orders:submit', 'RATES').allowed, true);
  const otherDesk = authorize(grantee('trader'), 'orders:submit', 'RATES');
  assert.equal(otherDesk.allowed, false);
  assert.equal(!otherDesk.allowed && otherDesk.reason, 'desk');
  for (const role of ['risk_officer', 'auditor', 'admin'] as const) {
    const d = authorize(grantee(role), 'orders:submit', 'FX');
    assert.equal(!d.allowed && d.reason, 'role', role);
  }
});

test('risk officers and auditors read orders of every desk; traders only their own', () => {
  assert.deepEqual(deskScope(grantee('risk_officer', 'RISK'), 'orders:read'), { kind: 'all_desks' });
  assert.deepEqual(deskScope(grantee('auditor', 'AUDIT'), 'orders:read'), { kind: 'all_desks' });
  assert.deepEqual(deskScope(grantee('trader', 'FX'), 'orders:read'), { kind: 'desk', desk: 'FX' });
  assert.deepEqual(deskScope(grantee('admin', 'OPS'), 'orders:read'), { kind: 'none' });
  assert.equal(authorize(grantee('auditor', 'AUDIT'), 'positions:read', 'FX').allowed, true);
});

test('market data is readable by every role and is not desk-scoped', () => {
  for (const role of ['trader', 'desk_head', 'risk_officer', 'auditor', 'admin'] as const) {
    assert.equal(accessOf(role, 'instruments:read'), 'granted');
    assert.equal(authorize(grantee(role), 'marketdata:read', 'ANY-DESK').allowed, true);
  }
});

test('a token issued for fewer scopes than the role holds is refused the others', () => {
  const narrow: Grantee = { role: 'trader', desk: 'FX', scopes: ['instruments:read'] };
  assert.equal(authorize(narrow, 'instruments:read').allowed, true);
  const d = authorize(narrow, 'orders:submit', 'FX');
  assert.equal(!d.allowed && d.reason, 'scope');
});

test('roles that trade or administer need a second factor; the auditor does not', () => {
  assert.deepEqual(
    (['trader', 'desk_head', 'risk_officer', 'auditor', 'admin'] as const).filter(requiresSecondFactor),
    ['trader', 'desk_head', 'risk_officer', 'admin'],
  );
});

test('only admins change the instrument master, only risk officers set limits and kill switches', () => {
  const holders = (p: (typeof PERMISSION_NAMES)[number]) =>
    (['trader', 'desk_head', 'risk_officer', 'auditor', 'admin'] as const).filter(
      (r) => accessOf(r, p) !== 'none',
    );
  assert.deepEqual(holders('instruments:admin'), ['admin']);
  assert.deepEqual(holders('journal:verify'), ['risk_officer', 'auditor', 'admin']);
  assert.deepEqual(holders('limits:set'), ['risk_officer']);
  assert.deepEqual(holders('killswitch:set'), ['risk_officer']);
});
