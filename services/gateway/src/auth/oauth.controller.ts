import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  OAuthError,
  parseBasicCredentials,
  TokenStateUnavailableError,
  type AuthorizationServer,
  type FormParams,
  type OAuthRequest,
} from '@tapeline/auth';
import { LOGGER } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import { AUTH_RUNTIME, type AuthRuntime } from './auth-runtime';

const FORM = 'application/x-www-form-urlencoded';

/**
 * OAuth2 over HTTP: the token endpoint (RFC 6749 §3.2), revocation (RFC 7009) and the JWK Set.
 * The logic is the AuthorizationServer's; this only translates HTTP to it and back, and makes
 * sure every failure leaves in RFC 6749 §5.2 form without internals.
 */
@Controller()
export class OAuthController {
  private readonly server: AuthorizationServer;

  constructor(
    @Inject(AUTH_RUNTIME) private readonly runtime: AuthRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.server = runtime.authorizationServer!;
  }

  @Post('oauth/token')
  async token(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, async () => reply.status(200).send(await this.server.token(oauthRequest(req))));
  }

  @Post('oauth/revoke')
  async revoke(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, async () => {
      await this.server.revoke(oauthRequest(req));
      reply.status(200).send({});
    });
  }

  @Get('.well-known/jwks.json')
  jwks(@Res() reply: FastifyReply): void {
    // Short cache: a verifier elsewhere must see a new key soon after a rotation.
    reply
      .header('cache-control', 'public, max-age=60')
      .type('application/jwk-set+json')
      .send(this.runtime.jwks());
  }

  private async answer(reply: FastifyReply, handle: () => Promise<unknown>): Promise<void> {
    // RFC 6749 §5.1: token responses must not be cached.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      await handle();
    } catch (err) {
      if (err instanceof OAuthError) {
        if (err.basicChallenge) reply.header('www-authenticate', 'Basic realm="tapeline", charset="UTF-8"');
        reply.status(err.status).send(err.toJSON());
        return;
      }
      if (err instanceof TokenStateUnavailableError) {
        this.logger.warn({ reason: err.reason }, 'token state unavailable');
        reply.status(503).send({ error: 'temporarily_unavailable', error_description: 'try again shortly' });
        return;
      }
      this.logger.error({ err }, 'token endpoint failed');
      reply.status(500).send({ error: 'server_error', error_description: 'internal error' });
    }
  }
}

/** The form and the Basic credentials of a request; anything else than a form is invalid_request. */
function oauthRequest(req: FastifyRequest): OAuthRequest {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FORM) throw new OAuthError('invalid_request', `the body must be ${FORM}`);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      params[name] = value as string | string[];
    } else {
      throw new OAuthError('invalid_request', `parameter ${name} is malformed`);
    }
  }
  const basic = parseBasicCredentials(req.headers.authorization);
  return { params: params as FormParams, ...(basic ? { basic } : {}) };
}
