import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { Field, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RequirePermission } from './require-permission';
import { ResolverPermissionAudit } from './resolver-permissions';

// Kept in its own file (own process): these resolvers must not reach the gateway's real schema.
@Resolver()
class DeclaredResolver {
  @RequirePermission('marketdata:read')
  @Query(() => String)
  quote(): string {
    return '';
  }
}

@Resolver()
class ForgetfulResolver {
  @Query(() => String)
  secrets(): string {
    return '';
  }
}

@ObjectType()
class Book {
  @Field() id!: string;
}

@Resolver(() => Book)
class BookFieldsResolver {
  @ResolveField(() => String)
  owner(): string {
    return '';
  }
}

async function boot(...resolvers: (new () => unknown)[]) {
  @Module({ imports: [DiscoveryModule], providers: [...resolvers, ResolverPermissionAudit] })
  class Root {}
  const app = await NestFactory.createApplicationContext(Root, { logger: false, abortOnError: false });
  await app.close();
}

test('the gateway refuses to boot with a resolver that declares no permission', async () => {
  await boot(DeclaredResolver);
  await assert.rejects(boot(DeclaredResolver, ForgetfulResolver), {
    message: 'resolvers without @RequirePermission: Query.secrets (ForgetfulResolver.secrets)',
  });
});

test('field resolvers count as resolvers and must declare a permission too', async () => {
  await assert.rejects(boot(BookFieldsResolver), {
    message: 'resolvers without @RequirePermission: Book.owner (BookFieldsResolver.owner)',
  });
});
