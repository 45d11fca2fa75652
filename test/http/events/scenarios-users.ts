import { expectStatus } from '../../helpers/api.js';
import {
  expectManagementPayload,
  expectTypes,
  route,
  rowKey,
  type Harness,
  type Scenario,
} from './harness.js';

interface User {
  id: string;
  customData: Record<string, unknown>;
  profile: Record<string, unknown>;
  hasPassword?: boolean;
}

let sequence = 0;
const createUser = (h: Harness) =>
  h.create<User>('/api/users', { username: `event_user_${++sequence}` }, 200);

/** `PATCH /users/:userId/<suffix>`: `User.Data.Updated` (or the suspension event) with `data` = `pick(body)`. */
const patchScenario = (
  suffix: string,
  body: Record<string, unknown>,
  event: 'User.Data.Updated' | 'User.SuspensionStatus.Updated',
  pick: (response: Record<string, unknown>) => unknown = (response) => response,
): Scenario => {
  const matchedRoute = `/users/:userId${suffix}`;
  return {
    title: `PATCH ${matchedRoute}`,
    covers: [rowKey('PATCH', matchedRoute, event)],
    async run(h) {
      const user = await createUser(h);
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/users/${user.id}${suffix}`, body),
      );
      const data = await expectStatus<Record<string, unknown>>(response, 200);
      expectTypes(events, [event]);
      expectManagementPayload(events[0], event, route('PATCH', matchedRoute, { userId: user.id }, 200), {
        tail: { data: pick(data) },
      });
    },
  };
};

/** Every Users API row of MANAGEMENT_API_EVENTS (docs/events.md#management-api-routes-and-their-events). */
export const userScenarios: Scenario[] = [
  {
    title: 'POST /users',
    covers: [rowKey('POST', '/users', 'User.Created')],
    async run(h) {
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/users', { username: 'event_created', password: 'secret-1' }),
      );
      const user = await expectStatus<User>(response, 200);
      expectTypes(events, ['User.Created']);
      expectManagementPayload(events[0], 'User.Created', route('POST', '/users', {}, 200), {
        tail: { data: user },
      });
    },
  },
  patchScenario('', { name: 'Renamed' }, 'User.Data.Updated'),
  patchScenario('/custom-data', { customData: { plan: 'pro' } }, 'User.Data.Updated'),
  patchScenario('/profile', { profile: { nickname: 'nick' } }, 'User.Data.Updated'),
  patchScenario('/password', { password: 'n3w-secret' }, 'User.Data.Updated'),
  patchScenario('/is-suspended', { isSuspended: true }, 'User.SuspensionStatus.Updated'),
  {
    title: 'DELETE /users/:userId',
    covers: [rowKey('DELETE', '/users/:userId', 'User.Deleted')],
    async run(h) {
      const user = await createUser(h);
      const { response, events } = await h.capture(() => h.api('DELETE', `/api/users/${user.id}`));
      await expectStatus(response, 204);
      expectTypes(events, ['User.Deleted']);
      // Logto sends the deleted user's info (no hasPassword) *before* the route context.
      const { hasPassword: _hasPassword, ...info } = user;
      expectManagementPayload(
        events[0],
        'User.Deleted',
        route('DELETE', '/users/:userId', { userId: user.id }, 204),
        {
          lead: { data: info },
        },
      );
    },
  },
];
