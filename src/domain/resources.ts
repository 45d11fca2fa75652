import { z } from 'zod';

/** An API resource (Logto's `Resource`), in Logto's key order. */
export interface Resource {
  tenantId: string;
  id: string;
  name: string;
  indicator: string;
  isDefault: boolean;
  accessTokenTtl: number;
}

/** A permission of an API resource (Logto's `Scope`), in Logto's key order; webhook `data` of `Scope.*`. */
export interface Scope {
  tenantId: string;
  id: string;
  resourceId: string;
  name: string;
  description: string | null;
  createdAt: number;
}

/** A scope with its resource, as `GET /roles/:id/scopes` lists them. */
export type ScopeWithResource = Scope & { resource: Resource };

/** Builds a `Resource` with Logto's key order from any record that has the fields. */
export const toResource = (r: Resource): Resource => ({
  tenantId: r.tenantId,
  id: r.id,
  name: r.name,
  indicator: r.indicator,
  isDefault: r.isDefault,
  accessTokenTtl: r.accessTokenTtl,
});

/** Logto's default access token lifetime for an API resource, in seconds. */
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

/**
 * A resource indicator (RFC 8707 §2): an absolute URI without a fragment. It becomes the `aud` of
 * access tokens, so two resources can never share one (the database enforces that too).
 */
export const resourceIndicatorSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine(
    (value) => URL.canParse(value) && !value.includes('#'),
    'must be an absolute URI without a fragment',
  );

/** Scope names appear space-separated in `scope` claims, so a space would split one scope into two. */
export const hasSpace = (name: string) => /\s/.test(name);
