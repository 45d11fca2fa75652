/**
 * Recognisers for constraint violations. Services check first to answer with Logto's codes; these
 * catch the writes that raced past the check, so the database stays the arbiter.
 */
const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code;

/** A unique index fired (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY). */
export const isUniqueViolation = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};
