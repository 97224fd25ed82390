// Feed-handler throughput: 1,000,000 depth updates from the simulated venue through normalise +
// book-build + protobuf encode of the DepthEvent and (when the top of book moved) QuoteEvent, the
// way the bus encodes them (ts-proto encoders into one reused BinaryWriter).
//
//   node libs/market/dist/bench/market.bench.js [--updates N] [--chunk N] [--instruments N]
//
// Updates are generated ahead of each timed chunk (generation is not timed) and the chunks
// continue one simulated market, so the books stay in sequence across chunks. Besides the full
// path, two partial runs over the same updates show where the time goes.
import { resolve } from 'node:path';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { eventsV1 } from '@tapeline/contracts';
import { InstrumentMaster, loadSeedFile } from '@tapeline/instruments';
import {
  BookBuilder,
  FeedHandler,
  InstrumentMasterResolver,
  MarketSimulation,
  Normaliser,
  simulatedInstrument,
  type BookOutput,
  type MarketOutput,
  type RawDepth,
  type SimulatedInstrument,
} from '../src';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const UPDATES = arg('updates', 1_000_000);
const CHUNK = arg('chunk', 50_000);
const WARMUP = arg('warmup', 100_000);
const SEED = resolve(__dirname, '../../../../services/symbol/config/instruments.yaml');
const START_PRICES: Record<string, string> = {
  'AAPL.XNAS': '189.50',
  'MSFT.XNAS': '415.20',
  'NVDA.XNAS': '121.40',
  'ESZ6.XCME': '6012.25',
  'EURUSD.EBSM': '1.08450',
  'USDJPY.EBSM': '151.250',
  'BTC-USDT.BINANCE': '42000.00',
  'ETH-USDT.BINANCE': '2500.00',
};

const master = new InstrumentMaster(loadSeedFile(SEED));
const resolver = new InstrumentMasterResolver(master);
const instruments: SimulatedInstrument[] = Object.entries(START_PRICES)
  .slice(0, arg('instruments', 8))
  .map(([id, price]) => simulatedInstrument(master.get(id)!, 'SIM', price));

/** Depth updates only (trades do not touch the book), in chunks, from one continuing market. */
function* depthChunks(total: number): Generator<RawDepth[]> {
  const sim = new MarketSimulation({ instruments, seed: 2026, levels: 10, eventsPerSecond: 100_000 });
  let left = total;
  while (left > 0) {
    const chunk: RawDepth[] = [];
    const n = Math.min(CHUNK, left);
    while (chunk.length < n) {
      const e = sim.next();
      if (e.type === 'depth') chunk.push(e);
    }
    left -= n;
    yield chunk;
  }
}

type Stage = (updates: RawDepth[]) => void;

/** Runs `WARMUP` updates untimed, then times UPDATES updates chunk by chunk. */
function measure(stage: Stage): number {
  let ms = 0;
  let first = true;
  for (const chunk of depthChunks(WARMUP + UPDATES)) {
    let updates = chunk;
    if (first) {
      stage(chunk.slice(0, WARMUP));
      updates = chunk.slice(WARMUP);
      first = false;
    }
    const t0 = performance.now();
    stage(updates);
    ms += performance.now() - t0;
  }
  return ms;
}

const clock = () => 1_767_225_600_000_000n;

// Full path: the FeedHandler as the service wires it, encoding what it publishes.
const writer = new BinaryWriter();
let encodedBytes = 0;
let quotes = 0;
let depths = 0;
let alerts = 0;
const encoding: MarketOutput = {
  depth: (e) => {
    depths++;
    encodedBytes += eventsV1.DepthEvent.encode(e, writer).finish().length;
  },
  quote: (e) => {
    quotes++;
    encodedBytes += eventsV1.QuoteEvent.encode(e, writer).finish().length;
  },
  trade: (e) => void (encodedBytes += eventsV1.TradeEvent.encode(e, writer).finish().length),
  alert: () => void alerts++,
  resync: () => undefined,
};
const handler = new FeedHandler({ resolver, output: encoding, clock });
const fullMs = measure((updates) => {
  for (let i = 0; i < updates.length; i++) handler.onEvent(updates[i]!);
});
const timedDepths = depths;
const timedQuotes = quotes;

// Normalise only.
const normaliser = new Normaliser(resolver, { clock });
let accepted = 0;
const normaliseMs = measure((updates) => {
  for (let i = 0; i < updates.length; i++) if (normaliser.depth(updates[i]!)) accepted++;
});

// Normalise + book build, outputs built but not encoded.
const discard: BookOutput = {
  depth: () => undefined,
  quote: () => undefined,
  alert: () => undefined,
  resync: () => undefined,
};
const bookNormaliser = new Normaliser(resolver, { clock });
const books = new BookBuilder(discard, { clock });
const bookMs = measure((updates) => {
  for (let i = 0; i < updates.length; i++) books.apply(bookNormaliser.depth(updates[i]!)!);
});

const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
process.stderr.write(
  `[bench:market] ${UPDATES} depth updates over ${instruments.length} instruments (+${WARMUP} warm-up): ` +
    `full ${round(fullMs)} ms, normalise ${round(normaliseMs)} ms, normalise+book ${round(bookMs)} ms; ` +
    `${timedDepths} depth + ${timedQuotes} quote events encoded, ${alerts} alerts, ${accepted} normalised\n`,
);
process.stdout.write(
  'BENCH ' +
    JSON.stringify({
      depth_updates_per_s: round((UPDATES / fullMs) * 1000),
      normalise_only_per_s: round((UPDATES / normaliseMs) * 1000),
      normalise_book_per_s: round((UPDATES / bookMs) * 1000),
      elapsed_ms: round(fullMs, 1),
      encoded_mb: round(encodedBytes / 1e6, 1),
      quotes_per_update_ratio: round(timedQuotes / timedDepths, 3),
    }) +
    '\n',
);
