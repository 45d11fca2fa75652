import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../shared/errors.js';
import { newSecret, newStandardId } from '../shared/ids.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationRecord, ApplicationsRepo } from '../storage/repos/applications.js';
import type { SettingsRepo } from '../storage/repos/settings.js';

/** Logto OSS's fixed Management API indicator, accepted so existing Logto scripts work unchanged. */
export const LOGTO_OSS_MANAGEMENT_API_RESOURCE = 'https://default.logto.app/api';
export const MANAGEMENT_API_SCOPE = 'all';
const SIGNING_KEY_SETTING = 'oidc.access_token_hs256_key';
/**
 * RFC 9068's access-token type, required on verification so that no other JWT signed with the same
 * key (a future session or ID token) can be replayed as a Management API token.
 */
const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * Which applications may get a Management API token. Any other machine-to-machine application (one
 * created through `POST /api/applications`) is refused, as in Logto, where such an application needs
 * a role granting the Management API's `all` scope first. Extend this when M2M roles can grant it.
 */
const canUseManagementApi = (app: ApplicationRecord) => app.isAdmin;

export interface AuthConfig {
  readonly endpoint: string;
  readonly managementApiResource: string;
  readonly accessTokenTtlSeconds: number;
  readonly adminClientId: string | undefined;
  readonly adminClientSecret: string | undefined;
}

export interface TokenRequest {
  readonly grantType: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly resource: string | undefined;
  readonly scope: string | undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
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
  readonly settings: SettingsRepo;
  readonly clock: Clock;
  readonly config: AuthConfig;
}

/**
 * Client-credentials tokens for the Management API, like Logto's `/oidc/token`. Tokens are HS256
 * JWTs: only this service verifies them, and HMAC verification is ~20× cheaper than ECDSA on the
 * hot path of every API call. The key lives in the database so tokens survive restarts and are
 * accepted by every node sharing it.
 */
export function createAuthService({ applications, settings, clock, config }: AuthServiceDeps) {
  let signingKey: Uint8Array | undefined;
  const issuer = `${config.endpoint}/oidc`;
  const audiences = [config.managementApiResource, LOGTO_OSS_MANAGEMENT_API_RESOURCE];

  /**
   * Tokens already verified, until they expire: a client sends the same token with every call, and
   * jose verifies through WebCrypto on the thread pool, which cost more than the rest of a simple
   * request. Bounded, oldest evicted first; a token is only ever cached after full verification.
   */
  const verified = new Map<string, { claims: AccessTokenClaims; expiresAt: number }>();
  const VERIFIED_CACHE_SIZE = 1000;
  const rememberVerified = (token: string, claims: AccessTokenClaims, expiresAt: number) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { claims, expiresAt });
  };

  const key = () => {
    if (!signingKey) throw new Error('Auth service used before init(); call init() at start-up');
    return signingKey;
  };

  return {
    /** Loads (or creates, once) the token signing key. */
    async init(): Promise<void> {
      const stored = await settings.ensureSetting(
        SIGNING_KEY_SETTING,
        randomBytes(32).toString('base64url'),
        clock.now(),
      );
      signingKey = Buffer.from(stored, 'base64url');
    },

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
          await applications.updateApplicationSecret(adminClientId, await hashPassword(adminClientSecret));
        }
        return { clientId: adminClientId, generatedSecret: undefined };
      }
      const admin = await applications.findAdminApplication();
      if (admin) return { clientId: admin.id, generatedSecret: undefined };
      const clientId = newStandardId();
      const secret = newSecret();
      await applications.insertApplication({
        id: clientId,
        name: 'idhooks admin',
        description: 'Management API access for operators, created on first start.',
        type: 'MachineToMachine',
        secretHash: await hashPassword(secret),
        oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
        isAdmin: true,
        createdAt: clock.now(),
      });
      return { clientId, generatedSecret: secret };
    },

    /**
     * Checks a client id and secret and returns the application, or undefined. The same work is done
     * whether or not the client exists, so timing does not reveal which client ids are real.
     */
    async authenticateClient(clientId: string, clientSecret: string): Promise<ApplicationRecord | undefined> {
      const app = await applications.findApplicationById(clientId);
      const isM2m = app?.type === 'MachineToMachine' && !!app.secretHash;
      const hash = isM2m && app.secretHash ? app.secretHash : await dummyPasswordHash();
      const isValid = await verifyPassword(hash, clientSecret);
      return isValid && isM2m ? app : undefined;
    },

    async issueToken(request: TokenRequest): Promise<TokenResponse> {
      if (!request.grantType) {
        throw new AppError('oidc.invalid_request', { params: { description: 'grant_type is required.' } });
      }
      if (request.grantType !== 'client_credentials') {
        throw new AppError('oidc.unsupported_grant_type', { params: { grantType: request.grantType } });
      }
      if (!request.clientId || !request.clientSecret) {
        throw new AppError('oidc.invalid_client', {
          message:
            'Client authentication failed: send client_id and client_secret (in the body or HTTP Basic).',
        });
      }
      const client = await this.authenticateClient(request.clientId, request.clientSecret);
      if (!client) throw new AppError('oidc.invalid_client');
      if (!request.resource) {
        throw new AppError('oidc.invalid_target', {
          message: `resource is required; use ${config.managementApiResource}.`,
        });
      }
      if (!audiences.includes(request.resource)) {
        throw new AppError('oidc.invalid_target', {
          params: { resource: request.resource, accepted: audiences.join(', ') },
        });
      }
      // A missing or blank scope means the default, `all`, as for Logto's Management API.
      const scopes = (request.scope ?? '').split(/\s+/).filter(Boolean);
      if (scopes.some((s) => s !== MANAGEMENT_API_SCOPE)) {
        throw new AppError('oidc.invalid_scope', { params: { scope: request.scope ?? '' } });
      }
      if (!canUseManagementApi(client)) {
        throw new AppError('oidc.invalid_scope', {
          message: `Application ${client.id} has no access to the Management API; use the admin application's credentials.`,
        });
      }
      const issuedAt = Math.floor(clock.now() / 1000);
      const token = await new SignJWT({ client_id: request.clientId, scope: MANAGEMENT_API_SCOPE })
        .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuer)
        .setSubject(request.clientId)
        .setAudience(request.resource)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + config.accessTokenTtlSeconds)
        .setJti(newStandardId())
        .sign(key());
      return {
        access_token: token,
        token_type: 'Bearer',
        expires_in: config.accessTokenTtlSeconds,
        scope: MANAGEMENT_API_SCOPE,
      };
    },

    /** Verifies a bearer token for the Management API; any failure is a 401. */
    async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
      const cached = verified.get(token);
      if (cached && cached.expiresAt > clock.now()) return cached.claims;
      try {
        const { payload } = await jwtVerify(token, key(), {
          algorithms: ['HS256'],
          issuer,
          audience: audiences,
          typ: ACCESS_TOKEN_TYPE,
          // jose checks `exp` only when present: a token without one must not be valid forever.
          requiredClaims: ['exp', 'iat', 'sub'],
          currentDate: new Date(clock.now()),
        });
        const scope = typeof payload.scope === 'string' ? payload.scope : '';
        if (!scope.split(' ').includes(MANAGEMENT_API_SCOPE) || typeof payload.sub !== 'string') {
          throw new AppError('auth.unauthorized');
        }
        const claims = { clientId: payload.sub, scope };
        rememberVerified(token, claims, (payload.exp ?? 0) * 1000);
        return claims;
      } catch (error) {
        if (error instanceof AppError) throw error;
        const reason = error instanceof joseErrors.JWTExpired ? 'The access token has expired.' : undefined;
        throw new AppError('auth.unauthorized', { ...(reason ? { message: reason } : {}), cause: error });
      }
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
