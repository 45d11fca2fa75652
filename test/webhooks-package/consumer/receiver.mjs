// A receiver written against the installed @idhooks/webhooks tarball, as a user would: one server
// per integration (node:http, Express, Hono, the Next.js example). Run by pack.test.ts in a fresh
// project. Signing keys are read from keys.json on every request, so the test can rotate them.
// Prints one JSON line per request: { route, status, event, userId, code }.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { webhookMiddleware as expressWebhook } from '@idhooks/webhooks/express';
import { webhookMiddleware as honoWebhook } from '@idhooks/webhooks/hono';
import { createWebhookHandler } from '@idhooks/webhooks/node';
import { POST as nextRoute } from './next-route.mjs';
import { handle as readmeHandle } from './readme.mjs';

const keysFile = new URL('./keys.json', import.meta.url);
/** `?key=<name>&scheme=<scheme>&tolerance=<s>` picks the key and options of one request. */
const optionsOf = (url) => {
  const params = new URL(url, 'http://x').searchParams;
  const keys = JSON.parse(readFileSync(keysFile, 'utf8'));
  const key = keys[params.get('key') ?? ''];
  if (key === undefined) throw new Error(`no key named ${params.get('key')}`);
  const options = {};
  if (params.has('scheme')) options.scheme = params.get('scheme');
  if (params.has('tolerance')) options.toleranceSeconds = Number(params.get('tolerance'));
  return { key, options };
};

const log = (route, status, event, code) =>
  process.stdout.write(
    `${JSON.stringify({ route, status, event: event?.event, userId: event?.data?.id, code })}\n`,
  );

const listen = (listener) =>
  new Promise((resolve) => {
    const server = createServer(listener);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

/** The root README's "three lines", as written there (readme.mjs is made from them by the test). */
const readmeRoute = async (req, res) => {
  const { key } = optionsOf(req.url);
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    const event = readmeHandle(Buffer.concat(chunks), req, key);
    log('readme', 204, event, undefined);
    res.writeHead(204).end();
  } catch (error) {
    log('readme', 401, undefined, error.code);
    res.writeHead(401).end();
  }
};

const nodePort = await listen((req, res) => {
  if (req.url.startsWith('/readme')) return void readmeRoute(req, res);
  const { key, options } = optionsOf(req.url);
  let seen;
  const route = options.scheme === 'logto' ? 'logto' : 'node';
  res.on('finish', () => log(route, res.statusCode, seen, undefined));
  createWebhookHandler(key, (event) => void (seen = event), options)(req, res);
});

const app = express();
app.post(
  '/express',
  (req, res, next) => {
    const { key, options } = optionsOf(req.url);
    res.on('finish', () => log('express', res.statusCode, req.webhook, undefined));
    expressWebhook(key, options)(req, res, next);
  },
  (req, res) => {
    res.status(204).end();
  },
);
// Behind express.raw() the middleware verifies the Buffer it left; behind express.json() it
// cannot (the signed bytes are gone) and passes an error on instead of guessing.
for (const [path, parser] of [
  ['/express-raw', express.raw({ type: 'application/json' })],
  ['/express-json', express.json()],
]) {
  app.post(
    path,
    parser,
    (req, res, next) => expressWebhook(optionsOf(req.url).key)(req, res, next),
    (req, res) => {
      res.status(204).end();
    },
  );
}
app.use((error, req, res, next) => {
  void next;
  res.status(500).json({ code: 'handler_error', message: error.message });
});
const expressPort = await listen(app);

const hono = new Hono();
hono.post(
  '/hono',
  async (c, next) => {
    const { key, options } = optionsOf(c.req.url);
    const response = await honoWebhook(key, options)(c, next);
    if (response) log('hono', response.status, undefined, (await response.clone().json()).code);
    return response;
  },
  (c) => {
    const event = c.get('webhook');
    log('hono', 204, event, undefined);
    return c.body(null, 204);
  },
);
const honoPort = await listen(getRequestListener(hono.fetch));

const nextPort = await listen(
  getRequestListener(async (request) => {
    const { key } = optionsOf(request.url);
    process.env.IDHOOKS_SIGNING_KEY = key;
    const response = await nextRoute(request);
    let code;
    if (response.status >= 400) code = (await response.clone().json()).code;
    log('next', response.status, undefined, code);
    return response;
  }),
);

process.stdout.write(`${JSON.stringify({ ready: { nodePort, expressPort, honoPort, nextPort } })}\n`);
