import type { MiddlewareHandler } from 'hono';
import { inject } from 'light-my-request';
import type Provider from 'oidc-provider';
import type { OidcInteractionRef } from '../../services/oidc-interactions.js';
import type { AppEnv } from '../context.js';

/** The provider's cookie naming the interaction (oidc-provider's default name, as in Logto). */
const INTERACTION_COOKIE = '_interaction';

/**
 * Reads the provider's interaction from the browser's signed `_interaction` cookie, the way Logto's
 * Experience API does: the uid is never taken from a URL or a body, so a link cannot bind someone
 * else's sign-in to an interaction an attacker started. Undefined when there is no valid cookie or
 * the interaction is over.
 */
export async function readOidcInteraction(
  provider: Provider,
  origin: URL,
  cookie: string,
): Promise<OidcInteractionRef | undefined> {
  let found: OidcInteractionRef | undefined;
  await inject(
    (req, res) => {
      provider.interactionDetails(req, res).then(
        (details) => {
          const clientId = details.params.client_id;
          if (typeof clientId === 'string') found = { uid: details.uid, clientId };
          res.end();
        },
        () => res.end(),
      );
    },
    {
      method: 'GET',
      url: '/',
      headers: { cookie, host: origin.host, 'x-forwarded-proto': origin.protocol.slice(0, -1) },
    },
  );
  return found;
}

/**
 * Puts the browser's provider interaction on the context (`oidcInteraction`) for the hosted pages
 * and the Experience API; requests without the cookie cost nothing.
 */
export function oidcInteractionContext(provider: Provider, endpoint: string): MiddlewareHandler<AppEnv> {
  const origin = new URL(endpoint);
  return async (c, next) => {
    const cookie = c.req.header('cookie');
    if (cookie?.includes(`${INTERACTION_COOKIE}=`)) {
      c.set('oidcInteraction', await readOidcInteraction(provider, origin, cookie));
    }
    await next();
  };
}
