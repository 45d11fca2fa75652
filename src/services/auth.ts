import { jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../shared/errors.js';
import { newSecret, newStandardId } from '../shared/ids.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationRecord, ApplicationsRepo } from '../storage/repos/applications.js';
import { SIGNING_ALG, type OidcKeysService } from './oidc-keys.js';

/** Logto OSS's fixed Management API indicator, accepted so existing Logto scripts work unchanged. */
export const LOGTO_OSS_MANAGEMENT_API_RESOURCE = 'https://default.logto.app/api';
export const MANAGEMENT_API_SCOPE = 'all';
/**
 * RFC 9068's access-token type, required on verification so that no other JWT signed with the same
 * key (an ID token, a logout token) can be replayed as a Management API token.
 */
const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * Which applications may get a Management API token. Any other machine-to-machine application (one
 * created through `POST /api/applications`) is refused, as in Logto, where such an application needs
 * a role granting the Management API's `all` scope first. Extend this when M2M roles can grant it.
 */
export const canUseManagementApi = (app: Pick<ApplicationRecord, 'isAdmin'>) => app.isAdmin;

/**
 * The console's own OpenID Connect client, created on start. Its id is fixed so that every node
 * and every restart agrees on it without configuration.
 */
export const CONSOLE_CLIENT_ID = 'idhooks-console';
export const consoleRedirectUri = (endpoint: string) => `${endpoint}/console/callback`;

export interface AuthConfig {
  readonly endpoint: string;
  readonly managementApiResource: string;
  readonly accessTokenTtlSeconds: number;
  readonly adminClientId: string | undefined;
  readonly adminClientSecret: string | undefined;
}

export interface AccessTokenClaims {
  readonly clientId: string;
  readonly scope: string;
}

export interface AdminBootstrap {
  readonly clientId: string;
  /** Present only when the application was created now with a generated secret: print it once. */
  readonly generatedSecret: string | undefined;
}

export interface AuthServiceDeps {
  readonly applications: ApplicationsRepo;
  readonly keys: OidcKeysService;
  readonly clock: Clock;
  /**
   * Stores a new secret hash and ends everything issued to the application (tokens, grants,
   * console sessions), in one transaction: a changed secret must lock out whoever had the old one.
   */
  readonly replaceSecret: (applicationId: string, secretHash: string) => Promise<void>;
  readonly config: AuthConfig;
}

/**
 * Who may call the Management API: the admin application's bootstrap, client authentication for
 * `/oidc` (the one place a client secret is checked) and verification of the provider's ES384
 * access tokens for the Management API resource.
 */
export function createAuthService({ applications, keys, clock, config, replaceSecret }: AuthServiceDeps) {
  const issuer = `${config.endpoint}/oidc`;
  const audiences = [config.managementApiResource, LOGTO_OSS_MANAGEMENT_API_RESOURCE];

  /**
   * Tokens already verified, until they expire: a client sends the same token with every call, and
   * an ES384 signature check costs far more than the rest of a simple request. Bounded, oldest evicted first; a token is only ever cached after full verification.
   */
  const verified = new Map<
    string,
    { claims: AccessTokenClaims; expiresAt: number; issuedAt: number; keySet: number }
  >();
  const VERIFIED_CACHE_SIZE = 1000;
  const rememberVerified = (
    token: string,
    claims: AccessTokenClaims,
    expiresAt: number,
    issuedAt: number,
  ) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { claims, expiresAt, issuedAt, keySet: keys.keySetVersion() });
  };

  /**
   * When each client's tokens were last revoked, re-read at most every REVOCATION_RECHECK_MS: a
   * revocation on this node applies at once (its entry is dropped), on other nodes within that time.
   */
  const REVOCATION_RECHECK_MS = 2000;
  const revokedAt = new Map<string, { at: number | null; checkedAt: number }>();
  const tokensRevokedAt = async (clientId: string) => {
    const now = clock.now();
    const cached = revokedAt.get(clientId);
    if (cached && Math.abs(now - cached.checkedAt) < REVOCATION_RECHECK_MS) return cached.at;
    const at = await applications.findTokensRevokedAt(clientId);
    if (revokedAt.size >= VERIFIED_CACHE_SIZE) revokedAt.clear();
    revokedAt.set(clientId, { at, checkedAt: now });
    return at;
  };
  /** Tokens carry `iat` in seconds: one issued in the second of the revocation or before is refused. */
  const assertNotRevoked = async (clientId: string, issuedAt: number) => {
    const at = await tokensRevokedAt(clientId);
    if (at !== null && issuedAt <= Math.floor(at / 1000)) {
      throw new AppError('auth.unauthorized', { message: 'The access token was revoked; get a new one.' });
    }
  };

  const verify = (token: string) =>
    jwtVerify(token, keys.verificationKeys(), {
      algorithms: [SIGNING_ALG],
      issuer,
      audience: audiences,
      typ: ACCESS_TOKEN_TYPE,
      // jose checks `exp` only when present: a token without one must not be valid forever.
      requiredClaims: ['exp', 'iat', 'sub'],
      // No injected clock: the provider stamps `iat`/`exp` with the wall clock, so they are
      // compared with it.
    });

  return {
    /**
     * Makes sure the admin machine-to-machine application exists. With configured credentials it is
     * created or its secret updated to match; otherwise one is generated on the first start only.
     */
    async ensureAdminApplication(): Promise<AdminBootstrap> {
      const { adminClientId, adminClientSecret } = config;
      if (adminClientId && adminClientSecret) {
        const existing = await applications.findApplicationById(adminClientId);
        if (!existing) {
          try {
            await applications.insertApplication({
              id: adminClientId,
              name: 'idhooks admin',
              description: 'Management API access for operators (from IDHOOKS_ADMIN_CLIENT_ID).',
              type: 'MachineToMachine',
              secretHash: await hashPassword(adminClientSecret),
              oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
              isAdmin: true,
              createdAt: clock.now(),
            });
          } catch (error) {
            // Several processes starting at once with the same configuration: one insert wins and the
            // others hit the primary key. Theirs has the same secret, so use it instead of crashing.
            if (!(await applications.findApplicationById(adminClientId))) throw error;
          }
        } else if (!existing.isAdmin || existing.type !== 'MachineToMachine') {
          // Taking over an ordinary application would hand it the Management API (or, for a
          // non-M2M one, produce credentials that can never get a token): refuse at start-up.
          throw new Error(
            `IDHOOKS_ADMIN_CLIENT_ID names the application ${adminClientId}, which is not an admin ` +
              'machine-to-machine application; choose an id no application uses yet.',
          );
        } else if (!existing.secretHash || !(await verifyPassword(existing.secretHash, adminClientSecret))) {
          await replaceSecret(adminClientId, await hashPassword(adminClientSecret));
          revokedAt.delete(adminClientId);
        }
        return { clientId: adminClientId, generatedSecret: undefined };
      }
      const admin = await applications.findAdminApplication();
      if (admin) return { clientId: admin.id, generatedSecret: undefined };
      const clientId = newStandardId();
      const secret = newSecret();
      // Exactly one generated admin even when several processes start together on one database.
      const created = await applications.insertGeneratedAdminApplication({
        id: clientId,
        name: 'idhooks admin',
        description: 'Management API access for operators, created on first start.',
        type: 'MachineToMachine',
        secretHash: await hashPassword(secret),
        oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
        isAdmin: true,
        createdAt: clock.now(),
      });
      return { clientId: created.id, generatedSecret: created.id === clientId ? secret : undefined };
    },

    /**
     * Makes sure the console's first-party application exists with the redirect URI of the current
     * endpoint (which may change between starts). Safe to run from several processes at once.
     */
    async ensureConsoleApplication(): Promise<string> {
      const redirectUris = [consoleRedirectUri(config.endpoint)];
      const metadata = { redirectUris, postLogoutRedirectUris: [] };
      const existing = await applications.findApplicationById(CONSOLE_CLIENT_ID);
      if (!existing) {
        try {
          await applications.insertApplication({
            id: CONSOLE_CLIENT_ID,
            name: 'idhooks console',
            description: 'Signs administrators in to the console (created on start).',
            type: 'Traditional',
            secretHash: null,
            oidcClientMetadata: metadata,
            isAdmin: false,
            createdAt: clock.now(),
          });
        } catch (error) {
          if (!(await applications.findApplicationById(CONSOLE_CLIENT_ID))) throw error;
        }
      } else if (existing.oidcClientMetadata.redirectUris.join(' ') !== redirectUris.join(' ')) {
        await applications.updateApplicationById(CONSOLE_CLIENT_ID, { oidcClientMetadata: metadata });
      }
      return CONSOLE_CLIENT_ID;
    },

    /**
     * Checks a client id and secret against the stored Argon2 hash and returns the application, or
     * undefined. The one place a client secret is verified (`/oidc` and the console sign-in), so a
     * limiter on failures belongs here. The same work is done whether or not the client exists, so
     * timing does not reveal which client ids are real.
     */
    async authenticateClient(clientId: string, clientSecret: string): Promise<ApplicationRecord | undefined> {
      const app = clientId.includes('\u0000') ? undefined : await applications.findApplicationById(clientId);
      const hash = app?.secretHash ?? (await dummyPasswordHash());
      const isValid = await verifyPassword(hash, clientSecret);
      return isValid && app?.secretHash ? app : undefined;
    },

    /** Verifies a bearer token for the Management API; a bad token is a 401, a storage fault is not. */
    async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
      const cached = verified.get(token);
      // A retired key's tokens must stop working here too: entries of an older key set are rechecked.
      if (cached && cached.expiresAt > Date.now() && cached.keySet === keys.keySetVersion()) {
        await assertNotRevoked(cached.claims.clientId, cached.issuedAt);
        return cached.claims;
      }
      try {
        const { payload } = await verify(token).catch(async (error: unknown) => {
          // A key rotated on another node since this one loaded its keys: reload once and retry.
          if (error instanceof joseErrors.JWKSNoMatchingKey && (await keys.reloadIfStale()))
            return verify(token);
          throw error;
        });
        const scope = typeof payload.scope === 'string' ? payload.scope : '';
        if (!scope.split(' ').includes(MANAGEMENT_API_SCOPE) || typeof payload.sub !== 'string') {
          throw new AppError('auth.unauthorized');
        }
        const claims = { clientId: payload.sub, scope };
        await assertNotRevoked(claims.clientId, payload.iat ?? 0);
        rememberVerified(token, claims, (payload.exp ?? 0) * 1000, payload.iat ?? 0);
        return claims;
      } catch (error) {
        // Only a token that fails verification is a 401; a database that cannot answer the
        // revocation check is a server fault and must not read as "your token is bad".
        if (error instanceof AppError || !(error instanceof joseErrors.JOSEError)) throw error;
        const reason = error instanceof joseErrors.JWTExpired ? 'The access token has expired.' : undefined;
        throw new AppError('auth.unauthorized', { ...(reason ? { message: reason } : {}), cause: error });
      }
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
