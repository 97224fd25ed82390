import type { RouteConfig, VenueRoutingConfig } from './venue-config';

/** Picks the venue of an order: the first matching route, else the default venue. */
export class VenueRouter {
  constructor(private readonly config: VenueRoutingConfig) {}

  route(accountId: string, instrumentId: string): string {
    const hit = this.config.routes.find((r) => matches(r, accountId, instrumentId));
    return hit?.venue ?? this.config.defaultVenue;
  }
}

/**
 * The venues orders of an instrument may reach, whatever the account: those of the routes naming
 * it (or every instrument), and the default venue.
 */
export function venuesOf(config: VenueRoutingConfig, instrumentId: string): Set<string> {
  const out = new Set([config.defaultVenue]);
  for (const r of config.routes) {
    if (r.instruments.length === 0 || r.instruments.includes(instrumentId)) out.add(r.venue);
  }
  return out;
}

function matches(r: RouteConfig, accountId: string, instrumentId: string): boolean {
  return (
    (r.accounts.length === 0 || r.accounts.includes(accountId)) &&
    (r.instruments.length === 0 || r.instruments.includes(instrumentId))
  );
}
