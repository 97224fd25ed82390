import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseSetting, SettingError, type Scope, type Setting } from './control-catalog';

export class LimitsFileError extends Error {
  override readonly name = 'LimitsFileError';
  readonly code = 'BAD_LIMITS_FILE';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `limits file ${source} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Sections of the file and the scope their entries are set at. */
const SECTIONS: readonly [section: string, scope: Scope, keyed: boolean][] = [
  ['global', 'global', false],
  ['desks', 'desk', true],
  ['accounts', 'account', true],
  ['instruments', 'instrument', true],
];

/**
 * Reads the default limits: `global: {control: value}`, and `desks`, `accounts`, `instruments`
 * keyed by desk, account (or "ACCOUNT/INSTRUMENT") and instrument id. Controls and values are those
 * of SetLimit (see control-catalog.ts). Every problem in the file is reported at once.
 */
export function loadLimitsFile(path: string): Setting[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LimitsFileError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseLimits(text, path);
}

export function parseLimits(text: string, source = '<inline>'): Setting[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new LimitsFileError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (!isRecord(doc)) throw new LimitsFileError(source, ['the file is not a mapping of sections']);
  const problems: string[] = [];
  const settings: Setting[] = [];
  for (const key of Object.keys(doc)) {
    if (!SECTIONS.some(([section]) => section === key)) {
      problems.push(`${key}: unknown section; known: ${SECTIONS.map(([s]) => s).join(', ')}`);
    }
  }
  for (const [section, scope, keyed] of SECTIONS) {
    const body = doc[section];
    if (body === undefined || body === null) continue;
    if (!isRecord(body)) {
      problems.push(`${section}: must be a mapping`);
      continue;
    }
    const groups: [string, unknown][] = keyed ? Object.entries(body) : [['', body]];
    for (const [target, controls] of groups) {
      const where = keyed ? `${section}.${target}` : section;
      if (!isRecord(controls)) {
        problems.push(`${where}: must be a mapping of control: value`);
        continue;
      }
      for (const [control, raw] of Object.entries(controls)) {
        const value = valueText(raw);
        if (value === undefined) {
          problems.push(
            `${where}.${control}: write the value as a string ('0.5') or an integer, got ${String(raw)}`,
          );
          continue;
        }
        try {
          settings.push(parseSetting({ scope, target, control, value }));
        } catch (err) {
          if (!(err instanceof SettingError)) throw err;
          problems.push(`${where}.${control}: ${err.message}`);
        }
      }
    }
  }
  if (problems.length) throw new LimitsFileError(source, problems);
  return settings;
}

// A YAML float has already lost digits ("0.1" read as 0.1000000000000000055...), so only strings,
// safe integers and booleans (restricted_instrument: true) are taken.
function valueText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'boolean') return String(raw);
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
