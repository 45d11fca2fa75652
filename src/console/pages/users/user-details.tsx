import type { AdminUser } from '../../../domain/users.js';
import type { Role } from '../../../domain/roles.js';
import type { UserActivity } from '../../../services/user-activity.js';
import { Tag } from '../../components.js';
import { formatTime } from '../../format.js';
import { FormAlert, Section, type FormErrors } from '../../forms.js';
import { CsrfField, Layout, type PageFrame } from '../../layout.js';
import { consolePaths } from '../../paths.js';
import { DataTable } from '../../table.js';
import { deliveryState, responseStatus } from '../delivery-tags.js';
import { SuspensionTag, userLabel } from './user-bits.js';

export interface UserDetailsProps {
  frame: PageFrame;
  user: AdminUser;
  roles: readonly Role[];
  /** User roles the user does not have yet, for the assign form. */
  assignable: readonly Role[];
  activity: UserActivity;
  roleErrors?: FormErrors | undefined;
}

const orDash = (value: string | null) => value || '-';

function Facts({ user }: { user: AdminUser }) {
  return (
    <dl class="facts">
      <dt>User ID</dt>
      <dd class="mono" data-testid="user-id">
        {user.id}
      </dd>
      <dt>Username</dt>
      <dd>{orDash(user.username)}</dd>
      <dt>Email</dt>
      <dd>{orDash(user.primaryEmail)}</dd>
      <dt>Phone</dt>
      <dd>{orDash(user.primaryPhone)}</dd>
      <dt>Password</dt>
      <dd>{user.hasPassword ? 'Set' : 'None'}</dd>
      <dt>Created</dt>
      <dd>{formatTime(user.createdAt)}</dd>
      <dt>Last sign-in</dt>
      <dd>{user.lastSignInAt === null ? 'Never' : formatTime(user.lastSignInAt)}</dd>
    </dl>
  );
}

function RolesSection({
  frame,
  user,
  roles,
  assignable,
  errors,
}: {
  frame: PageFrame;
  user: AdminUser;
  roles: readonly Role[];
  assignable: readonly Role[];
  errors: FormErrors | undefined;
}) {
  return (
    <Section title="Roles" id="roles-title">
      {roles.length === 0 ? (
        <p class="hint">No role assigned.</p>
      ) : (
        <ul class="list-inline" data-testid="user-roles">
          {roles.map((role) => (
            <li>
              <a href={consolePaths.role(role.id)}>{role.name}</a>
            </li>
          ))}
        </ul>
      )}
      <FormAlert errors={errors} intro="The role was not assigned." />
      {assignable.length > 0 ? (
        <form method="post" action={`${consolePaths.user(user.id)}/roles`} class="row-form section-gap">
          <CsrfField frame={frame} />
          <div class="field">
            <label for="roleId">Assign a role</label>
            <select id="roleId" name="roleId" aria-invalid={errors?.fields.roleId ? 'true' : undefined}>
              <option value="">Choose a role</option>
              {assignable.map((role) => (
                <option value={role.id}>{role.name}</option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-secondary">
            Assign
          </button>
        </form>
      ) : null}
    </Section>
  );
}

function ActivitySection({ activity }: { activity: UserActivity }) {
  return (
    <>
      <Section title="Recent events" id="events-title">
        <p class="subtitle">The newest events that name this user, from the most recent 5,000 events.</p>
        {activity.events.length === 0 ? (
          <p class="hint">No recent event names this user.</p>
        ) : (
          <DataTable
            rows={activity.events}
            testId="user-events"
            label="Recent events"
            columns={[
              { label: 'Event', cell: (event) => <span class="mono">{event.type}</span> },
              { label: 'Event ID', cell: (event) => <span class="mono">{event.id}</span> },
              { label: 'Time', cell: (event) => formatTime(event.createdAt) },
            ]}
          />
        )}
      </Section>
      <Section title="Deliveries of these events" id="deliveries-title">
        {activity.deliveries.length === 0 ? (
          <p class="hint">No webhook received these events.</p>
        ) : (
          <DataTable
            rows={activity.deliveries}
            testId="user-deliveries"
            label="Deliveries of these events"
            columns={[
              {
                label: 'Webhook',
                cell: (d) =>
                  d.hookName === null ? (
                    <span class="hint">Deleted webhook</span>
                  ) : (
                    <a href={consolePaths.delivery(d.hookId, d.id)}>{d.hookName || 'Unnamed'}</a>
                  ),
              },
              { label: 'Event', cell: (d) => <span class="mono">{d.eventType}</span> },
              {
                label: 'Status',
                cell: (d) => {
                  const tag = responseStatus(d.lastStatus, d.attempts > 0);
                  return <Tag tone={tag.tone}>{tag.text}</Tag>;
                },
              },
              {
                label: 'Delivery',
                cell: (d) => {
                  const status = d.status as 'pending' | 'sending' | 'succeeded' | 'failed';
                  const tag = deliveryState({ status, attemptCount: d.attempts }, d.hookEnabled);
                  return <Tag tone={tag.tone}>{tag.text}</Tag>;
                },
              },
              { label: 'Time', cell: (d) => formatTime(d.createdAt) },
            ]}
          />
        )}
      </Section>
    </>
  );
}

/** One user: profile facts, roles, organizations, recent events and their deliveries; actions. */
export function UserDetailsPage({ frame, user, roles, assignable, activity, roleErrors }: UserDetailsProps) {
  return (
    <Layout title={userLabel(user)} frame={frame}>
      <p>
        <a href={consolePaths.users}>← Users</a>
      </p>
      <div class="card">
        <div class="hook-head">
          <div>
            <h1>{userLabel(user)}</h1>
            <div class="hook-meta">
              <SuspensionTag user={user} />
            </div>
          </div>
          <div class="actions">
            <form
              method="post"
              action={`${consolePaths.user(user.id)}/${user.isSuspended ? 'reactivate' : 'suspend'}`}
              class="inline"
            >
              <CsrfField frame={frame} />
              <button type="submit" class="btn btn-secondary">
                {user.isSuspended ? 'Reactivate user' : 'Suspend user'}
              </button>
            </form>
            <a class="btn btn-danger" href={`${consolePaths.user(user.id)}/delete`}>
              Delete user
            </a>
          </div>
        </div>
        <div class="section-gap">
          <Facts user={user} />
        </div>
      </div>
      <div class="grid-2">
        <RolesSection frame={frame} user={user} roles={roles} assignable={assignable} errors={roleErrors} />
        <Section title="Organizations" id="organizations-title">
          {activity.organizations.length === 0 ? (
            <p class="hint">Not a member of any organization.</p>
          ) : (
            <ul class="list-inline" data-testid="user-organizations">
              {activity.organizations.map((organization) => (
                <li>
                  <a href={consolePaths.organization(organization.id)}>{organization.name}</a>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <ActivitySection activity={activity} />
    </Layout>
  );
}
