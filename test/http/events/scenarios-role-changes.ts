import { expect } from 'vitest';
import { expectRejected, expectStatus } from '../../helpers/api.js';
import {
  expectManagementPayload,
  expectTypes,
  route,
  rowKey,
  type Harness,
  type Scenario,
} from './harness.js';

/**
 * idhooks' role-change events (issue 17): `User.Roles.Updated` and
 * `Organization.MemberRoles.Updated`. Each scenario checks the payload key by key, and that a
 * request that changes nothing (or is rejected) commits no event.
 */

interface Entity {
  id: string;
}

let sequence = 0;
const next = () => ++sequence;

const USER_ROLES = 'User.Roles.Updated';
const MEMBER_ROLES = 'Organization.MemberRoles.Updated';

const createUser = async (h: Harness) =>
  (await h.create<Entity>('/api/users', { username: `role_change_${next()}` }, 200)).id;
const createRole = async (h: Harness, type = 'User') =>
  (await h.create<Entity>('/api/roles', { name: `rc-role-${next()}`, description: 'd', type }, 200)).id;
const createOrganization = async (h: Harness) =>
  (await h.create<Entity>('/api/organizations', { name: `RC Org ${next()}` })).id;
const createOrganizationRole = async (h: Harness) =>
  (await h.create<Entity>('/api/organization-roles', { name: `rc-org-role-${next()}` })).id;

/** `data` of `User.Roles.Updated`, keys in the documented order. */
const userRoles = (userId: string, roleIds: string[], addedRoleIds: string[], removedRoleIds: string[]) => ({
  data: { userId, roleIds, addedRoleIds, removedRoleIds },
});

/** `data` of `Organization.MemberRoles.Updated`, keys in the documented order. */
const memberRoles = (
  organizationId: string,
  userId: string,
  organizationRoleIds: string[],
  addedOrganizationRoleIds: string[],
  removedOrganizationRoleIds: string[],
) => ({
  data: {
    organizationId,
    userId,
    organizationRoleIds,
    addedOrganizationRoleIds,
    removedOrganizationRoleIds,
  },
});

/**
 * The roles as the API lists them after the change. Payloads list them in the same order (oldest
 * assignment first); assignments made in the same millisecond tie-break on id, so the test asks
 * the API for the order and checks the set separately.
 */
async function listed(h: Harness, path: string, expected: string[]): Promise<string[]> {
  const ids = ((await (await h.api('GET', path)).json()) as Entity[]).map((role) => role.id);
  expect([...ids].sort()).toEqual([...expected].sort());
  return ids;
}
const heldBy = (h: Harness, userId: string, expected: string[]) =>
  listed(h, `/api/users/${userId}/roles`, expected);
const heldByMember = (h: Harness, organizationId: string, userId: string, expected: string[]) =>
  listed(h, `/api/organizations/${organizationId}/users/${userId}/roles`, expected);

/** Runs a request that must succeed with `status` and commit nothing. */
async function expectNoEvent(h: Harness, method: string, path: string, body: unknown, status: number) {
  const { response, events } = await h.capture(() => h.api(method, path, body));
  await expectStatus(response, status);
  expectTypes(events, []);
}

/** Runs a request that must be rejected and commit nothing. */
async function expectRejectedWithoutEvent(
  h: Harness,
  [method, path, body]: [string, string, unknown?],
  status: number,
  code: string,
) {
  const { response, events } = await h.capture(() => h.api(method, path, body));
  await expectRejected(response, status, code);
  expectTypes(events, []);
}

/** A user who already holds `held`, ready for a captured request. */
async function userHolding(h: Harness, held: string[]) {
  const userId = await createUser(h);
  if (held.length > 0) await h.create(`/api/users/${userId}/roles`, { roleIds: held });
  return userId;
}

/** An organization with one member holding `held` organization roles. */
async function memberHolding(h: Harness, held: string[]) {
  const [organizationId, userId] = [await createOrganization(h), await createUser(h)];
  await h.create(`/api/organizations/${organizationId}/users`, { userIds: [userId] });
  if (held.length > 0) {
    await h.create(`/api/organizations/${organizationId}/users/${userId}/roles`, {
      organizationRoleIds: held,
    });
  }
  return { organizationId, userId };
}

export const userRoleScenarios: Scenario[] = [
  {
    title: 'POST /users/:userId/roles: the roles held after, the ones added; nothing when all are held',
    covers: [rowKey('POST', '/users/:userId/roles', USER_ROLES)],
    async run(h) {
      const [held, added] = [await createRole(h), await createRole(h)];
      const userId = await userHolding(h, [held]);
      const path = `/api/users/${userId}/roles`;
      const { response, events } = await h.capture(() =>
        h.api('POST', path, { roleIds: [added, held, added] }),
      );
      await expectStatus(response, 201);
      expectTypes(events, [USER_ROLES]);
      const context = route('POST', '/users/:userId/roles', { userId }, 201);
      expectManagementPayload(events[0], USER_ROLES, context, {
        tail: userRoles(userId, await heldBy(h, userId, [held, added]), [added], []),
      });
      await expectNoEvent(h, 'POST', path, { roleIds: [held, added] }, 201);
      const m2m = await createRole(h, 'MachineToMachine');
      await expectRejectedWithoutEvent(h, ['POST', path, { roleIds: [m2m] }], 422, 'user.invalid_role_type');
      await expectRejectedWithoutEvent(
        h,
        ['POST', path, { roleIds: ['nope'] }],
        404,
        'entity.not_exists_with_id',
      );
    },
  },
  {
    title: 'PUT /users/:userId/roles: added and removed in one event; nothing for the same set',
    covers: [rowKey('PUT', '/users/:userId/roles', USER_ROLES)],
    async run(h) {
      const [kept, dropped, gained] = [await createRole(h), await createRole(h), await createRole(h)];
      const userId = await userHolding(h, [kept, dropped]);
      const path = `/api/users/${userId}/roles`;
      const { response, events } = await h.capture(() => h.api('PUT', path, { roleIds: [gained, kept] }));
      await expectStatus(response, 200);
      expectTypes(events, [USER_ROLES]);
      const context = route('PUT', '/users/:userId/roles', { userId }, 200);
      expectManagementPayload(events[0], USER_ROLES, context, {
        tail: userRoles(userId, await heldBy(h, userId, [kept, gained]), [gained], [dropped]),
      });
      await expectNoEvent(h, 'PUT', path, { roleIds: [gained, kept] }, 200);
    },
  },
  {
    title: 'DELETE /users/:userId/roles/:roleId',
    covers: [rowKey('DELETE', '/users/:userId/roles/:roleId', USER_ROLES)],
    async run(h) {
      const [kept, removed] = [await createRole(h), await createRole(h)];
      const userId = await userHolding(h, [kept, removed]);
      const path = `/api/users/${userId}/roles/${removed}`;
      const { response, events } = await h.capture(() => h.api('DELETE', path));
      await expectStatus(response, 204);
      expectTypes(events, [USER_ROLES]);
      const context = route('DELETE', '/users/:userId/roles/:roleId', { userId, roleId: removed }, 204);
      expectManagementPayload(events[0], USER_ROLES, context, {
        tail: userRoles(userId, await heldBy(h, userId, [kept]), [], [removed]),
      });
      await expectRejectedWithoutEvent(h, ['DELETE', path], 404, 'entity.not_found');
    },
  },
  {
    title: 'POST /roles/:id/users: one event per user, in request order',
    covers: [rowKey('POST', '/roles/:id/users', USER_ROLES)],
    async run(h) {
      const [other, roleId] = [await createRole(h), await createRole(h)];
      const [first, second] = [await userHolding(h, [other]), await userHolding(h, [])];
      const path = `/api/roles/${roleId}/users`;
      const { response, events } = await h.capture(() => h.api('POST', path, { userIds: [second, first] }));
      await expectStatus(response, 201);
      expectTypes(events, [USER_ROLES, USER_ROLES]);
      const context = route('POST', '/roles/:id/users', { id: roleId }, 201);
      expectManagementPayload(events[0], USER_ROLES, context, {
        tail: userRoles(second, await heldBy(h, second, [roleId]), [roleId], []),
      });
      expectManagementPayload(events[1], USER_ROLES, context, {
        tail: userRoles(first, await heldBy(h, first, [other, roleId]), [roleId], []),
      });
      const third = await createUser(h);
      await expectRejectedWithoutEvent(
        h,
        ['POST', path, { userIds: [third, first] }],
        422,
        'role.user_exists',
      );
    },
  },
  {
    title: 'DELETE /roles/:id/users/:userId',
    covers: [rowKey('DELETE', '/roles/:id/users/:userId', USER_ROLES)],
    async run(h) {
      const roleId = await createRole(h);
      const userId = await userHolding(h, [roleId]);
      const path = `/api/roles/${roleId}/users/${userId}`;
      const { response, events } = await h.capture(() => h.api('DELETE', path));
      await expectStatus(response, 204);
      expectTypes(events, [USER_ROLES]);
      const context = route('DELETE', '/roles/:id/users/:userId', { id: roleId, userId }, 204);
      expectManagementPayload(events[0], USER_ROLES, context, {
        tail: userRoles(userId, await heldBy(h, userId, []), [], [roleId]),
      });
      await expectRejectedWithoutEvent(h, ['DELETE', path], 404, 'entity.not_found');
    },
  },
];

export const memberRoleScenarios: Scenario[] = [
  {
    title: 'POST /organizations/:id/users/roles: one event per member whose roles changed',
    covers: [rowKey('POST', '/organizations/:id/users/roles', MEMBER_ROLES)],
    async run(h) {
      const roleId = await createOrganizationRole(h);
      const { organizationId, userId: holder } = await memberHolding(h, [roleId]);
      const newcomer = await createUser(h);
      await h.create(`/api/organizations/${organizationId}/users`, { userIds: [newcomer] });
      const path = `/api/organizations/${organizationId}/users/roles`;
      const { response, events } = await h.capture(() =>
        h.api('POST', path, { userIds: [holder, newcomer], organizationRoleIds: [roleId] }),
      );
      await expectStatus(response, 201);
      expectTypes(events, [MEMBER_ROLES]);
      const context = route('POST', '/organizations/:id/users/roles', { id: organizationId }, 201);
      expectManagementPayload(events[0], MEMBER_ROLES, context, {
        tail: memberRoles(
          organizationId,
          newcomer,
          await heldByMember(h, organizationId, newcomer, [roleId]),
          [roleId],
          [],
        ),
      });
      await expectNoEvent(
        h,
        'POST',
        path,
        { userIds: [holder, newcomer], organizationRoleIds: [roleId] },
        201,
      );
      const outsider = await createUser(h);
      await expectRejectedWithoutEvent(
        h,
        ['POST', path, { userIds: [outsider], organizationRoleIds: [roleId] }],
        422,
        'organization.require_membership',
      );
    },
  },
  {
    title: 'PUT /organizations/:id/users/:userId/roles: added and removed; nothing for the same set',
    covers: [rowKey('PUT', '/organizations/:id/users/:userId/roles', MEMBER_ROLES)],
    async run(h) {
      const [kept, dropped, gained] = [
        await createOrganizationRole(h),
        await createOrganizationRole(h),
        await createOrganizationRole(h),
      ];
      const { organizationId, userId } = await memberHolding(h, [kept, dropped]);
      const path = `/api/organizations/${organizationId}/users/${userId}/roles`;
      const { response, events } = await h.capture(() =>
        h.api('PUT', path, { organizationRoleIds: [gained, kept] }),
      );
      await expectStatus(response, 204);
      expectTypes(events, [MEMBER_ROLES]);
      const params = { id: organizationId, userId };
      const context = route('PUT', '/organizations/:id/users/:userId/roles', params, 204);
      expectManagementPayload(events[0], MEMBER_ROLES, context, {
        tail: memberRoles(
          organizationId,
          userId,
          await heldByMember(h, organizationId, userId, [kept, gained]),
          [gained],
          [dropped],
        ),
      });
      await expectNoEvent(h, 'PUT', path, { organizationRoleIds: [kept, gained] }, 204);
      await expectRejectedWithoutEvent(
        h,
        ['PUT', path, { organizationRoleIds: ['nope'] }],
        422,
        'entity.relation_foreign_key_not_found',
      );
    },
  },
  {
    title: 'POST /organizations/:id/users/:userId/roles: by id or name; nothing when all are held',
    covers: [rowKey('POST', '/organizations/:id/users/:userId/roles', MEMBER_ROLES)],
    async run(h) {
      const [held, byName] = [await createOrganizationRole(h), await createOrganizationRole(h)];
      const name = (
        (await (await h.api('GET', `/api/organization-roles/${byName}`)).json()) as { name: string }
      ).name;
      const { organizationId, userId } = await memberHolding(h, [held]);
      const path = `/api/organizations/${organizationId}/users/${userId}/roles`;
      const { response, events } = await h.capture(() =>
        h.api('POST', path, { organizationRoleIds: [held], organizationRoleNames: [name] }),
      );
      await expectStatus(response, 201);
      expectTypes(events, [MEMBER_ROLES]);
      const params = { id: organizationId, userId };
      const context = route('POST', '/organizations/:id/users/:userId/roles', params, 201);
      expectManagementPayload(events[0], MEMBER_ROLES, context, {
        tail: memberRoles(
          organizationId,
          userId,
          await heldByMember(h, organizationId, userId, [held, byName]),
          [byName],
          [],
        ),
      });
      await expectNoEvent(h, 'POST', path, { organizationRoleIds: [byName, held] }, 201);
    },
  },
  {
    title: 'DELETE /organizations/:id/users/:userId/roles/:organizationRoleId',
    covers: [rowKey('DELETE', '/organizations/:id/users/:userId/roles/:organizationRoleId', MEMBER_ROLES)],
    async run(h) {
      const [kept, removed] = [await createOrganizationRole(h), await createOrganizationRole(h)];
      const { organizationId, userId } = await memberHolding(h, [kept, removed]);
      const path = `/api/organizations/${organizationId}/users/${userId}/roles/${removed}`;
      const { response, events } = await h.capture(() => h.api('DELETE', path));
      await expectStatus(response, 204);
      expectTypes(events, [MEMBER_ROLES]);
      const params = { id: organizationId, userId, organizationRoleId: removed };
      const context = route(
        'DELETE',
        '/organizations/:id/users/:userId/roles/:organizationRoleId',
        params,
        204,
      );
      expectManagementPayload(events[0], MEMBER_ROLES, context, {
        tail: memberRoles(
          organizationId,
          userId,
          await heldByMember(h, organizationId, userId, [kept]),
          [],
          [removed],
        ),
      });
      expect(events[0]!.payload).not.toHaveProperty('organizationId');
      await expectRejectedWithoutEvent(h, ['DELETE', path], 404, 'entity.not_found');
    },
  },
];
