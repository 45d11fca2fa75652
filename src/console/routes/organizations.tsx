import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { OrganizationUsersService } from '../../services/organization-users.js';
import type { OrganizationsService } from '../../services/organizations.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { formErrorFrom, type FormErrors } from '../forms.js';
import { consoleManagementContext } from '../management-context.js';
import { consolePaths } from '../paths.js';
import { parsePage } from '../query.js';
import {
  EMPTY_ORGANIZATION_FORM,
  ORGANIZATIONS_PAGE_SIZE,
  OrganizationDetailsPage,
  OrganizationsListPage,
  type OrganizationFormValues,
} from '../pages/organizations.js';

export interface OrganizationsRoutesDeps {
  readonly organizations: OrganizationsService;
  readonly organizationUsers: OrganizationUsersService;
  readonly trustProxy: boolean;
}

/** Same limits as `POST /organizations`. */
function validateOrganization(values: OrganizationFormValues): FormErrors {
  const fields: Record<string, string> = {};
  if (values.name === '') fields.name = 'Enter a name for the organization.';
  else if (values.name.length > 128) fields.name = 'The name must be at most 128 characters.';
  if (values.description.length > 256) fields.description = 'The description must be at most 256 characters.';
  return { fields };
}

/** Organizations: list and create, details with members, adding a member. */
export function organizationsRoutes({
  organizations,
  organizationUsers,
  trustProxy,
}: OrganizationsRoutesDeps) {
  const app = new Hono<ConsoleEnv>();

  const renderList = async (c: ConsoleContext, values = EMPTY_ORGANIZATION_FORM, errors?: FormErrors) => {
    const page = errors ? 1 : parsePage(c.req.query('page'));
    const { items, total } = await organizations.listOrganizations(
      { showFeatured: true },
      { page, pageSize: ORGANIZATIONS_PAGE_SIZE },
    );
    return c.html(
      <OrganizationsListPage
        frame={frameOf(c)}
        organizations={items}
        page={page}
        total={total}
        values={values}
        errors={errors}
      />,
      errors ? 400 : 200,
    );
  };

  app.get('/organizations', (c) => renderList(c));
  app.post('/organizations', async (c) => {
    const form = await readForm(c);
    const values = { name: form.get('name').trim(), description: form.get('description').trim() };
    const errors = validateOrganization(values);
    if (Object.keys(errors.fields).length > 0) return renderList(c, values, errors);
    try {
      const organization = await organizations.createOrganization(
        consoleManagementContext(c, trustProxy, 'POST', '/organizations', {}),
        { name: values.name, description: values.description || null },
      );
      return c.redirect(`${consolePaths.organization(organization.id)}?notice=organization-created`, 303);
    } catch (error) {
      return renderList(c, values, formErrorFrom(error, 'name'));
    }
  });

  const renderOrganization = async (c: ConsoleContext, userIdValue = '', errors?: FormErrors) => {
    const organization = await organizations.getOrganization(c.req.param('id') ?? '');
    const members = await organizationUsers.listMembers(organization.id, {}, { page: 1, pageSize: 100 });
    return c.html(
      <OrganizationDetailsPage
        frame={frameOf(c)}
        organization={organization}
        members={members.items}
        membersTotal={members.total}
        userIdValue={userIdValue}
        errors={errors}
      />,
      errors ? 400 : 200,
    );
  };

  app.get('/organizations/:id', (c) => renderOrganization(c));
  app.post('/organizations/:id/members', async (c) => {
    const id = c.req.param('id');
    const userId = (await readForm(c)).get('userId').trim();
    if (userId === '')
      return renderOrganization(c, '', { fields: { userId: 'Enter the ID of the user to add.' } });
    try {
      await organizationUsers.addMembers(
        consoleManagementContext(c, trustProxy, 'POST', '/organizations/:id/users', { id }),
        id,
        [userId],
      );
    } catch (error) {
      if (error instanceof AppError && (error.data as { name?: string } | undefined)?.name === 'organization')
        throw error;
      return renderOrganization(c, userId, formErrorFrom(error, 'userId'));
    }
    return c.redirect(`${consolePaths.organization(id)}?notice=members-added`, 303);
  });

  return app;
}
