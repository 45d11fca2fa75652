/**
 * The claim's statement, written once per dialect (see `claimDue` in deliveries-claims.ts for what
 * it guarantees). Building it with Kysely on every claim took a third (SQLite) to a half
 * (PostgreSQL) of the claim's CPU in this process, and its `not in (…)` list of excluded hooks
 * made a new SQL text, so a new prepared statement on SQLite, for every length of that list. Here
 * the text never changes: each call binds values only.
 */
import type { Capabilities } from '../dialects/capabilities.js';
import type { ClaimOptions } from './deliveries-types.js';

/** The values a claim binds, by name; `candidates` is how many due rows it ranks. */
export type ClaimValues = Required<Omit<ClaimOptions, 'excludeHookIds'>> & {
  readonly candidates: number;
  readonly excludeHookIds: readonly string[];
};

type Slot = keyof ClaimValues;

export interface ClaimStatement {
  readonly sql: string;
  /** The statement's parameters, in order. */
  readonly parameters: (values: ClaimValues) => unknown[];
}

/**
 * `turnOfKey` is the per-key ordering condition on a `deliveries` row (deliveries-ordering.ts).
 * Rows come back in the shape of `ClaimedDelivery`: camelCase aliases, `attempts` before this one
 * (the row counts it already), and the same fallbacks as before for a hook or event not found.
 *
 * The literals are deliberate: SQLite uses the partial index `deliveries__due` (status =
 * 'pending') only when the query repeats that term, and when it can match it only through a bound
 * value, it re-prepares the statement every time that value is bound again.
 */
export function claimStatement(capabilities: Capabilities, turnOfKey: string): ClaimStatement {
  const isPostgres = capabilities.name === 'postgres';
  // `?` on SQLite is positional: `p` must be called in the order the text reads.
  const slots: Slot[] = [];
  const p = (slot: Slot) => {
    slots.push(slot);
    return isPostgres ? `$${slots.length}` : '?';
  };
  // One array parameter, however many hooks are excluded (an empty array excludes none).
  const notExcluded = () =>
    isPostgres
      ? `deliveries.hook_id <> all(${p('excludeHookIds')}::text[])`
      : `deliveries.hook_id not in (select value from json_each(${p('excludeHookIds')}))`;
  const hookColumn = (column: string, fallback: string) =>
    `coalesce((select hooks.${column} from hooks where hooks.id = deliveries.hook_id), '${fallback}')`;
  const sql = `with candidates as (
  select deliveries.id, deliveries.hook_id, deliveries.next_attempt_at from deliveries
  where deliveries.status = 'pending' and deliveries.next_attempt_at <= ${p('now')} and ${notExcluded()}
    and exists (select 1 from hooks where hooks.id = deliveries.hook_id and hooks.enabled = true)
    and ${turnOfKey}
  order by deliveries.next_attempt_at, deliveries.id
  limit ${p('candidates')}${capabilities.skipLocked ? ' for update skip locked' : ''}
), ranked as (
  select id, next_attempt_at,
    row_number() over (partition by hook_id order by next_attempt_at, id) as hook_rank
  from candidates
)
update deliveries set status = 'sending', attempts = attempts + 1, locked_by = ${p('workerId')},
  locked_until = ${p('leaseUntil')}, updated_at = ${p('now')}
where deliveries.id in (
  select ranked.id from ranked where ranked.hook_rank <= ${p('perHookLimit')}
  order by ranked.next_attempt_at limit ${p('limit')})
returning deliveries.id, deliveries.hook_id as "hookId", deliveries.event_id as "eventId",
  deliveries.event_type as "eventType", deliveries.attempts - 1 as "attempts",
  deliveries.retry_base as "retryBase", deliveries.locked_until as "lockedUntil",
  deliveries.ordering_key as "orderingKey",
  ${hookColumn('config', '{}')} as "hookConfig",
  ${hookColumn('signing_key', '')} as "signingKey",
  ${hookColumn('previous_signing_keys', '[]')} as "previousSigningKeys",
  coalesce((select events.payload from events where events.id = deliveries.event_id), '{}') as "payload"`;
  const exclusion = isPostgres
    ? (ids: readonly string[]) => ids
    : (ids: readonly string[]) => JSON.stringify(ids);
  return {
    sql,
    parameters: (values) =>
      slots.map((slot) => (slot === 'excludeHookIds' ? exclusion(values.excludeHookIds) : values[slot])),
  };
}
