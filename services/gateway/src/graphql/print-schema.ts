// Prints the SDL of the gateway's schema as the code builds it, or (--write) rewrites the
// checked-in services/gateway/schema.graphql. A test fails when the two differ.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createGatewayApp } from '../gateway-app';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema.graphql');

const HEADER =
  "# The gateway's GraphQL schema (SDL). Generated from the code: do not edit by hand.\n" +
  '# Regenerate: npx tsc -b services/gateway && node services/gateway/dist/graphql/print-schema.js --write\n\n';

/**
 * The SDL of the schema the resolvers build, as the checked-in file holds it: with its header and
 * formatted by the workspace's prettier (so `prettier --check` and this agree).
 */
export async function currentSchemaSdl(): Promise<string> {
  const app = await createGatewayApp();
  let sdl: string;
  try {
    sdl = HEADER + printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema)) + '\n';
  } finally {
    await app.close();
  }
  const prettier = await import('prettier');
  const options = await prettier.resolveConfig(SCHEMA_FILE);
  return prettier.format(sdl, { ...options, parser: 'graphql' });
}

if (require.main === module) {
  void currentSchemaSdl().then((sdl) => {
    if (process.argv.includes('--write')) {
      writeFileSync(SCHEMA_FILE, sdl);
      process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
    } else {
      process.stdout.write(sdl);
    }
  });
}
