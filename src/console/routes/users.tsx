import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { RoleAssignmentsService } from '../../services/role-assignments.js';
import type { RolesService } from '../../services/roles.js';
import type { UserActivityService } from '../../services/user-activity.js';
import type { UsersService } from '../../services/users.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { formErrorFrom, type FormErrors } from '../forms.js';
import { consoleManagementContext } from '../management-context.js';
import { consolePaths } from '../paths.js';
import { parsePage } from '../query.js';
import { ConfirmPage } from '../pages/confirm.js';
import { userLabel } from '../pages/users/user-bits.js';
import { UserDetailsPage } from '../pages/users/user-details.js';
import { USERS_PAGE_SIZE, UsersListPage } from '../pages/users/users-list.js';

export interface UsersRoutesDeps {
  readonly users: UsersService;
  readonly roles: RolesService;
  readonly roleAssignments: RoleAssignmentsService;
  readonly userActivity: UserActivityService;
  readonly trustProxy: boolean;
}

const MAX_SEARCH = 200;

/** Users: list and search, details, suspend and reactivate, role assignment, delete. */
export function usersRoutes({ users, roles, roleAssignments, userActivity, trustProxy }: UsersRoutesDeps) {
  const app = new Hono<ConsoleEnv>();

  app.get('/users', async (c) => {
    const search = (c.req.query('search') ?? '').trim();
    const page = parsePage(c.req.query('page'));
    if (search.length > MAX_SEARCH) {
      const frame = frameOf(c);
      const error = `Search for at most ${MAX_SEARCH} characters.`;
      return c.html(
        <UsersListPage
          frame={frame}
          users={[]}
          page={1}
          total={0}
          search={search.slice(0, MAX_SEARCH)}
          searchError={error}
        />,
        400,
      );
    }
    const { items, total } = await users.listUsers({
      search: search || undefined,
      page,
      pageSize: USERS_PAGE_SIZE,
    });
    return c.html(
      <UsersListPage frame={frameOf(c)} users={items} page={page} total={total} search={search} />,
    );
  });

  const renderUser = async (c: ConsoleContext, roleErrors?: FormErrors) => {
    const id = c.req.param('id') ?? '';
    const user = await users.getUser(id);
    const [assigned, assignable, activity] = await Promise.all([
      roleAssignments.listUserRoles(id, { page: 1, pageSize: 100 }),
      roles.listRoles({ type: 'User', excludeUserId: id }, { page: 1, pageSize: 100 }),
      userActivity.activityOf(id),
    ]);
    return c.html(
      <UserDetailsPage
        frame={frameOf(c)}
        user={user}
        roles={assigned.items}
        assignable={assignable.items}
        activity={activity}
        roleErrors={roleErrors}
      />,
      roleErrors ? 400 : 200,
    );
  };

  app.get('/users/:id', (c) => renderUser(c));

  const setSuspended = (isSuspended: boolean) => async (c: ConsoleContext) => {
    const userId = c.req.param('id') ?? '';
    const ctx = consoleManagementContext(c, trustProxy, 'PATCH', '/users/:userId/is-suspended', { userId });
    await users.updateIsSuspended(ctx, userId, isSuspended);
    return c.redirect(
      `${consolePaths.user(userId)}?notice=${isSuspended ? 'user-suspended' : 'user-reactivated'}`,
      303,
    );
  };
  app.post('/users/:id/suspend', setSuspended(true));
  app.post('/users/:id/reactivate', setSuspended(false));

  app.post('/users/:id/roles', async (c) => {
    const userId = c.req.param('id');
    const roleId = (await readForm(c)).get('roleId').trim();
    await users.getUser(userId);
    if (roleId === '') return renderUser(c, { fields: { roleId: 'Choose the role to assign.' } });
    try {
      await roleAssignments.assignUserRoles(
        consoleManagementContext(c, trustProxy, 'POST', '/users/:userId/roles', { userId }),
        userId,
        [roleId],
      );
    } catch (error) {
      // An unknown or machine-to-machine role is the form's problem; a vanished user is a 404.
      if (
        error instanceof AppError &&
        error.status === 404 &&
        (error.data as { name?: string })?.name === 'user'
      )
        throw error;
      return renderUser(c, formErrorFrom(error, 'roleId'));
    }
    return c.redirect(`${consolePaths.user(userId)}?notice=role-assigned`, 303);
  });

  app.get('/users/:id/delete', async (c) => {
    const user = await users.getUser(c.req.param('id'));
    return c.html(
      <ConfirmPage
        frame={frameOf(c)}
        confirmation={{
          title: 'Delete user',
          message: `Delete ${userLabel(user)}? They can no longer sign in, their roles and organization memberships are removed, and a User.Deleted event is sent. This cannot be undone.`,
          action: `${consolePaths.user(user.id)}/delete`,
          confirmLabel: 'Delete user',
          cancelHref: consolePaths.user(user.id),
          isDanger: true,
        }}
      />,
    );
  });
  app.post('/users/:id/delete', async (c) => {
    const userId = c.req.param('id');
    await users.deleteUser(
      consoleManagementContext(c, trustProxy, 'DELETE', '/users/:userId', { userId }),
      userId,
    );
    return c.redirect(`${consolePaths.users}?notice=user-deleted`, 303);
  });

  return app;
}
