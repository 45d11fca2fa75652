import { Hono } from 'hono';
import { inject } from 'light-my-request';
import type Provider from 'oidc-provider';
import type { OidcAccountsService } from '../../services/oidc-accounts.js';
import { clientIp, type AppEnv } from '../context.js';

export interface ConsentDeps {
  readonly provider: Provider;
  readonly endpoint: string;
  readonly accounts: OidcAccountsService;
  /** The Management API's indicators: never granted to end users. */
  readonly managementApiResources: readonly string[];
  /** Called when a new grant was created (the grant limit lives there). */
  readonly onGrantCreated?: (grant: {
    grantId: string;
    accountId: string;
    clientId: string;
    ip: string | undefined;
    userAgent: string | undefined;
  }) => Promise<void>;
  /** Honour `X-Forwarded-For` for the events' `ip`. */
  readonly trustProxy: boolean;
}

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * Logto's `/consent`: applications are first-party, so the provider's consent prompt is answered at
 * once, without a screen. The grant gets the OIDC scopes and claims asked for and, per resource,
 * only the scopes the user's roles grant on it; the browser goes back to `/oidc/auth/<uid>`.
 */
export function consentRoutes(deps: ConsentDeps) {
  const origin = new URL(deps.endpoint);
  return new Hono<AppEnv>().get('/consent', async (c) => {
    const requestOrigin = { ip: clientIp(c, deps), userAgent: c.req.header('user-agent') };
    const response = await inject(
      (req, res) => {
        void (async () => {
          try {
            const details = await deps.provider.interactionDetails(req, res);
            const accountId = details.session?.accountId;
            const clientId = String(details.params.client_id);
            if (details.prompt.name !== 'consent' || !accountId) throw new Error('no consent is pending');
            const existing = details.grantId ? await deps.provider.Grant.find(details.grantId) : undefined;
            const grant = existing ?? new deps.provider.Grant({ accountId, clientId });
            const missing = details.prompt.details as ConsentDetails;
            if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
            if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
            for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
              if (deps.managementApiResources.includes(indicator)) continue;
              const allowed = new Set(await deps.accounts.grantedResourceScopes(accountId, indicator));
              grant.addResourceScope(indicator, scopes.filter((scope) => allowed.has(scope)).join(' '));
              // Recorded as refused, so the provider does not ask again (and never issues them).
              grant.rejectResourceScope(indicator, scopes.filter((scope) => !allowed.has(scope)).join(' '));
            }
            const grantId = await grant.save();
            if (!existing) await deps.onGrantCreated?.({ grantId, accountId, clientId, ...requestOrigin });
            await deps.provider.interactionFinished(
              req,
              res,
              { consent: { grantId } },
              { mergeWithLastSubmission: true },
            );
          } catch {
            res.statusCode = 400;
            res.setHeader('content-type', 'text/plain; charset=utf-8');
            res.end(
              'This sign-in has expired or is not waiting for consent. Start again from the application.',
            );
          }
        })();
      },
      {
        method: 'GET',
        url: '/consent',
        headers: {
          cookie: c.req.header('cookie') ?? '',
          host: origin.host,
          'x-forwarded-proto': origin.protocol.slice(0, -1),
        },
      },
    );
    const location = response.headers.location;
    if (response.statusCode === 303 && typeof location === 'string') return c.redirect(location, 303);
    return c.text(response.payload, 400);
  });
}
