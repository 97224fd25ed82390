import type { Logger } from '@tapeline/telemetry';
import { HistoryError } from './errors';
import type { ClickHouseStore } from './store';
import { createTableSql, defineTable } from './table';

/** One schema step. Statements must be idempotent (CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT EXISTS). */
export interface Migration {
  /** Sortable, unique and never renamed, e.g. "0001_trades". Applied in ascending order. */
  readonly id: string;
  readonly statements: readonly string[];
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export const MIGRATIONS_TABLE = 'schema_migrations';

const migrationsTable = defineTable({
  name: MIGRATIONS_TABLE,
  columns: [
    { name: 'id', type: 'String' },
    { name: 'applied_at', type: "DateTime64(6, 'UTC')", default: 'now64(6)' },
  ],
  orderBy: ['id'],
});

const MIGRATION_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * Applies the migrations not yet recorded in schema_migrations, in id order, each recorded once all
 * its statements succeeded. Statements are idempotent, so a crash between applying and recording
 * only means the step runs again next start. Ids must be unique and listed in ascending order, so
 * a reordering or a duplicated id in code is caught at startup rather than applied out of order.
 */
export async function runMigrations(
  store: ClickHouseStore,
  migrations: readonly Migration[],
  logger?: Logger,
): Promise<MigrationResult> {
  for (let i = 0; i < migrations.length; i++) {
    const id = migrations[i]!.id;
    if (!MIGRATION_ID.test(id)) {
      throw new HistoryError('HISTORY_SCHEMA_INVALID', `migration id "${id}" must match ${MIGRATION_ID}`);
    }
    if (i > 0 && !(migrations[i - 1]!.id < id)) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `migration ids must be unique and ascending: "${migrations[i - 1]!.id}" comes before "${id}"`,
      );
    }
  }
  await store.command(createTableSql(migrationsTable));
  const recorded = await store.query<{ id: string }>(`SELECT DISTINCT id FROM ${MIGRATIONS_TABLE}`);
  const done = new Set(recorded.map((r) => r.id));
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) {
      alreadyApplied.push(m.id);
      continue;
    }
    for (const sql of m.statements) await store.command(sql);
    await store.insert(migrationsTable, [{ id: m.id }]);
    applied.push(m.id);
    logger?.info({ migration: m.id, database: store.database }, 'history migration applied');
  }
  return { applied, alreadyApplied };
}
