import { sql, type Kysely } from 'kysely';

/**
 * Hooks, their subscriptions, the event log and the delivery queue with its attempts.
 *
 * The queue lives in the same database as the data so that a change, its event and its deliveries
 * commit in one transaction: there is no moment where one exists without the others.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hooks')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(256)', (col) => col.notNull().defaultTo(''))
    .addColumn('event', 'varchar(128)')
    .addColumn('events', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('config', 'text', (col) => col.notNull())
    .addColumn('signing_key', 'varchar(64)', (col) => col.notNull().defaultTo(''))
    // Keys replaced by a regeneration that still sign until their grace period ends: [{ key, expiresAt }].
    .addColumn('previous_signing_keys', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('hooks__created_at').on('hooks').columns(['tenant_id', 'created_at']).execute();

  // One row per (hook, event it listens to): fan-out is an indexed lookup instead of a scan of every
  // hook's JSON event list. Kept in step with hooks.events (or the legacy hooks.event) by the repo.
  await db.schema
    .createTable('hook_subscriptions')
    .addColumn('hook_id', 'varchar(21)', (col) => col.notNull().references('hooks.id').onDelete('cascade'))
    .addColumn('event', 'varchar(128)', (col) => col.notNull())
    .addPrimaryKeyConstraint('hook_subscriptions__pk', ['hook_id', 'event'])
    .execute();
  await db.schema
    .createIndex('hook_subscriptions__event')
    .on('hook_subscriptions')
    .columns(['event'])
    .execute();

  // The payload is serialised once, when the change commits, without `hookId`; the body sent to a
  // hook is that text with `,"hookId":"…"}` appended, so every attempt sends identical bytes.
  await db.schema
    .createTable('events')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('type', 'varchar(128)', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('events__created_at').on('events').columns(['created_at']).execute();

  // No foreign key to hooks: a deleted hook's history stays readable, as Logto keeps its logs.
  await db.schema
    .createTable('deliveries')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('event_id', 'varchar(32)', (col) => col.notNull().references('events.id').onDelete('cascade'))
    .addColumn('hook_id', 'varchar(21)', (col) => col.notNull())
    .addColumn('event_type', 'varchar(128)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
    .addColumn('locked_by', 'varchar(64)')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  // Partial indexes keep the claim and the lease reaper proportional to the work that is due, not
  // to the whole history.
  await db.schema
    .createIndex('deliveries__due')
    .on('deliveries')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('deliveries__leases')
    .on('deliveries')
    .columns(['locked_until'])
    .where(sql.ref('status'), '=', 'sending')
    .execute();
  await db.schema
    .createIndex('deliveries__hook')
    .on('deliveries')
    .columns(['hook_id', 'created_at'])
    .execute();
  await db.schema.createIndex('deliveries__event').on('deliveries').columns(['event_id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('delivery_id', 'varchar(32)', (col) =>
      col.notNull().references('deliveries.id').onDelete('cascade'),
    )
    .addColumn('hook_id', 'varchar(21)', (col) => col.notNull())
    .addColumn('event_type', 'varchar(128)', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('is_success', 'boolean', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('request_url', 'text', (col) => col.notNull())
    .addColumn('request_headers', 'text', (col) => col.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_headers', 'text')
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .addColumn('next_attempt_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('delivery_attempts__hook')
    .on('delivery_attempts')
    .columns(['hook_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('delivery_attempts__delivery')
    .on('delivery_attempts')
    .columns(['delivery_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['delivery_attempts', 'deliveries', 'events', 'hook_subscriptions', 'hooks']) {
    await db.schema.dropTable(table).execute();
  }
}
