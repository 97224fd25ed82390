import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EnvVar } from '@tapeline/config';

/** One entry of MARKET_DATA_FEEDS: which adapter to run and where it connects. */
export type FeedSpec =
  | { readonly kind: 'simulated' }
  | { readonly kind: 'replay'; readonly path: string }
  | { readonly kind: 'binance'; readonly wsUrl: string; readonly restUrl: string }
  | { readonly kind: 'fix'; readonly host: string; readonly port: number };

export type FeedKind = FeedSpec['kind'];

export const FEEDS_VARIABLE = 'MARKET_DATA_FEEDS';
const FORMS = 'simulated, replay:<path>, binance:<wsUrl>|<restUrl>, fix:<host:port>';

function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Parses one entry; a string is the problem with it. */
export function parseFeedEntry(entry: string, cwd = process.cwd()): FeedSpec | string {
  const colon = entry.indexOf(':');
  const kind = colon < 0 ? entry : entry.slice(0, colon);
  const target = colon < 0 ? '' : entry.slice(colon + 1);
  switch (kind) {
    case 'simulated':
      return target ? `"${entry}": simulated takes no target` : { kind };
    case 'replay': {
      if (!target) return `"${entry}": replay needs a tick file, replay:<path>`;
      const file = path.resolve(cwd, target);
      return existsSync(file) ? { kind, path: file } : `"${entry}": tick file ${file} does not exist`;
    }
    case 'binance': {
      const [wsUrl = '', restUrl = '', ...rest] = target.split('|');
      if (rest.length > 0 || !isUrl(wsUrl, ['ws:', 'wss:']) || !isUrl(restUrl, ['http:', 'https:'])) {
        return `"${entry}": binance needs binance:<ws(s) URL>|<http(s) URL>`;
      }
      return { kind, wsUrl, restUrl };
    }
    case 'fix': {
      const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) return `"${entry}": fix needs fix:<host>:<port>`;
      return { kind, host: m[1]!, port };
    }
    default:
      return `"${entry}" is not a feed; use ${FORMS}`;
  }
}

function entries(raw: string | undefined): string[] {
  return (raw || 'simulated')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}

/** MARKET_DATA_FEEDS: a comma list of adapters, `simulated` by default; every bad entry is named. */
export function feedsVar(): EnvVar<FeedSpec[]> {
  return {
    variable: FEEDS_VARIABLE,
    read(source) {
      const list = entries(source[FEEDS_VARIABLE]);
      if (list.length === 0) return { problem: `lists no feed; use ${FORMS}` };
      const specs: FeedSpec[] = [];
      const problems: string[] = [];
      for (const entry of list) {
        const spec = parseFeedEntry(entry);
        if (typeof spec === 'string') problems.push(spec);
        else specs.push(spec);
      }
      const kinds = specs.map((s) => s.kind);
      for (const kind of ['simulated', 'binance', 'fix'] as const) {
        // Their per-kind settings (symbols, comp ids) are single variables: one adapter each.
        if (kinds.filter((k) => k === kind).length > 1) problems.push(`lists ${kind} more than once`);
      }
      return problems.length > 0 ? { problem: problems.join('; ') } : { value: specs };
    },
  };
}

/** A variable that only matters (and is only checked) when MARKET_DATA_FEEDS names its feed kind. */
export function whenFeed<T>(kind: FeedKind, inner: EnvVar<T>): EnvVar<T | undefined> {
  return {
    variable: inner.variable,
    read(source) {
      const used = entries(source[FEEDS_VARIABLE]).some((e) => e === kind || e.startsWith(`${kind}:`));
      return used ? inner.read(source) : { value: undefined };
    },
  };
}
