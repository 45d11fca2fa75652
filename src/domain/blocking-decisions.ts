/**
 * What a blocking hook's answer means (docs/blocking-hooks.md). Pure: the blocking-call service sends
 * the request and hands the status and body here; this module reads the decision, refuses what a
 * receiver may not set, and combines the answers of several hooks into one verdict for the flow.
 */
import type { BlockingEvent } from './events.js';
import type { FailurePolicy } from './hooks.js';

/** A receiver's deny message is shown to the end user; longer ones are a malformed answer. */
export const DENY_MESSAGE_MAX_LENGTH = 500;

/**
 * Claims a receiver may not put in an access token: the JWT registered claims, the ones the
 * provider writes itself, OpenID Connect's standard claims and the claims idhooks releases. A
 * token whose `sub` or `scope` a webhook could rewrite would no longer mean what the server decided.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  // RFC 7519 registered claims.
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  // Set by the provider on access and ID tokens (RFC 9068, RFC 8693, OpenID Connect Core).
  'scope',
  'client_id',
  'azp',
  'auth_time',
  'acr',
  'amr',
  'sid',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'cnf',
  'act',
  'may_act',
  'authorization_details',
  // OpenID Connect Core's standard claims.
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
  // Released by idhooks' own scopes (src/services/oidc-accounts.ts).
  'username',
  'created_at',
  'roles',
  'custom_data',
  'organizations',
  'organization_roles',
]);

/** A decision a receiver made, already checked against its event. */
export type HookDecision =
  | {
      readonly decision: 'allow';
      readonly customData?: Record<string, unknown>;
      readonly claims?: Record<string, unknown>;
    }
  | { readonly decision: 'deny'; readonly message: string };

export type DecisionReading =
  { readonly ok: true; readonly value: HookDecision } | { readonly ok: false; readonly error: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const refuse = (error: string): DecisionReading => ({ ok: false, error });

/** The extra object an allow may carry for `event`, or why it may not. */
function readExtra(
  event: BlockingEvent,
  body: Record<string, unknown>,
): { customData?: Record<string, unknown>; claims?: Record<string, unknown> } | string {
  const { customData, claims } = body;
  if (customData !== undefined) {
    if (event !== 'PreRegister') return `customData is only accepted for PreRegister, not ${event}`;
    if (!isPlainObject(customData)) return 'customData must be a JSON object';
  }
  if (claims !== undefined) {
    if (event !== 'PreTokenIssue') return `claims are only accepted for PreTokenIssue, not ${event}`;
    if (!isPlainObject(claims)) return 'claims must be a JSON object';
    const reserved = Object.keys(claims).filter((name) => RESERVED_CLAIMS.has(name));
    if (reserved.length > 0) {
      return `claims may not set standard or reserved claims: ${reserved.slice(0, 10).join(', ')}`;
    }
  }
  return {
    ...(customData === undefined ? {} : { customData: customData as Record<string, unknown> }),
    ...(claims === undefined ? {} : { claims: claims as Record<string, unknown> }),
  };
}

/**
 * Reads a receiver's answer. Only a 2xx whose body is one of the documented JSON objects is a
 * decision; anything else is a failure, described for the call's record. Keys other than
 * `decision`, `message`, `customData` and `claims` are ignored, so receivers can add their own.
 */
export function readDecision(event: BlockingEvent, status: number, bodyText: string): DecisionReading {
  if (status < 200 || status > 299) return refuse(`the receiver answered HTTP ${status}, not 2xx`);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return refuse('the response body is not JSON');
  }
  if (!isPlainObject(body)) return refuse('the response body must be a JSON object');
  if (body.decision === 'deny') {
    const { message } = body;
    if (typeof message !== 'string' || message.trim() === '') {
      return refuse('a deny needs a non-empty string message');
    }
    if (message.length > DENY_MESSAGE_MAX_LENGTH) {
      return refuse(`a deny message may be at most ${DENY_MESSAGE_MAX_LENGTH} characters`);
    }
    return { ok: true, value: { decision: 'deny', message } };
  }
  if (body.decision !== 'allow') {
    return refuse('decision must be "allow" or "deny"');
  }
  const extra = readExtra(event, body);
  if (typeof extra === 'string') return refuse(extra);
  return { ok: true, value: { decision: 'allow', ...extra } };
}

/** What one hook's call came to, as the flow sees it. */
export type CallResult =
  | { readonly kind: 'decided'; readonly decision: HookDecision }
  | { readonly kind: 'failed'; readonly policy: FailurePolicy };

/** What the flow does: go on (with what the receivers added), stop with their message, or stop. */
export type Verdict =
  | {
      readonly outcome: 'allow';
      readonly customData: Record<string, unknown>;
      readonly claims: Record<string, unknown>;
    }
  | { readonly outcome: 'deny'; readonly message: string }
  | { readonly outcome: 'unavailable' };

/**
 * One verdict from every hook's result, given in hook creation order: any deny wins (the first
 * one's message), then any failure under the closed policy; otherwise the flow goes on with the
 * allows' `customData` and `claims` merged key by key, later hooks overriding earlier ones.
 */
export function combineResults(results: readonly CallResult[]): Verdict {
  const denied = results.find(
    (r): r is { kind: 'decided'; decision: { decision: 'deny'; message: string } } =>
      r.kind === 'decided' && r.decision.decision === 'deny',
  );
  if (denied) return { outcome: 'deny', message: denied.decision.message };
  if (results.some((r) => r.kind === 'failed' && r.policy === 'closed')) return { outcome: 'unavailable' };
  const customData: Record<string, unknown> = {};
  const claims: Record<string, unknown> = {};
  for (const result of results) {
    if (result.kind !== 'decided' || result.decision.decision !== 'allow') continue;
    Object.assign(customData, result.decision.customData);
    Object.assign(claims, result.decision.claims);
  }
  return { outcome: 'allow', customData, claims };
}

/** What a call's record says was decided: the receiver's answer, or what the policy made of a failure. */
export type RecordedDecision = 'allow' | 'deny' | 'skipped' | 'unavailable';

export const recordedDecisionOf = (result: CallResult): RecordedDecision =>
  result.kind === 'decided' ? result.decision.decision : result.policy === 'open' ? 'skipped' : 'unavailable';
