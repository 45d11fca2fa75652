import { createHmac, randomBytes } from 'node:crypto';
import type { ApplicationRecord, ApplicationsRepo } from '../storage/repos/applications.js';
import type { AdapterPayload } from './oidc-adapter.js';
import { SIGNING_ALG } from './oidc-keys.js';
import { CONSOLE_CLIENT_ID } from './auth.js';

/**
 * The secret the provider is told a confidential client has. Our applications' secrets are stored
 * as Argon2 hashes, and oidc-provider compares secrets in clear text, so the provider never sees
 * the real one: `/oidc` verifies the presented secret against the hash first (services/auth.ts
 * `authenticateClient`) and, only when it matches, hands the provider this stand-in instead. It is
 * derived from the hash with a key that exists only in this process's memory, so it is useless
 * outside the process and changes whenever the secret does.
 */
const STAND_IN_KEY = randomBytes(32);

export function providerClientSecret(app: Pick<ApplicationRecord, 'id' | 'secretHash'>): string {
  return createHmac('sha256', STAND_IN_KEY)
    .update(`${app.id}\u0000${app.secretHash ?? ''}`)
    .digest('base64url');
}

/**
 * Public clients (RFC 6749 §2.1): no secret, PKCE instead. The console's own application is one
 * too: it redeems its codes inside this process, so a secret would only be a second copy of
 * something the process already trusts; PKCE and its fixed redirect URI bind each code to the
 * browser that started the sign-in.
 */
export const isPublicClient = (app: Pick<ApplicationRecord, 'type' | 'id'>) =>
  app.type === 'SPA' || app.type === 'Native' || app.id === CONSOLE_CLIENT_ID;

/** The provider's client metadata for one of our applications (snake_case, as OIDC registers it). */
export function toClientMetadata(app: ApplicationRecord): AdapterPayload | undefined {
  const common = {
    client_id: app.id,
    client_name: app.name,
    id_token_signed_response_alg: SIGNING_ALG,
  };
  if (app.type === 'MachineToMachine') {
    if (!app.secretHash) return undefined;
    return {
      ...common,
      client_secret: providerClientSecret(app),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
  const interactive = {
    ...common,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: app.oidcClientMetadata.redirectUris,
    post_logout_redirect_uris: app.oidcClientMetadata.postLogoutRedirectUris,
  };
  if (isPublicClient(app)) {
    return {
      ...interactive,
      application_type: app.type === 'Native' ? 'native' : 'web',
      token_endpoint_auth_method: 'none',
    };
  }
  if (!app.secretHash) return undefined;
  return {
    ...interactive,
    application_type: 'web',
    client_secret: providerClientSecret(app),
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

/** Looks applications up as provider clients. */
export function createOidcClientsService({ applications }: { applications: ApplicationsRepo }) {
  return {
    async findClientMetadata(id: string): Promise<AdapterPayload | undefined> {
      if (id.length > 128 || id.includes('\u0000')) return undefined;
      const app = await applications.findApplicationById(id);
      return app && toClientMetadata(app);
    },
  };
}

export type OidcClientsService = ReturnType<typeof createOidcClientsService>;
