import pg from 'pg';
import { PostgresDialect } from 'kysely';

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
  return new pg.Pool({
    connectionString,
    max: maxConnections,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
}

export function createPostgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
