/**
 * One error type and one code table for the whole service. Codes follow Logto's dotted style so that
 * Logto clients (and `@logto/api`) read our errors unchanged; docs/errors.md lists every code and a
 * test keeps that list complete.
 */

interface ErrorSpec {
  readonly status: number;
  /** Message template; `{{name}}` placeholders are filled from `params`. */
  readonly message: string;
}

export const ERROR_CODES = {
  'guard.invalid_input': { status: 400, message: 'The request input is invalid.' },
  'guard.invalid_pagination': { status: 400, message: 'The pagination value of the request is invalid.' },
  'request.invalid_json': { status: 400, message: 'The request body is not valid JSON.' },
  'request.body_too_large': { status: 413, message: 'The request body is larger than {{limit}} bytes.' },
  'request.unsupported_media_type': {
    status: 415,
    message: 'The request body must be sent as {{expected}}.',
  },
  'request.not_found': { status: 404, message: 'No route matches {{method}} {{path}}.' },
  'request.internal_error': {
    status: 500,
    message: 'An internal error occurred. The request id identifies it in the server log.',
  },
  'auth.authorization_header_missing': { status: 401, message: 'Authorization header is missing.' },
  'auth.authorization_token_type_not_supported': {
    status: 401,
    message: 'Authorization type is not supported. Send "Authorization: Bearer <access token>".',
  },
  'auth.unauthorized': { status: 401, message: 'Unauthorized. Please check credentials and its scope.' },
  'oidc.invalid_request': { status: 400, message: '{{description}}' },
  'oidc.unsupported_grant_type': {
    status: 400,
    message: 'Unsupported grant_type "{{grantType}}"; use client_credentials.',
  },
  'oidc.invalid_client': { status: 401, message: 'Client authentication failed.' },
  'oidc.invalid_target': {
    status: 400,
    message: 'The resource indicator "{{resource}}" is not served by this server.',
  },
  'oidc.invalid_scope': { status: 400, message: 'Requested scope "{{scope}}" is not allowed; use "all".' },
  'entity.not_exists_with_id': { status: 404, message: 'The {{name}} with ID `{{id}}` does not exist.' },
  'entity.not_exists': { status: 404, message: 'The {{name}} does not exist.' },
  'entity.not_found': { status: 404, message: 'The entity does not exist.' },
  'user.username_already_in_use': { status: 422, message: 'This username is already in use.' },
  'user.email_already_in_use': { status: 422, message: 'This email is associated with an existing account.' },
  'user.phone_already_in_use': {
    status: 422,
    message: 'This phone number is associated with an existing account.',
  },
  'hook.missing_events': { status: 400, message: 'You need to provide at least one event.' },
  'hook.event_not_available': { status: 400, message: '{{reason}}' },
  'hook.invalid_headers': { status: 400, message: 'The custom headers are invalid: {{problems}}.' },
  'hook.endpoint_responded_with_error': { status: 422, message: 'Endpoint responded with error.' },
  'hook.send_test_payload_failed': { status: 422, message: 'Failed to send test payload: {{message}}' },
  'log.invalid_time_window': { status: 400, message: 'The start time must not be later than the end time.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** Values for the message template. */
  params?: Record<string, string | number>;
  /** Structured details returned to the client as `data`. */
  data?: unknown;
  /** Overrides the template entirely. */
  message?: string;
  cause?: unknown;
}

const fill = (template: string, params: Record<string, string | number> = {}) =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(params[key] ?? ''));

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: unknown;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? fill(ERROR_CODES[code].message, options.params), { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.data = options.data;
  }

  /** The Logto-shaped response body: `{ code, message, data? }`. */
  toBody(): { code: ErrorCode; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Throws an `AppError` unless `condition` holds; narrows the type like `assert`. */
export function assertThat(
  condition: unknown,
  code: ErrorCode,
  options?: AppErrorOptions,
): asserts condition {
  if (!condition) throw new AppError(code, options);
}

/** 404 for an entity looked up by id, with Logto's code and message. */
export const notFoundById = (name: string, id: string) =>
  new AppError('entity.not_exists_with_id', { params: { name, id }, data: { name, id } });
