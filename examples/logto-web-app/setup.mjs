// Creates what the example app needs in a running idhooks: a Traditional application, an API
// resource with a `read:items` scope granted by a role, and a webhook to the example's /webhooks.
// Prints the settings as KEY=value lines for `node --env-file`.
const endpoint = process.env.IDHOOKS_ENDPOINT ?? 'http://localhost:3001';
const { ADMIN_ID, ADMIN_SECRET } = process.env;
if (!ADMIN_ID || !ADMIN_SECRET) {
  console.error('Set ADMIN_ID and ADMIN_SECRET to the admin credentials idhooks printed on first start.');
  process.exit(2);
}
const appUrl = `http://127.0.0.1:${process.env.APP_PORT ?? 3002}`;
const indicator = 'https://items.example.local';

const tokenResponse = await fetch(`${endpoint}/oidc/token`, {
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')}`,
  },
  body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${endpoint}/api`, scope: 'all' }),
});
const { access_token: token } = await tokenResponse.json();
const api = async (method, path, body) => {
  const response = await fetch(`${endpoint}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

const app = await api('POST', '/applications', {
  name: 'Example web app',
  type: 'Traditional',
  oidcClientMetadata: { redirectUris: [`${appUrl}/callback`], postLogoutRedirectUris: [`${appUrl}/`] },
});
const resource = await api('POST', '/resources', { name: 'Items API', indicator });
const scope = await api('POST', `/resources/${resource.id}/scopes`, { name: 'read:items' });
const role = await api('POST', '/roles', {
  name: 'item-reader',
  description: 'Reads items',
  scopeIds: [scope.id],
});
const hook = await api('POST', '/hooks', {
  name: 'Example web app',
  events: ['PostRegister', 'PostSignIn', 'PostSignOut', 'User.Created'],
  config: { url: `${appUrl}/webhooks` },
});
console.log(`IDHOOKS_ENDPOINT=${endpoint}`);
console.log(`APP_ID=${app.id}`);
console.log(`APP_SECRET=${app.secret}`);
console.log(`RESOURCE=${indicator}`);
console.log(`ROLE_ID=${role.id}`);
console.log(`HOOK_ID=${hook.id}`);
// The app assigns ROLE_ID to new users from its PostRegister webhook, with the admin credentials.
console.log(`ADMIN_ID=${ADMIN_ID}`);
console.log(`ADMIN_SECRET=${ADMIN_SECRET}`);
if (process.env.APP_PORT) console.log(`APP_PORT=${process.env.APP_PORT}`);
