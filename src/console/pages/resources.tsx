import type { Resource, Scope } from '../../domain/resources.js';
import { Pagination } from '../components.js';
import { FormAlert, Section, TextInput, type FormErrors } from '../forms.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { DataTable, EmptyCard } from '../table.js';

export const RESOURCES_PAGE_SIZE = 20;

export interface ResourceFormValues {
  readonly name: string;
  readonly indicator: string;
  readonly accessTokenTtl: string;
}
export const EMPTY_RESOURCE_FORM: ResourceFormValues = { name: '', indicator: '', accessTokenTtl: '' };

export interface ScopeFormValues {
  readonly scopeName: string;
  readonly scopeDescription: string;
}
export const EMPTY_SCOPE_FORM: ScopeFormValues = { scopeName: '', scopeDescription: '' };

/** API resources and the create form. */
export function ResourcesListPage(props: {
  frame: PageFrame;
  resources: readonly Resource[];
  page: number;
  total: number;
  values: ResourceFormValues;
  errors?: FormErrors | undefined;
}) {
  const { frame, values, errors } = props;
  return (
    <Layout title="API resources" frame={frame}>
      <div class="page-head">
        <div>
          <h1>API resources</h1>
          <p class="subtitle">
            The APIs your applications get access tokens for; each defines the permissions roles can grant.
          </p>
        </div>
      </div>
      {props.resources.length === 0 ? (
        <EmptyCard
          title="No API resources yet"
          text="Create one below for each API that accepts idhooks tokens."
        />
      ) : (
        <>
          <DataTable
            rows={props.resources}
            testId="resources-table"
            label="API resources"
            rowAttributes={(resource) => ({ 'data-resource-id': resource.id })}
            columns={[
              {
                label: 'Name',
                className: 'name-cell',
                cell: (resource) => <a href={consolePaths.resource(resource.id)}>{resource.name}</a>,
              },
              { label: 'Identifier', cell: (resource) => <span class="mono">{resource.indicator}</span> },
              {
                label: 'Token lifetime',
                className: 'num',
                cell: (resource) => `${resource.accessTokenTtl} s`,
              },
            ]}
          />
          <Pagination
            page={props.page}
            pageSize={RESOURCES_PAGE_SIZE}
            total={props.total}
            hrefOf={(n) => `${consolePaths.resources}?page=${n}`}
            noun={['API resource', 'API resources']}
          />
        </>
      )}
      <section class="card section-gap" aria-labelledby="create-resource-title">
        <h2 id="create-resource-title">Create API resource</h2>
        <FormAlert errors={errors} intro="The API resource was not created. Fix the problems below:" />
        <form method="post" action={consolePaths.resources} novalidate>
          <CsrfField frame={frame} />
          <div class="grid-2">
            <TextInput
              id="name"
              label="API name"
              value={values.name}
              errors={errors}
              required
              maxLength={256}
            />
            <TextInput
              id="indicator"
              label="API identifier"
              value={values.indicator}
              errors={errors}
              required
              maxLength={2048}
              hint="An absolute URI without #, e.g. https://api.example.com; tokens name it as their audience."
            />
          </div>
          <TextInput
            id="accessTokenTtl"
            label="Token lifetime in seconds (optional)"
            value={values.accessTokenTtl}
            errors={errors}
            hint="Default 3600."
          />
          <button type="submit" class="btn btn-primary">
            Create API resource
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** One API resource with its permissions and the form to add one. */
export function ResourceDetailsPage(props: {
  frame: PageFrame;
  resource: Resource;
  scopes: readonly Scope[];
  values: ScopeFormValues;
  errors?: FormErrors | undefined;
}) {
  const { frame, resource, values, errors } = props;
  return (
    <Layout title={resource.name} frame={frame}>
      <p>
        <a href={consolePaths.resources}>← API resources</a>
      </p>
      <div class="card">
        <h1>{resource.name}</h1>
        <dl class="facts section-gap">
          <dt>Resource ID</dt>
          <dd class="mono" data-testid="resource-id">
            {resource.id}
          </dd>
          <dt>API identifier</dt>
          <dd class="mono">{resource.indicator}</dd>
          <dt>Token lifetime</dt>
          <dd>{resource.accessTokenTtl} seconds</dd>
        </dl>
      </div>
      <Section title="Permissions" id="permissions-title">
        {props.scopes.length === 0 ? (
          <p class="hint">No permission yet.</p>
        ) : (
          <DataTable
            rows={props.scopes}
            testId="resource-scopes"
            label="Permissions"
            columns={[
              { label: 'Permission', cell: (scope) => <span class="mono">{scope.name}</span> },
              { label: 'Description', cell: (scope) => scope.description || '-' },
            ]}
          />
        )}
        <h3>Add a permission</h3>
        <FormAlert errors={errors} intro="The permission was not created. Fix the problems below:" />
        <form method="post" action={`${consolePaths.resource(resource.id)}/scopes`} novalidate>
          <CsrfField frame={frame} />
          <div class="grid-2">
            <TextInput
              id="scopeName"
              label="Permission name"
              value={values.scopeName}
              errors={errors}
              required
              maxLength={256}
              hint="No spaces, e.g. read:orders."
            />
            <TextInput
              id="scopeDescription"
              label="Description (optional)"
              value={values.scopeDescription}
              errors={errors}
              maxLength={2048}
            />
          </div>
          <button type="submit" class="btn btn-secondary">
            Add permission
          </button>
        </form>
      </Section>
    </Layout>
  );
}
