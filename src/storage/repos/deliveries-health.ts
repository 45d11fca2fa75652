/**
 * Hook health as delivery results move it: each hook's open run of failed attempts (migration
 * 0005), which the hook-health service reads to disable endpoints that keep failing.
 */
import type { Executor } from '../db.js';
import type { AttemptRecord } from './deliveries-types.js';

/** Per hook, the open run of failures a batch ends with (`since`..`last`), or undefined after a success. */
export function failureRuns(
  records: readonly AttemptRecord[],
): Map<string, { since: number; last: number } | undefined> {
  const runs = new Map<string, { since: number; last: number } | undefined>();
  for (const record of records) {
    if (record.isSuccess) {
      runs.set(record.hookId, undefined);
      continue;
    }
    const at = record.startedAt + record.durationMs;
    const run = runs.get(record.hookId);
    runs.set(
      record.hookId,
      run ? { since: Math.min(run.since, at), last: Math.max(run.last, at) } : { since: at, last: at },
    );
  }
  return runs;
}

/**
 * Moves each hook's run of failed attempts on: a success ends it, a failure starts it if none is
 * open and extends it otherwise. The batch's last outcome per hook decides; a run that ends in a
 * failure starts at the first failure after the batch's last success. Hooks are updated in id
 * order, after the batch's deliveries: the one lock order every writer keeps (deliveries by id,
 * then hooks by id), so two transactions never wait on each other.
 */
export async function updateFailureRuns(tx: Executor, records: readonly AttemptRecord[]): Promise<void> {
  const runs = [...failureRuns(records)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const healthy = runs.filter(([, run]) => run === undefined).map(([hookId]) => hookId);
  if (healthy.length > 0) {
    await tx
      .updateTable('hooks')
      .set({ failingSince: null, lastFailureAt: null })
      .where('id', 'in', healthy)
      .where('failingSince', 'is not', null)
      .execute();
  }
  for (const [hookId, run] of runs) {
    if (run === undefined) continue;
    await tx
      .updateTable('hooks')
      .set((eb) => ({
        failingSince: eb.fn.coalesce(eb.ref('failingSince'), eb.val(run.since)),
        lastFailureAt: run.last,
      }))
      .where('id', '=', hookId)
      .execute();
  }
}
