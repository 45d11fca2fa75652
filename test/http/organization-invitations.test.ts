import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';
import { createHarness, expectManagementPayload, route, type Harness } from './events/harness.js';

interface Invitation {
  id: string;
  status: string;
  acceptedUserId: string | null;
  organizationRoles: { id: string; name: string }[];
}
interface Entity {
  id: string;
  name: string;
}

const INVITATION_KEYS = [
  'tenantId',
  'id',
  'inviterId',
  'invitee',
  'acceptedUserId',
  'organizationId',
  'status',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'organizationRoles',
];
const TABLES = [
  'organizationInvitations',
  'organizationInvitationRoleRelations',
  'organizationUserRelations',
] as const;
const DAY = 86_400_000;

describeEachDialect('Organization invitations', (dialect) => {
  let env: TestEnv;
  let h: Harness;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
    h = createHarness(env);
  });
  afterAll(async () => env.close());

  const post = async <T>(path: string, body: unknown, status = 201) =>
    expectStatus<T>(await env.api('POST', path, body), status);
  const setup = async () => {
    const i = ++n;
    const email = `invitee${i}@example.com`;
    const org = await post<Entity>('/api/organizations', { name: `Invites ${i}` });
    const role = await post<Entity>('/api/organization-roles', { name: `invited-${i}` });
    const inviter = await post<Entity>('/api/users', { username: `inviter_${i}` }, 200);
    const invitee = await post<Entity>('/api/users', { username: `invitee_${i}`, primaryEmail: email }, 200);
    const invite = (extra: Record<string, unknown> = {}) =>
      post<Invitation>('/api/organization-invitations', {
        inviterId: inviter.id,
        invitee: email,
        organizationId: org.id,
        expiresAt: Date.now() + DAY,
        organizationRoleIds: [role.id],
        ...extra,
      });
    return { email, org, role, inviter, invitee, invite };
  };
  const setStatus = (id: string, body: unknown) =>
    env.api('PUT', `/api/organization-invitations/${id}/status`, body);

  describe('happy path', () => {
    it('creates, reads, lists and deletes an invitation in Logto shape', async () => {
      const { org, role, inviter, invite } = await setup();
      const invitation = await invite({ messagePayload: false });
      expect(Object.keys(invitation)).toEqual(INVITATION_KEYS);
      expect(invitation).toMatchObject({
        status: 'Pending',
        acceptedUserId: null,
        organizationRoles: [{ id: role.id, name: role.name }],
      });
      expect(await json(await env.api('GET', `/api/organization-invitations/${invitation.id}`))).toEqual(
        invitation,
      );
      for (const query of [`organizationId=${org.id}`, `inviterId=${inviter.id}`]) {
        const listed = await json<Invitation[]>(
          await env.api('GET', `/api/organization-invitations?${query}`),
        );
        expect(listed.map((i) => i.id)).toEqual([invitation.id]);
      }
      expect((await env.api('DELETE', `/api/organization-invitations/${invitation.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/organization-invitations/${invitation.id}`)).status).toBe(404);
    });

    it('accepting adds the member with the invited roles and answers 200', async () => {
      const { org, role, invitee, invite } = await setup();
      const invitation = await invite();
      const accepted = await expectStatus<Invitation>(
        await setStatus(invitation.id, { status: 'Accepted', acceptedUserId: invitee.id }),
        200,
      );
      expect(accepted).toMatchObject({ status: 'Accepted', acceptedUserId: invitee.id });
      const roles = await json<Entity[]>(
        await env.api('GET', `/api/organizations/${org.id}/users/${invitee.id}/roles`),
      );
      expect(roles.map((r) => r.id)).toEqual([role.id]);
    });

    it('accepting by someone already a member emits only the organization id', async () => {
      const { org, invitee, invite } = await setup();
      const invitation = await invite();
      await post(`/api/organizations/${org.id}/users`, { userIds: [invitee.id] });
      const { response, events } = await h.capture(() =>
        setStatus(invitation.id, { status: 'Accepted', acceptedUserId: invitee.id }),
      );
      expect(response.status).toBe(200);
      expectManagementPayload(
        events[0],
        'Organization.Membership.Updated',
        route('PUT', '/organization-invitations/:id/status', { id: invitation.id }, 200),
        {
          tail: { organizationId: org.id },
        },
      );
    });

    it('revokes a pending invitation, and reads an expired one as Expired', async () => {
      const { invite } = await setup();
      const invitation = await invite();
      const revoked = await expectStatus<Invitation>(
        await setStatus(invitation.id, { status: 'Revoked' }),
        200,
      );
      expect(revoked.status).toBe('Revoked');
      const soon = await invite({ expiresAt: Date.now() + 150 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(
        (await json<Invitation>(await env.api('GET', `/api/organization-invitations/${soon.id}`))).status,
      ).toBe('Expired');
    });
  });

  describe('bad input changes nothing', () => {
    it('rejects invitations that cannot be created', async () => {
      const { org, invitee, invite } = await setup();
      await invite();
      const base = { invitee: 'someone@example.com', organizationId: org.id, expiresAt: Date.now() + DAY };
      await post(`/api/organizations/${org.id}/users`, { userIds: [invitee.id] });
      await expectUnchanged(env, TABLES, async () => {
        const create = (body: unknown) => env.api('POST', '/api/organization-invitations', body);
        await expectRejected(
          await create({ ...base, messagePayload: { link: 'x' } }),
          501,
          'connector.not_found',
        );
        await expectRejected(
          await create({ ...base, expiresAt: Date.now() - 1 }),
          400,
          'guard.invalid_input',
        );
        for (const extra of [
          { organizationId: 'nope' },
          { inviterId: 'nope' },
          { organizationRoleIds: ['nope'] },
        ]) {
          await expectRejected(
            await create({ ...base, ...extra }),
            422,
            'entity.relation_foreign_key_not_found',
          );
        }
        const member = (
          await json<{ primaryEmail: string }>(await env.api('GET', `/api/users/${invitee.id}`))
        ).primaryEmail;
        await expectRejected(
          await create({ ...base, invitee: member.toUpperCase() }),
          422,
          'request.invalid_input',
        );
        for (const body of [
          {},
          { ...base, invitee: 'not-an-email' },
          { ...base, expiresAt: 'tomorrow' },
          { ...base, extra: 1 },
        ]) {
          await expectRejected(await create(body), 400, 'guard.invalid_input');
        }
      });
      // A second pending invitation for the same invitee is refused too.
      const fresh = await setup();
      await fresh.invite();
      await expectUnchanged(env, TABLES, async () => {
        await expectRejected(
          await env.api('POST', '/api/organization-invitations', {
            invitee: fresh.email,
            organizationId: fresh.org.id,
            expiresAt: Date.now() + DAY,
          }),
          422,
          'request.invalid_input',
        );
      });
    });

    it('rejects status changes that cannot apply', async () => {
      const { inviter, invite } = await setup();
      const invitation = await invite();
      const revoked = await invite({ invitee: 'revoked@example.com' });
      await setStatus(revoked.id, { status: 'Revoked' });
      await expectUnchanged(env, TABLES, async () => {
        await expectRejected(
          await setStatus(invitation.id, { status: 'Accepted' }),
          422,
          'request.invalid_input',
        );
        await expectRejected(
          await setStatus(invitation.id, { status: 'Accepted', acceptedUserId: inviter.id }),
          422,
          'request.invalid_input',
        );
        await expectRejected(
          await setStatus(invitation.id, { status: 'Accepted', acceptedUserId: 'nope' }),
          422,
          'entity.relation_foreign_key_not_found',
        );
        await expectRejected(
          await setStatus(revoked.id, { status: 'Revoked' }),
          422,
          'request.invalid_input',
        );
        await expectRejected(
          await setStatus(invitation.id, { status: 'Pending' }),
          400,
          'guard.invalid_input',
        );
        await expectRejected(
          await setStatus('nope', { status: 'Revoked' }),
          404,
          'entity.not_exists_with_id',
        );
        await expectRejected(
          await env.api('GET', '/api/organization-invitations/nope'),
          404,
          'entity.not_exists_with_id',
        );
        await expectRejected(
          await env.api('DELETE', '/api/organization-invitations/nope'),
          404,
          'entity.not_exists_with_id',
        );
      });
      expect(
        (await json<Invitation>(await env.api('GET', `/api/organization-invitations/${invitation.id}`)))
          .status,
      ).toBe('Pending');
    });
  });
});
