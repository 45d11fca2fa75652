import pg from 'pg';
import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

export interface PostgresOptions {
  readonly connectionString: string;
  /** Schema to work in (tests use one per file); defaults to the server's search_path. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

const INT8_OID = 20;

/**
 * Timestamps are epoch milliseconds in BIGINT columns and counts come back as BIGINT; pg returns
 * those as strings by default. Every value we store fits in a double (ms until year 287396), so we
 * parse them as numbers here, once, instead of in every repo.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createPostgresPool({
  connectionString,
  schema,
  maxConnections = 10,
}: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // When a connection dies (PostgreSQL restarted, a network cut), pg emits 'error' on its client,
  // and on the pool for an idle one; an 'error' event nobody listens to kills the process. The
  // reliability suite's database-fault scenario did exactly that to a delivery worker. The query
  // that was running rejects on its own (its caller logs it and retries), and the pool discards the
  // dead client, so the events themselves need no handling beyond being listened to.
  pool.on('error', ignoreConnectionError);
  pool.on('connect', (client) => client.on('error', ignoreConnectionError));
  return pool;
}

const ignoreConnectionError = () => undefined;

/**
 * Kysely's introspector (which its Migrator uses to decide whether `idhooks_migrations` exists)
 * reads every schema of the database and calls `has_schema_privilege(name)` on each. That breaks in
 * two ways: a table of that name in *another* schema counts as ours, so the migrator skips creating
 * its own and fails; and a schema dropped by someone else mid-query fails the whole query (`schema
 * "…" does not exist`), which made parallel test files, one schema each, fail at random. This one
 * looks at the connection's current schema only, by OID, and never looks names up again.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's introspector contract takes Kysely<any>
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      schema: string;
      table: string;
      kind: string;
      column: string;
      type: string;
      notNull: boolean;
      hasDefault: boolean;
    }>`
      select n.nspname as schema, c.relname as table, c.relkind as kind, a.attname as column,
             format_type(a.atttypid, null) as type, a.attnotnull as "notNull", a.atthasdef as "hasDefault"
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v')
      order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.kind === 'v', columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        isNullable: !row.notNull,
        hasDefaultValue: row.hasDefault,
        isAutoIncrementing: false,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches Dialect.createIntrospector
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

export function createPostgresDialect(pool: pg.Pool): PostgresDialect {
  return new CurrentSchemaPostgresDialect({ pool });
}
