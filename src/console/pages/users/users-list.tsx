import type { AdminUser } from '../../../domain/users.js';
import { Pagination } from '../../components.js';
import { formatTime } from '../../format.js';
import { Layout, type PageFrame } from '../../layout.js';
import { consolePaths } from '../../paths.js';
import { DataTable, EmptyCard } from '../../table.js';
import { SuspensionTag, userLabel } from './user-bits.js';

export const USERS_PAGE_SIZE = 20;

/** Users, newest first, with a search over id, username, email, phone and name. */
export function UsersListPage({
  frame,
  users,
  page,
  total,
  search,
  searchError,
}: {
  frame: PageFrame;
  users: readonly AdminUser[];
  page: number;
  total: number;
  search: string;
  searchError?: string | undefined;
}) {
  const hrefOf = (n: number) =>
    `${consolePaths.users}?${new URLSearchParams({ ...(search ? { search } : {}), page: String(n) }).toString()}`;
  return (
    <Layout title="Users" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Users</h1>
          <p class="subtitle">
            Everyone who can sign in. Suspending or deleting a user sends the same webhook events as the
            Management API.
          </p>
        </div>
      </div>
      <form method="get" action={consolePaths.users} class="filters" role="search" data-testid="user-search">
        <div class="field">
          <label for="search">Search</label>
          <input
            type="search"
            id="search"
            name="search"
            value={search}
            maxlength={200}
            placeholder="ID, username, email, phone or name"
            aria-invalid={searchError ? 'true' : undefined}
            aria-describedby={searchError ? 'search-error' : undefined}
          />
        </div>
        <button type="submit" class="btn btn-secondary">
          Search
        </button>
        {searchError ? (
          <p class="alert" role="alert" id="search-error" data-testid="error">
            {searchError}
          </p>
        ) : null}
      </form>
      {users.length === 0 ? (
        <EmptyCard
          title={search ? 'No user matches' : 'No users yet'}
          text={
            search
              ? 'Nothing matches this search. Try part of an email address, a username or a user ID.'
              : 'Users appear here when they register on the hosted sign-up page or are created through the Management API.'
          }
        />
      ) : (
        <>
          <DataTable
            rows={users}
            testId="users-table"
            label="Users"
            rowAttributes={(user) => ({ 'data-user-id': user.id })}
            columns={[
              {
                label: 'User',
                className: 'name-cell',
                cell: (user) => (
                  <>
                    <a href={consolePaths.user(user.id)}>{userLabel(user)}</a>
                    <div class="hint mono">{user.id}</div>
                  </>
                ),
              },
              { label: 'Email', cell: (user) => user.primaryEmail ?? '-' },
              { label: 'Status', cell: (user) => <SuspensionTag user={user} /> },
              { label: 'Created', cell: (user) => formatTime(user.createdAt) },
            ]}
          />
          <Pagination
            page={page}
            pageSize={USERS_PAGE_SIZE}
            total={total}
            hrefOf={hrefOf}
            noun={['user', 'users']}
          />
        </>
      )}
    </Layout>
  );
}
