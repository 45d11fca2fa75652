import { APPLICATION_TYPES, type ApplicationResponse } from '../../../domain/applications.js';
import { Pagination, Tag } from '../../components.js';
import { APPLICATION_TYPE_TEXT, type ApplicationFormValues } from '../../application-form.js';
import { formatTime } from '../../format.js';
import { FormAlert, TextArea, TextInput, type FormErrors } from '../../forms.js';
import { CsrfField, Layout, type PageFrame } from '../../layout.js';
import { consolePaths } from '../../paths.js';
import { DataTable, EmptyCard } from '../../table.js';

export const APPLICATIONS_PAGE_SIZE = 20;

export function TypeTag({ type }: { type: ApplicationResponse['type'] }) {
  return <Tag tone="info">{APPLICATION_TYPE_TEXT[type].label}</Tag>;
}

/** Applications, newest first. */
export function ApplicationsListPage({
  frame,
  applications,
  page,
  total,
}: {
  frame: PageFrame;
  applications: readonly ApplicationResponse[];
  page: number;
  total: number;
}) {
  return (
    <Layout title="Applications" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Applications</h1>
          <p class="subtitle">The clients that sign users in or call the Management API.</p>
        </div>
        <a class="btn btn-primary" href={consolePaths.createApplication}>
          Create application
        </a>
      </div>
      {applications.length === 0 ? (
        <EmptyCard
          title="No applications"
          text="Create one for each site, app or service that uses idhooks."
        />
      ) : (
        <>
          <DataTable
            rows={applications}
            testId="applications-table"
            label="Applications"
            rowAttributes={(app) => ({ 'data-application-id': app.id })}
            columns={[
              {
                label: 'Name',
                className: 'name-cell',
                cell: (app) => (
                  <>
                    <a href={consolePaths.application(app.id)}>{app.name}</a>
                    <div class="hint mono">{app.id}</div>
                  </>
                ),
              },
              { label: 'Type', cell: (app) => <TypeTag type={app.type} /> },
              { label: 'Created', cell: (app) => formatTime(app.createdAt) },
            ]}
          />
          <Pagination
            page={page}
            pageSize={APPLICATIONS_PAGE_SIZE}
            total={total}
            hrefOf={(n) => `${consolePaths.applications}?page=${n}`}
            noun={['application', 'applications']}
          />
        </>
      )}
    </Layout>
  );
}

/** Create an application: name, type (a radio group with what each is for), redirect URIs. */
export function CreateApplicationPage({
  frame,
  values,
  errors,
}: {
  frame: PageFrame;
  values: ApplicationFormValues;
  errors?: FormErrors | undefined;
}) {
  const typeError = errors?.fields['type-Traditional'];
  return (
    <Layout title="Create application" frame={frame}>
      <p>
        <a href={consolePaths.applications}>← Applications</a>
      </p>
      <div class="card">
        <h1>Create application</h1>
        <p class="subtitle">Traditional and machine-to-machine applications get a secret, shown once.</p>
        <FormAlert errors={errors} intro="The application was not created. Fix the problems below:" />
        <form method="post" action={consolePaths.applications} novalidate>
          <CsrfField frame={frame} />
          <TextInput
            id="name"
            label="Application name"
            value={values.name}
            errors={errors}
            required
            maxLength={256}
          />
          <fieldset aria-describedby={typeError ? 'type-error' : undefined}>
            <legend>Type</legend>
            {typeError ? (
              <p class="field-error" id="type-error" data-testid="type-error">
                {typeError}
              </p>
            ) : null}
            {APPLICATION_TYPES.map((type) => (
              <label class="check">
                <input
                  type="radio"
                  name="type"
                  id={`type-${type}`}
                  value={type}
                  checked={values.type === type}
                  aria-invalid={typeError ? 'true' : undefined}
                />
                <span>
                  <strong>{APPLICATION_TYPE_TEXT[type].label}</strong>
                  <span class="hint"> {APPLICATION_TYPE_TEXT[type].hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <TextArea
            id="description"
            label="Description (optional)"
            value={values.description}
            errors={errors}
            rows={2}
          />
          <TextArea
            id="redirectUris"
            label="Redirect URIs"
            value={values.redirectUris}
            errors={errors}
            hint="One per line, e.g. https://app.example/callback. Leave empty for machine-to-machine."
          />
          <TextArea
            id="postLogoutRedirectUris"
            label="Post sign-out redirect URIs (optional)"
            value={values.postLogoutRedirectUris}
            errors={errors}
            hint="One per line."
          />
          <div class="actions">
            <button type="submit" class="btn btn-primary">
              Create application
            </button>
            <a class="btn btn-secondary" href={consolePaths.applications}>
              Cancel
            </a>
          </div>
        </form>
      </div>
    </Layout>
  );
}
