/**
 * Payloads of the blocking events and of the circuit events (docs/idhooks-events.md). Pure builders,
 * keys in the order receivers see them; `hookId` is appended at send time like every payload.
 */
import type { BlockingEvent } from './events.js';
import type { ApplicationSummary, ExperienceContext } from './interaction-payloads.js';
import type { NewEvent } from './payloads.js';
import { toUserInfo, type UserInfo } from './users.js';

/** A blocking event ready to be sent: its type and its payload without `hookId`. */
export type BlockingNewEvent = NewEvent & { readonly type: BlockingEvent };

/** The would-be user of a sign-up, as `PreRegister` shows it. */
export interface RegisterProfile {
  readonly username: string | null;
  readonly primaryEmail: string | null;
  readonly primaryPhone: string | null;
  readonly name: string | null;
}

export function preRegisterEvent(
  ctx: ExperienceContext,
  createdAt: number,
  profile: RegisterProfile,
): BlockingNewEvent {
  return {
    type: 'PreRegister',
    payload: {
      event: 'PreRegister',
      interactionEvent: ctx.interactionEvent,
      createdAt: new Date(createdAt).toISOString(),
      sessionId: ctx.sessionId,
      userAgent: ctx.userAgent,
      userIp: ctx.ip,
      application: ctx.application,
      profile: {
        username: profile.username,
        primaryEmail: profile.primaryEmail,
        primaryPhone: profile.primaryPhone,
        name: profile.name,
      },
    },
  };
}

/** `PreSignIn`: the payload `PostSignIn` will have if the sign-in goes on. */
export function preSignInEvent(ctx: ExperienceContext, createdAt: number, user: UserInfo): BlockingNewEvent {
  return {
    type: 'PreSignIn',
    payload: {
      event: 'PreSignIn',
      interactionEvent: ctx.interactionEvent,
      createdAt: new Date(createdAt).toISOString(),
      sessionId: ctx.sessionId,
      userAgent: ctx.userAgent,
      userId: user.id,
      userIp: ctx.ip,
      user: toUserInfo(user),
      application: ctx.application,
    },
  };
}

export interface TokenRequest {
  readonly user: UserInfo;
  readonly application: ApplicationSummary | undefined;
  readonly grantType: string;
  /** The API resource indicator the access token is for. */
  readonly resource: string;
  readonly scopes: readonly string[];
}

export function preTokenIssueEvent(request: TokenRequest, createdAt: number): BlockingNewEvent {
  return {
    type: 'PreTokenIssue',
    payload: {
      event: 'PreTokenIssue',
      createdAt: new Date(createdAt).toISOString(),
      userId: request.user.id,
      user: toUserInfo(request.user),
      application: request.application,
      grantType: request.grantType,
      resource: request.resource,
      scopes: [...request.scopes],
    },
  };
}

/**
 * The notice sent through the durable queue when a call failed under the open policy: the same
 * payload with `"decision": "skipped"`, so the receiver learns of every step it did not judge.
 */
export const skippedNotice = (event: BlockingNewEvent): BlockingNewEvent => ({
  type: event.type,
  payload: { ...event.payload, decision: 'skipped' },
});

/** The hook a circuit event is about; never its key or headers, which may hold credentials. */
export interface CircuitHook {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

/** `Hook.CircuitOpened`: calls to the hook are skipped until `retryAt`, when one trial goes out. */
export function circuitOpenedEvent(hook: CircuitHook, now: number, retryAt: number): NewEvent {
  return {
    type: 'Hook.CircuitOpened',
    payload: {
      event: 'Hook.CircuitOpened',
      createdAt: new Date(now).toISOString(),
      data: { id: hook.id, name: hook.name, url: hook.url, openedAt: now, retryAt },
    },
  };
}

/** `Hook.CircuitClosed`: the trial call succeeded and the hook is called again. */
export function circuitClosedEvent(hook: CircuitHook, now: number, openedAt: number): NewEvent {
  return {
    type: 'Hook.CircuitClosed',
    payload: {
      event: 'Hook.CircuitClosed',
      createdAt: new Date(now).toISOString(),
      data: { id: hook.id, name: hook.name, url: hook.url, openedAt, closedAt: now },
    },
  };
}
