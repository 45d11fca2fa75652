// A small web app that signs users in through idhooks with Logto's Node SDK, shows the ID token
// claims, calls a protected API with a resource access token, and receives the webhooks.
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import LogtoClient from '@logto/node';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const { IDHOOKS_ENDPOINT: endpoint, APP_ID: appId, APP_SECRET: appSecret, RESOURCE: resource } = process.env;
const port = Number(process.env.APP_PORT ?? 3002);
const appUrl = `http://127.0.0.1:${port}`;
const sessions = new Map(); // session id → the SDK's storage (kept in memory: an example)
const received = []; // the last webhooks
const jwks = createRemoteJWKSet(new URL(`${endpoint}/oidc/jwks`));

/** One Logto client per request, with that browser's storage and a navigate that redirects. */
function logto(c) {
  let id = getCookie(c, 'example_session');
  if (!id || !sessions.has(id)) {
    id = randomBytes(16).toString('hex');
    sessions.set(id, new Map());
    setCookie(c, 'example_session', id, { httpOnly: true, sameSite: 'Lax', path: '/' });
  }
  const items = sessions.get(id);
  const state = { redirect: undefined };
  const client = new LogtoClient(
    { endpoint, appId, appSecret, resources: [resource], scopes: ['email', 'roles', 'read:items'] },
    {
      navigate: (url) => (state.redirect = url),
      storage: {
        getItem: async (key) => items.get(key) ?? null,
        setItem: async (key, value) => void items.set(key, value),
        removeItem: async (key) => void items.delete(key),
      },
    },
  );
  return { client, state };
}

const escape = (value) => String(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const page = (body) =>
  `<!DOCTYPE html><meta charset="utf-8"><title>idhooks example</title><body style="font-family:sans-serif">${body}</body>`;

const app = new Hono();
app.get('/', async (c) => {
  const { client } = logto(c);
  const hooks = `<h2>Webhooks received</h2><pre>${escape(received.map((r) => `${r.event} ${r.userId ?? ''}`).join('\n'))}</pre>`;
  if (!(await client.isAuthenticated())) return c.html(page(`<a href="/sign-in">Sign in</a>${hooks}`));
  const claims = await client.getIdTokenClaims();
  return c.html(
    page(
      `<p><a href="/items">Call the Items API</a> · <a href="/sign-out">Sign out</a></p>` +
        `<h2>ID token claims</h2><pre>${escape(JSON.stringify(claims, null, 2))}</pre>${hooks}`,
    ),
  );
});
app.get('/sign-in', async (c) => {
  const { client, state } = logto(c);
  await client.signIn(`${appUrl}/callback`);
  return c.redirect(state.redirect);
});
app.get('/callback', async (c) => {
  const { client } = logto(c);
  await client.handleSignInCallback(c.req.url.replace(/^http:\/\/[^/]+/, appUrl));
  return c.redirect('/');
});
app.get('/sign-out', async (c) => {
  const { client, state } = logto(c);
  await client.signOut(`${appUrl}/`);
  return c.redirect(state.redirect);
});
// The "protected API": it accepts only an idhooks access token for its resource with read:items.
app.get('/api/items', async (c) => {
  const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer: `${endpoint}/oidc`, audience: resource });
    if (!String(payload.scope).split(' ').includes('read:items'))
      return c.json({ error: 'insufficient_scope' }, 403);
    return c.json({ items: ['apple', 'pear'], for: payload.sub });
  } catch {
    return c.json({ error: 'invalid_token' }, 401);
  }
});
app.get('/items', async (c) => {
  const { client } = logto(c);
  const token = await client.getAccessToken(resource);
  const response = await fetch(`${appUrl}/api/items`, { headers: { authorization: `Bearer ${token}` } });
  return c.html(
    page(`<pre>${escape(JSON.stringify(await response.json(), null, 2))}</pre><a href="/">Back</a>`),
  );
});
// Webhooks from idhooks (a real receiver should verify `logto-signature-sha-256` with the hook's key).
app.post('/webhooks', async (c) => {
  const event = await c.req.json();
  received.unshift(event);
  // Role assignment on sign-up, the kind of rule webhooks are for: new users may read items.
  if (event.event === 'PostRegister' && process.env.ROLE_ID) await assignReaderRole(event.userId);
  received.length = Math.min(received.length, 20);
  return c.body(null, 204);
});

async function assignReaderRole(userId) {
  const { ADMIN_ID, ADMIN_SECRET, ROLE_ID } = process.env;
  const tokenResponse = await fetch(`${endpoint}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: `${endpoint}/api`,
      scope: 'all',
    }),
  });
  const { access_token } = await tokenResponse.json();
  await fetch(`${endpoint}/api/users/${userId}/roles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ roleIds: [ROLE_ID] }),
  });
}

serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
console.log(`Example app on ${appUrl}`);
