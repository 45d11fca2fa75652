import { coerceError } from './coerce-error.js';

/**
 * What a database failure means for the client: the database is unreachable (connection refused,
 * dropped or timed out, the server shutting down), or it cannot write because its storage is full.
 * Anything else is not a fault of the database's availability and stays a 500.
 */
export type DatabaseFault = 'unavailable' | 'storage_full';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);
const FULL_CODES = new Set(['SQLITE_FULL', '53100' /* disk_full */]);

/** The fault behind `error` or one of its causes, if it is one. */
export function databaseFaultOf(error: unknown): DatabaseFault | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const { code, message } = coerceError(current);
    if (code !== undefined && FULL_CODES.has(code)) return 'storage_full';
    if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR')))
      return 'unavailable';
    // pg reports lost connections and pool timeouts by message only.
    if (
      /Connection terminated|encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    )
      return 'unavailable';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
