// services/oms/config/venues.yaml: which venues exist and which orders go where.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface SimulatedVenueConfig {
  readonly name: string;
  readonly kind: 'simulated';
  readonly enabled: boolean;
}

export interface FixVenueConfig {
  readonly name: string;
  readonly kind: 'fix';
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly heartbeatSeconds: number;
  readonly cancelOnDisconnect: boolean;
}

export type VenueConfig = SimulatedVenueConfig | FixVenueConfig;

export interface RouteConfig {
  readonly venue: string;
  /** Empty: every account. */
  readonly accounts: readonly string[];
  /** Empty: every instrument. */
  readonly instruments: readonly string[];
}

export interface VenueRoutingConfig {
  readonly defaultVenue: string;
  readonly venues: readonly VenueConfig[];
  readonly routes: readonly RouteConfig[];
}

export class VenueConfigError extends Error {
  override readonly name = 'VenueConfigError';
  readonly code = 'BAD_VENUE_CONFIG';
}

/** Reads and checks the routing file; every problem is listed in one VenueConfigError. */
export function loadVenueRouting(file: string): VenueRoutingConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VenueConfigError(`venue routing ${file}: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const config = parseRouting(doc, problems);
  if (problems.length > 0) {
    throw new VenueConfigError(
      `venue routing ${file} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return config;
}

function parseRouting(doc: unknown, problems: string[]): VenueRoutingConfig {
  const root = asObject(doc, 'the file', problems);
  const venues: VenueConfig[] = [];
  for (const [name, raw] of Object.entries(asObject(root.venues, 'venues', problems))) {
    const venue = parseVenue(name, raw, problems);
    if (venue) venues.push(venue);
  }
  const enabled = new Set(venues.filter((v) => v.enabled).map((v) => v.name));
  const defaultVenue = typeof root.default === 'string' ? root.default : '';
  if (!enabled.has(defaultVenue)) problems.push(`default "${defaultVenue}" is not an enabled venue`);
  const routes: RouteConfig[] = [];
  const rawRoutes = root.routes ?? [];
  if (!Array.isArray(rawRoutes)) problems.push('routes must be a list');
  else {
    rawRoutes.forEach((raw: unknown, i) => {
      const r = asObject(raw, `routes[${i}]`, problems);
      const venue = typeof r.venue === 'string' ? r.venue : '';
      if (!enabled.has(venue)) problems.push(`routes[${i}]: venue "${venue}" is not an enabled venue`);
      routes.push({
        venue,
        accounts: stringList(r.accounts, `routes[${i}].accounts`, problems),
        instruments: stringList(r.instruments, `routes[${i}].instruments`, problems),
      });
    });
  }
  return { defaultVenue, venues, routes };
}

function parseVenue(name: string, raw: unknown, problems: string[]): VenueConfig | undefined {
  const v = asObject(raw, `venues.${name}`, problems);
  const enabled = v.enabled === undefined ? true : v.enabled === true;
  if (v.kind === 'simulated') return { name, kind: 'simulated', enabled };
  if (v.kind !== 'fix') {
    problems.push(`venues.${name}: kind must be "simulated" or "fix", got ${JSON.stringify(v.kind)}`);
    return undefined;
  }
  const text = (key: string): string => {
    if (typeof v[key] === 'string' && v[key] !== '') return v[key];
    problems.push(`venues.${name}.${key} must be a non-empty string`);
    return '';
  };
  const int = (key: string, min: number, max: number, fallback?: number): number => {
    const n = v[key] ?? fallback;
    if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
    problems.push(`venues.${name}.${key} must be an integer ${min}..${max}, got ${JSON.stringify(n)}`);
    return 0;
  };
  return {
    name,
    kind: 'fix',
    enabled,
    host: text('host'),
    port: int('port', 1, 65535),
    senderCompId: text('senderCompId'),
    targetCompId: text('targetCompId'),
    heartbeatSeconds: int('heartbeatSeconds', 1, 300, 30),
    cancelOnDisconnect: v.cancelOnDisconnect === true,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function asObject(value: unknown, what: string, problems: string[]): Record<string, any> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  problems.push(`${what} must be a mapping`);
  return {};
}

function stringList(value: unknown, what: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((s) => typeof s === 'string' && s !== '')) return value as string[];
  problems.push(`${what} must be a list of ids`);
  return [];
}
