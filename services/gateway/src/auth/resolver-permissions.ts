import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { isPermission, type Permission } from '@tapeline/auth';
import { REQUIRED_PERMISSION } from './require-permission';

// @nestjs/graphql's metadata keys (graphql.constants): which methods are resolvers and of what.
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVER_NAME = 'graphql:resolver_name';
const RESOLVER_PROPERTY = 'graphql:resolve_property';
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

export interface ResolverPermission {
  /** `Query.instruments`, `Instrument.quote`, ... */
  readonly field: string;
  readonly handler: string;
  readonly permission: Permission | undefined;
}

/** Every resolver method of the application (root fields and field resolvers) with its declared permission. */
export function resolverPermissions(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
): ResolverPermission[] {
  const out: ResolverPermission[] = [];
  for (const wrapper of discovery.getProviders()) {
    const { instance, metatype } = wrapper;
    if (!instance || typeof metatype !== 'function') continue;
    const classType = Reflect.getMetadata(RESOLVER_TYPE, metatype) as string | undefined;
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const fn = prototype[method] as object;
      const rootType = Reflect.getMetadata(RESOLVER_TYPE, fn) as string | undefined;
      const isField = Reflect.getMetadata(RESOLVER_PROPERTY, fn) === true;
      const type = rootType && ROOT_TYPES.has(rootType) ? rootType : isField ? classType : undefined;
      if (!type) continue;
      const declared: unknown = Reflect.getMetadata(REQUIRED_PERMISSION, fn);
      out.push({
        field: `${type}.${(Reflect.getMetadata(RESOLVER_NAME, fn) as string | undefined) ?? method}`,
        handler: `${metatype.name}.${method}`,
        permission: isPermission(declared) ? declared : undefined,
      });
    }
  }
  return out.sort((a, b) => (a.field < b.field ? -1 : 1));
}

/** Refuses to boot a gateway with a resolver that declares no permission. */
@Injectable()
export class ResolverPermissionAudit implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const missing = resolverPermissions(this.discovery, this.scanner).filter((r) => !r.permission);
    if (missing.length) {
      throw new Error(
        `resolvers without @RequirePermission: ${missing.map((r) => `${r.field} (${r.handler})`).join(', ')}`,
      );
    }
  }
}
