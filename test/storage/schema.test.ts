import { Migrator, NO_MIGRATIONS, sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { createDatabase, type DatabaseHandle } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { randomString } from '../../src/shared/ids.js';
import { MIGRATIONS, migrationProvider } from '../../src/storage/migrations/index.js';
import {
  TEST_PG_URL,
  createTestDatabase,
  describeEachDialect,
  type Dialect,
  type TestDatabase,
} from '../helpers/test-db.js';

/**
 * The schema a fresh install gets, per dialect, checked against a snapshot in
 * test/storage/__snapshots__/ (STYLE convention 9, like pg-boss's `gen:manifest:check`): a migration
 * that changes the schema shows up as a reviewable diff. After changing a migration on purpose,
 * regenerate the snapshots with
 *
 *   npx vitest run test/storage/schema.test.ts -u
 *
 * and commit them with the migration. Also: migrating twice applies nothing, every `down` undoes its
 * `up`, and a database migrated by a newer idhooks is refused.
 */

const MIGRATION_TABLE = 'idhooks_migrations';
const MIGRATION_LOCK_TABLE = 'idhooks_migrations_lock';
const UPDATE_HINT = 'regenerate with: npx vitest run test/storage/schema.test.ts -u';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- introspection reads tables no type declares, as migrations do
type AnyDb = Kysely<any>;

async function sqliteSchema(db: AnyDb): Promise<string[]> {
  const lines: string[] = [];
  const tables = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
    db,
  );
  for (const { name: table } of tables.rows) {
    lines.push(`table ${table}`);
    const columns = await sql<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>`
      select name, type, "notnull", dflt_value, pk from pragma_table_info(${table}) order by cid`.execute(db);
    for (const c of columns.rows) {
      const parts = [`  column ${c.name} ${c.type.toLowerCase()}`];
      if (c.notnull) parts.push('not null');
      if (c.dflt_value !== null) parts.push(`default ${c.dflt_value}`);
      if (c.pk) parts.push(`primary key${c.pk > 1 ? ` #${c.pk}` : ''}`);
      lines.push(parts.join(' '));
    }
    const indexes = await sql<{ name: string; unique: number; origin: string; partial: number }>`
      select name, "unique", origin, partial from pragma_index_list(${table}) order by name`.execute(db);
    for (const index of indexes.rows) {
      const keys = await sql<{ name: string | null }>`
        select name from pragma_index_xinfo(${index.name}) where key = 1 order by seqno`.execute(db);
      const definition = await sql<{ sql: string | null }>`
        select sql from sqlite_master where type = 'index' and name = ${index.name}`.execute(db);
      // Indexes created by CREATE INDEX keep their statement, which shows expressions and WHERE
      // clauses; those behind a PRIMARY KEY or UNIQUE constraint are described by their columns.
      const statement = definition.rows[0]?.sql;
      const covers = statement
        ? statement.replace(/^.*?\bON\s+\S+\s*/is, '').replace(/\s+/g, ' ')
        : `(${keys.rows.map((k) => k.name ?? '<expression>').join(', ')})`;
      const kind =
        index.origin === 'pk' ? 'primary key' : index.origin === 'u' ? 'unique constraint' : 'index';
      lines.push(
        `  ${kind} ${index.name}${index.unique ? ' unique' : ''}${index.partial ? ' partial' : ''} ${covers}`,
      );
    }
    const foreignKeys = await sql<{ id: number; table: string; from: string; to: string; on_delete: string }>`
      select id, "table", "from", "to", on_delete from pragma_foreign_key_list(${table}) order by id, seq`.execute(
      db,
    );
    for (const fk of foreignKeys.rows) {
      lines.push(
        `  foreign key (${fk.from}) references ${fk.table}(${fk.to}) on delete ${fk.on_delete.toLowerCase()}`,
      );
    }
  }
  return lines;
}

async function postgresSchema(db: AnyDb): Promise<string[]> {
  const lines: string[] = [];
  const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]
    ?.schema;
  const unqualify = (text: string) => text.split(`${schema}.`).join('');
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  for (const { name: table } of tables.rows) {
    lines.push(`table ${table}`);
    const columns = await sql<{
      name: string;
      type: string;
      length: number | null;
      nullable: string;
      default_value: string | null;
    }>`
      select column_name as name, data_type as type, character_maximum_length as length,
             is_nullable as nullable, column_default as default_value
      from information_schema.columns
      where table_schema = current_schema() and table_name = ${table}
      order by ordinal_position`.execute(db);
    for (const c of columns.rows) {
      const parts = [`  column ${c.name} ${c.type}${c.length ? `(${c.length})` : ''}`];
      if (c.nullable === 'NO') parts.push('not null');
      if (c.default_value !== null) parts.push(`default ${unqualify(c.default_value)}`);
      lines.push(parts.join(' '));
    }
    const constraints = await sql<{ name: string; definition: string }>`
      select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
      where conrelid = (quote_ident(current_schema()) || '.' || quote_ident(${table}))::regclass
      order by conname`.execute(db);
    for (const c of constraints.rows) lines.push(`  constraint ${c.name} ${unqualify(c.definition)}`);
    const indexes = await sql<{ name: string; definition: string }>`
      select indexname as name, indexdef as definition from pg_indexes
      where schemaname = current_schema() and tablename = ${table} order by indexname`.execute(db);
    for (const index of indexes.rows) {
      lines.push(
        `  index ${index.name} ${unqualify(index.definition).replace(/^CREATE (UNIQUE )?INDEX \S+ /, '$1')}`,
      );
    }
  }
  return lines;
}

/** A readable, diffable description of every table, column, index and constraint. */
async function describeSchema(dialect: Dialect, db: AnyDb): Promise<string> {
  const lines = dialect === 'sqlite' ? await sqliteSchema(db) : await postgresSchema(db);
  return [
    `# Schema of a fresh ${dialect} database after every migration (${Object.keys(MIGRATIONS).join(', ')}).`,
    `# Generated by test/storage/schema.test.ts; ${UPDATE_HINT}`,
    ...lines,
    '',
  ].join('\n');
}

const migrator = (db: AnyDb, pgSchema: string | undefined) =>
  new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });

describeEachDialect('schema and migrations', (dialect) => {
  const opened: DatabaseHandle[] = [];
  const databases: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((handle) => handle.destroy().catch(() => undefined)));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  const freshDatabase = async () => {
    const database = await createTestDatabase(dialect);
    databases.push(database);
    const open = () => {
      const handle = createDatabase({ url: database.url, pgSchema: database.pgSchema });
      opened.push(handle);
      return handle.db.withoutPlugins() as AnyDb;
    };
    return { database, db: open(), open };
  };

  it('gives a fresh database exactly the checked-in schema', async () => {
    const { database, db } = await freshDatabase();
    expect(await migrateToLatest(db, { pgSchema: database.pgSchema })).toEqual(Object.keys(MIGRATIONS));
    await expect(await describeSchema(dialect, db)).toMatchFileSnapshot(
      `__snapshots__/schema.${dialect}.txt`,
    );
  });

  it('applies nothing the second time, from the same or another process', async () => {
    const { database, db, open } = await freshDatabase();
    await migrateToLatest(db, { pgSchema: database.pgSchema });
    const before = await describeSchema(dialect, db);
    expect(await migrateToLatest(db, { pgSchema: database.pgSchema })).toEqual([]);
    expect(await migrateToLatest(open(), { pgSchema: database.pgSchema })).toEqual([]);
    expect(await describeSchema(dialect, db)).toBe(before);
  });

  it('undoes every migration with its down, then migrates up to the same schema again', async () => {
    const { database, db } = await freshDatabase();
    await migrateToLatest(db, { pgSchema: database.pgSchema });
    const migrated = await describeSchema(dialect, db);

    const down = await migrator(db, database.pgSchema).migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual(Object.keys(MIGRATIONS).reverse());
    const left = (await describeSchema(dialect, db)).split('\n').filter((line) => line.startsWith('table '));
    expect(left, 'only the migration bookkeeping tables survive a full down').toEqual([
      `table ${MIGRATION_TABLE}`,
      `table ${MIGRATION_LOCK_TABLE}`,
    ]);

    expect(await migrateToLatest(db, { pgSchema: database.pgSchema })).toEqual(Object.keys(MIGRATIONS));
    expect(await describeSchema(dialect, db)).toBe(migrated);
  });

  it('refuses a database migrated by a newer idhooks, saying what to do, and changes nothing', async () => {
    const { database, db } = await freshDatabase();
    await migrateToLatest(db, { pgSchema: database.pgSchema });
    await db
      .insertInto(MIGRATION_TABLE)
      .values({ name: '9999-from-the-future', timestamp: new Date().toISOString() })
      .execute();
    const before = await describeSchema(dialect, db);

    const error = await migrateToLatest(db, { pgSchema: database.pgSchema }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('9999-from-the-future');
    expect(error?.message).toMatch(/newer/);
    expect(error?.message).toMatch(/run that version|restore/);

    // Start-up goes through the same check: the server does not come up on such a database.
    const config = loadConfig({ DATABASE_URL: database.url, IDHOOKS_LOG_LEVEL: 'silent' });
    const container = createContainer(config, { pgSchema: database.pgSchema });
    try {
      await expect(container.init()).rejects.toThrow(/9999-from-the-future/);
    } finally {
      await container.close();
    }
    expect(await describeSchema(dialect, db)).toBe(before);
  });

  // Kysely's own introspector looked at every schema: a migration table elsewhere was taken for ours,
  // and a schema dropped meanwhile by another test file failed the migration at random.
  it('on PostgreSQL, sees only its own schema: not the tables of others, nor their drops', async (context) => {
    if (dialect !== 'postgres') return context.skip();
    const neighbour = await freshDatabase();
    await migrateToLatest(neighbour.db, { pgSchema: neighbour.database.pgSchema });

    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    let isChurning = true;
    const churn = (async () => {
      for (let i = 0; isChurning; i++) {
        const name = `churn_${randomString(8, 'abcdefghijklmnopqrstuvwxyz')}`;
        await admin.query(
          `create schema ${name}; create table ${name}.t (a int); drop schema ${name} cascade`,
        );
        // A short pause keeps the churn from starving the test files running beside this one.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const { database, db } = await freshDatabase();
        // No migrationTableSchema here: the search_path alone must decide, as in production.
        expect(await migrateToLatest(db)).toEqual(Object.keys(MIGRATIONS));
        expect(database.pgSchema).toBeDefined();
      }
    } finally {
      isChurning = false;
      await churn;
      await admin.end();
    }
  });

  it('lets several processes migrate one database at once where the dialect has advisory locks', async (context) => {
    const { database, db, open } = await freshDatabase();
    const handle = createDatabase({ url: database.url, pgSchema: database.pgSchema });
    opened.push(handle);
    // SQLite has a single writer and no advisory locks; there one process migrates (STYLE convention 7).
    if (!handle.capabilities.advisoryLocks) return context.skip();

    const results = await Promise.all(
      [1, 2, 3].map(() => migrateToLatest(open(), { pgSchema: database.pgSchema })),
    );
    expect(results.flat().sort()).toEqual(Object.keys(MIGRATIONS).sort());
    expect(await migrateToLatest(db, { pgSchema: database.pgSchema })).toEqual([]);
  });
});
