import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { eventsV1 } from '@tapeline/contracts';
import {
  canonicalEntry,
  canonicalJson,
  fromJournalEntryEvent,
  fromJournalRow,
  GENESIS_PREV_HASH,
  hashEntry,
  JournalChain,
  JournalError,
  toJournalEntryEvent,
  toJournalRow,
  verifyChain,
  type JournalEntry,
} from './index';

const TRADER = { userId: 'u-7', clientId: 'desk-app', desk: 'EQ-DELTA1', role: 'trader' };

function clockFrom(start: bigint): () => bigint {
  let t = start;
  return () => (t += 10n);
}

function buildChain(n: number): JournalEntry[] {
  let id = 0;
  const chain = new JournalChain({ clock: clockFrom(1_790_000_000_000_000n), newEntryId: () => `e-${++id}` });
  return Array.from({ length: n }, (_, i) =>
    chain.append({
      kind: i % 2 === 0 ? 'order.request' : 'risk.decision',
      actor: TRADER,
      requestId: `req-${i}`,
      accountId: 'ACC-1',
      subjectId: `ord-${i}`,
      instrumentId: 'AAPL.XNAS',
      before: i === 0 ? null : { status: 'PENDING_NEW', qty: BigInt(i * 100) },
      after: { status: 'NEW', qty: BigInt(i * 100), price: { mantissa: 18_950n, scale: 2 } },
    }),
  );
}

test('a fresh chain starts at sequence 1 linked to the genesis hash and verifies', () => {
  const entries = buildChain(6);
  assert.deepEqual(
    entries.map((e) => e.sequence),
    [1n, 2n, 3n, 4n, 5n, 6n],
  );
  assert.equal(entries[0]!.prevHash, GENESIS_PREV_HASH);
  for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
  const result = verifyChain(entries, { from: 1n, to: 6n });
  assert.deepEqual(result, { ok: true, verified: 6, head: { sequence: 6n, hash: entries[5]!.hash } });
});

test('the hash is SHA-256 over the length-prefixed canonical form', () => {
  const [entry] = buildChain(1);
  const { hash, ...unsealed } = entry!;
  const text = canonicalEntry(unsealed).toString('utf8');
  // Each field is "<byte length>:<value>", header first, prev_hash last.
  assert.equal(
    text,
    '19:tapeline.journal.v1' +
      '1:1' +
      '3:e-1' +
      '16:1790000000000010' +
      '13:order.request' +
      '3:u-7' +
      '8:desk-app' +
      '9:EQ-DELTA1' +
      '6:trader' +
      '5:req-0' +
      '5:ACC-1' +
      '5:ord-0' +
      '9:AAPL.XNAS' +
      '0:' +
      '65:{"price":{"mantissa":"18950","scale":2},"qty":"0","status":"NEW"}' +
      `64:${GENESIS_PREV_HASH}`,
  );
  assert.equal(hash, createHash('sha256').update(text, 'utf8').digest('hex'));
});

test('length prefixes keep a value from sliding into its neighbour', () => {
  const [entry] = buildChain(1);
  const a = { ...entry!, accountId: 'AB', subjectId: 'C' };
  const b = { ...entry!, accountId: 'A', subjectId: 'BC' };
  assert.notEqual(hashEntry(a), hashEntry(b));
});

test('canonical JSON sorts keys at every depth and writes bigint as a string', () => {
  const one = canonicalJson({ b: 1, a: { d: [1n, 'x'], c: true }, z: undefined });
  const two = canonicalJson({ a: { c: true, d: [1n, 'x'] }, b: 1 });
  assert.equal(one, '{"a":{"c":true,"d":["1","x"]},"b":1}');
  assert.equal(one, two);
});

test('canonical JSON escapes strings and keys as JSON does and keeps empty containers and negatives', () => {
  const text = canonicalJson({
    'é"k': 'line\nbreak "quoted" \u2028',
    n: -12.5,
    big: -42n,
    empty: {},
    list: [[], null, false, { y: 2, x: 1 }],
  });
  assert.equal(
    text,
    '{"big":"-42","empty":{},"list":[[],null,false,{"x":1,"y":2}],"n":-12.5,"é\\"k":"line\\nbreak \\"quoted\\" \u2028"}',
  );
  assert.deepEqual(JSON.parse(text), {
    big: '-42',
    empty: {},
    list: [[], null, false, { x: 1, y: 2 }],
    n: -12.5,
    'é"k': 'line\nbreak "quoted" \u2028',
  });
});

test('a sealed entry is written with the state texts it was hashed with, and re-hashes from its documents', () => {
  const entries = buildChain(3);
  for (const entry of entries) {
    const row = toJournalRow(entry);
    assert.equal(row.before_state, entry.before === null ? '' : canonicalJson(entry.before));
    assert.equal(row.after_state, entry.after === null ? '' : canonicalJson(entry.after));
    assert.equal(toJournalEntryEvent(entry).afterState, row.after_state);
    // A copy has no remembered texts: its hash comes from the documents themselves.
    const { hash, ...unsealed } = entry;
    assert.equal(hashEntry({ ...unsealed }), hash);
  }
});

test('the same entry hashes the same whatever the key order of its states', () => {
  const [entry] = buildChain(2).slice(1);
  const reordered: JournalEntry = {
    ...entry!,
    after: { price: { scale: 2, mantissa: 18_950n }, qty: 100n, status: 'NEW' },
    before: { qty: 100n, status: 'PENDING_NEW' },
  };
  assert.equal(hashEntry(reordered), entry!.hash);
});

test('refuses state documents that would not re-hash identically', () => {
  assert.throws(() => canonicalJson({ x: Number.NaN }), { code: 'NOT_CANONICAL', message: /\$\.x: NaN/ });
  assert.throws(() => canonicalJson({ at: new Date(0) as never }), { code: 'NOT_CANONICAL' });
  assert.throws(() => canonicalJson({ list: [1, undefined as never] }), { code: 'NOT_CANONICAL' });
  const chain = new JournalChain({ clock: () => 1n });
  assert.throws(
    () => chain.append({ kind: 'execution', actor: TRADER, requestId: 'r', after: { px: Infinity } }),
    JournalError,
  );
  assert.equal(chain.head.sequence, 0n, 'a refused append leaves the chain where it was');
});

test('a changed field is found at its own sequence as a hash mismatch', () => {
  const entries = buildChain(6);
  entries[3] = { ...entries[3]!, after: { ...entries[3]!.after, qty: '99999' } };
  const result = verifyChain(entries, { from: 1n });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.sequence, 4n);
  assert.equal(result.reason, 'hash_mismatch');
  assert.equal(result.actual, entries[3]!.hash);
  assert.equal(result.verified, 3);
});

test('a changed and re-sealed entry is found at the next sequence as a prev mismatch', () => {
  const entries = buildChain(6);
  const { hash: _old, ...unsealed } = { ...entries[2]!, actor: { ...TRADER, userId: 'someone-else' } };
  entries[2] = { ...unsealed, hash: hashEntry(unsealed) };
  const result = verifyChain(entries, { from: 1n });
  assert.ok(!result.ok);
  assert.equal(result.sequence, 4n);
  assert.equal(result.reason, 'prev_mismatch');
  assert.equal(result.expected, entries[2]!.hash);
});

test('a deleted entry is a sequence gap at the missing sequence', () => {
  const entries = buildChain(6);
  entries.splice(2, 1);
  const result = verifyChain(entries, { from: 1n });
  assert.ok(!result.ok);
  assert.deepEqual(
    [result.sequence, result.reason, result.expected, result.actual],
    [3n, 'sequence_gap', '3', '4'],
  );
});

test('a deleted last entry is found when the range end is given', () => {
  const entries = buildChain(5).slice(0, 4);
  const result = verifyChain(entries, { from: 1n, to: 5n });
  assert.ok(!result.ok);
  assert.deepEqual([result.sequence, result.reason, result.actual], [5n, 'sequence_gap', 'missing']);
});

test('an empty range that should hold entries is a gap at its first sequence', () => {
  const result = verifyChain([], { from: 1n, to: 3n });
  assert.ok(!result.ok);
  assert.deepEqual(
    [result.sequence, result.reason, result.message],
    [1n, 'sequence_gap', 'entries 1..3 are missing'],
  );
  assert.deepEqual(verifyChain([]), {
    ok: true,
    verified: 0,
    head: { sequence: 0n, hash: GENESIS_PREV_HASH },
  });
});

test('a reordered pair is found where the order first breaks', () => {
  const entries = buildChain(6);
  [entries[3], entries[4]] = [entries[4]!, entries[3]!];
  const result = verifyChain(entries);
  assert.ok(!result.ok);
  assert.deepEqual(
    [result.sequence, result.reason, result.expected, result.actual],
    [4n, 'sequence_gap', '4', '5'],
  );
});

test('a tampered prev_hash is found at that entry as a prev mismatch', () => {
  const entries = buildChain(6);
  entries[4] = { ...entries[4]!, prevHash: 'ab'.repeat(32) };
  const result = verifyChain(entries, { from: 1n });
  assert.ok(!result.ok);
  assert.equal(result.sequence, 5n);
  assert.equal(result.reason, 'prev_mismatch');
  assert.equal(result.expected, entries[3]!.hash);
  assert.equal(result.actual, 'ab'.repeat(32));
});

test('a tampered genesis link is found at sequence 1', () => {
  const entries = buildChain(3);
  const { hash: _h, ...unsealed } = { ...entries[0]!, prevHash: 'ff'.repeat(32) };
  entries[0] = { ...unsealed, hash: hashEntry(unsealed) };
  const result = verifyChain(entries);
  assert.ok(!result.ok);
  assert.deepEqual([result.sequence, result.reason], [1n, 'prev_mismatch']);
});

test('verifies a middle range against the hash the caller trusts', () => {
  const entries = buildChain(8);
  assert.deepEqual(verifyChain(entries, { from: 4n, to: 6n, expectedPrevHash: entries[2]!.hash }), {
    ok: true,
    verified: 3,
    head: { sequence: 6n, hash: entries[5]!.hash },
  });
  const wrong = verifyChain(entries.slice(3), { from: 4n, expectedPrevHash: entries[1]!.hash });
  assert.ok(!wrong.ok);
  assert.deepEqual([wrong.sequence, wrong.reason], [4n, 'prev_mismatch']);
});

test('resuming from the last entry continues the same chain', () => {
  const first = buildChain(3);
  const chain = new JournalChain({ clock: () => 1_790_000_000_000_999n, resumeFrom: first[2]! });
  const next = chain.append({
    kind: 'kill_switch',
    actor: TRADER,
    requestId: 'r-k',
    after: { engaged: true },
  });
  assert.equal(next.sequence, 4n);
  assert.equal(next.prevHash, first[2]!.hash);
  assert.equal(next.recordedAtMicros, 1_790_000_000_000_999n);
  assert.deepEqual(verifyChain([...first, next]), { ok: true, verified: 4, head: chain.head });
});

test('refuses to resume from an entry that does not match its hash', () => {
  const [entry] = buildChain(1);
  assert.throws(() => new JournalChain({ clock: () => 0n, resumeFrom: { ...entry!, requestId: 'forged' } }), {
    code: 'BAD_RESUME_POINT',
  });
});

test('round-trips through the bus payload and still verifies', () => {
  const entries = buildChain(3);
  const back = entries.map((e) => {
    const bytes = eventsV1.JournalEntry.encode(toJournalEntryEvent(e)).finish();
    const event = eventsV1.JournalEntry.decode(bytes);
    assert.equal(event.hash.length, 32);
    assert.equal(event.instrumentId, e.instrumentId, 'the instrument travels on the bus');
    return fromJournalEntryEvent(event);
  });
  assert.deepEqual(verifyChain(back).ok, true);
  assert.equal(back[1]!.after!['qty'], '100', 'bigint state values come back as strings');
});

test('round-trips through the ClickHouse row shape and still verifies', () => {
  const entries = buildChain(3);
  const rows = entries.map(toJournalRow);
  assert.equal(rows[1]!.sequence, '2');
  assert.equal(rows[1]!.instrument_id, 'AAPL.XNAS');
  assert.equal(rows[0]!.before_state, '');
  assert.equal(rows[1]!.after_state, '{"price":{"mantissa":"18950","scale":2},"qty":"100","status":"NEW"}');
  assert.equal(verifyChain(rows.map(fromJournalRow)).ok, true);
  assert.throws(() => fromJournalRow({ ...rows[0]!, kind: 'order.deleted' }), { code: 'BAD_ROW' });
});
