/**
 * Shared pieces of the per-key ordering tests: keyed payloads, a perKey hook, and a receiver
 * check that records, per key, the order of arrival and how many requests were open at once.
 */
import type { Db } from '../../src/storage/db.js';
import type { ReceivedRequest, ReceiverResponse } from '../helpers/receiver.js';

/** A `User.Data.Updated` payload about user `user` (ordering key `user:<user>`), numbered `n`. */
export const keyedPayload = (user: string, n: number) => ({
  event: 'User.Data.Updated',
  createdAt: new Date(0).toISOString(),
  path: `/users/${user}`,
  method: 'PATCH',
  status: 200,
  params: { userId: user },
  matchedRoute: '/users/:userId',
  data: { id: user, n },
});

/** Makes a hook perKey, as `PATCH /api/hooks/:id` with `config.ordering` would. */
export async function makePerKey(db: Db, hookId: string, url: string): Promise<void> {
  await db
    .updateTable('hooks')
    .set({ config: JSON.stringify({ url, ordering: 'perKey' }) })
    .where('id', '=', hookId)
    .execute();
}

export interface KeyedArrival {
  readonly user: string;
  readonly n: number;
  readonly status: number;
  readonly at: number;
}

/**
 * A receiver's answer function that holds each request `delayMs`, answers `answer(user, n)`, and
 * tracks requests open at once per key. The count drops just before the answer is written (both
 * are timers of the same delay, this one armed first), so a node cannot start the next delivery of
 * a key before the drop.
 */
export function keyedResponder(
  delayMs: number,
  answer: (user: string, n: number, arrival: number) => number = () => 200,
) {
  const open = new Map<string, number>();
  const arrivals: KeyedArrival[] = [];
  const perKey = new Map<string, number>();
  let maxOpenPerKey = 0;
  const respond = (request: ReceivedRequest): ReceiverResponse => {
    const { data } = JSON.parse(request.body) as { data: { id: string; n: number } };
    const count = (open.get(data.id) ?? 0) + 1;
    open.set(data.id, count);
    maxOpenPerKey = Math.max(maxOpenPerKey, count);
    const arrival = (perKey.get(data.id) ?? 0) + 1;
    perKey.set(data.id, arrival);
    const status = answer(data.id, data.n, arrival);
    arrivals.push({ user: data.id, n: data.n, status, at: Date.now() });
    setTimeout(() => open.set(data.id, (open.get(data.id) ?? 1) - 1), delayMs);
    return { status, delayMs };
  };
  return {
    respond,
    arrivals,
    get maxOpenPerKey() {
      return maxOpenPerKey;
    },
    /** Per key, the numbers of its arrivals, repeats of the same number in a row folded. */
    orderByKey(): Map<string, number[]> {
      const order = new Map<string, number[]>();
      for (const { user, n } of arrivals) {
        const seen = order.get(user) ?? [];
        if (seen.at(-1) !== n) seen.push(n);
        order.set(user, seen);
      }
      return order;
    },
  };
}
