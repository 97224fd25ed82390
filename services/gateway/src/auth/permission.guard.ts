import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { authorize, type Permission } from '@tapeline/auth';
import { LOGGER } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import { apiError } from '../graphql/errors';
import type { GraphqlAuthContext } from './graphql-auth';
import { REQUIRED_PERMISSION } from './require-permission';

/**
 * Global guard of every GraphQL resolver: authenticated (UNAUTHENTICATED otherwise), holding the
 * resolver's declared permission (FORBIDDEN otherwise). A resolver that declares none is refused:
 * forgetting the decorator closes the field instead of opening it.
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  /** Each handler's declared permission (null: none), read from its metadata once. */
  private readonly permissions = new WeakMap<object, Permission | null>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // The gateway's only HTTP routes are the OAuth2 endpoints and the JWKS, public by nature.
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const handler = context.getHandler();
    let permission = this.permissions.get(handler);
    if (permission === undefined) {
      permission = this.reflector.get<Permission | undefined>(REQUIRED_PERMISSION, handler) ?? null;
      this.permissions.set(handler, permission);
    }
    if (!permission) {
      const info = gql.getInfo<GraphQLResolveInfo>();
      const field = `${info.parentType.name}.${info.fieldName}`;
      this.logger.error({ field }, 'resolver declares no permission; refused');
      throw apiError('FORBIDDEN', `${field} is not available`);
    }
    const ctx = gql.getContext<GraphqlAuthContext>();
    const outcome = await ctx.authentication();
    if (!outcome.ok) throw apiError(outcome.code, outcome.message);
    const decision = authorize(outcome.principal, permission);
    if (!decision.allowed) throw apiError('FORBIDDEN', decision.message);
    ctx.principal = outcome.principal;
    return true;
  }
}
