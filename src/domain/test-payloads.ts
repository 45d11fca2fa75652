/**
 * Sample payloads for `POST /api/hooks/:id/test` (docs/events.md#test-payloads).
 *
 * Receivers written against Logto's "Send test payload" button may key on these exact values
 * (`fake-user-agent`, `/fake-path/:id`…), so keys, their order and values follow Logto's. Note
 * that here, unlike in real deliveries, `hookId` is the *second* key (see the capture
 * `test-send-user-created.json`).
 */
import { type EventType, type InteractionEvent, isInteractionEvent } from './events.js';
import type { DeviceAssessment } from './sign-in-devices.js';

/** The user entity's keys in Logto's order (docs/events.md#payloads), as the fake user carries them. */
export type TestUser = {
  id: string;
  username: string;
  primaryEmail: string;
  primaryPhone: string;
  name: string;
  avatar: string | null;
  customData: Record<string, unknown>;
  identities: Record<string, { userId: string }>;
  lastSignInAt: number;
  createdAt: number;
  updatedAt: number;
  profile: Record<string, unknown>;
  applicationId: string;
  cimdClientId: string | null;
  isSuspended: boolean;
};

export type TestApplication = { id: string; type: 'SPA'; name: string; description: string };

type Common = { hookId: string; createdAt: string; userAgent: string };

export type InteractionTestPayload = { event: InteractionEvent } & Common & {
    sessionId: string;
    userIp: string;
    userId: string;
    user: TestUser;
    application: TestApplication;
    /** Only on `PostSignInFromNewDevice` (an idhooks addition): a first sign-in from anywhere. */
    device?: DeviceAssessment;
  };

export type DataTestPayload = { event: Exclude<EventType, InteractionEvent> } & Common & {
    path: string;
    method: 'POST';
    status: number;
    params: { id: string };
    data: { result: string };
  };

export type TestPayload = InteractionTestPayload | DataTestPayload;

const FAKE_USER_ID = 'fake-id';

/**
 * The fake user. docs/events.md#test-payloads lists most values; for the rest: `id` is `fake-id` so it equals the
 * payload's `userId`, `avatar` is `null` and `profile` is `{}` (the values of a user who never set
 * them, as in every capture), and all three timestamps are `now` in epoch ms.
 */
const fakeUser = (nowMs: number): TestUser => ({
  id: FAKE_USER_ID,
  username: 'fake-user',
  primaryEmail: 'fake-user@fake-service.com',
  primaryPhone: '1234567890',
  name: 'Fake User',
  avatar: null,
  customData: { theme: 'light' },
  identities: { google: { userId: 'fake-google-user-id' } },
  lastSignInAt: nowMs,
  createdAt: nowMs,
  updatedAt: nowMs,
  profile: {},
  applicationId: 'fake-application-id',
  cimdClientId: null,
  isSuspended: false,
});

const fakeApplication = (): TestApplication => ({
  id: 'fake-spa-application-id',
  type: 'SPA',
  name: 'Fake Application',
  description: 'Fake application data for testing',
});

/**
 * Builds the test payload for one event. Interaction events get a fake session, user and
 * application; every other event (data, exception, and our own `Hook.Disabled`, which follows the
 * same non-interaction shape) gets the fake request context and `data: { result: 'success' }`.
 * Always returns fresh objects, so callers may not share mutations between payloads.
 */
export const buildTestPayload = (event: EventType, hookId: string, now: Date): TestPayload => {
  const common = { hookId, createdAt: now.toISOString(), userAgent: 'fake-user-agent' };
  if (isInteractionEvent(event)) {
    return {
      event,
      ...common,
      sessionId: 'fake-session-id',
      userIp: 'fake-user-ip',
      userId: FAKE_USER_ID,
      user: fakeUser(now.getTime()),
      application: fakeApplication(),
      ...(event === 'PostSignInFromNewDevice'
        ? { device: { isNewDevice: true, isNewNetwork: true, lastSeenAt: null } }
        : {}),
    };
  }
  return {
    event,
    ...common,
    path: '/fake-path/:id',
    method: 'POST',
    status: 200,
    params: { id: 'fake-id' },
    data: { result: 'success' },
  };
};
