import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PERMISSION_NAMES, PERMISSIONS, requiresSecondFactor, type Access } from './permissions';
import { ROLES } from './roles';

/** Where the generated table lives: libs/auth/PERMISSIONS.md (this file runs from dist/src). */
export const PERMISSIONS_DOC = path.resolve(__dirname, '../../PERMISSIONS.md');

const CELL: Record<Access, string> = {
  none: '–',
  granted: 'yes',
  own_desk: 'own desk',
  all_desks: 'all desks',
};

/** The permission table as markdown; PERMISSIONS.md must equal this (a test checks it). */
export function renderPermissionsMarkdown(): string {
  const lines = [
    '# Permissions',
    '',
    '<!-- Generated from libs/auth/src/permissions.ts by `node libs/auth/dist/src/permissions-doc.js`. Do not edit. -->',
    '',
    'Every GraphQL field declares one permission. A cell says whether the role holds it:',
    "`yes` (the resource belongs to no desk), `own desk` (only resources of the caller's desk),",
    '`all desks`, or `–` (not held).',
    '',
    ...table(
      ['permission', ...ROLES, 'description'],
      PERMISSION_NAMES.map((name) => {
        const rule = PERMISSIONS[name];
        return [
          `\`${name}\``,
          ...ROLES.map((role) => CELL[rule.access[role]]),
          rule.description + (rule.changesState ? ' (changes state)' : ''),
        ];
      }),
    ),
    '',
    'Roles holding a permission that changes state sign in with a password and a TOTP code:',
    ROLES.filter(requiresSecondFactor)
      .map((r) => `\`${r}\``)
      .join(', ') + '.',
    '',
  ];
  return lines.join('\n');
}

/** A markdown table padded the way prettier pads it, so that formatting the file changes nothing. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

if (require.main === module) {
  writeFileSync(PERMISSIONS_DOC, renderPermissionsMarkdown());
  process.stdout.write(`wrote ${PERMISSIONS_DOC}\n`);
}
