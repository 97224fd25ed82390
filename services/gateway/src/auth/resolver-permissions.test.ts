import 'reflect-metadata';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { isObjectType } from 'graphql';
import { isPermission } from '@tapeline/auth';
import { LOGGER } from '@tapeline/service-kit';
import { createLogger } from '@tapeline/telemetry';
import { loadGatewayConfig } from '../config';
import { ApiModule } from '../graphql/api.module';
import { AuthRuntime } from './auth-runtime';
import { AuthModule } from './auth.module';
import { subscriptionOnConnect } from './graphql-auth';
import { resolverPermissions } from './resolver-permissions';

// The gateway's own module tree, built in process (no listen): the schema and resolvers are real.
let app: INestApplication;
let runtime: AuthRuntime;

before(async () => {
  const config = loadGatewayConfig({ KAFKA_BROKERS: '127.0.0.1:9' });
  const logger = createLogger('gateway', 'fatal');
  runtime = await AuthRuntime.create(config.auth, logger);
  @Global()
  @Module({ providers: [{ provide: LOGGER, useValue: logger }], exports: [LOGGER] })
  class TestKitModule {}
  @Module({
    imports: [TestKitModule, AuthModule.forRoot(runtime), ApiModule.forRoot(config, logger, runtime)],
  })
  class GatewayUnderTest {}
  app = await NestFactory.create(GatewayUnderTest, new FastifyAdapter(), { logger: false });
  await app.init();
});

after(async () => {
  await app?.close();
});

test('every resolver of the schema declares a permission from the permission table', () => {
  const declared = resolverPermissions(app.get(DiscoveryService), app.get(MetadataScanner));
  const schema = app.get(GraphQLSchemaHost).schema;
  // Root fields of the schema, and fields of object types with a resolver of their own.
  const resolved = new Set<string>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.keys(root?.getFields() ?? {})) resolved.add(`${root!.name}.${field}`);
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (
      !isObjectType(type) ||
      type.name.startsWith('__') ||
      ['Query', 'Mutation', 'Subscription'].includes(type.name)
    )
      continue;
    for (const field of Object.values(type.getFields())) {
      // @nestjs/graphql gives a plain property its own `rootFieldResolver`; anything else is a @ResolveField.
      if (field.resolve && field.resolve.name !== 'rootFieldResolver')
        resolved.add(`${type.name}.${field.name}`);
    }
  }
  assert.deepEqual(
    declared.map((r) => r.field),
    [...resolved].sort(),
    'the walk over the resolver classes finds exactly the resolvers of the schema',
  );
  const undeclared = declared.filter((r) => !isPermission(r.permission));
  assert.deepEqual(
    undeclared,
    [],
    `add @RequirePermission to: ${undeclared.map((r) => r.handler).join(', ')}`,
  );
});

test('the instrument queries require instruments:read', () => {
  const declared = resolverPermissions(app.get(DiscoveryService), app.get(MetadataScanner));
  assert.deepEqual(
    declared.filter((r) => r.field.startsWith('Query.instrument')).map((r) => [r.field, r.permission]),
    [
      ['Query.instrument', 'instruments:read'],
      ['Query.instruments', 'instruments:read'],
    ],
  );
});

test('instrument administration requires instruments:admin', () => {
  const declared = resolverPermissions(app.get(DiscoveryService), app.get(MetadataScanner));
  assert.deepEqual(
    declared
      .filter((r) => /Instrument/.test(r.field) && r.field.startsWith('Mutation.'))
      .map((r) => [r.field, r.permission]),
    [
      ['Mutation.createInstrument', 'instruments:admin'],
      ['Mutation.setInstrumentStatus', 'instruments:admin'],
      ['Mutation.updateInstrument', 'instruments:admin'],
    ],
  );
});

test('a WebSocket connection_init with a valid bearer token gets its principal; anything else is refused', async () => {
  const onConnect = subscriptionOnConnect(runtime.authenticator);
  const { access_token } = await runtime.authorizationServer!.token({
    params: {
      grant_type: 'client_credentials',
      client_id: 'dev-risk-officer',
      client_secret: 'dev-risk-officer-secret-local-only',
    },
  });
  const accepted = await onConnect({ payload: { authorization: `Bearer ${access_token}` } });
  assert.ok(accepted);
  assert.equal(accepted.principal?.role, 'risk_officer');
  assert.equal(accepted.principal?.desk, 'RISK');
  const outcome = await accepted.authentication();
  assert.equal(outcome.ok, true);
  for (const payload of [undefined, {}, { authorization: 'Bearer nope' }, { authorization: access_token }]) {
    assert.equal(await onConnect({ payload }), false, JSON.stringify(payload));
  }
  // A revoked token is refused at connection_init as well.
  await runtime.authorizationServer!.revoke({ params: { token: access_token } });
  assert.equal(await onConnect({ payload: { authorization: `Bearer ${access_token}` } }), false);
});
