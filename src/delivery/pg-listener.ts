/**
 * Cross-node wake-ups on PostgreSQL: `appendEvent` NOTIFYs inside the committing transaction, and
 * every node LISTENs on one dedicated connection, so a delivery committed on an API node leaves
 * from a worker node within milliseconds instead of a poll interval.
 *
 * The connection is taken from the application pool and never returned to it (a LISTENing session
 * must not serve queries for others). If it drops, we reconnect with backoff and wake once, since
 * notifications sent meanwhile are lost; the engine's slow poll covers the gap.
 */
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';

export interface WakeupSource {
  start(wake: () => void): Promise<void>;
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** `channel` must be a plain identifier (it is a constant, DELIVERY_CHANNEL). */
export function createPgWakeups(pool: pg.Pool, channel: string, logger: Logger): WakeupSource {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Bad LISTEN channel name ${channel}`);
  let client: pg.PoolClient | undefined;
  let isStopped = true;
  let backoffMs = MIN_BACKOFF_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const drop = (error?: Error) => {
    const current = client;
    client = undefined;
    // release(true) destroys the connection instead of returning a LISTENing session to the pool.
    current?.removeAllListeners('notification');
    current?.release(error ?? true);
  };

  async function connect(wake: () => void): Promise<void> {
    const next = await pool.connect();
    next.on('notification', () => wake());
    next.on('error', (error) => {
      if (client !== next) return;
      logger.warn({ err: error }, 'delivery LISTEN connection lost; reconnecting');
      drop(error);
      scheduleReconnect(wake);
    });
    try {
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      next.release(true);
      throw error;
    }
    if (isStopped) {
      next.release(true);
      return;
    }
    client = next;
    backoffMs = MIN_BACKOFF_MS;
  }

  function scheduleReconnect(wake: () => void) {
    if (isStopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect(wake)
        .then(() => wake()) // anything committed while we were deaf
        .catch((error: unknown) => {
          logger.warn({ err: error, retryInMs: backoffMs }, 'delivery LISTEN reconnect failed');
          scheduleReconnect(wake);
        });
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  return {
    async start(wake) {
      isStopped = false;
      try {
        await connect(wake);
      } catch (error) {
        logger.warn({ err: error }, 'delivery LISTEN failed; relying on polling until it reconnects');
        scheduleReconnect(wake);
      }
    },
    async stop() {
      isStopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      drop();
    },
  };
}
