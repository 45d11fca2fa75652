import type { Executor } from '../db.js';

/** What a sighting is of: the hashed device cookie id, or the client's network prefix. */
export type SightingKind = 'device' | 'network';

export interface Sighting {
  readonly kind: SightingKind;
  readonly value: string;
}

/**
 * The new-device rule's memory (`sign_in_sightings`, migration 0016): per user, the devices and
 * networks it signed in from and when it last did. Every query is scoped by user except the prune.
 */
export function createSignInSightingsRepo(db: Executor) {
  return {
    /** When each of `sightings` was last seen for the user at or after `since` (epoch ms). */
    async findLastSeen(
      userId: string,
      sightings: readonly Sighting[],
      since: number,
      tx: Executor = db,
    ): Promise<Map<string, number>> {
      if (sightings.length === 0) return new Map();
      const rows = await tx
        .selectFrom('signInSightings')
        .select(['kind', 'value', 'lastSeenAt'])
        .where('tenantId', '=', 'default')
        .where('userId', '=', userId)
        .where('lastSeenAt', '>=', since)
        .where((eb) =>
          eb.or(sightings.map(({ kind, value }) => eb.and([eb('kind', '=', kind), eb('value', '=', value)]))),
        )
        .execute();
      return new Map(rows.map((row) => [`${row.kind}:${row.value}`, Number(row.lastSeenAt)]));
    },

    /** Records the sightings at `now`, refreshing the ones already known. */
    async upsertSightings(userId: string, sightings: readonly Sighting[], now: number, tx: Executor = db) {
      for (const { kind, value } of sightings) {
        await tx
          .insertInto('signInSightings')
          .values({ userId, kind, value, lastSeenAt: now })
          .onConflict((oc) => oc.columns(['userId', 'kind', 'value']).doUpdateSet({ lastSeenAt: now }))
          .execute();
      }
    },

    /** Deletes every sighting last seen before `before`; returns how many. */
    async deleteSightingsBefore(before: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('signInSightings')
        .where('tenantId', '=', 'default')
        .where('lastSeenAt', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** A sighting's key in {@link createSignInSightingsRepo}'s `findLastSeen` map. */
export const sightingKey = ({ kind, value }: Sighting) => `${kind}:${value}`;

export type SignInSightingsRepo = ReturnType<typeof createSignInSightingsRepo>;
