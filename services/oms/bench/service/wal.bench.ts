// The journal's durability point on this disk: JournalWal.append (one write + one fdatasync per
// batch) of entries the size the oms writes (an order.state entry with its order document),
//  (a) one entry per append, one after another: the cost an acknowledgement waits for at low load;
//  (b) batches of 16 and 128: what group commit pays per batch when appends pile up behind a sync;
//  (c) the bare fdatasync after a 2 KB append to a plain file, without the log's encoding.
// The log is released as it goes, as ClickHouse would confirm it.
//
//   npx tsc -b services/oms/bench/service && node services/oms/dist/bench-service/wal.bench.js [--appends N] [--dir D]
// The directory defaults to the system temp dir: pass --dir on the disk the oms data lives on.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JournalChain, type JournalEntry } from '@tapeline/journal';
import { JournalWal } from '@tapeline/oms/dist/journal/journal-wal';

const args = process.argv.slice(2);
const argOf = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const APPENDS = Number(argOf('appends') ?? 2000);
const ROOT = argOf('dir') ?? tmpdir();

const chain = new JournalChain({ clock: () => 1_700_000_000_000_000n });
let n = 0;
/** An order.state entry as the recorder writes it (about 1.3 KB as a record). */
function entry(): JournalEntry {
  const i = ++n;
  const order = {
    orderId: `O-${i}`,
    clOrdId: `C-${i}`,
    accountId: 'EQ-CASH-1',
    desk: 'EQ',
    instrumentId: 'AAPL.XNAS',
    side: 1,
    ordType: 2,
    timeInForce: 1,
    status: 2,
    priceScale: 2,
    sizeScale: 0,
    orderQty: String(100 + (i % 50)),
    price: '10005',
    cumQty: '0',
    leavesQty: String(100 + (i % 50)),
    avgPx: '0',
    version: 2,
    createdAtMicros: '1700000000000000',
    updatedAtMicros: '1700000000000100',
  };
  return chain.append({
    kind: 'order.state',
    actor: { userId: 'alice', clientId: 'dev-trader', desk: 'EQ', role: 'trader' },
    requestId: `r-C-${i}`,
    accountId: 'EQ-CASH-1',
    subjectId: `O-${i}`,
    instrumentId: 'AAPL.XNAS',
    before: { order: { ...order, status: 1, version: 1 } },
    after: {
      order,
      event: { type: 'Ack', orderId: `O-${i}`, atMicros: '1700000000000100' },
      source: 'venue',
      venue: 'SIM',
    },
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const round = (x: number) => Math.round(x * 1000) / 1000;

async function appends(
  wal: JournalWal,
  batch: number,
  count: number,
): Promise<{ p50: number; p99: number; perS: number }> {
  const batches = Array.from({ length: count }, () => Array.from({ length: batch }, entry));
  const times: number[] = [];
  const start = process.hrtime.bigint();
  for (const b of batches) {
    const t0 = process.hrtime.bigint();
    await wal.append(b);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await wal.release(b[b.length - 1]!.sequence);
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  times.sort((a, b) => a - b);
  return {
    p50: round(pct(times, 50)),
    p99: round(pct(times, 99)),
    perS: Math.round((count * batch * 1000) / totalMs),
  };
}

function bareFdatasync(count: number): { p50: number; p99: number } {
  const file = path.join(mkdtempSync(path.join(ROOT, 'oms-fsync-')), 'probe');
  const fd = openSync(file, 'a');
  const record = Buffer.alloc(2048, 0x61);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    writeSync(fd, record);
    const t0 = process.hrtime.bigint();
    fdatasyncSync(fd);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  closeSync(fd);
  rmSync(path.dirname(file), { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { p50: round(pct(times, 50)), p99: round(pct(times, 99)) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(ROOT, 'oms-wal-bench-'));
  try {
    const { wal } = await JournalWal.open(dir, { segmentBytes: 64 * 1024 * 1024 });
    await appends(wal, 1, 100); // warm-up
    const single = await appends(wal, 1, APPENDS);
    const sixteen = await appends(wal, 16, Math.max(1, APPENDS / 4));
    const big = await appends(wal, 128, Math.max(1, APPENDS / 16));
    await wal.close();
    const bare = bareFdatasync(APPENDS);
    process.stdout.write(
      `append of 1: p50 ${single.p50} ms p99 ${single.p99} ms; of 16: p50 ${sixteen.p50} ms; ` +
        `of 128: p50 ${big.p50} ms; bare fdatasync p50 ${bare.p50} ms p99 ${bare.p99} ms (${ROOT})\n`,
    );
    const summary = {
      wal_append_1_p50_ms: single.p50,
      wal_append_1_p99_ms: single.p99,
      wal_append_16_p50_ms: sixteen.p50,
      wal_append_16_p99_ms: sixteen.p99,
      wal_append_128_p50_ms: big.p50,
      wal_append_128_p99_ms: big.p99,
      wal_entries_1_per_s: single.perS,
      wal_entries_128_per_s: big.perS,
      fdatasync_p50_ms: bare.p50,
      fdatasync_p99_ms: bare.p99,
    };
    process.stdout.write(`BENCH ${JSON.stringify(summary)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
