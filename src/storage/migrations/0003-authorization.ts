import type { Kysely } from 'kysely';

/**
 * API resources and their scopes, roles, organizations with their roles, scopes, members and
 * invitations (Logto's authorization model), and `applications.custom_data`.
 *
 * Every relation row references both ends with `on delete cascade`: deleting a parent removes its
 * relations in the same statement, as in Logto, and only the parent's own event is emitted (contract
 * docs/events.md#management-api-routes-and-their-events "Cascades"). SQLite enforces the references because the dialect turns `foreign_keys` on.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('applications')
    .addColumn('custom_data', 'text', (col) => col.notNull().defaultTo('{}'))
    .execute();

  await db.schema
    .createTable('resources')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('indicator', 'text', (col) => col.notNull())
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('access_token_ttl', 'bigint', (col) => col.notNull().defaultTo(3600))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('resources__indicator', ['tenant_id', 'indicator'])
    .execute();

  await db.schema
    .createTable('scopes')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('resource_id', 'varchar(21)', (col) =>
      col.notNull().references('resources.id').onDelete('cascade'),
    )
    .addColumn('name', 'varchar(256)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('scopes__resource_id_name', ['tenant_id', 'resource_id', 'name'])
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(128)', (col) => col.notNull())
    .addColumn('description', 'varchar(128)', (col) => col.notNull())
    .addColumn('type', 'varchar(32)', (col) => col.notNull().defaultTo('User'))
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('roles__name', ['tenant_id', 'name'])
    .execute();

  await createRelation(db, 'roles_scopes', ['role_id', 'roles.id'], ['scope_id', 'scopes.id']);
  await createRelation(db, 'users_roles', ['user_id', 'users.id'], ['role_id', 'roles.id']);

  await db.schema
    .createTable('organizations')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(128)', (col) => col.notNull())
    .addColumn('description', 'varchar(256)')
    .addColumn('custom_data', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('is_mfa_required', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('color', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('branding', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('custom_css', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('organizations__created_at')
    .on('organizations')
    .columns(['tenant_id', 'created_at'])
    .execute();

  for (const table of ['organization_scopes', 'organization_roles']) {
    await db.schema
      .createTable(table)
      .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
      .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
      .addColumn('name', 'varchar(128)', (col) => col.notNull())
      .addColumn('description', 'varchar(256)')
      .$call((t) =>
        table === 'organization_roles'
          ? t.addColumn('type', 'varchar(32)', (col) => col.notNull().defaultTo('User'))
          : t,
      )
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint(`${table}__name`, ['tenant_id', 'name'])
      .execute();
  }

  await createRelation(
    db,
    'organization_role_scope_relations',
    ['organization_role_id', 'organization_roles.id'],
    ['organization_scope_id', 'organization_scopes.id'],
  );
  await createRelation(
    db,
    'organization_role_resource_scope_relations',
    ['organization_role_id', 'organization_roles.id'],
    ['scope_id', 'scopes.id'],
  );
  await createRelation(
    db,
    'organization_user_relations',
    ['organization_id', 'organizations.id'],
    ['user_id', 'users.id'],
  );
  await createRelation(
    db,
    'organization_application_relations',
    ['organization_id', 'organizations.id'],
    ['application_id', 'applications.id'],
  );

  // A member's roles hang off the membership itself: removing the member (or the organization, or
  // the user) removes the member's roles with it, so no role can outlive the membership.
  await db.schema
    .createTable('organization_role_user_relations')
    .addColumn('organization_id', 'varchar(21)', (col) => col.notNull())
    .addColumn('organization_role_id', 'varchar(21)', (col) =>
      col.notNull().references('organization_roles.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'varchar(12)', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('organization_role_user_relations__pk', [
      'organization_id',
      'organization_role_id',
      'user_id',
    ])
    .addForeignKeyConstraint(
      'organization_role_user_relations__membership',
      ['organization_id', 'user_id'],
      'organization_user_relations',
      ['organization_id', 'user_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('organization_role_user_relations__user')
    .on('organization_role_user_relations')
    .columns(['organization_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('organization_invitations')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('inviter_id', 'varchar(12)', (col) => col.references('users.id').onDelete('cascade'))
    .addColumn('invitee', 'varchar(256)', (col) => col.notNull())
    .addColumn('accepted_user_id', 'varchar(12)', (col) => col.references('users.id').onDelete('cascade'))
    .addColumn('organization_id', 'varchar(21)', (col) =>
      col.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('status', 'varchar(32)', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('organization_invitations__organization')
    .on('organization_invitations')
    .columns(['organization_id', 'created_at'])
    .execute();
  await createRelation(
    db,
    'organization_invitation_role_relations',
    ['organization_invitation_id', 'organization_invitations.id'],
    ['organization_role_id', 'organization_roles.id'],
  );
}

/**
 * A many-to-many table: both columns reference their parent with `on delete cascade`, the pair is
 * the primary key, and the second column is indexed for lookups from its side.
 */
async function createRelation(
  db: Kysely<any>,
  table: string,
  [left, leftRef]: [string, string],
  [right, rightRef]: [string, string],
): Promise<void> {
  // Id widths follow the referenced table: users have 12-character ids, everything else 21.
  const width = (ref: string) => (ref.startsWith('users.') ? 'varchar(12)' : 'varchar(21)');
  await db.schema
    .createTable(table)
    .addColumn(left, width(leftRef), (col) => col.notNull().references(leftRef).onDelete('cascade'))
    .addColumn(right, width(rightRef), (col) => col.notNull().references(rightRef).onDelete('cascade'))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint(`${table}__pk`, [left, right])
    .execute();
  await db.schema.createIndex(`${table}__${right}`).on(table).columns([right]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'organization_invitation_role_relations',
    'organization_invitations',
    'organization_role_user_relations',
    'organization_application_relations',
    'organization_user_relations',
    'organization_role_resource_scope_relations',
    'organization_role_scope_relations',
    'organization_roles',
    'organization_scopes',
    'organizations',
    'users_roles',
    'roles_scopes',
    'roles',
    'scopes',
    'resources',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('applications').dropColumn('custom_data').execute();
}
