import type { Context } from 'hono';
import type { Logger } from '../shared/logger.js';
import type { ConsoleSession } from '../services/console-sessions.js';
import type { PageFrame } from './layout.js';
import { NOTICES, type NoticeKey } from './notices.js';
import { sectionOf } from './paths.js';

/** Request-scoped values of the console's routes. */
export interface ConsoleVariables {
  /** Set by the app-wide request-id middleware. */
  requestId: string;
  logger: Logger;
  /** This response's CSP nonce. */
  nonce: string;
  /** The signed-in session; set on every route behind the session check. */
  session: ConsoleSession;
}

export interface ConsoleEnv {
  Variables: ConsoleVariables;
}

export type ConsoleContext = Context<ConsoleEnv>;

/** The frame of a signed-in page, with the notice named by `?notice=` when there is one. */
export function frameOf(c: ConsoleContext, params: Record<string, string> = {}): PageFrame {
  const key = c.req.query('notice');
  const notice = key && key in NOTICES ? NOTICES[key as NoticeKey](params) : undefined;
  return {
    nonce: c.get('nonce'),
    csrfToken: c.get('session')?.csrfToken,
    actorLabel: c.get('session')?.actorLabel,
    notice,
    section: sectionOf(c.req.path),
  };
}
