import type { ApplicationType } from './applications.js';
import type { EventPayload } from './event-schemas.js';
import type { DataEvent, ExceptionEvent, InteractionEvent } from './events.js';
import type { InteractionEventName } from './experience.js';
import type { NewEvent } from './payloads.js';
import { toUserInfo, type UserInfo } from './users.js';

/** The `application` object of payloads: four fields, never secrets (docs/events.md#payloads). */
export interface ApplicationSummary {
  readonly id: string;
  readonly type: ApplicationType;
  readonly name: string;
  readonly description: string | null;
}

/**
 * What an Experience API request carries into every payload it causes (docs/compatibility.md#sign-in-flows). Built by
 * the experience service from the interaction and the HTTP request.
 */
export interface ExperienceContext {
  readonly interactionEvent: InteractionEventName;
  readonly userAgent: string | undefined;
  readonly ip: string | undefined;
  /** The sign-in session's id (docs/compatibility.md#compatibility-choices point 4): stable across that session's interactions. */
  readonly sessionId: string;
  /** The interaction's application; absent when the interaction was started without one. */
  readonly application: ApplicationSummary | undefined;
}

/**
 * `PostRegister`, `PostSignIn` or `PostResetPassword` (docs/events.md#payloads), keys in Logto's order:
 * `event, interactionEvent, createdAt, sessionId, userAgent?, userId, userIp?, user, application?`.
 * The IP is `userIp` here, unlike every other payload, and there is no top-level `applicationId`
 * (docs/compatibility.md#sign-in-flows). `hookId` is appended at send time.
 */
export function interactionHookEvent(
  ctx: ExperienceContext,
  event: Exclude<
    InteractionEvent,
    'PostSignInAdaptiveMfaTriggered' | 'PostSignInFromNewDevice' | 'PostSignOut'
  >,
  createdAt: number,
  user: UserInfo,
): NewEvent {
  return {
    type: event,
    payload: {
      event,
      interactionEvent: ctx.interactionEvent,
      createdAt: new Date(createdAt).toISOString(),
      sessionId: ctx.sessionId,
      userAgent: ctx.userAgent,
      userId: user.id,
      userIp: ctx.ip,
      user: toUserInfo(user),
      application: ctx.application,
    } satisfies Omit<EventPayload<'PostSignIn'>, 'hookId' | 'event'> & { event: typeof event },
  };
}

/** The event-specific keys of a data or exception event from the Experience API. */
export type ExperienceEventTail =
  | { readonly data: UserInfo }
  | { readonly type: string; readonly value: string }
  | { readonly action: 'VerificationCodeSend'; readonly recipient: string };

/**
 * A data or exception event caused by an Experience API request (docs/events.md#payloads), keys in
 * Logto's order: `event, createdAt, interactionEvent, userAgent?, applicationId?, sessionId, ip?,
 * application?, …tail`. No `path`, `method`, `status`, `params` or `matchedRoute`
 * (docs/compatibility.md#sign-in-flows: those belong to Management API events only).
 */
export function experienceEvent(
  ctx: ExperienceContext,
  event:
    Extract<DataEvent, 'User.Created' | 'User.Data.Updated'> | Exclude<ExceptionEvent, 'Grant.LimitExceeded'>,
  createdAt: number,
  tail: ExperienceEventTail,
): NewEvent {
  const rest = 'data' in tail ? { data: toUserInfo(tail.data) } : tail;
  return {
    type: event,
    payload: {
      event,
      createdAt: new Date(createdAt).toISOString(),
      interactionEvent: ctx.interactionEvent,
      userAgent: ctx.userAgent,
      applicationId: ctx.application?.id,
      sessionId: ctx.sessionId,
      ip: ctx.ip,
      application: ctx.application,
      ...rest,
    },
  };
}

/** Where a sign-out through `/oidc/session/end` came from. */
export interface SignOutContext {
  /** The provider session that ended. */
  readonly sessionId: string;
  readonly userAgent: string | undefined;
  readonly ip: string | undefined;
  readonly application: ApplicationSummary | undefined;
}

/**
 * `PostSignOut` (an idhooks addition): the interaction payload's keys in the same order, without
 * `interactionEvent` (no Experience API interaction is involved).
 */
export function signOutHookEvent(ctx: SignOutContext, createdAt: number, user: UserInfo): NewEvent {
  return {
    type: 'PostSignOut',
    payload: {
      event: 'PostSignOut',
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
