import type { ClientEnv } from '../config/index.js';
import { UsageError } from './args.js';

/** Thrown when the server answers with an error; carries Logto's `{ code, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Connection {
  /** Base URL of the idhooks server, without a trailing slash. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The Management API resource indicator to ask a token for. */
  readonly resource: string;
}

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  resource: { type: 'string' },
} as const;

export const CONNECTION_HELP = `Connection (flags override the environment):
  --url <url>              the idhooks server (IDHOOKS_URL; default http://127.0.0.1:3001)
  --client-id <id>         admin machine-to-machine app (IDHOOKS_ADMIN_CLIENT_ID)
  --client-secret <secret> its secret (IDHOOKS_ADMIN_CLIENT_SECRET)
  --resource <indicator>   Management API resource (default <url>/api)`;

/** Reads the connection from flags, then the environment; a missing or bad one is a usage error. */
export function connectionOf(
  flags: { string(name: string): string | undefined },
  env: ClientEnv,
  usage: string,
): Connection {
  const raw = flags.string('url') ?? env.url ?? 'http://127.0.0.1:3001';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL; got "${raw}".`, usage);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new UsageError(`--url must be an http:// or https:// URL without query; got "${raw}".`, usage);
  }
  const base = url.toString().replace(/\/+$/, '');
  const clientId = flags.string('client-id') ?? env.clientId;
  const clientSecret = flags.string('client-secret') ?? env.clientSecret;
  if (!clientId || !clientSecret) {
    throw new UsageError(
      'Admin credentials are missing: pass --client-id and --client-secret, or set IDHOOKS_ADMIN_CLIENT_ID and IDHOOKS_ADMIN_CLIENT_SECRET.',
      usage,
    );
  }
  const resource = flags.string('resource') ?? `${base}/api`;
  return { url: base, clientId, clientSecret, resource };
}

const REQUEST_TIMEOUT_MS = 30_000;

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as {
      code?: string;
      message?: string;
      error?: string;
      error_description?: string;
      data?: unknown;
    };
    return new ApiError(
      response.status,
      body.code ?? body.error ?? 'http_error',
      body.message ?? body.error_description ?? text,
      body.data,
    );
  } catch {
    return new ApiError(response.status, 'http_error', `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

/**
 * The Management API over fetch, with a client-credentials token fetched on first use and again
 * when it expires or the server answers 401 (a restarted server may have new keys).
 */
export function createApiClient(connection: Connection) {
  let token: { value: string; expiresAt: number } | undefined;

  async function fetchToken(): Promise<string> {
    // Credentials in the form body (client_secret_post): no Basic-header encoding rules to get wrong.
    const response = await fetch(`${connection.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: connection.clientId,
        client_secret: connection.clientSecret,
        resource: connection.resource,
        scope: 'all',
      }).toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw await errorOf(response);
    const body = (await response.json()) as { access_token: string; expires_in?: number };
    // Renew a minute early so a long `listen` never sends an expired token.
    token = { value: body.access_token, expiresAt: Date.now() + ((body.expires_in ?? 3600) - 60) * 1000 };
    return body.access_token;
  }

  const bearer = async () => (token && token.expiresAt > Date.now() ? token.value : fetchToken());

  /** A request with the bearer token; retried once with a fresh token after a 401. */
  async function request(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ) {
    const send = async (value: string) =>
      fetch(`${connection.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${value}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    let response = await send(await bearer());
    if (response.status === 401) {
      await response.body?.cancel();
      token = undefined;
      response = await send(await fetchToken());
    }
    return response;
  }

  return {
    request,
    /** A JSON request; throws {@link ApiError} on a non-2xx answer. */
    async json<T>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ body: T; headers: Headers; status: number }> {
      const response = await request(method, path, { body });
      if (!response.ok) throw await errorOf(response);
      const text = await response.text();
      return {
        body: (text ? JSON.parse(text) : undefined) as T,
        headers: response.headers,
        status: response.status,
      };
    },
    errorOf,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
