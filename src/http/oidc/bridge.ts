import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';

/** The provider's Node request listener (its Koa callback). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface BridgedRequest {
  readonly method: string;
  /** Path and query as the client sent them, starting with the mount path (`/oidc/...`). */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  /** Where the provider builds absolute URLs (the configured endpoint, not the Host header). */
  readonly origin: URL;
  readonly clientIp: string | undefined;
  /** Attached to the Node request as `idhooks`, for provider listeners to report back through. */
  readonly context?: object;
}

export interface BridgedResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/**
 * Runs the provider's Koa app on one request and collects its answer. The provider gets a Node
 * request/response pair built in memory (light-my-request, fastify's injector) rather than the
 * socket's own objects: Hono has already read the body (size limit, NUL guard, our client
 * authentication rewrites it), every request goes through the same path whether it came from a
 * socket or from `app.request()` in tests, and our middleware (request id, errors) wraps the
 * answer as for any route. Provider answers are small JSON, HTML or redirects, so buffering costs
 * nothing that streaming would save.
 */
export async function runNodeListener(
  listener: NodeListener,
  mountPath: string,
  request: BridgedRequest,
): Promise<BridgedResponse> {
  const headers: Record<string, string> = { ...request.headers };
  // The provider trusts these (provider.proxy = true) because they come from us, never the client.
  for (const name of Object.keys(headers)) if (name.startsWith('x-forwarded-')) delete headers[name];
  // The body may have been rewritten (client authentication); the injector sets the real length.
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  headers['x-forwarded-proto'] = request.origin.protocol.slice(0, -1);
  headers['x-forwarded-host'] = request.origin.host;
  if (request.clientIp) headers['x-forwarded-for'] = request.clientIp;
  headers.host = request.origin.host;

  const response = await inject(
    (req, res) => {
      // Mounted like express's `app.use('/oidc', …)`: the provider derives its mount path from the
      // difference between originalUrl and url.
      const incoming = req as IncomingMessage & { originalUrl?: string };
      incoming.originalUrl = incoming.url;
      incoming.url = (incoming.url ?? '/').slice(mountPath.length) || '/';
      if (request.context) Object.assign(incoming, { idhooks: request.context });
      listener(incoming, res);
    },
    {
      method: request.method as 'GET',
      url: request.url,
      headers,
      ...(request.body && request.body.length > 0 ? { payload: request.body } : {}),
      remoteAddress: request.clientIp ?? '127.0.0.1',
    },
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    out[name] = Array.isArray(value) ? value : String(value);
  }
  return { status: response.statusCode, headers: out, body: response.rawPayload };
}
