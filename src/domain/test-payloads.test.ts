import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { eventTypes, isInteractionEvent } from './events.js';
import { buildTestPayload } from './test-payloads.js';

const CAPTURE = new URL('../../test/fixtures/captures/test-send-user-created.json', import.meta.url);
const NOW = new Date('2026-11-29T06:26:40.105Z');

describe('buildTestPayload', () => {
  it.runIf(existsSync(CAPTURE))("reproduces Logto's captured test body byte for byte", () => {
    const capture = JSON.parse(readFileSync(CAPTURE, 'utf8')) as {
      bodyRaw: string;
      body: { hookId: string; createdAt: string };
    };
    const payload = buildTestPayload('User.Created', capture.body.hookId, new Date(capture.body.createdAt));
    expect(JSON.stringify(payload)).toBe(capture.bodyRaw);
  });

  it('matches the captured body for data events (inline copy, for checkouts without the contract)', () => {
    expect(JSON.stringify(buildTestPayload('User.Created', '3w28ifh6v1gwvwi7igqc6', NOW))).toBe(
      '{"event":"User.Created","hookId":"3w28ifh6v1gwvwi7igqc6","createdAt":"2026-11-29T06:26:40.105Z",' +
        '"userAgent":"fake-user-agent","path":"/fake-path/:id","method":"POST","status":200,' +
        '"params":{"id":"fake-id"},"data":{"result":"success"}}',
    );
  });

  it('gives exception events and Hook.Disabled the same shape as data events', () => {
    for (const event of [
      'Identifier.Lockout',
      'Message.RateLimited',
      'Grant.LimitExceeded',
      'Hook.Disabled',
    ] as const) {
      const payload = buildTestPayload(event, 'h', NOW);
      expect(Object.keys(payload)).toEqual([
        'event',
        'hookId',
        'createdAt',
        'userAgent',
        'path',
        'method',
        'status',
        'params',
        'data',
      ]);
      expect(payload.event).toBe(event);
    }
  });

  it('builds interaction payloads with the docs/events.md#test-payloads fake session, user and application', () => {
    const payload = buildTestPayload('PostSignIn', 'hook1', NOW);
    const ms = NOW.getTime();
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        event: 'PostSignIn',
        hookId: 'hook1',
        createdAt: '2026-11-29T06:26:40.105Z',
        userAgent: 'fake-user-agent',
        sessionId: 'fake-session-id',
        userIp: 'fake-user-ip',
        userId: 'fake-id',
        user: {
          id: 'fake-id',
          username: 'fake-user',
          primaryEmail: 'fake-user@fake-service.com',
          primaryPhone: '1234567890',
          name: 'Fake User',
          avatar: null,
          customData: { theme: 'light' },
          identities: { google: { userId: 'fake-google-user-id' } },
          lastSignInAt: ms,
          createdAt: ms,
          updatedAt: ms,
          profile: {},
          applicationId: 'fake-application-id',
          cimdClientId: null,
          isSuspended: false,
        },
        application: {
          id: 'fake-spa-application-id',
          type: 'SPA',
          name: 'Fake Application',
          description: 'Fake application data for testing',
        },
      }),
    );
  });

  it("keeps the user's keys in the docs/events.md#payloads order of real payloads", () => {
    const payload = buildTestPayload('PostRegister', 'h', NOW);
    expect('user' in payload && Object.keys(payload.user)).toEqual([
      'id',
      'username',
      'primaryEmail',
      'primaryPhone',
      'name',
      'avatar',
      'customData',
      'identities',
      'lastSignInAt',
      'createdAt',
      'updatedAt',
      'profile',
      'applicationId',
      'cimdClientId',
      'isSuspended',
    ]);
  });

  it('builds a payload for every catalog event, shaped by its class', () => {
    for (const event of eventTypes) {
      const payload = buildTestPayload(event, 'h', NOW);
      expect(Object.keys(payload).slice(0, 4)).toEqual(['event', 'hookId', 'createdAt', 'userAgent']);
      expect('user' in payload).toBe(isInteractionEvent(event));
      expect('data' in payload).toBe(!isInteractionEvent(event));
    }
  });

  it('returns fresh objects each time', () => {
    const a = buildTestPayload('PostSignIn', 'h', NOW);
    const b = buildTestPayload('PostSignIn', 'h', NOW);
    expect(a).toEqual(b);
    if ('user' in a && 'user' in b) expect(a.user).not.toBe(b.user);
  });
});
