import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcAdapter } from '../../services/oidc-adapter.js';
import { SCOPE_CLAIMS, type OidcAccountsService } from '../../services/oidc-accounts.js';
import { MANAGEMENT_API_SCOPE } from '../../services/auth.js';
import { SIGNING_ALG } from '../../services/oidc-keys.js';
import type { TokenClaims } from '../../services/token-claims.js';
import { AppError } from '../../shared/errors.js';
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
  /** Public base URL: the hosted sign-in page lives there. */
  readonly endpoint: string;
  readonly ttl: { readonly sessionSeconds: number; readonly interactionSeconds: number };
  readonly accounts: OidcAccountsService;
  /** `PreTokenIssue`: blocking hooks' claims for a user's API access token (docs/blocking-hooks.md). */
  readonly tokenClaims?: TokenClaims;
}

interface IssuedToken {
  readonly kind: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly resourceServer?: { identifier(): string };
}

/**
 * The provider's `extraTokenClaims` seam: called as it builds an access token, before anything is
 * saved, and only user tokens for an API resource ask the hooks. A deny or a closed-policy failure
 * becomes the token endpoint's OAuth error; the client sees the receiver's message.
 */
async function extraTokenClaims(ctx: KoaContextWithOIDC, token: IssuedToken, deps: OidcProviderDeps) {
  if (!deps.tokenClaims || token.kind !== 'AccessToken' || !token.accountId || !token.resourceServer) {
    return undefined;
  }
  const resource = token.resourceServer.identifier();
  if (deps.managementApiResources.includes(resource)) return undefined;
  try {
    return await deps.tokenClaims({
      userId: token.accountId,
      clientId: token.clientId,
      grantType: String(ctx.oidc.params?.grant_type ?? ''),
      resource,
      scopes: (token.scope ?? '').split(' ').filter(Boolean),
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'hook.denied') throw new errors.AccessDenied(error.message);
    const unavailable = new errors.TemporarilyUnavailable(error.message);
    unavailable.status = 503;
    unavailable.statusCode = 503;
    throw unavailable;
  }
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

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The error page of requests that cannot go back to the application (unknown client, unregistered
 * redirect_uri): never a redirect, every value escaped.
 */
function renderError(ctx: KoaContextWithOIDC, out: Record<string, unknown>) {
  ctx.type = 'html';
  ctx.body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error · idhooks</title></head>' +
    `<body><h1>This sign-in cannot continue</h1><p><code>${escapeHtml(out.error)}</code>: ` +
    `${escapeHtml(out.error_description)}</p><p>Go back to the application and try again.</p></body></html>`;
}

/** The provider's configuration: our seams (adapter, keys, clients, resources) and Logto's routes. */
export function providerConfiguration(deps: OidcProviderDeps): Configuration {
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: deps.jwks as Configuration['jwks'],
    // `short.path = /`: the interaction cookie must reach the Experience API as well as the page
    // (Logto's `_interaction` is on `/` too); the resume cookie keeps its narrow path.
    cookies: { keys: deps.cookieKeys, short: { path: '/' } },
    interactions: {
      // Sign-in on the hosted page; consent (first-party apps only) answered at once by /consent.
      url: (_ctx, interaction) =>
        `${deps.endpoint}/${interaction.prompt.name === 'consent' ? 'consent' : 'sign-in'}?app_id=${encodeURIComponent(String(interaction.params.client_id))}`,
    },
    renderError: (ctx, out) => renderError(ctx, out as unknown as Record<string, unknown>),
    extraTokenClaims: (ctx, token) => extraTokenClaims(ctx, token as unknown as IssuedToken, deps),
    findAccount: async (_ctx, sub) => {
      const claims = await deps.accounts.findAccountClaims(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, names]) => [scope, [...names]])),
    scopes: ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    // Logto puts the claims of the granted scopes in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    // PKCE (S256 only) is required for public clients (SPA, Native), optional for Traditional apps.
    pkce: { methods: ['S256'], required: (_ctx, client) => client.tokenEndpointAuthMethod === 'none' },
    // Refresh tokens rotate on every use; presenting a used one revokes its whole grant.
    rotateRefreshToken: true,
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => URL.canParse(uri) && new URL(uri).origin === origin) ?? false,
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
      rpInitiatedLogout: {
        enabled: true,
        // Signs out at once, as Logto's SDKs expect: the confirmation form posts itself (a button
        // remains for browsers without scripts).
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body =
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signing out · idhooks</title></head>' +
            `<body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')}<p>Signing you out…</p><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>` +
            '<script>document.getElementById("op.logoutForm").requestSubmit()</script></body></html>';
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx) => {
          if (isClientCredentials(ctx)) {
            throw new errors.InvalidTarget(
              `resource is required; use one of: ${deps.managementApiResources.join(', ')}.`,
            );
          }
          return undefined as unknown as string;
        },
        // Without a `resource` parameter the token is for userinfo (opaque), as Logto's SDKs expect.
        useGrantedResource: () => false,
        getResourceServerInfo: async (ctx, indicator, client) => {
          // The Management API is for machine-to-machine access only, never in a user's token.
          if (deps.managementApiResources.includes(indicator) && isClientCredentials(ctx)) {
            return managementApiServer(ctx, client.clientId, deps);
          }
          const server = await deps.accounts.findResourceServer(indicator);
          if (server && !isClientCredentials(ctx)) {
            return {
              scope: server.scopes.join(' '),
              accessTokenTTL: server.accessTokenTtl,
              accessTokenFormat: 'jwt' as const,
              jwt: { sign: { alg: SIGNING_ALG as 'ES384' } },
            };
          }
          // Name what would have been accepted, so a first run with the wrong host can correct itself.
          throw new errors.InvalidTarget(
            isClientCredentials(ctx)
              ? `The resource indicator "${indicator}" is not served by this server; use one of: ${deps.managementApiResources.join(', ')}.`
              : `The resource indicator "${indicator}" is not served by this server; register it with POST /api/resources.`,
          );
        },
      },
    },
    ttl: {
      AccessToken: deps.accessTokenTtlSeconds,
      ClientCredentials: deps.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: deps.ttl.interactionSeconds,
      Session: deps.ttl.sessionSeconds,
      Grant: deps.ttl.sessionSeconds,
      RefreshToken: deps.ttl.sessionSeconds,
    },
  };
}

/** What a request through the bridge learns from the provider's listeners (see routes.ts). */
export interface ProviderRequestContext {
  signOut?: { accountId: string; clientId: string | undefined; sessionId: string };
}

/** One provider for the process; its Koa app serves everything under `/oidc`. */
export function createOidcProvider(deps: OidcProviderDeps): Provider {
  const provider = new Provider(deps.issuer, providerConfiguration(deps));
  // The session is gone by now; routes.ts turns this into PostSignOut once the answer is ready.
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const context = (ctx.req as { idhooks?: ProviderRequestContext }).idhooks;
    const session = ctx.oidc.session;
    if (context && session?.accountId) {
      context.signOut = {
        accountId: session.accountId,
        clientId: ctx.oidc.client?.clientId,
        sessionId: session.uid,
      };
    }
  });
  // Requests reach the provider through our bridge, which sets the forwarded headers itself from
  // the configured endpoint and the client address we determined (see bridge.ts).
  provider.proxy = true;
  return provider;
}
