import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryError } from './errors';
import { createTableSql, defineTable, type TableSpec } from './table';
import { exampleTrades } from './testing/example-tables';

const schemaError = (pattern: RegExp) => (err: unknown) =>
  err instanceof HistoryError && err.code === 'HISTORY_SCHEMA_INVALID' && pattern.test(err.message);

describe('createTableSql', () => {
  it('writes the MergeTree DDL with codecs, daily partitions, the sorting key and the TTL', () => {
    assert.equal(
      createTableSql(exampleTrades, { ttlDays: 90 }),
      [
        'CREATE TABLE IF NOT EXISTS trades',
        '(',
        '    instrument_id UInt32,',
        "    time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),",
        '    price Int64 CODEC(Delta, ZSTD(1)),',
        '    size Int64 CODEC(T64, ZSTD(1)),',
        "    side Enum8('buy' = 1, 'sell' = 2),",
        '    trade_id String CODEC(ZSTD(1)),',
        '    venue LowCardinality(String)',
        ')',
        'ENGINE = MergeTree',
        'PARTITION BY toDate(time)',
        'ORDER BY (instrument_id, time)',
        'TTL toDateTime(time) + INTERVAL 90 DAY',
      ].join('\n'),
    );
  });

  it('leaves the TTL out unless asked, and refuses a TTL that is not a positive whole number of days', () => {
    assert.doesNotMatch(createTableSql(exampleTrades), /TTL/);
    assert.throws(
      () => createTableSql(exampleTrades, { ttlDays: 0 }),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_CONFIG_INVALID',
    );
    const noTtl = defineTable({ ...exampleTrades.spec, ttlColumn: undefined });
    assert.throws(() => createTableSql(noTtl, { ttlDays: 5 }), schemaError(/no ttlColumn/));
  });
});

describe('defineTable', () => {
  const base: TableSpec = { name: 't', columns: [{ name: 'a', type: 'Int64' }], orderBy: ['a'] };

  it('derives the insert layout, leaving DEFAULT columns to the engine', () => {
    const t = defineTable({
      ...base,
      columns: [
        ...base.columns,
        { name: 'at', type: "DateTime64(6, 'UTC')", default: 'now64(6)' },
        { name: 'u', type: 'UInt64' },
      ],
    });
    assert.deepEqual(
      t.insertColumns.map((c) => [c.name, c.kind, c.selectExpr]),
      [
        ['a', 'int64', 'a'],
        ['u', 'uint64', 'reinterpretAsUInt64(u)'],
      ],
    );
    assert.deepEqual(
      exampleTrades.insertColumns.map((c) => [c.name, c.kind]),
      [
        ['instrument_id', 'float64'],
        ['time', 'int64'],
        ['price', 'int64'],
        ['size', 'int64'],
        ['side', 'int32'],
        ['trade_id', 'string'],
        ['venue', 'string'],
      ],
    );
    assert.equal(exampleTrades.insertColumns[1]!.selectExpr, 'fromUnixTimestamp64Micro(time)');
  });

  it('refuses types it cannot insert, times not in UTC, and malformed definitions', () => {
    const withColumn = (type: string) => () =>
      defineTable({ ...base, columns: [...base.columns, { name: 'b', type }] });
    assert.throws(withColumn('Nullable(Int64)'), schemaError(/not supported/));
    assert.throws(withColumn('DateTime64(6)'), schemaError(/UTC/));
    assert.throws(withColumn("DateTime64(4, 'UTC')"), schemaError(/precision must be 3, 6 or 9/));
    assert.throws(() => defineTable({ ...base, name: 'bad-name' }), schemaError(/plain identifier/));
    assert.throws(
      () => defineTable({ ...base, columns: [base.columns[0]!, base.columns[0]!] }),
      schemaError(/twice/),
    );
    assert.throws(() => defineTable({ ...base, orderBy: ['zz'] }), schemaError(/ORDER BY column zz/));
    assert.throws(() => defineTable({ ...base, ttlColumn: 'a' }), schemaError(/ttlColumn a/));
  });
});
