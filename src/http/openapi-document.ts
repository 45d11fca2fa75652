/**
 * The OpenAPI document served at `/api/swagger.json`: generated from the routes' zod schemas, then
 * completed here in one place with what the route declarations do not carry: the OAuth2
 * client-credentials scheme, an `operationId` for every operation, and the `webhooks` section
 * (one entry per catalog event, its payload schema from src/domain/event-schemas.ts).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { eventJsonSchemas } from '../domain/event-schemas.js';
import { eventTypes } from '../domain/events.js';
import {
  LOGTO_SIGNATURE_HEADER,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../domain/signing.js';

export const SECURITY_SCHEME = 'ManagementApi';

export interface OpenApiOptions {
  /** Public base URL (`IDHOOKS_ENDPOINT`): the server URL and the token URL's base. */
  readonly endpoint: string;
  /** idhooks' version (package.json), so clients know which document they read. */
  readonly version: string;
  /** True for /api paths that answer without a token (they get `security: []`). */
  readonly isPublicPath: (path: string) => boolean;
}

type Json = Record<string, unknown>;
type Operation = Json & { operationId?: string; security?: unknown[] };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const VERB: Readonly<Record<string, string>> = {
  post: 'create',
  put: 'replace',
  patch: 'update',
  delete: 'delete',
};

const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/**
 * A stable id from method and path for operations that do not name one: `GET /api/users` →
 * `listUsers`, `GET /api/users/{userId}` → `getUsersByUserId`, `PATCH /api/hooks/{id}/signing-key`
 * → `updateHooksByIdSigningKey`. Unique because (method, path) is.
 */
export function operationIdOf(method: string, path: string): string {
  const segments = path
    .replace(/^\/api\/?/, '')
    .split('/')
    .filter(Boolean);
  const endsWithParam = /^\{.+\}$/.test(segments.at(-1) ?? '');
  const verb =
    method === 'get' ? (endsWithParam || segments.length === 0 ? 'get' : 'list') : (VERB[method] ?? method);
  const words = segments.map((segment) => {
    const param = /^\{(.+)\}$/.exec(segment);
    return param ? `By${pascal(param[1]!)}` : pascal(segment);
  });
  return `${verb}${words.join('') || 'Root'}`;
}

const signatureHeaders = [
  [WEBHOOK_ID_HEADER, 'The delivery id, the same on every retry: de-duplicate on it.'],
  [WEBHOOK_TIMESTAMP_HEADER, 'Unix seconds of this attempt; refuse it when far from your clock.'],
  [
    WEBHOOK_SIGNATURE_HEADER,
    'Space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per signing key.',
  ],
  [LOGTO_SIGNATURE_HEADER, "Logto's signature: hex HMAC-SHA256 of the body."],
] as const;

/** The `webhooks` section and the payload schemas it points to. */
function webhooksSection(): { webhooks: Json; schemas: Json } {
  const jsonSchemas = eventJsonSchemas();
  const webhooks: Json = {};
  const schemas: Json = {};
  for (const event of eventTypes) {
    const schemaName = `${event}.Payload`;
    schemas[schemaName] = jsonSchemas[event];
    const description = jsonSchemas[event].description;
    webhooks[event] = {
      post: {
        operationId: `webhook${pascal(event)}`,
        summary: event,
        description: `${typeof description === 'string' ? `${description} ` : ''}Sent to every enabled hook subscribed to \`${event}\`.`,
        tags: ['Webhooks'],
        security: [],
        parameters: signatureHeaders.map(([name, text]) => ({
          name,
          in: 'header',
          required: name !== LOGTO_SIGNATURE_HEADER,
          description: text,
          schema: { type: 'string' },
        })),
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } },
        },
        responses: {
          '200': {
            description: 'Any 2xx acknowledges the delivery; anything else (or a timeout) is retried.',
          },
        },
      },
    };
  }
  return { webhooks, schemas };
}

/** Builds the complete document from the app's registered routes. */
export function buildOpenApiDocument(
  app: Pick<OpenAPIHono, 'getOpenAPI31Document'>,
  options: OpenApiOptions,
): Json {
  const { endpoint, version, isPublicPath } = options;
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'idhooks Management API',
      version,
      description:
        'Logto-compatible Management API with durable webhooks. Authenticate with a client-credentials access token from `/oidc/token` (resource `' +
        `${endpoint}/api` +
        '`, scope `all`). The `webhooks` section describes every event payload idhooks delivers.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: endpoint }],
    security: [{ [SECURITY_SCHEME]: ['all'] }],
  }) as unknown as Json & { paths?: Record<string, Record<string, Operation>>; components?: Json };

  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      operation.operationId ??= operationIdOf(method, path);
      if (isPublicPath(path)) operation.security = [];
    }
  }
  const { webhooks, schemas } = webhooksSection();
  const components = document.components ?? {};
  document.components = {
    ...components,
    schemas: { ...(components.schemas as Json | undefined), ...schemas },
    securitySchemes: {
      [SECURITY_SCHEME]: {
        type: 'oauth2',
        description:
          'Client credentials of a machine-to-machine application. Request the token with `resource` = the server URL + `/api` and `scope=all`.',
        flows: {
          clientCredentials: {
            tokenUrl: `${endpoint}/oidc/token`,
            scopes: { all: 'The whole Management API' },
          },
        },
      },
    },
  };
  document.webhooks = webhooks;
  return document;
}
