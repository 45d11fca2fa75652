import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-webhooks.js';
import * as m0003 from './0003-authorization.js';
import * as m0004 from './0004-experience.js';
import * as m0005 from './0005-hook-health.js';
import * as m0006 from './0006-console-sessions.js';
import * as m0007 from './0007-oidc-provider.js';
import * as m0008 from './0008-application-token-revocation.js';
import * as m0010 from './0010-attempt-counters.js';
import * as m0011 from './0011-optimistic-state.js';
import * as m0014 from './0014-events-feed.js';
import * as m0016 from './0016-sign-in-sightings.js';
import * as m0018 from './0018-console-session-actor.js';
import * as m0019 from './0019-delivery-ordering.js';
import * as m0021 from './0021-blocking-calls.js';

/**
 * The ordered list of migrations. Names are their file names; never rename or reorder one that has
 * shipped, add a new file instead.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-webhooks': m0002,
  '0003-authorization': m0003,
  '0004-experience': m0004,
  '0005-hook-health': m0005,
  '0006-console-sessions': m0006,
  '0007-oidc-provider': m0007,
  '0008-application-token-revocation': m0008,
  '0010-attempt-counters': m0010,
  '0011-optimistic-state': m0011,
  '0014-events-feed': m0014,
  '0016-sign-in-sightings': m0016,
  '0018-console-session-actor': m0018,
  '0019-delivery-ordering': m0019,
  '0021-blocking-calls': m0021,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
