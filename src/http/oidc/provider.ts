import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcAdapter } from '../../services/oidc-adapter.js';
import { MANAGEMENT_API_SCOPE } from '../../services/auth.js';
import { SIGNING_ALG } from '../../services/oidc-keys.js';
import type { JWK } from 'jose';

/** What the provider needs from the rest of idhooks; built in app.ts from the container. */
export interface OidcProviderDeps {
  /** `${endpoint}/oidc`. */
  readonly issuer: string;
  /** The Management API's indicators (`${endpoint}/api` and Logto OSS's fixed one). */
  readonly managementApiResources: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly jwks: { keys: JWK[] };
  /** Keys signing the provider's cookies; shared by every node. */
  readonly cookieKeys: string[];
  readonly adapter: (modelName: string) => OidcAdapter;
  /** Whether this client may get a Management API token (the admin application). */
  readonly canUseManagementApi: (clientId: string) => Promise<boolean>;
}

const isClientCredentials = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === 'client_credentials';

/**
 * The Management API as a resource server: scope `all` only, for the admin application, in an ES384
 * JWT (RFC 9068) that the API verifies without a database read.
 */
async function managementApiServer(ctx: KoaContextWithOIDC, clientId: string, deps: OidcProviderDeps) {
  const params = ctx.oidc.params as Record<string, string | undefined>;
  const requested = (params.scope ?? '').split(' ').filter(Boolean);
  if (isClientCredentials(ctx)) {
    if (requested.some((scope) => scope !== MANAGEMENT_API_SCOPE)) {
      throw new errors.InvalidScope(
        `Requested scope "${params.scope ?? ''}" is not allowed for the Management API; use "all".`,
        params.scope ?? '',
      );
    }
    if (!(await deps.canUseManagementApi(clientId))) {
      throw new errors.InvalidScope(
        `Application ${clientId} has no access to the Management API; use the admin application's credentials.`,
        MANAGEMENT_API_SCOPE,
      );
    }
    // A missing scope means `all`, as Logto's Management API reads it and as idhooks always did.
    if (requested.length === 0) params.scope = MANAGEMENT_API_SCOPE;
  }
  return {
    scope: MANAGEMENT_API_SCOPE,
    accessTokenTTL: deps.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: SIGNING_ALG as 'ES384' } },
  };
}

/** The provider's configuration: our seams (adapter, keys, clients, resources) and Logto's routes. */
export function providerConfiguration(deps: OidcProviderDeps): Configuration {
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: deps.jwks as Configuration['jwks'],
    cookies: { keys: deps.cookieKeys },
    routes: {
      authorization: '/auth',
      token: '/token',
      jwks: '/jwks',
      userinfo: '/me',
      end_session: '/session/end',
      revocation: '/token/revocation',
      introspection: '/token/introspection',
    },
    enabledJWA: {
      idTokenSigningAlgValues: [SIGNING_ALG],
      userinfoSigningAlgValues: [SIGNING_ALG],
      introspectionSigningAlgValues: [SIGNING_ALG],
      authorizationSigningAlgValues: [SIGNING_ALG],
      requestObjectSigningAlgValues: [SIGNING_ALG],
      clientAuthSigningAlgValues: [SIGNING_ALG],
    },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx) => {
          if (isClientCredentials(ctx)) {
            throw new errors.InvalidTarget(`resource is required; use ${deps.managementApiResources[0]}.`);
          }
          return undefined as unknown as string;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: async (ctx, indicator, client) => {
          if (deps.managementApiResources.includes(indicator)) {
            return managementApiServer(ctx, client.clientId, deps);
          }
          throw new errors.InvalidTarget(
            `The resource indicator "${indicator}" is not served by this server.`,
          );
        },
      },
    },
    ttl: {
      AccessToken: deps.accessTokenTtlSeconds,
      ClientCredentials: deps.accessTokenTtlSeconds,
    },
  };
}

/** One provider for the process; its Koa app serves everything under `/oidc`. */
export function createOidcProvider(deps: OidcProviderDeps): Provider {
  const provider = new Provider(deps.issuer, providerConfiguration(deps));
  // Requests reach the provider through our bridge, which sets the forwarded headers itself from
  // the configured endpoint and the client address we determined (see bridge.ts).
  provider.proxy = true;
  return provider;
}
