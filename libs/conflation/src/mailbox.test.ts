import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflatingMailbox, type Delivery } from './mailbox';

function drain<T>(m: ConflatingMailbox<T>): Delivery<T>[] {
  const out: Delivery<T>[] = [];
  for (let d = m.take(); d; d = m.take()) out.push(d);
  return out;
}

test('latest-wins keys deliver only the newest pending value, in first-publish order', () => {
  const m = new ConflatingMailbox<number>();
  m.publishLatest('AAPL', 1);
  m.publishLatest('MSFT', 10);
  m.publishLatest('AAPL', 2);
  m.publishLatest('AAPL', 3);
  assert.deepEqual(drain(m), [
    { kind: 'update', key: 'AAPL', value: 3 },
    { kind: 'update', key: 'MSFT', value: 10 },
  ]);
  assert.equal(m.stats.conflated, 2);
  assert.equal(m.stats.delivered, 2);
});

test('diffs are never conflated and keep their order per key', () => {
  const m = new ConflatingMailbox<string>({ maxDiffsPerKey: 10 });
  for (const d of ['d1', 'd2', 'd3']) m.publishDiff('ES', d);
  assert.deepEqual(
    drain(m).map((d) => (d.kind === 'update' ? d.value : 'resync')),
    ['d1', 'd2', 'd3'],
  );
});

test('keys with several diffs are served round-robin so one instrument cannot starve another', () => {
  const m = new ConflatingMailbox<string>({ maxDiffsPerKey: 10 });
  m.publishDiff('A', 'a1');
  m.publishDiff('A', 'a2');
  m.publishDiff('A', 'a3');
  m.publishDiff('B', 'b1');
  assert.deepEqual(
    drain(m).map((d) => (d.kind === 'update' ? d.value : 'resync')),
    ['a1', 'b1', 'a2', 'a3'],
  );
});

test('an overflowing diff run is dropped whole and replaced by one resync marker', () => {
  const m = new ConflatingMailbox<number>({ maxDiffsPerKey: 3 });
  for (let i = 1; i <= 4; i++) m.publishDiff('BTC', i);
  // Diffs published while the resync is pending are covered by the snapshot sent for it.
  m.publishDiff('BTC', 5);
  assert.deepEqual(drain(m), [{ kind: 'resync', key: 'BTC' }]);
  assert.equal(m.stats.resyncs, 1);
  assert.equal(m.stats.diffsDropped, 5);
  // After the resync was taken, diffs flow again.
  m.publishDiff('BTC', 6);
  assert.deepEqual(drain(m), [{ kind: 'update', key: 'BTC', value: 6 }]);
});

test('memory stays bounded for a client that never reads', () => {
  const m = new ConflatingMailbox<number>({ maxDiffsPerKey: 50 });
  for (let i = 0; i < 100_000; i++) {
    m.publishLatest(`Q${i % 20}`, i);
    m.publishDiff(`D${i % 5}`, i);
  }
  // At most one quote per key, 50 diffs (or one resync marker) per depth key.
  assert.ok(m.pending <= 20 + 5 * 50, `pending ${m.pending}`);
});

test('the async iterator waits for work and ends when the mailbox is closed', async () => {
  const m = new ConflatingMailbox<number>();
  const seen: number[] = [];
  const reader = (async () => {
    for await (const d of m) if (d.kind === 'update') seen.push(d.value);
  })();
  m.publishLatest('X', 1);
  await new Promise((r) => setImmediate(r));
  m.publishLatest('X', 2);
  await new Promise((r) => setImmediate(r));
  m.close();
  await reader;
  assert.deepEqual(seen, [1, 2]);
  m.publishLatest('X', 3);
  assert.equal(m.take(), undefined, 'publishes after close are ignored');
});

test('rejects a non-positive diff bound', () => {
  assert.throws(
    () => new ConflatingMailbox({ maxDiffsPerKey: 0 }),
    /maxDiffsPerKey must be a positive integer/,
  );
});

test('facts within the bound are all delivered in order, without a gap', () => {
  const m = new ConflatingMailbox<number>({ maxDiffsPerKey: 3 });
  for (const t of [1, 2, 3]) m.publishFact('A', t);
  assert.deepEqual(
    drain(m),
    [1, 2, 3].map((value) => ({ kind: 'update', key: 'A', value })),
  );
  assert.equal(m.stats.factsDropped, 0);
});

test('past the bound the newest pending fact makes way, and the next delivered one names the gap', () => {
  const m = new ConflatingMailbox<number>({ maxDiffsPerKey: 3 });
  for (let t = 1; t <= 10; t++) m.publishFact('A', t);
  m.publishFact('B', 100);
  // Memory stays at the bound however far behind the subscriber is.
  assert.equal(m.pending, 4);
  assert.deepEqual(drain(m), [
    { kind: 'update', key: 'A', value: 1 },
    { kind: 'update', key: 'B', value: 100 },
    { kind: 'update', key: 'A', value: 2 },
    { kind: 'update', key: 'A', value: 10, gap: { count: 7, first: 3, last: 9 } },
  ]);
  assert.equal(m.stats.factsDropped, 7);
  assert.equal(m.stats.gaps, 1);
  assert.equal(m.stats.delivered, 4);
});

test('a subscriber that catches up gets every fact again, and a second overflow opens a second gap', () => {
  const m = new ConflatingMailbox<number>({ maxDiffsPerKey: 2 });
  for (let t = 1; t <= 4; t++) m.publishFact('A', t); // [1, 4 gap 2..3]
  assert.deepEqual(m.take(), { kind: 'update', key: 'A', value: 1 });
  m.publishFact('A', 5); // room again: queued behind the gapped one
  m.publishFact('A', 6); // full: 5 makes way
  assert.deepEqual(drain(m), [
    { kind: 'update', key: 'A', value: 4, gap: { count: 2, first: 2, last: 3 } },
    { kind: 'update', key: 'A', value: 6, gap: { count: 1, first: 5, last: 5 } },
  ]);
  m.publishFact('A', 7);
  assert.deepEqual(drain(m), [{ kind: 'update', key: 'A', value: 7 }]);
  assert.equal(m.stats.gaps, 2);
  // Every published fact is either delivered or counted in exactly one gap.
  assert.equal(m.stats.delivered + m.stats.factsDropped, m.stats.published);
});

test('with a bound of one the single pending fact is the newest, carrying everything it replaced', () => {
  const m = new ConflatingMailbox<string>({ maxDiffsPerKey: 1 });
  for (const t of ['t1', 't2', 't3', 't4']) m.publishFact('A', t);
  assert.deepEqual(drain(m), [
    { kind: 'update', key: 'A', value: 't4', gap: { count: 3, first: 't1', last: 't3' } },
  ]);
});
