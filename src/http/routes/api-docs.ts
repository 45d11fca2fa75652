/**
 * `/api/docs`: the API reference, rendered in the browser by Swagger UI from the `swagger-ui-dist`
 * npm package, served by idhooks itself. Nothing is loaded from the internet: the page's CSP allows
 * only this origin, and the online spec validator badge Swagger UI shows by default is turned off.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI sets style attributes on its elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // The document, and "Try it out" / "Authorize" (the token URL is this server's /oidc/token).
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>idhooks API reference</title>
    <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>
`;

// A file, not an inline script, so the CSP needs no 'unsafe-inline' for scripts.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/swagger.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** Reads the bundle once, on first request: 1.7 MB nobody should pay for at start-up. */
function lazyAsset(file: string): () => string {
  let text: string | undefined;
  return () => {
    if (text === undefined) {
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
      text = readFileSync(join(dir, file), 'utf8');
    }
    return text;
  };
}

const ASSETS: Readonly<Record<string, { type: string; read: () => string }>> = {
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', read: lazyAsset('swagger-ui-bundle.js') },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', read: lazyAsset('swagger-ui.css') },
  'init.js': { type: 'text/javascript; charset=utf-8', read: () => INIT },
};

export function apiDocsRoutes() {
  const router = new Hono<AppEnv>();
  router.get('/docs', (c) => {
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    return c.html(PAGE);
  });
  router.get('/docs/:file', (c) => {
    const asset = ASSETS[c.req.param('file')];
    if (!asset) return c.notFound();
    c.header('content-type', asset.type);
    c.header('cache-control', 'public, max-age=3600');
    c.header('x-content-type-options', 'nosniff');
    return c.body(asset.read());
  });
  return router;
}
