import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AUTH_RUNTIME, AuthRuntime } from './auth-runtime';
import { OAuthController } from './oauth.controller';
import { PermissionGuard } from './permission.guard';
import { ResolverPermissionAudit } from './resolver-permissions';

@Injectable()
class AuthShutdown implements OnApplicationShutdown {
  constructor(@Inject(AUTH_RUNTIME) private readonly runtime: AuthRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * Identity and access of the gateway: the OAuth2 endpoints (built-in issuer only), the global
 * permission guard over every resolver, and the boot-time check that each resolver declares one.
 */
@Module({})
export class AuthModule {
  static forRoot(runtime: AuthRuntime): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: runtime.authorizationServer ? [OAuthController] : [],
      providers: [
        { provide: AUTH_RUNTIME, useValue: runtime },
        { provide: APP_GUARD, useClass: PermissionGuard },
        ResolverPermissionAudit,
        AuthShutdown,
      ],
      exports: [AUTH_RUNTIME],
    };
  }
}
