import { Hono } from 'hono';
import { hasSpace, resourceIndicatorSchema } from '../../domain/resources.js';
import { AppError } from '../../shared/errors.js';
import type { ResourcesService } from '../../services/resources.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { formErrorFrom, type FormErrors } from '../forms.js';
import { consoleManagementContext } from '../management-context.js';
import { consolePaths } from '../paths.js';
import { parsePage } from '../query.js';
import {
  EMPTY_RESOURCE_FORM,
  EMPTY_SCOPE_FORM,
  RESOURCES_PAGE_SIZE,
  ResourceDetailsPage,
  ResourcesListPage,
  type ResourceFormValues,
  type ScopeFormValues,
} from '../pages/resources.js';

const MAX_TTL = 86_400 * 365;

/** Same rules as `POST /resources`; the TTL as typed, or undefined for the default. */
function validateResource(values: ResourceFormValues): { errors: FormErrors; ttl: number | undefined } {
  const fields: Record<string, string> = {};
  if (values.name === '') fields.name = 'Enter a name for the API.';
  else if (values.name.length > 256) fields.name = 'The name must be at most 256 characters.';
  if (values.indicator === '') fields.indicator = 'Enter the API identifier.';
  else if (!resourceIndicatorSchema.safeParse(values.indicator).success) {
    fields.indicator = 'The API identifier must be an absolute URI without #, e.g. https://api.example.com.';
  }
  let ttl: number | undefined;
  if (values.accessTokenTtl !== '') {
    ttl = /^\d{1,9}$/.test(values.accessTokenTtl) ? Number(values.accessTokenTtl) : Number.NaN;
    if (!(ttl >= 1 && ttl <= MAX_TTL)) {
      fields.accessTokenTtl = `The token lifetime must be a whole number of seconds from 1 to ${MAX_TTL}.`;
    }
  }
  return { errors: { fields }, ttl };
}

function validateScope(values: ScopeFormValues): FormErrors {
  const fields: Record<string, string> = {};
  if (values.scopeName === '') fields.scopeName = 'Enter a name for the permission.';
  else if (values.scopeName.length > 256) fields.scopeName = 'The name must be at most 256 characters.';
  else if (hasSpace(values.scopeName)) fields.scopeName = 'A permission name cannot contain spaces.';
  if (values.scopeDescription.length > 2048) {
    fields.scopeDescription = 'The description must be at most 2048 characters.';
  }
  return { fields };
}

/** API resources: list and create, details with permissions, adding a permission. */
export function resourcesRoutes({
  resources,
  trustProxy,
}: {
  resources: ResourcesService;
  trustProxy: boolean;
}) {
  const app = new Hono<ConsoleEnv>();

  const renderList = async (c: ConsoleContext, values = EMPTY_RESOURCE_FORM, errors?: FormErrors) => {
    const page = errors ? 1 : parsePage(c.req.query('page'));
    const { items, total } = await resources.listResources({ page, pageSize: RESOURCES_PAGE_SIZE });
    return c.html(
      <ResourcesListPage
        frame={frameOf(c)}
        resources={items}
        page={page}
        total={total}
        values={values}
        errors={errors}
      />,
      errors ? 400 : 200,
    );
  };

  app.get('/api-resources', (c) => renderList(c));
  app.post('/api-resources', async (c) => {
    const form = await readForm(c);
    const values = {
      name: form.get('name').trim(),
      indicator: form.get('indicator').trim(),
      accessTokenTtl: form.get('accessTokenTtl').trim(),
    };
    const { errors, ttl } = validateResource(values);
    if (Object.keys(errors.fields).length > 0) return renderList(c, values, errors);
    try {
      const resource = await resources.createResource({
        name: values.name,
        indicator: values.indicator,
        ...(ttl === undefined ? {} : { accessTokenTtl: ttl }),
      });
      return c.redirect(`${consolePaths.resource(resource.id)}?notice=resource-created`, 303);
    } catch (error) {
      return renderList(c, values, formErrorFrom(error, 'indicator'));
    }
  });

  const renderResource = async (c: ConsoleContext, values = EMPTY_SCOPE_FORM, errors?: FormErrors) => {
    const resource = await resources.getResource(c.req.param('id') ?? '');
    const scopes = await resources.listScopes(resource.id);
    return c.html(
      <ResourceDetailsPage
        frame={frameOf(c)}
        resource={resource}
        scopes={scopes.items}
        values={values}
        errors={errors}
      />,
      errors ? 400 : 200,
    );
  };

  app.get('/api-resources/:id', (c) => renderResource(c));
  app.post('/api-resources/:id/scopes', async (c) => {
    const resourceId = c.req.param('id');
    const form = await readForm(c);
    const values = {
      scopeName: form.get('scopeName').trim(),
      scopeDescription: form.get('scopeDescription').trim(),
    };
    const errors = validateScope(values);
    if (Object.keys(errors.fields).length > 0) return renderResource(c, values, errors);
    try {
      await resources.createScope(
        consoleManagementContext(c, trustProxy, 'POST', '/resources/:resourceId/scopes', { resourceId }),
        resourceId,
        { name: values.scopeName, description: values.scopeDescription || null },
      );
    } catch (error) {
      if (error instanceof AppError && error.status === 404) throw error;
      return renderResource(c, values, formErrorFrom(error, 'scopeName'));
    }
    return c.redirect(`${consolePaths.resource(resourceId)}?notice=scope-created`, 303);
  });

  return app;
}
