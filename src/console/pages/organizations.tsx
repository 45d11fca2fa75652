import type { Organization } from '../../domain/organizations.js';
import type { OrganizationMember } from '../../services/organization-users.js';
import { Pagination } from '../components.js';
import { formatCount, formatTime } from '../format.js';
import { FormAlert, Section, TextArea, TextInput, type FormErrors } from '../forms.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { DataTable, EmptyCard } from '../table.js';
import { userLabel } from './users/user-bits.js';

export const ORGANIZATIONS_PAGE_SIZE = 20;

export interface OrganizationFormValues {
  readonly name: string;
  readonly description: string;
}
export const EMPTY_ORGANIZATION_FORM: OrganizationFormValues = { name: '', description: '' };

/** Organizations and the create form. */
export function OrganizationsListPage(props: {
  frame: PageFrame;
  organizations: readonly (Organization & { usersCount?: number })[];
  page: number;
  total: number;
  values: OrganizationFormValues;
  errors?: FormErrors | undefined;
}) {
  const { frame, values, errors } = props;
  return (
    <Layout title="Organizations" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Organizations</h1>
          <p class="subtitle">Teams, customers or tenants your users belong to.</p>
        </div>
      </div>
      {props.organizations.length === 0 ? (
        <EmptyCard title="No organizations yet" text="Create one below, then add its members." />
      ) : (
        <>
          <DataTable
            rows={props.organizations}
            testId="organizations-table"
            label="Organizations"
            rowAttributes={(organization) => ({ 'data-organization-id': organization.id })}
            columns={[
              {
                label: 'Name',
                className: 'name-cell',
                cell: (organization) => (
                  <>
                    <a href={consolePaths.organization(organization.id)}>{organization.name}</a>
                    <div class="hint">{organization.description ?? ''}</div>
                  </>
                ),
              },
              {
                label: 'Members',
                className: 'num',
                cell: (organization) => formatCount(organization.usersCount ?? 0),
              },
              { label: 'Created', cell: (organization) => formatTime(organization.createdAt) },
            ]}
          />
          <Pagination
            page={props.page}
            pageSize={ORGANIZATIONS_PAGE_SIZE}
            total={props.total}
            hrefOf={(n) => `${consolePaths.organizations}?page=${n}`}
            noun={['organization', 'organizations']}
          />
        </>
      )}
      <section class="card section-gap" aria-labelledby="create-organization-title">
        <h2 id="create-organization-title">Create organization</h2>
        <FormAlert errors={errors} intro="The organization was not created. Fix the problems below:" />
        <form method="post" action={consolePaths.organizations} novalidate>
          <CsrfField frame={frame} />
          <TextInput
            id="name"
            label="Organization name"
            value={values.name}
            errors={errors}
            required
            maxLength={128}
          />
          <TextArea
            id="description"
            label="Description (optional)"
            value={values.description}
            errors={errors}
            rows={2}
          />
          <button type="submit" class="btn btn-primary">
            Create organization
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** One organization: its facts, members with their organization roles, and the add-member form. */
export function OrganizationDetailsPage(props: {
  frame: PageFrame;
  organization: Organization;
  members: readonly OrganizationMember[];
  membersTotal: number;
  userIdValue: string;
  errors?: FormErrors | undefined;
}) {
  const { frame, organization, errors } = props;
  return (
    <Layout title={organization.name} frame={frame}>
      <p>
        <a href={consolePaths.organizations}>← Organizations</a>
      </p>
      <div class="card">
        <h1>{organization.name}</h1>
        {organization.description ? <p class="subtitle">{organization.description}</p> : null}
        <dl class="facts section-gap">
          <dt>Organization ID</dt>
          <dd class="mono" data-testid="organization-id">
            {organization.id}
          </dd>
          <dt>MFA required</dt>
          <dd>{organization.isMfaRequired ? 'Yes' : 'No'}</dd>
          <dt>Created</dt>
          <dd>{formatTime(organization.createdAt)}</dd>
        </dl>
      </div>
      <Section title={`Members (${formatCount(props.membersTotal)})`} id="members-title">
        {props.members.length === 0 ? (
          <p class="hint">No member yet.</p>
        ) : (
          <DataTable
            rows={props.members}
            testId="organization-members"
            label="Members"
            columns={[
              {
                label: 'User',
                className: 'name-cell',
                cell: (member) => <a href={consolePaths.user(member.id)}>{userLabel(member)}</a>,
              },
              { label: 'Email', cell: (member) => member.primaryEmail ?? '-' },
              {
                label: 'Organization roles',
                cell: (member) =>
                  member.organizationRoles.length === 0
                    ? '-'
                    : member.organizationRoles.map((r) => r.name).join(', '),
              },
            ]}
          />
        )}
        <h3>Add a member</h3>
        <FormAlert errors={errors} intro="The member was not added." />
        <form
          method="post"
          action={`${consolePaths.organization(organization.id)}/members`}
          class="row-form"
          novalidate
        >
          <CsrfField frame={frame} />
          <TextInput
            id="userId"
            label="User ID"
            value={props.userIdValue}
            errors={errors}
            required
            maxLength={64}
            hint="Shown on the user's page."
          />
          <button type="submit" class="btn btn-secondary">
            Add member
          </button>
        </form>
      </Section>
    </Layout>
  );
}
