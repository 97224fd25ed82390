import path from 'node:path';
import { env, type ConfigOf, type ConfigProblem } from '@tapeline/config';
import {
  IdentityFileError,
  loadIdentityFile,
  OIDC_ALGORITHMS,
  productionProblems,
  readSigningKeyDirectory,
  type IdentityFile,
  type OidcAlgorithm,
  type OidcSettings,
  type SigningKey,
  type TokenSettings,
} from '@tapeline/auth';

/** Development identities, one client per role: loaded only in dev mode (config/dev-clients.yaml). */
export const DEV_CLIENTS_FILE = path.resolve(__dirname, '../../config/dev-clients.yaml');

export const authSpec = {
  /** dev: local runs (development clients, generated keys). production: secrets from mounted files. */
  authMode: env.oneOf('GATEWAY_AUTH_MODE', ['dev', 'production'] as const, 'dev'),
  clientsFile: env.optionalString('GATEWAY_CLIENTS_FILE'),
  signingKeysDir: env.optionalString('GATEWAY_SIGNING_KEYS_DIR'),
  tokenIssuer: env.string('GATEWAY_TOKEN_ISSUER', 'urn:tapeline:gateway'),
  tokenAudience: env.string('GATEWAY_TOKEN_AUDIENCE', 'urn:tapeline:api'),
  accessTokenTtlSeconds: env.int('GATEWAY_ACCESS_TOKEN_TTL_S', 900, { min: 60, max: 86_400 }),
  /** Absolute lifetime of a user's sign-in; refreshes rotate within it. Default: a trading day. */
  refreshTokenTtlSeconds: env.int('GATEWAY_REFRESH_TOKEN_TTL_S', 8 * 3600, { min: 300, max: 30 * 86_400 }),
  /** Dev: a new key is generated this often. Production: the key directory is re-read this often. */
  keyRotationSeconds: env.int('GATEWAY_KEY_ROTATION_S', 86_400, { min: 60, max: 90 * 86_400 }),
  clockToleranceSeconds: env.int('GATEWAY_CLOCK_TOLERANCE_S', 30, { min: 0, max: 300 }),
  redisUrl: env.optionalString('REDIS_URL'),
  redisPrefix: env.string('GATEWAY_REDIS_PREFIX', 'tapeline:gateway:auth:'),
  oidcIssuer: env.optionalString('GATEWAY_OIDC_ISSUER'),
  oidcJwksUrl: env.optionalString('GATEWAY_OIDC_JWKS_URL'),
  oidcAudience: env.optionalString('GATEWAY_OIDC_AUDIENCE'),
  oidcAlgorithms: env.string('GATEWAY_OIDC_ALGORITHMS', 'ES256'),
  oidcRoleClaim: env.string('GATEWAY_OIDC_ROLE_CLAIM', 'role'),
  oidcDeskClaim: env.string('GATEWAY_OIDC_DESK_CLAIM', 'desk'),
};

/** Where tokens come from: the gateway's own issuer, or an external OpenID Connect provider. */
export type IssuerSettings =
  | {
      kind: 'builtin';
      identities: IdentityFile;
      /** Keys from GATEWAY_SIGNING_KEYS_DIR; absent in dev mode without one (keys are generated). */
      keyDirectory?: { dir: string; keys: SigningKey[] };
    }
  | { kind: 'oidc'; oidc: OidcSettings };

export interface AuthSettings {
  mode: 'dev' | 'production';
  token: TokenSettings;
  refreshTokenTtlSeconds: number;
  keyRotationSeconds: number;
  issuer: IssuerSettings;
  redis?: { url: string; prefix: string };
}

type AuthEnv = Partial<ConfigOf<typeof authSpec>>;

/**
 * Cross-variable rules and the files the variables point at, checked with the rest of the config
 * so that one message lists every problem. Returns the settings when there is none.
 */
export function readAuthSettings(c: AuthEnv): { settings?: AuthSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, text: string) => problems.push({ variable, problem: text });
  const production = c.authMode === 'production';

  let redis: AuthSettings['redis'];
  if (c.redisUrl !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(c.redisUrl))
      problem('REDIS_URL', `must be a redis:// or rediss:// URL, got "${c.redisUrl}"`);
    else redis = { url: c.redisUrl, prefix: c.redisPrefix ?? 'tapeline:gateway:auth:' };
  }

  let issuer: IssuerSettings | undefined;
  if (c.oidcIssuer !== undefined || c.oidcJwksUrl !== undefined) {
    issuer = oidcSettings(c, problem);
  } else {
    issuer = builtinSettings(c, production, problem);
    if (production && c.redisUrl === undefined) {
      problem(
        'REDIS_URL',
        'is required in production: replicas share refresh-token and revocation state through it',
      );
    }
  }
  if (problems.length || !issuer) return { problems };
  return {
    problems,
    settings: {
      mode: production ? 'production' : 'dev',
      token: {
        issuer: c.tokenIssuer!,
        audience: c.tokenAudience!,
        accessTokenTtlSeconds: c.accessTokenTtlSeconds!,
        clockToleranceSeconds: c.clockToleranceSeconds!,
      },
      refreshTokenTtlSeconds: c.refreshTokenTtlSeconds!,
      keyRotationSeconds: c.keyRotationSeconds!,
      issuer,
      ...(redis ? { redis } : {}),
    },
  };
}

function builtinSettings(
  c: AuthEnv,
  production: boolean,
  problem: (variable: string, text: string) => void,
): IssuerSettings | undefined {
  let identities: IdentityFile | undefined;
  const file = c.clientsFile ?? (production ? undefined : DEV_CLIENTS_FILE);
  if (file === undefined) {
    problem('GATEWAY_CLIENTS_FILE', 'is required in production (a mounted clients file with hashed secrets)');
  } else if (production && path.resolve(file) === DEV_CLIENTS_FILE) {
    problem('GATEWAY_CLIENTS_FILE', 'points at the development clients; production refuses them');
  } else {
    try {
      identities = loadIdentityFile(file);
      if (production) for (const p of productionProblems(identities)) problem('GATEWAY_CLIENTS_FILE', p);
    } catch (err) {
      if (!(err instanceof IdentityFileError)) throw err;
      problem('GATEWAY_CLIENTS_FILE', err.message);
    }
  }
  let keyDirectory: { dir: string; keys: SigningKey[] } | undefined;
  if (c.signingKeysDir !== undefined) {
    const read = readSigningKeyDirectory(c.signingKeysDir);
    for (const p of read.problems) problem('GATEWAY_SIGNING_KEYS_DIR', p);
    keyDirectory = { dir: c.signingKeysDir, keys: read.keys };
  } else if (production) {
    problem(
      'GATEWAY_SIGNING_KEYS_DIR',
      'is required in production (a mounted directory of <kid>.pem P-256 keys)',
    );
  }
  return identities ? { kind: 'builtin', identities, ...(keyDirectory ? { keyDirectory } : {}) } : undefined;
}

function oidcSettings(
  c: AuthEnv,
  problem: (variable: string, text: string) => void,
): IssuerSettings | undefined {
  const url = (variable: string, value: string | undefined) => {
    if (value === undefined) {
      problem(variable, 'is required when an external OpenID Connect issuer is configured');
      return undefined;
    }
    try {
      const u = new URL(value);
      // Plain http only to this machine: a JWKS fetched in clear text could be replaced on the way.
      if (
        u.protocol === 'https:' ||
        (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
      ) {
        return value;
      }
      problem(variable, `must be an https URL, got "${value}"`);
    } catch {
      problem(variable, `must be a URL, got "${value}"`);
    }
    return undefined;
  };
  const issuer = url('GATEWAY_OIDC_ISSUER', c.oidcIssuer);
  const jwksUrl = url('GATEWAY_OIDC_JWKS_URL', c.oidcJwksUrl);
  const algorithms = (c.oidcAlgorithms ?? 'ES256').split(',').map((a) => a.trim());
  const unknown = algorithms.filter((a) => !(OIDC_ALGORITHMS as readonly string[]).includes(a));
  if (unknown.length) {
    problem(
      'GATEWAY_OIDC_ALGORITHMS',
      `only asymmetric ${OIDC_ALGORITHMS.join(', ')} are accepted, got ${unknown.join(', ')}`,
    );
  }
  if (!issuer || !jwksUrl || unknown.length) return undefined;
  return {
    kind: 'oidc',
    oidc: {
      issuer,
      jwksUrl,
      audience: c.oidcAudience ?? c.tokenAudience!,
      algorithms: algorithms as OidcAlgorithm[],
      roleClaim: c.oidcRoleClaim!,
      deskClaim: c.oidcDeskClaim!,
      clockToleranceSeconds: c.clockToleranceSeconds!,
    },
  };
}
