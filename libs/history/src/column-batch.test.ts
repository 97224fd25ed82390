import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchOf, ColumnBatch } from './column-batch';
import { HistoryError, toHistoryError } from './errors';
import { formatQueryParams } from './store';
import { columnIndexes, defineTable } from './table';
import { exampleTradeColumns, exampleTrades } from './testing/example-tables';

const wide = defineTable({
  name: 'wide',
  columns: [
    { name: 'i64', type: 'Int64' },
    { name: 'u64', type: 'UInt64' },
    { name: 'ms', type: "DateTime64(3, 'UTC')" },
    { name: 'sec', type: "DateTime('UTC')" },
    { name: 'flag', type: 'Bool' },
    { name: 'small', type: 'UInt8' },
    { name: 'f', type: 'Float64' },
    { name: 's', type: 'String' },
  ],
  orderBy: ['i64'],
});

const rowError = (column: string) => (err: unknown) =>
  err instanceof HistoryError && err.code === 'HISTORY_ROW_INVALID' && err.message.includes(column);

describe('ColumnBatch', () => {
  it('writes TabSeparated text with exact 64-bit integers, UTC times and escaped strings', () => {
    const batch = batchOf(wide, [
      {
        i64: -1,
        u64: 18446744073709551615n,
        ms: 1_500,
        sec: 86_400,
        flag: true,
        small: 255,
        f: 0.5,
        s: 'a\tb\\c\nd',
      },
      { i64: '9007199254740993', u64: 0, ms: -1, sec: 0, flag: 0, small: 0, f: -Infinity, s: 'é' },
    ]);
    assert.equal(
      batch.toTabSeparated(),
      '-1\t18446744073709551615\t1970-01-01 00:00:01.500\t1970-01-02 00:00:00\t1\t255\t0.5\ta\\tb\\\\c\\nd\n' +
        '9007199254740993\t0\t1969-12-31 23:59:59.999\t1970-01-01 00:00:00\t0\t0\t-inf\té\n',
    );
  });

  it('hands the engine exactly the rows appended: typed arrays, Arrow Utf8, dictionary codes', () => {
    const batch = new ColumnBatch(exampleTrades, 8);
    batch.append({
      instrument_id: 4_000_000_000,
      time: 7,
      price: -2,
      size: 2n ** 40n,
      side: 'sell',
      trade_id: 'aé',
      venue: 'é',
    });
    batch.append({ instrument_id: 1, time: 8, price: 3, size: 1, side: 1, trade_id: '', venue: 'X' });
    batch.append({ instrument_id: 2, time: 9, price: 4, size: 1, side: 1, trade_id: 'c', venue: 'é' });
    const columns = batch.toEngineColumns();
    const byName = Object.fromEntries(columns.map((c) => [c.name, c]));
    assert.deepEqual(
      Array.from((byName.instrument_id as { values: Float64Array }).values),
      [4_000_000_000, 1, 2],
    );
    assert.deepEqual(Array.from((byName.price as { values: BigInt64Array }).values), [-2n, 3n, 4n]);
    assert.deepEqual(Array.from((byName.size as { values: BigInt64Array }).values), [1099511627776n, 1n, 1n]);
    assert.deepEqual(Array.from((byName.side as { values: Int32Array }).values), [2, 1, 1]);
    const tradeId = byName.trade_id as { offsets: Int32Array; bytes: Uint8Array };
    assert.deepEqual(Array.from(tradeId.offsets), [0, 3, 3, 4]); // 'é' is two UTF-8 bytes
    assert.deepEqual(Array.from(tradeId.bytes), [0x61, 0xc3, 0xa9, 0x63]);
    // LowCardinality(String): one dictionary entry per distinct value, rows as 1-based codes.
    assert.deepEqual(byName.venue, {
      name: 'venue',
      kind: 'dictionary',
      codes: new Int32Array([1, 2, 1]),
      dictionary: ['é', 'X'],
    });
  });

  it('empties the dictionary with the batch, so a reused batch codes only its own values', () => {
    const batch = new ColumnBatch(exampleTrades, 4);
    const row = { instrument_id: 1, time: 1, price: 1, size: 1, side: 'buy', trade_id: 't', venue: 'XNAS' };
    batch.append(row);
    batch.reset();
    batch.append({ ...row, venue: 'XLON' });
    const venue = batch.toEngineColumns().find((c) => c.name === 'venue');
    assert.deepEqual(venue, {
      name: 'venue',
      kind: 'dictionary',
      codes: new Int32Array([1]),
      dictionary: ['XLON'],
    });
    assert.equal(batch.toTabSeparated().split('\t').at(-1), 'XLON\n');
  });

  it('refuses a value that does not fit and leaves the batch as it was', () => {
    const batch = new ColumnBatch(exampleTrades, 4);
    const good = { instrument_id: 1, time: 1, price: 1, size: 1, side: 'buy', trade_id: 'x', venue: 'V' };
    batch.append(good);
    assert.throws(() => batch.append({ ...good, price: 2 ** 53 }), rowError('trades.price'));
    assert.throws(() => batch.append({ ...good, price: 2n ** 63n }), rowError('trades.price'));
    assert.throws(() => batch.append({ ...good, price: '12x' }), rowError('trades.price'));
    assert.throws(() => batch.append({ ...good, instrument_id: 1.5 }), rowError('trades.instrument_id'));
    assert.throws(() => batch.append({ ...good, side: 'hold' }), rowError('one of buy, sell'));
    assert.throws(() => batch.append({ ...good, venue: undefined }), rowError('trades.venue'));
    assert.equal(batch.length, 1);
    assert.throws(
      () => batchOf(wide, [{ i64: 1, u64: -1, ms: 1, sec: 1, flag: 2, small: 1, f: 1, s: '' }]),
      rowError('wide.u64'),
    );
  });
});

describe('ColumnBatch as a RowWriter', () => {
  const W = columnIndexes(wide, ['i64', 'u64', 'ms', 'sec', 'flag', 'small', 'f', 's']);
  const T = exampleTradeColumns;

  function writeWide(batch: ColumnBatch, i64: string, u64: string): void {
    batch.beginRow();
    batch.setDecimal(W.i64, i64);
    batch.setDecimal(W.u64, u64);
    batch.setDecimal(W.ms, '1500');
    batch.setNumber(W.sec, 86_400);
    batch.setNumber(W.flag, 1);
    batch.setDecimal(W.small, '255');
    batch.setNumber(W.f, 0.5);
    batch.setString(W.s, 'x');
    batch.commitRow();
  }

  it('parses decimal text exactly on both sides of 2^53 and to the ends of Int64 and UInt64', () => {
    const batch = new ColumnBatch(wide, 8);
    const cases: [string, string][] = [
      ['9007199254740991', '9007199254740991'], // the largest safe integer: the fast path
      ['9007199254740992', '9007199254740993'], // 2^53 and 2^53 + 1: the bigint path
      ['-9223372036854775808', '18446744073709551615'],
      ['9223372036854775807', '0'],
      ['-250', '00000000000000000000042'.slice(3)], // leading zeros, 20 characters
      ['1763800000123457', '1'], // a time in micros: 16 digits
    ];
    for (const [i64, u64] of cases) writeWide(batch, i64, u64);
    const columns = batch.toEngineColumns();
    const i64 = columns.find((c) => c.name === 'i64') as { values: BigInt64Array };
    const u64 = columns.find((c) => c.name === 'u64') as { values: BigInt64Array };
    assert.deepEqual(
      Array.from(i64.values, (v) => v.toString()),
      cases.map(([v]) => BigInt(v).toString()),
    );
    assert.deepEqual(
      Array.from(u64.values, (v) => BigInt.asUintN(64, v).toString()),
      cases.map(([, v]) => BigInt(v).toString()),
    );
    assert.equal(
      batch.toTabSeparated().split('\n')[1],
      '9007199254740992\t9007199254740993\t1970-01-01 00:00:01.500\t1970-01-02 00:00:00\t1\t255\t0.5\tx',
    );
  });

  it('refuses bad decimal text with an error naming the column, and keeps the row out', () => {
    const batch = new ColumnBatch(wide, 4);
    writeWide(batch, '1', '1');
    const bad: [number, string, string][] = [
      [W.i64, '12x', 'wide.i64'],
      [W.i64, '', 'wide.i64'],
      [W.i64, '-', 'wide.i64'],
      [W.i64, '1.5', 'wide.i64'],
      [W.i64, ' 1', 'wide.i64'],
      [W.i64, '9223372036854775808', 'wide.i64'], // 2^63
      [W.u64, '-1', 'wide.u64'],
      [W.u64, '18446744073709551616', 'wide.u64'], // 2^64
      [W.small, '256', 'wide.small'],
      [W.small, '1e2', 'wide.small'],
      [W.s, '5', 'wide.s'],
    ];
    for (const [column, text, name] of bad) {
      batch.beginRow();
      assert.throws(
        () => batch.setDecimal(column, text),
        rowError(name),
        `${name} <- ${JSON.stringify(text)}`,
      );
    }
    assert.equal(batch.length, 1);
    assert.equal(batch.toTabSeparated().split('\n').length, 2); // one row and the final newline
  });

  it('refuses to commit a row missing a column, even one written for an abandoned row', () => {
    const batch = new ColumnBatch(exampleTrades, 4);
    const start = (): void => {
      batch.beginRow();
      batch.setNumber(T.instrument_id, 1);
      batch.setDecimal(T.time, '5');
      batch.setDecimal(T.price, '10');
      batch.setDecimal(T.size, '1');
      batch.setString(T.side, 'buy');
      batch.setString(T.trade_id, 't1');
    };
    start();
    assert.throws(() => batch.commitRow(), rowError('trades.venue'));
    batch.setString(T.venue, 'XNAS');
    batch.commitRow();
    start(); // abandoned: a bad venue
    assert.throws(() => batch.setString(T.venue, 5 as unknown as string), rowError('trades.venue'));
    batch.beginRow();
    batch.setNumber(T.instrument_id, 2);
    assert.throws(() => batch.commitRow(), rowError('trades.time'));
    assert.equal(batch.length, 1);
    start();
    batch.setString(T.venue, 'XLON');
    batch.commitRow();
    assert.throws(() => batch.commitRow(), rowError('trades.instrument_id')); // a row commits once
    assert.equal(batch.length, 2);
    assert.deepEqual(
      batch
        .toTabSeparated()
        .split('\n')
        .map((l) => l.split('\t').at(-1)),
      ['XNAS', 'XLON', ''],
    );
  });

  it('refuses values a column cannot hold, by setter', () => {
    const batch = new ColumnBatch(exampleTrades, 4);
    batch.beginRow();
    assert.throws(() => batch.setNumber(T.side, 3), rowError('trades.side')); // not a declared enum value
    assert.throws(() => batch.setNumber(T.side, -1), rowError('trades.side')); // ts-proto's UNRECOGNIZED
    assert.throws(() => batch.setString(T.side, 'hold'), rowError('one of buy, sell'));
    assert.throws(() => batch.setNumber(T.venue, 1), rowError('trades.venue'));
    assert.throws(() => batch.setString(T.price, '1'), rowError('trades.price'));
    assert.throws(() => batch.setNumber(T.price, 2 ** 53), rowError('trades.price'));
    assert.throws(() => batch.setBigInt(T.instrument_id, 1n), rowError('trades.instrument_id'));
    assert.throws(() => batch.setBigInt(T.price, 2n ** 63n), rowError('trades.price'));
    assert.throws(
      () => batch.setNumber(99, 1),
      (err: unknown) => err instanceof HistoryError && /no insert column at position 99/.test(err.message),
    );
  });

  it('refuses a row beyond the capacity', () => {
    const batch = new ColumnBatch(exampleTrades, 1);
    batch.append({ instrument_id: 1, time: 1, price: 1, size: 1, side: 'buy', trade_id: 'x', venue: 'V' });
    assert.throws(() => batch.beginRow(), rowError('batch is full'));
  });

  it('resolves column positions by name, and refuses a name that is not an insert column', () => {
    assert.deepEqual(columnIndexes(exampleTrades, ['venue', 'instrument_id']), {
      venue: 6,
      instrument_id: 0,
    });
    assert.throws(
      () => columnIndexes(exampleTrades, ['venu']),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_SCHEMA_INVALID',
    );
  });
});

describe('formatQueryParams', () => {
  it('gives scalars as ClickHouse text and keeps arrays as checked elements', () => {
    assert.deepEqual(
      formatQueryParams({ a: 2n ** 64n - 1n, b: true, c: 1.25, d: "it's", e: null, f: ['x', 1, [2n]] }),
      {
        a: '18446744073709551615',
        b: '1',
        c: '1.25',
        d: "it's",
        e: null,
        f: ['x', 1, [2n]],
      },
    );
  });

  it('refuses values without a ClickHouse text form and names that are not identifiers', () => {
    const paramError = (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_PARAM_INVALID';
    assert.throws(() => formatQueryParams({ t: new Date() as unknown as number }), paramError);
    assert.throws(() => formatQueryParams({ n: Number.NaN }), paramError);
    assert.throws(() => formatQueryParams({ 'x;drop': 1 }), paramError);
  });
});

describe('toHistoryError', () => {
  it('treats unreachable engines and server-state errors as retryable, statement errors as final', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    assert.equal(toHistoryError(refused, 'insert').retryable, true);
    const parts = toHistoryError(
      new Error('Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)'),
      'insert',
    );
    assert.deepEqual(
      [parts.retryable, parts.clickhouseCode, parts.clickhouseType],
      [true, 252, 'TOO_MANY_PARTS'],
    );
    const syntax = toHistoryError(
      new Error('Code: 62. DB::Exception: Syntax error. (SYNTAX_ERROR)'),
      'query',
    );
    assert.deepEqual([syntax.code, syntax.retryable], ['HISTORY_QUERY_FAILED', false]);
  });
});
