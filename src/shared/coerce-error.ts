/**
 * Normalises anything thrown into an Error with an optional driver `code`, so callers can decide
 * whether a failure is transient without `instanceof` checks against driver classes.
 */
export interface CoercedError extends Error {
  code?: string;
}

export function coerceError(thrown: unknown): CoercedError {
  if (thrown instanceof Error) return thrown as CoercedError;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

/**
 * Database errors worth retrying: serialization failures and deadlocks on PostgreSQL, a busy or
 * locked file on SQLite, and a dropped connection. Anything else is a bug or bad data and retrying
 * would only repeat it.
 */
const TRANSIENT_CODES = new Set([
  '40001',
  '40P01',
  '57P01',
  '57P03',
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'ECONNREFUSED',
  'ECONNRESET',
]);

export const isTransientDbError = (error: unknown): boolean => {
  const { code, message } = coerceError(error);
  // pg reports a dropped connection by message only: "Connection terminated unexpectedly" mid-query,
  // "Client has encountered a connection error and is not queryable" for the next query on it.
  return (
    (code !== undefined && TRANSIENT_CODES.has(code)) ||
    /Connection terminated|encountered a connection error/i.test(message)
  );
};
