import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Permission, Principal } from '@tapeline/auth';
import type { GraphqlAuthContext } from './graphql-auth';

export const REQUIRED_PERMISSION = 'tapeline:required-permission';

/**
 * The permission a resolver (query, mutation, subscription or field resolver) requires. Every
 * resolver declares one: the permission guard refuses a resolver without it, the gateway refuses
 * to boot with one, and a test walks the schema for them.
 */
export const RequirePermission = (permission: Permission): MethodDecorator =>
  SetMetadata(REQUIRED_PERMISSION, permission);

/**
 * The authenticated caller, for resolvers that narrow by desk (`deskScope`, `authorize` with the
 * resource's desk). Set by the permission guard, which has always run before the resolver.
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    GqlExecutionContext.create(ctx).getContext<GraphqlAuthContext>().principal!,
);
