import { expect } from 'vitest';
import { expectStatus } from '../../helpers/api.js';
import {
  expectManagementPayload,
  expectTypes,
  route,
  rowKey,
  type Harness,
  type Scenario,
} from './harness.js';

interface Entity {
  id: string;
}

let sequence = 0;
const next = () => ++sequence;

const createUser = async (h: Harness, email?: string) =>
  (await h.create<Entity>('/api/users', { username: `org_user_${next()}`, primaryEmail: email }, 200)).id;
const createOrganization = async (h: Harness) =>
  (await h.create<Entity>('/api/organizations', { name: `Org ${next()}` })).id;
const createM2mApp = async (h: Harness) =>
  (await h.create<Entity>('/api/applications', { name: `M2M ${next()}`, type: 'MachineToMachine' }, 200)).id;

const MEMBERSHIP = 'Organization.Membership.Updated';

/** A membership scenario: `setup` prepares the organization, `act` is the captured request. */
function membershipScenario(
  method: string,
  matchedRoute: string,
  status: number,
  prepare: (
    h: Harness,
    organizationId: string,
  ) => Promise<{
    path: string;
    body?: unknown;
    params: Record<string, string>;
    delta: Record<string, string[]>;
  }>,
  title = `${method} ${matchedRoute}`,
): Scenario {
  return {
    title,
    covers: [rowKey(method, matchedRoute, MEMBERSHIP)],
    async run(h) {
      const organizationId = await createOrganization(h);
      const { path, body, params, delta } = await prepare(h, organizationId);
      const { response, events } = await h.capture(() => h.api(method, path, body));
      await expectStatus(response, status);
      expectTypes(events, [MEMBERSHIP]);
      expectManagementPayload(
        events[0],
        MEMBERSHIP,
        route(method, matchedRoute, { id: organizationId, ...params }, status),
        {
          tail: { organizationId, ...delta },
        },
      );
      expect(events[0]!.payload).not.toHaveProperty('data');
    },
  };
}

/** Organization and membership rows of MANAGEMENT_API_EVENTS (docs/events.md#management-api-routes-and-their-events). */
export const organizationScenarios: Scenario[] = [
  {
    title: 'POST /organizations',
    covers: [rowKey('POST', '/organizations', 'Organization.Created')],
    async run(h) {
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/organizations', { name: 'Acme', description: 'Makers', customData: { tier: 1 } }),
      );
      const organization = await expectStatus(response, 201);
      expectTypes(events, ['Organization.Created']);
      expectManagementPayload(events[0], 'Organization.Created', route('POST', '/organizations', {}, 201), {
        tail: { data: organization },
      });
    },
  },
  {
    title: 'PATCH /organizations/:id',
    covers: [rowKey('PATCH', '/organizations/:id', 'Organization.Data.Updated')],
    async run(h) {
      const id = await createOrganization(h);
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/organizations/${id}`, {
          isMfaRequired: true,
          branding: { logoUrl: 'https://x.example/l.png' },
        }),
      );
      const organization = await expectStatus(response, 200);
      expectTypes(events, ['Organization.Data.Updated']);
      expectManagementPayload(
        events[0],
        'Organization.Data.Updated',
        route('PATCH', '/organizations/:id', { id }, 200),
        {
          tail: { data: organization },
        },
      );
    },
  },
  {
    title: 'DELETE /organizations/:id',
    covers: [rowKey('DELETE', '/organizations/:id', 'Organization.Deleted')],
    async run(h) {
      const id = await createOrganization(h);
      const { response, events } = await h.capture(() => h.api('DELETE', `/api/organizations/${id}`));
      await expectStatus(response, 204);
      expectTypes(events, ['Organization.Deleted']);
      expectManagementPayload(
        events[0],
        'Organization.Deleted',
        route('DELETE', '/organizations/:id', { id }, 204),
      );
    },
  },
  membershipScenario('POST', '/organizations/:id/users', 201, async (h, id) => {
    const [member, newcomer] = [await createUser(h), await createUser(h)];
    await h.create(`/api/organizations/${id}/users`, { userIds: [member] });
    // Repeated ids count once; an existing member is accepted but is not "added".
    return {
      path: `/api/organizations/${id}/users`,
      body: { userIds: [newcomer, member, newcomer] },
      params: {},
      delta: { addedUserIds: [newcomer] },
    };
  }),
  membershipScenario(
    'POST',
    '/organizations/:id/users',
    201,
    async (h, id) => {
      const member = await createUser(h);
      await h.create(`/api/organizations/${id}/users`, { userIds: [member] });
      return { path: `/api/organizations/${id}/users`, body: { userIds: [member] }, params: {}, delta: {} };
    },
    'POST /organizations/:id/users that changes nothing still fires, with only organizationId',
  ),
  membershipScenario('PUT', '/organizations/:id/users', 204, async (h, id) => {
    const [kept, leaving, joining] = [await createUser(h), await createUser(h), await createUser(h)];
    await h.create(`/api/organizations/${id}/users`, { userIds: [kept, leaving] });
    return {
      path: `/api/organizations/${id}/users`,
      body: { userIds: [kept, joining] },
      params: {},
      delta: { addedUserIds: [joining], removedUserIds: [leaving] },
    };
  }),
  membershipScenario('DELETE', '/organizations/:id/users/:userId', 204, async (h, id) => {
    const userId = await createUser(h);
    await h.create(`/api/organizations/${id}/users`, { userIds: [userId] });
    return {
      path: `/api/organizations/${id}/users/${userId}`,
      params: { userId },
      delta: { removedUserIds: [userId] },
    };
  }),
  membershipScenario('POST', '/organizations/:id/applications', 201, async (h, id) => {
    const [existing, added] = [await createM2mApp(h), await createM2mApp(h)];
    await h.create(`/api/organizations/${id}/applications`, { applicationIds: [existing] });
    return {
      path: `/api/organizations/${id}/applications`,
      body: { applicationIds: [existing, added] },
      params: {},
      delta: { addedApplicationIds: [added] },
    };
  }),
  membershipScenario('PUT', '/organizations/:id/applications', 204, async (h, id) => {
    const [leaving, joining] = [await createM2mApp(h), await createM2mApp(h)];
    await h.create(`/api/organizations/${id}/applications`, { applicationIds: [leaving] });
    return {
      path: `/api/organizations/${id}/applications`,
      body: { applicationIds: [joining] },
      params: {},
      delta: { addedApplicationIds: [joining], removedApplicationIds: [leaving] },
    };
  }),
  membershipScenario('DELETE', '/organizations/:id/applications/:applicationId', 204, async (h, id) => {
    const applicationId = await createM2mApp(h);
    await h.create(`/api/organizations/${id}/applications`, { applicationIds: [applicationId] });
    return {
      path: `/api/organizations/${id}/applications/${applicationId}`,
      params: { applicationId },
      delta: { removedApplicationIds: [applicationId] },
    };
  }),
  {
    title: 'PUT /organization-invitations/:id/status Accepted: adds the member, status 200',
    covers: [rowKey('PUT', '/organization-invitations/:id/status', MEMBERSHIP)],
    async run(h) {
      const organizationId = await createOrganization(h);
      const email = `invitee${next()}@example.com`;
      const userId = await createUser(h, email);
      const invitation = await h.create<Entity>('/api/organization-invitations', {
        invitee: email,
        organizationId,
        expiresAt: Date.now() + 86_400_000,
      });
      const { response, events } = await h.capture(() =>
        h.api('PUT', `/api/organization-invitations/${invitation.id}/status`, {
          status: 'Accepted',
          acceptedUserId: userId,
        }),
      );
      await expectStatus(response, 200);
      expectTypes(events, [MEMBERSHIP]);
      const context = route('PUT', '/organization-invitations/:id/status', { id: invitation.id }, 200);
      expectManagementPayload(events[0], MEMBERSHIP, context, {
        tail: { organizationId, addedUserIds: [userId] },
      });
    },
  },
];
