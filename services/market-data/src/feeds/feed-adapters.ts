import { BinanceFeed, FixMarketDataFeed } from '@tapeline/feed-adapters';
import { formatFixed } from '@tapeline/fixed-point';
import type { Instrument } from '@tapeline/instruments';
import {
  FileReplay,
  SimulatedVenue,
  simulatedInstrument,
  type FeedAdapter,
  type SimulatedInstrument,
} from '@tapeline/market';
import type { MarketDataConfig } from '../config';
import type { FeedSpec } from './feed-spec';

export const SIM_VENUE = 'SIM';

/** A configured adapter and how the service treats it. */
export interface FeedRunner {
  readonly adapter: FeedAdapter;
  /** The MARKET_DATA_FEEDS entry it came from, shown in GetFeedStatus. */
  readonly label: string;
  /**
   * Live feeds stamp receive times now, so receive - exchange and publish - receive are our
   * latencies; a replay carries the recorded times, which would only measure the file's age.
   */
  readonly live: boolean;
}

// Reference prices of the seed's instruments, so the simulated market opens somewhere familiar;
// any other instrument opens at 10,000 ticks.
const REFERENCE_PRICES: Readonly<Record<string, string>> = {
  'AAPL.XNAS': '189.50',
  'MSFT.XNAS': '415.20',
  'NVDA.XNAS': '121.40',
  'SAP.XETR': '220.00',
  'VOD.XLON': '72.40',
  'ESZ6.XCME': '6012.25',
  'NQZ6.XCME': '21050.00',
  'CLF7.XNYM': '71.25',
  'FGBLZ6.XEUR': '131.50',
  'EURUSD.EBSM': '1.08450',
  'GBPUSD.EBSM': '1.27000',
  'USDJPY.EBSM': '151.250',
  'BTC-USDT.BINANCE': '42000.00',
  'ETH-USDT.BINANCE': '2500.00',
  'BTC-USD.COINBASE': '42000.00',
  'BTC-USDT-PERP.BINANCE': '42000.0',
  'ETH-USDT-PERP.BINANCE': '2500.00',
};

function startPrice(instrument: Instrument): string {
  return (
    REFERENCE_PRICES[instrument.instrumentId] ??
    formatFixed({ mantissa: instrument.tickSize.mantissa * 10_000n, scale: instrument.tickSize.scale })
  );
}

/** The simulated venue's listings: the instruments named, or every one with a SIM symbol. */
export function simulatedListings(
  instruments: readonly Instrument[],
  only: readonly string[],
): SimulatedInstrument[] {
  const wanted = new Set(only);
  return instruments
    .filter((i) => i.venueSymbols.some((v) => v.venue === SIM_VENUE))
    .filter((i) => wanted.size === 0 || wanted.has(i.instrumentId))
    .map((i) => simulatedInstrument(i, SIM_VENUE, startPrice(i)));
}

/** Builds the adapter of one MARKET_DATA_FEEDS entry (the simulated one needs the instruments). */
export function createFeedRunner(
  spec: FeedSpec,
  config: MarketDataConfig,
  instruments: readonly Instrument[],
): FeedRunner {
  switch (spec.kind) {
    case 'simulated': {
      const adapter = new SimulatedVenue({
        venue: SIM_VENUE,
        seed: config.simSeed ?? 2026,
        eventsPerSecond: config.simEventsPerSecond ?? 2000,
        levels: config.simLevels ?? 10,
        instruments: simulatedListings(instruments, config.simInstruments ?? []),
      });
      return { adapter, label: 'simulated', live: true };
    }
    case 'replay': {
      const adapter = new FileReplay({
        path: spec.path,
        speed: config.replaySpeed ?? 1,
        venue: config.replayVenue ?? 'REPLAY',
        receiveTime: 'recorded',
      });
      return { adapter, label: `replay:${spec.path}`, live: false };
    }
    case 'binance': {
      const adapter = new BinanceFeed({
        venue: config.binanceVenue ?? 'BINANCE',
        wsUrl: spec.wsUrl,
        restUrl: spec.restUrl,
        symbols: config.binanceSymbols ?? [],
      });
      return { adapter, label: `binance:${spec.wsUrl}`, live: true };
    }
    case 'fix': {
      const adapter = new FixMarketDataFeed({
        venue: config.fixVenue ?? 'FIXSIM',
        host: spec.host,
        port: spec.port,
        senderCompId: config.fixSenderCompId ?? '',
        targetCompId: config.fixTargetCompId ?? '',
        symbols: config.fixSymbols ?? [],
        ...(config.fixUsername ? { username: config.fixUsername } : {}),
        ...(config.fixPassword ? { password: config.fixPassword } : {}),
      });
      return { adapter, label: `fix:${spec.host}:${spec.port}`, live: true };
    }
  }
}
