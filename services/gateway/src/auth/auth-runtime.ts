import {
  AccessTokenIssuer,
  AuthorizationServer,
  BearerAuthenticator,
  IdentityDirectory,
  InProcessTokenStateStore,
  LocalTokenVerifier,
  OidcTokenVerifier,
  readSigningKeyDirectory,
  RedisTokenStateStore,
  SigningKeyRing,
  systemClock,
  type Clock,
  type PublicJwk,
  type TokenStateStore,
} from '@tapeline/auth';
import type { Logger } from '@tapeline/telemetry';
import type { AuthSettings } from './auth.config';
import { VerifiedTokenCache } from './verified-token-cache';

/**
 * Everything the gateway's auth glue uses, built once at boot from validated settings: the key
 * ring and its rotation, the token state store, the authorization server (built-in issuer only)
 * and the bearer authenticator used by GraphQL over HTTP and WebSocket.
 */
export class AuthRuntime {
  private rotation: NodeJS.Timeout | undefined;

  private constructor(
    readonly settings: AuthSettings,
    readonly authenticator: BearerAuthenticator,
    /** Absent with an external OIDC issuer: the gateway then serves no token endpoint. */
    readonly authorizationServer: AuthorizationServer | undefined,
    readonly keyRing: SigningKeyRing | undefined,
    readonly store: TokenStateStore | undefined,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  static async create(
    settings: AuthSettings,
    logger: Logger,
    clock: Clock = systemClock,
  ): Promise<AuthRuntime> {
    const { issuer } = settings;
    if (issuer.kind === 'oidc') {
      logger.info(
        { issuer: issuer.oidc.issuer, jwks: issuer.oidc.jwksUrl },
        'auth: tokens from an external OpenID Connect issuer',
      );
      const verifier = new VerifiedTokenCache(new OidcTokenVerifier(issuer.oidc, clock), undefined, clock);
      return new AuthRuntime(
        settings,
        new BearerAuthenticator(verifier, undefined, clock),
        undefined,
        undefined,
        undefined,
        logger,
        clock,
      );
    }
    const retainMs = (settings.token.accessTokenTtlSeconds + settings.token.clockToleranceSeconds) * 1000;
    const ring = new SigningKeyRing(retainMs);
    if (issuer.keyDirectory) ring.sync(issuer.keyDirectory.keys, clock());
    else ring.rotate(clock());
    const store: TokenStateStore = settings.redis
      ? RedisTokenStateStore.connect(settings.redis.url, settings.redis.prefix)
      : new InProcessTokenStateStore();
    const directory = await IdentityDirectory.build(issuer.identities);
    const verifier = new LocalTokenVerifier(ring, settings.token, clock);
    const server = new AuthorizationServer(
      directory,
      new AccessTokenIssuer(ring, settings.token, clock),
      verifier,
      store,
      { refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds },
      clock,
    );
    const runtime = new AuthRuntime(
      settings,
      new BearerAuthenticator(new VerifiedTokenCache(verifier, undefined, clock), store, clock),
      server,
      ring,
      store,
      logger,
      clock,
    );
    logger.info(
      {
        mode: settings.mode,
        clients: issuer.identities.source,
        keys: issuer.keyDirectory?.dir ?? 'generated in memory',
        kid: ring.active().kid,
        state: settings.redis ? 'redis' : 'in-process',
      },
      'auth: built-in OAuth2 issuer',
    );
    runtime.rotation = setInterval(() => runtime.rotateKeys(), settings.keyRotationSeconds * 1000);
    runtime.rotation.unref();
    return runtime;
  }

  /**
   * Scheduled, or on demand: a generated ring gets a new key; a mounted key directory is re-read
   * (whoever rotates the secret adds the new <kid>.pem). The retired key stays published meanwhile.
   */
  rotateKeys(): void {
    const { issuer } = this.settings;
    if (!this.keyRing || issuer.kind !== 'builtin') return;
    const before = this.keyRing.active().kid;
    if (issuer.keyDirectory) {
      const read = readSigningKeyDirectory(issuer.keyDirectory.dir);
      if (read.problems.length) {
        this.logger.error(
          { problems: read.problems },
          'auth: key directory unreadable; keeping the current keys',
        );
        return;
      }
      this.keyRing.sync(read.keys, this.clock());
    } else {
      this.keyRing.rotate(this.clock());
    }
    const after = this.keyRing.active().kid;
    if (after !== before) this.logger.info({ retired: before, active: after }, 'auth: signing key rotated');
  }

  jwks(): { keys: PublicJwk[] } {
    return this.keyRing ? this.keyRing.jwks(this.clock()) : { keys: [] };
  }

  async close(): Promise<void> {
    if (this.rotation) clearInterval(this.rotation);
    await this.store?.close();
  }
}

/** Nest injection token of the AuthRuntime. */
export const AUTH_RUNTIME = Symbol('tapeline.auth-runtime');
