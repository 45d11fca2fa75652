import { z } from 'zod';

/** Logto's application types. `Protected` and `SAML` exist in Logto but nothing here serves them. */
export const APPLICATION_TYPES = ['Native', 'SPA', 'Traditional', 'MachineToMachine'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

/**
 * Types that can keep a secret and therefore get one on creation. Native and single-page apps are
 * public clients (RFC 6749 §2.1): a secret shipped inside them would not be secret. Only
 * MachineToMachine secrets are accepted at `/oidc/token` (client credentials).
 */
export const CONFIDENTIAL_APPLICATION_TYPES: readonly ApplicationType[] = ['Traditional', 'MachineToMachine'];

/** A redirect URI: any absolute URI, custom schemes included (native apps use `io.app://cb`). */
const uriSchema = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value), 'must be an absolute URI');

/** Logto's `oidcClientMetadata`; the two URI lists are always present. */
export const oidcClientMetadataSchema = z.strictObject({
  redirectUris: z.array(uriSchema),
  postLogoutRedirectUris: z.array(uriSchema),
  backchannelLogoutUri: z.url().optional(),
  backchannelLogoutSessionRequired: z.boolean().optional(),
  logoUri: z.string().optional(),
});
export type OidcClientMetadata = z.infer<typeof oidcClientMetadataSchema>;

/** Logto's `customClientMetadata`: token lifetimes and CORS, all optional. */
export const customClientMetadataSchema = z.strictObject({
  corsAllowedOrigins: z.array(z.string()).optional(),
  idTokenTtl: z.number().int().positive().optional(),
  refreshTokenTtl: z.number().int().positive().optional(),
  refreshTokenTtlInDays: z.number().int().min(1).max(180).optional(),
  tenantId: z.string().optional(),
  alwaysIssueRefreshToken: z.boolean().optional(),
  rotateRefreshToken: z.boolean().optional(),
  allowTokenExchange: z.boolean().optional(),
  isDeviceFlow: z.boolean().optional(),
  maxAllowedGrants: z.number().int().positive().optional(),
});
export type CustomClientMetadata = z.infer<typeof customClientMetadataSchema>;

export interface Application {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly type: ApplicationType;
  readonly oidcClientMetadata: OidcClientMetadata;
  readonly customClientMetadata: CustomClientMetadata;
  readonly customData: Record<string, unknown>;
  readonly isThirdParty: boolean;
  readonly createdAt: number;
}

/**
 * The Management API's application, in Logto's key order. `protectedAppMetadata` is always `null`
 * (Protected apps are a Logto Cloud feature) and app-level access control does not exist here.
 */
export const toApplicationResponse = (app: Application) => ({
  tenantId: app.tenantId,
  id: app.id,
  name: app.name,
  description: app.description,
  type: app.type,
  oidcClientMetadata: app.oidcClientMetadata,
  customClientMetadata: app.customClientMetadata,
  protectedAppMetadata: null,
  customData: app.customData,
  isThirdParty: app.isThirdParty,
  appLevelAccessControlEnabled: false,
  createdAt: app.createdAt,
});
export type ApplicationResponse = ReturnType<typeof toApplicationResponse>;

/** The `application` object of webhook payloads (docs/events.md#payloads): four fields, never secrets. */
export const applicationSummary = (app: Application) => ({
  id: app.id,
  type: app.type,
  name: app.name,
  description: app.description,
});

/** Schemes that run code or carry data where a browser is sent: never a redirect target. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * Why `uri` cannot be a redirect URI of an application of this type, or undefined when it can:
 * web applications use http(s) (http only makes sense for local development but is allowed, as in
 * Logto); native applications may also use a custom scheme (`io.example.app:/callback`). A fragment
 * is never allowed (RFC 6749 §3.1.2).
 */
export function redirectUriProblem(type: ApplicationType, uri: string): string | undefined {
  if (!URL.canParse(uri)) return `${uri} is not an absolute URI`;
  const url = new URL(uri);
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `${url.protocol} URIs cannot be redirect URIs`;
  if (url.hash) return `${uri} must not contain a fragment`;
  const isHttp = url.protocol === 'http:' || url.protocol === 'https:';
  if (!isHttp && type !== 'Native')
    return `${uri} must be http(s); custom schemes are for Native applications`;
  return undefined;
}
