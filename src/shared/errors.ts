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
  // OAuth errors of the OpenID Provider (`/oidc`): the body also carries OAuth's `error` and
  // `error_description`; the message is the provider's description.
  'oidc.invalid_request': { status: 400, message: '{{description}}' },
  'oidc.unsupported_grant_type': { status: 400, message: 'The grant_type is not supported.' },
  'oidc.invalid_client': { status: 401, message: 'Client authentication failed.' },
  'oidc.invalid_target': { status: 400, message: 'The resource indicator is not served by this server.' },
  'oidc.invalid_scope': { status: 400, message: 'The requested scope is not allowed.' },
  'oidc.invalid_grant': { status: 400, message: 'The grant (code or refresh token) is invalid or expired.' },
  'oidc.unauthorized_client': { status: 400, message: 'The client may not use this grant type.' },
  'oidc.invalid_token': { status: 401, message: 'The access token is invalid or expired.' },
  'oidc.invalid_redirect_uri': {
    status: 400,
    message: 'The redirect_uri is not registered for this client.',
  },
  'oidc.unsupported_response_type': { status: 400, message: 'The response_type is not supported.' },
  'oidc.access_denied': { status: 400, message: 'The request was denied.' },
  'oidc.login_required': { status: 400, message: 'The end user must sign in.' },
  'oidc.consent_required': { status: 400, message: 'The end user must consent.' },
  'oidc.interaction_required': { status: 400, message: 'The end user must interact.' },
  'oidc.temporarily_unavailable': {
    status: 503,
    message: 'The request cannot be served now; try again later.',
  },
  'oidc.session_not_found': { status: 400, message: 'The interaction or session was not found.' },
  'oidc.server_error': {
    status: 500,
    message: 'The provider failed; the request id identifies it in the log.',
  },
  'entity.not_exists_with_id': { status: 404, message: 'The {{name}} with ID `{{id}}` does not exist.' },
  'entity.not_exists': { status: 404, message: 'The {{name}} does not exist.' },
  'entity.not_found': { status: 404, message: 'The entity does not exist.' },
  'entity.relation_foreign_key_not_found': {
    status: 422,
    message:
      'Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist.',
  },
  'entity.unique_integrity_violation': {
    status: 422,
    message: 'The entity already exists. Please check the input and try again.',
  },
  'request.invalid_input': { status: 422, message: 'Input is invalid. {{details}}' },
  'user.username_already_in_use': { status: 422, message: 'This username is already in use.' },
  'user.email_already_in_use': { status: 422, message: 'This email is associated with an existing account.' },
  'user.phone_already_in_use': {
    status: 422,
    message: 'This phone number is associated with an existing account.',
  },
  'user.invalid_role_type': {
    status: 422,
    message: 'Invalid role type, can not assign machine-to-machine role to user.',
  },
  'application.invalid_type': {
    status: 422,
    message: 'Only machine to machine applications can have associated roles.',
  },
  'application.invalid_third_party_application_type': {
    status: 400,
    message: 'Only traditional web applications can be marked as a third-party app.',
  },
  'application.cannot_delete_admin_application': {
    status: 422,
    message:
      'The admin application cannot be deleted: it is how operators reach the Management API. Create another machine-to-machine application first if you want to stop using it, and rotate its secret through IDHOOKS_ADMIN_CLIENT_SECRET.',
  },
  'resource.resource_identifier_in_use': {
    status: 422,
    message: 'The API identifier {{indicator}} is already in use',
  },
  'scope.name_exists': { status: 422, message: 'The scope name {{name}} is already in use' },
  'scope.name_with_space': { status: 400, message: 'The name of the scope cannot contain any spaces.' },
  'role.name_in_use': { status: 422, message: 'This role name {{name}} is already in use' },
  'role.scope_exists': {
    status: 422,
    message: 'The scope id {{scopeId}} has already been added to this role',
  },
  'role.user_exists': { status: 422, message: 'The user id {{userId}} is already been added to this role' },
  'organization.require_membership': {
    status: 422,
    message: 'The user must be a member of the organization to proceed.',
  },
  'organization.roles.invalid_scope_ids': {
    status: 422,
    message: 'The organization scope IDs are not valid.',
  },
  'organization.roles.invalid_resource_scope_ids': {
    status: 422,
    message: 'The resource scope IDs are not valid.',
  },
  'connector.not_found': {
    status: 501,
    message:
      'Cannot find any available connector for type: {{type}}. idhooks sends no email; create the invitation with messagePayload false and deliver the link yourself.',
  },
  'hook.missing_events': { status: 400, message: 'You need to provide at least one event.' },
  'hook.event_not_available': { status: 400, message: '{{reason}}' },
  'hook.invalid_headers': { status: 400, message: 'The custom headers are invalid: {{problems}}.' },
  'hook.endpoint_responded_with_error': { status: 422, message: 'Endpoint responded with error.' },
  'hook.send_test_payload_failed': { status: 422, message: 'Failed to send test payload: {{message}}' },
  'hook.disabled': {
    status: 409,
    message: 'The hook is disabled. Enable it first; its deliveries resume when it is enabled.',
  },
  // Blocking hooks (docs/blocking-hooks.md): the message of `hook.denied` is the receiver's own.
  'hook.denied': { status: 403, message: 'A hook denied this request.' },
  'hook.unavailable': {
    status: 503,
    message: 'A hook that must approve this request could not be reached. Try again later.',
  },
  'delivery.in_progress': {
    status: 409,
    message: 'The delivery is being sent right now. Resend it once this attempt is recorded.',
  },
  'delivery.blocking_call': {
    status: 409,
    message:
      'This is the record of a blocking call: its step was decided when it was made, so it cannot be resent. A skipped notice of the same event is a delivery of its own and can be.',
  },
  'log.invalid_time_window': { status: 400, message: 'The start time must not be later than the end time.' },
  'feed.cursor_expired': {
    status: 410,
    message:
      'Events after cursor {{cursor}} may have been removed by retention. Continue from the oldest cursor kept, {{oldest}}, and reconcile what you missed.',
  },
  'feed.unknown_cursor': {
    status: 400,
    message: 'The cursor {{cursor}} was not issued by this server: it is ahead of its events feed.',
  },
  // Sign-in experience (Experience API and hosted pages): Logto's codes and statuses.
  'session.not_found': { status: 404, message: 'Session not found. Please go back and sign in again.' },
  'session.interaction_not_found': {
    status: 404,
    message: 'Interaction session not found. Please go back and start the session again.',
  },
  'session.invalid_interaction_type': {
    status: 400,
    message: 'This operation is not supported for the current interaction. Please start a new session.',
  },
  'session.not_supported_for_forgot_password': {
    status: 400,
    message: 'This operation is not supported for forgot password.',
  },
  'session.invalid_credentials': {
    status: 422,
    message: 'Incorrect account or password. Please check your input.',
  },
  'session.verification_blocked_too_many_attempts': {
    status: 400,
    message: 'Too many attempts in a short time. Please try again in {{minutes}} minutes.',
  },
  'session.verification_session_not_found': {
    status: 404,
    message: 'The verification was not successful. Restart the verification flow and try again.',
  },
  'session.verification_failed': {
    status: 400,
    message: 'The verification was not successful. Restart the verification flow and try again.',
  },
  'session.identifier_not_found': {
    status: 404,
    message: 'User identifier not found. Please go back and sign in again.',
  },
  'session.identity_conflict': {
    status: 409,
    message: 'The interaction has already been identified with a different user account.',
  },
  'user.user_not_exist': { status: 404, message: 'User with {{identifier}} does not exist.' },
  'user.suspended': { status: 401, message: 'This account is suspended.' },
  'user.same_password': { status: 422, message: 'New password cannot be the same as your old password.' },
  'user.missing_profile': {
    status: 422,
    message: 'You need to provide additional info before signing-in.',
  },
  'password.rejected': {
    status: 422,
    message: 'Password rejected. Please check if your password meets the requirements.',
  },
  'verification_code.not_found': {
    status: 400,
    message: 'Verification code not found. Please send verification code first.',
  },
  'verification_code.email_mismatch': {
    status: 400,
    message: 'Email mismatch. Please request a new verification code.',
  },
  'verification_code.code_mismatch': { status: 400, message: 'Invalid verification code.' },
  'verification_code.expired': {
    status: 400,
    message: 'Verification code has expired. Please request a new verification code.',
  },
  'verification_code.exceed_max_try': {
    status: 400,
    message: 'Verification code retries limitation exceeded. Please request a new verification code.',
  },
  'request.message_rate_limited': {
    status: 429,
    message: 'Too many messages sent to this recipient. Please try again later.',
  },
  'connector.general': {
    status: 502,
    message: 'The {{connector}} connector could not send the message: {{reason}}',
  },
  // Hardening (issue 13): limits, cross-site refusals and database faults.
  'request.too_many_attempts': {
    status: 429,
    message: 'Too many failed attempts; try again in {{seconds}} seconds.',
  },
  'request.too_many_requests': {
    status: 429,
    message: 'Too many requests from this address; try again in {{seconds}} seconds.',
  },
  'request.cross_site_refused': {
    status: 403,
    message: 'This request did not come from a page of this site and was refused.',
  },
  'database.unavailable': {
    status: 503,
    message: 'The database cannot be reached right now; try again shortly.',
  },
  'database.storage_full': {
    status: 503,
    message: 'The database has no space left to write; the operator must free disk space.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string is one of our codes (for errors that arrive as text, e.g. the provider's). */
export const isErrorCode = (value: string): value is ErrorCode => Object.hasOwn(ERROR_CODES, value);

export interface AppErrorOptions {
  /** Values for the message template. */
  params?: Record<string, string | number>;
  /** Structured details returned to the client as `data`. */
  data?: unknown;
  /** Overrides the template entirely. */
  message?: string;
  cause?: unknown;
  /** Sent as `Retry-After` (seconds) with the response. */
  retryAfterSeconds?: number;
}

const fill = (template: string, params: Record<string, string | number> = {}) =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(params[key] ?? ''));

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: unknown;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? fill(ERROR_CODES[code].message, options.params), { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.data = options.data;
    this.retryAfterSeconds = options.retryAfterSeconds;
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
