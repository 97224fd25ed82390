// Replays a tick file through the feed handler and counts what comes out.
//   node libs/market/dist/src/cli/replay.js <file> [--speed 10|max] [--venue SIM]
//        [--format ndjson|csv] [--instruments services/symbol/config/instruments.yaml]
// A progress bar goes to stderr; the counts go to stdout at the end.
import { resolve } from 'node:path';
import { InstrumentMaster, loadSeedFile } from '@tapeline/instruments';
import type { AlertCandidate } from '../alerts';
import { FeedHandler, type MarketOutput } from '../feed-handler';
import { InstrumentMasterResolver } from '../instrument-resolver';
import { FileReplay, type ReplayProgress } from '../replay/file-replay';
import type { TickFileFormat } from '../replay/tick-record';

const DEFAULT_SEED = resolve(__dirname, '../../../../../services/symbol/config/instruments.yaml');
const USAGE =
  'usage: replay <file> [--speed N|max] [--venue VENUE] [--format ndjson|csv] [--instruments seed.yaml]';

interface Args {
  file: string;
  speed: number | 'max';
  venue: string | undefined;
  format: TickFileFormat | undefined;
  instruments: string;
}

function parseArgs(argv: readonly string[]): Args {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) positional.push(a);
    else if (argv[i + 1] === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
    else flags.set(a.slice(2), argv[++i]!);
  }
  for (const name of flags.keys()) {
    if (!['speed', 'venue', 'format', 'instruments'].includes(name))
      throw new Error(`unknown option --${name}\n${USAGE}`);
  }
  if (positional.length !== 1) throw new Error(USAGE);
  const speedText = flags.get('speed') ?? '1';
  const speed = speedText === 'max' ? 'max' : Number(speedText);
  if (speed !== 'max' && !(speed > 0))
    throw new Error(`--speed must be a positive number or "max", got ${speedText}`);
  const format = flags.get('format');
  if (format !== undefined && format !== 'ndjson' && format !== 'csv') {
    throw new Error(`--format must be ndjson or csv, got ${format}`);
  }
  return {
    file: positional[0]!,
    speed,
    venue: flags.get('venue'),
    format,
    instruments: flags.get('instruments') ?? DEFAULT_SEED,
  };
}

function bar(p: ReplayProgress): string {
  const width = 30;
  const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(ratio * width);
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${p.done}/${p.total} records ${(p.elapsedMs / 1000).toFixed(1)}s`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const master = new InstrumentMaster(loadSeedFile(args.instruments));
  const counts = { trades: 0, quotes: 0, depth: 0, resyncs: 0 };
  const alerts: AlertCandidate[] = [];
  const replay = new FileReplay({
    path: args.file,
    speed: args.speed,
    ...(args.venue ? { venue: args.venue } : {}),
    ...(args.format ? { format: args.format } : {}),
    onProgress: (p) => process.stderr.write(bar(p)),
  });
  const output: MarketOutput = {
    trade: () => void counts.trades++,
    quote: () => void counts.quotes++,
    depth: () => void counts.depth++,
    alert: (a) => void alerts.push(a),
    resync: (r) => {
      counts.resyncs++;
      void replay.requestSnapshot(r.symbol);
    },
  };
  const handler = new FeedHandler({ resolver: new InstrumentMasterResolver(master), output });
  await replay.start(handler);
  const summary = await replay.finished;
  process.stderr.write('\n');
  for (const a of alerts.slice(0, 20)) process.stderr.write(`alert: ${a.message}\n`);
  if (alerts.length > 20) process.stderr.write(`... and ${alerts.length - 20} more alerts\n`);
  const published = counts.trades + counts.quotes + counts.depth;
  const rejected = handler.normaliser.rejectionCounts().reduce((n, r) => n + r.count, 0);
  process.stdout.write(
    `normalised events: ${handler.normaliser.accepted} of ${summary.done} records ` +
      `(rejected ${rejected}, malformed lines ${summary.malformed}); published ${published} ` +
      `(trades ${counts.trades}, quotes ${counts.quotes}, depth ${counts.depth}); ` +
      `alerts ${alerts.length}, resync requests ${counts.resyncs}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`replay: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
