import type { AdminUser } from '../../domain/users.js';
import type { Role } from '../../domain/roles.js';
import type { Resource, Scope, ScopeWithResource } from '../../domain/resources.js';
import type { RoleWithMembers } from '../../services/roles.js';
import { Field, Pagination, Tag } from '../components.js';
import { formatCount } from '../format.js';
import { FormAlert, Section, TextInput, type FormErrors } from '../forms.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { DataTable, EmptyCard } from '../table.js';
import { userLabel } from './users/user-bits.js';

export const ROLES_PAGE_SIZE = 20;

export interface RoleFormValues {
  readonly name: string;
  readonly description: string;
  readonly type: string;
}

export const EMPTY_ROLE_FORM: RoleFormValues = { name: '', description: '', type: 'User' };

const TYPE_LABEL: Record<Role['type'], string> = { User: 'User', MachineToMachine: 'Machine-to-machine' };

function CreateRoleForm({
  frame,
  values,
  errors,
}: {
  frame: PageFrame;
  values: RoleFormValues;
  errors?: FormErrors;
}) {
  return (
    <section class="card" aria-labelledby="create-role-title">
      <h2 id="create-role-title">Create role</h2>
      <FormAlert errors={errors} intro="The role was not created. Fix the problems below:" />
      <form method="post" action={consolePaths.roles} novalidate>
        <CsrfField frame={frame} />
        <div class="grid-2">
          <TextInput
            id="name"
            label="Role name"
            value={values.name}
            errors={errors}
            required
            maxLength={128}
          />
          <TextInput
            id="description"
            label="Description"
            value={values.description}
            errors={errors}
            required
            maxLength={128}
          />
        </div>
        <Field id="type" label="Assigned to" error={errors?.fields.type}>
          <select id="type" name="type" aria-invalid={errors?.fields.type ? 'true' : undefined}>
            {(['User', 'MachineToMachine'] as const).map((type) => (
              <option value={type} selected={values.type === type}>
                {TYPE_LABEL[type]}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="btn btn-primary">
          Create role
        </button>
      </form>
    </section>
  );
}

/** Roles with their member counts, and the create form below. */
export function RolesListPage(props: {
  frame: PageFrame;
  roles: readonly RoleWithMembers[];
  page: number;
  total: number;
  values: RoleFormValues;
  errors?: FormErrors | undefined;
}) {
  const { frame, roles } = props;
  return (
    <Layout title="Roles" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Roles</h1>
          <p class="subtitle">Roles group API permissions; give them to users or machine-to-machine apps.</p>
        </div>
      </div>
      {roles.length === 0 ? (
        <EmptyCard
          title="No roles yet"
          text="Create a role below, then give it permissions of your API resources."
        />
      ) : (
        <>
          <DataTable
            rows={roles}
            testId="roles-table"
            label="Roles"
            rowAttributes={(role) => ({ 'data-role-id': role.id })}
            columns={[
              {
                label: 'Role',
                className: 'name-cell',
                cell: (role) => (
                  <>
                    <a href={consolePaths.role(role.id)}>{role.name}</a>
                    <div class="hint">{role.description}</div>
                  </>
                ),
              },
              { label: 'Type', cell: (role) => <Tag tone="info">{TYPE_LABEL[role.type]}</Tag> },
              { label: 'Users', className: 'num', cell: (role) => formatCount(role.usersCount) },
            ]}
          />
          <Pagination
            page={props.page}
            pageSize={ROLES_PAGE_SIZE}
            total={props.total}
            hrefOf={(n) => `${consolePaths.roles}?page=${n}`}
            noun={['role', 'roles']}
          />
        </>
      )}
      <div class="section-gap">
        <CreateRoleForm frame={frame} values={props.values} errors={props.errors} />
      </div>
    </Layout>
  );
}

export interface RoleDetailsProps {
  frame: PageFrame;
  role: Role;
  scopes: readonly ScopeWithResource[];
  /** Every API resource with its permissions, for the assign form. */
  resources: readonly (Resource & { scopes: Scope[] })[];
  users: readonly AdminUser[];
  usersTotal: number;
  scopeErrors?: FormErrors | undefined;
  userErrors?: FormErrors | undefined;
  userIdValue?: string;
}

/** One role: its permissions and users, and forms to assign more of each. */
export function RoleDetailsPage(props: RoleDetailsProps) {
  const { frame, role } = props;
  const assigned = new Set(props.scopes.map((scope) => scope.id));
  const choices = props.resources.flatMap((resource) =>
    resource.scopes.filter((scope) => !assigned.has(scope.id)).map((scope) => ({ resource, scope })),
  );
  return (
    <Layout title={role.name} frame={frame}>
      <p>
        <a href={consolePaths.roles}>← Roles</a>
      </p>
      <div class="card">
        <h1>{role.name}</h1>
        <p class="subtitle">{role.description}</p>
        <dl class="facts section-gap">
          <dt>Role ID</dt>
          <dd class="mono" data-testid="role-id">
            {role.id}
          </dd>
          <dt>Assigned to</dt>
          <dd>{TYPE_LABEL[role.type]}</dd>
          <dt>Default role</dt>
          <dd>{role.isDefault ? 'Yes: new users get it' : 'No'}</dd>
        </dl>
      </div>
      <Section title="Permissions" id="permissions-title">
        {props.scopes.length === 0 ? (
          <p class="hint">No permission yet.</p>
        ) : (
          <DataTable
            rows={props.scopes}
            testId="role-scopes"
            label="Permissions"
            columns={[
              { label: 'Permission', cell: (scope) => <span class="mono">{scope.name}</span> },
              {
                label: 'API resource',
                cell: (scope) => <a href={consolePaths.resource(scope.resource.id)}>{scope.resource.name}</a>,
              },
              { label: 'Description', cell: (scope) => scope.description || '-' },
            ]}
          />
        )}
        <FormAlert errors={props.scopeErrors} intro="The permission was not assigned." />
        {choices.length > 0 ? (
          <form method="post" action={`${consolePaths.role(role.id)}/scopes`} class="row-form section-gap">
            <CsrfField frame={frame} />
            <div class="field">
              <label for="scopeId">Assign a permission</label>
              <select
                id="scopeId"
                name="scopeId"
                aria-invalid={props.scopeErrors?.fields.scopeId ? 'true' : undefined}
              >
                <option value="">Choose a permission</option>
                {props.resources.map((resource) => (
                  <optgroup label={resource.name}>
                    {resource.scopes
                      .filter((scope) => !assigned.has(scope.id))
                      .map((scope) => (
                        <option value={scope.id}>{scope.name}</option>
                      ))}
                  </optgroup>
                ))}
              </select>
            </div>
            <button type="submit" class="btn btn-secondary">
              Assign
            </button>
          </form>
        ) : (
          <p class="hint section-gap">
            Every permission is assigned, or there is none yet: add some on an{' '}
            <a href={consolePaths.resources}>API resource</a>.
          </p>
        )}
      </Section>
      {role.type === 'User' ? (
        <Section title={`Users (${formatCount(props.usersTotal)})`} id="users-title">
          {props.users.length === 0 ? (
            <p class="hint">No user has this role.</p>
          ) : (
            <ul class="list-inline" data-testid="role-users">
              {props.users.map((user) => (
                <li>
                  <a href={consolePaths.user(user.id)}>{userLabel(user)}</a>
                </li>
              ))}
            </ul>
          )}
          <FormAlert errors={props.userErrors} intro="The user was not assigned." />
          <form
            method="post"
            action={`${consolePaths.role(role.id)}/users`}
            class="row-form section-gap"
            novalidate
          >
            <CsrfField frame={frame} />
            <TextInput
              id="userId"
              label="Assign to a user (user ID)"
              value={props.userIdValue ?? ''}
              errors={props.userErrors}
              required
              maxLength={64}
            />
            <button type="submit" class="btn btn-secondary">
              Assign
            </button>
          </form>
        </Section>
      ) : null}
    </Layout>
  );
}
