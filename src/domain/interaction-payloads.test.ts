import { describe, expect, it } from 'vitest';
import { experienceEvent, interactionHookEvent, type ExperienceContext } from './interaction-payloads.js';
import type { UserInfo } from './users.js';

const user: UserInfo = {
  id: 'c5du5g5uf1qt',
  username: 'flows_mx1it51o',
  primaryEmail: null,
  primaryPhone: null,
  name: null,
  avatar: null,
  customData: {},
  identities: {},
  lastSignInAt: null,
  createdAt: 1795937499020,
  updatedAt: 1795937499020,
  profile: {},
  applicationId: null,
  cimdClientId: null,
  isSuspended: false,
};
const ctx: ExperienceContext = {
  interactionEvent: 'Register',
  userAgent: 'flows-capture/1.0 (browser)',
  ip: '127.0.0.1',
  sessionId: 'eX0hHi-Zq3rhuBxPJkck65ggUfun2QcW7uvaZedeR1X',
  application: {
    id: 'bvfk1iego7jahpd6lw93l',
    type: 'SPA',
    name: 'flows-capture-spa',
    description: 'flows capture',
  },
};
const at = Date.parse('2026-11-29T07:31:39.030Z');

describe('Experience API payloads (docs/compatibility.md#sign-in-flows key order)', () => {
  it('builds User.Created byte-for-byte like the captured one, hookId aside', () => {
    const { type, payload } = experienceEvent(ctx, 'User.Created', at, {
      data: { ...user, hasPassword: true } as UserInfo,
    });
    expect(type).toBe('User.Created');
    expect(JSON.stringify(payload)).toBe(
      '{"event":"User.Created","createdAt":"2026-11-29T07:31:39.030Z","interactionEvent":"Register","userAgent":"flows-capture/1.0 (browser)","applicationId":"bvfk1iego7jahpd6lw93l","sessionId":"eX0hHi-Zq3rhuBxPJkck65ggUfun2QcW7uvaZedeR1X","ip":"127.0.0.1","application":{"id":"bvfk1iego7jahpd6lw93l","type":"SPA","name":"flows-capture-spa","description":"flows capture"},"data":{"id":"c5du5g5uf1qt","username":"flows_mx1it51o","primaryEmail":null,"primaryPhone":null,"name":null,"avatar":null,"customData":{},"identities":{},"lastSignInAt":null,"createdAt":1795937499020,"updatedAt":1795937499020,"profile":{},"applicationId":null,"cimdClientId":null,"isSuspended":false}}',
    );
  });

  it('builds interaction hooks with userIp and the application object, no applicationId', () => {
    const { payload } = interactionHookEvent(ctx, 'PostRegister', at, user);
    expect(Object.keys(payload)).toEqual([
      'event',
      'interactionEvent',
      'createdAt',
      'sessionId',
      'userAgent',
      'userId',
      'userIp',
      'user',
      'application',
    ]);
  });

  it('spreads exception context onto the top level and omits absent optional fields', () => {
    const bare: ExperienceContext = {
      ...ctx,
      interactionEvent: 'SignIn',
      userAgent: undefined,
      ip: undefined,
      application: undefined,
    };
    const { payload } = experienceEvent(bare, 'Identifier.Lockout', at, { type: 'username', value: 'alice' });
    expect(JSON.parse(JSON.stringify(payload))).toEqual({
      event: 'Identifier.Lockout',
      createdAt: '2026-11-29T07:31:39.030Z',
      interactionEvent: 'SignIn',
      sessionId: ctx.sessionId,
      type: 'username',
      value: 'alice',
    });
  });
});
