import { Hono } from 'hono';
import { ROLE_TYPES, type RoleType } from '../../domain/roles.js';
import { AppError } from '../../shared/errors.js';
import type { ResourcesService } from '../../services/resources.js';
import type { RoleAssignmentsService } from '../../services/role-assignments.js';
import type { RolesService } from '../../services/roles.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { formErrorFrom, type FormErrors } from '../forms.js';
import { consoleManagementContext } from '../management-context.js';
import { consolePaths } from '../paths.js';
import { parsePage } from '../query.js';
import {
  EMPTY_ROLE_FORM,
  ROLES_PAGE_SIZE,
  RoleDetailsPage,
  RolesListPage,
  type RoleFormValues,
} from '../pages/roles.js';

export interface RolesRoutesDeps {
  readonly roles: RolesService;
  readonly roleAssignments: RoleAssignmentsService;
  readonly resources: ResourcesService;
  readonly trustProxy: boolean;
}

/** Same limits as `POST /roles`. */
function validateRole(values: RoleFormValues): FormErrors {
  const fields: Record<string, string> = {};
  if (values.name === '') fields.name = 'Enter a name for the role.';
  else if (values.name.length > 128) fields.name = 'The name must be at most 128 characters.';
  if (values.description === '')
    fields.description = 'Enter a description: it tells admins what the role is for.';
  else if (values.description.length > 128)
    fields.description = 'The description must be at most 128 characters.';
  if (!(ROLE_TYPES as readonly string[]).includes(values.type)) fields.type = 'Choose who the role is for.';
  return { fields };
}

/** The 404 of the entity in the URL stays a 404; any other refusal is the form's problem. */
const isMissing = (error: unknown, name: string) =>
  error instanceof AppError &&
  error.status === 404 &&
  (error.data as { name?: string } | undefined)?.name === name;

/** Roles: list and create, details with permissions and users, and assigning either. */
export function rolesRoutes({ roles, roleAssignments, resources, trustProxy }: RolesRoutesDeps) {
  const app = new Hono<ConsoleEnv>();

  const renderList = async (c: ConsoleContext, values = EMPTY_ROLE_FORM, errors?: FormErrors) => {
    const page = errors ? 1 : parsePage(c.req.query('page'));
    const { items, total } = await roles.listRoles({}, { page, pageSize: ROLES_PAGE_SIZE });
    return c.html(
      <RolesListPage
        frame={frameOf(c)}
        roles={items}
        page={page}
        total={total}
        values={values}
        errors={errors}
      />,
      errors ? 400 : 200,
    );
  };

  app.get('/roles', (c) => renderList(c));
  app.post('/roles', async (c) => {
    const form = await readForm(c);
    const values = {
      name: form.get('name').trim(),
      description: form.get('description').trim(),
      type: form.get('type'),
    };
    const errors = validateRole(values);
    if (Object.keys(errors.fields).length > 0) return renderList(c, values, errors);
    try {
      const role = await roles.createRole(consoleManagementContext(c, trustProxy, 'POST', '/roles', {}), {
        name: values.name,
        description: values.description,
        type: values.type as RoleType,
      });
      return c.redirect(`${consolePaths.role(role.id)}?notice=role-created`, 303);
    } catch (error) {
      return renderList(c, values, formErrorFrom(error, 'name'));
    }
  });

  const renderRole = async (
    c: ConsoleContext,
    options: { scopeErrors?: FormErrors; userErrors?: FormErrors; userIdValue?: string } = {},
  ) => {
    const role = await roles.getRole(c.req.param('id') ?? '');
    const [scopes, all, members] = await Promise.all([
      roles.listRoleScopes(role.id),
      resources.listResources().then(({ items }) =>
        Promise.all(
          items.map(async (resource) => ({
            ...resource,
            scopes: (await resources.listScopes(resource.id)).items,
          })),
        ),
      ),
      roleAssignments.listRoleUsers(role.id, { page: 1, pageSize: 50 }),
    ]);
    return c.html(
      <RoleDetailsPage
        frame={frameOf(c)}
        role={role}
        scopes={scopes.items}
        resources={all}
        users={members.items}
        usersTotal={members.total}
        {...options}
      />,
      options.scopeErrors || options.userErrors ? 400 : 200,
    );
  };

  app.get('/roles/:id', (c) => renderRole(c));

  app.post('/roles/:id/scopes', async (c) => {
    const id = c.req.param('id');
    const scopeId = (await readForm(c)).get('scopeId').trim();
    if (scopeId === '')
      return renderRole(c, { scopeErrors: { fields: { scopeId: 'Choose the permission to assign.' } } });
    try {
      await roles.assignRoleScopes(
        consoleManagementContext(c, trustProxy, 'POST', '/roles/:id/scopes', { id }),
        id,
        [scopeId],
      );
    } catch (error) {
      if (isMissing(error, 'role')) throw error;
      return renderRole(c, { scopeErrors: formErrorFrom(error, 'scopeId') });
    }
    return c.redirect(`${consolePaths.role(id)}?notice=scopes-assigned`, 303);
  });

  app.post('/roles/:id/users', async (c) => {
    const id = c.req.param('id');
    const userId = (await readForm(c)).get('userId').trim();
    if (userId === '') {
      return renderRole(c, { userErrors: { fields: { userId: 'Enter the ID of the user to assign.' } } });
    }
    try {
      await roleAssignments.assignRoleUsers(
        consoleManagementContext(c, trustProxy, 'POST', '/roles/:id/users', { id }),
        id,
        [userId],
      );
    } catch (error) {
      if (isMissing(error, 'role')) throw error;
      return renderRole(c, { userErrors: formErrorFrom(error, 'userId'), userIdValue: userId });
    }
    return c.redirect(`${consolePaths.role(id)}?notice=users-assigned`, 303);
  });

  return app;
}
