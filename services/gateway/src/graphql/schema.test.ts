import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { currentSchemaSdl, SCHEMA_FILE } from './print-schema';

test('the checked-in schema.graphql is the schema the code builds', async () => {
  const checkedIn = readFileSync(SCHEMA_FILE, 'utf8');
  assert.equal(
    checkedIn,
    await currentSchemaSdl(),
    'services/gateway/schema.graphql is stale: run `node services/gateway/dist/graphql/print-schema.js --write`',
  );
});
