import { eventTypes, type EventType } from './events.js';

/**
 * The events feed's position and filter (`GET /api/events`). A position is the pair the database
 * orders committed events by (see migration 0014): the writing transaction's id, then a sequence
 * value. Written as `<txid>-<seq>` in decimal; clients treat it as opaque.
 */
export interface FeedPosition {
  readonly txid: bigint;
  readonly seq: bigint;
}

/** Before every event: where a consumer with no cursor starts. */
export const FEED_START: FeedPosition = Object.freeze({ txid: 0n, seq: 0n });

/** Both halves are stored in signed 64-bit columns. */
const MAX_BIGINT = 2n ** 63n - 1n;

export const formatCursor = (position: FeedPosition): string => `${position.txid}-${position.seq}`;

/** The position a cursor names, or undefined when it is not one this server could have issued. */
export function parseCursor(cursor: string): FeedPosition | undefined {
  const match = /^(\d{1,19})-(\d{1,19})$/.exec(cursor);
  if (!match) return undefined;
  const txid = BigInt(match[1] ?? '');
  const seq = BigInt(match[2] ?? '');
  return txid > MAX_BIGINT || seq > MAX_BIGINT ? undefined : { txid, seq };
}

export const comparePositions = (a: FeedPosition, b: FeedPosition): number =>
  a.txid !== b.txid ? (a.txid < b.txid ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;

export const maxPosition = (a: FeedPosition, b: FeedPosition): FeedPosition =>
  comparePositions(a, b) >= 0 ? a : b;

/** Longest filter accepted: every event name of the catalog, comma-separated, fits well within it. */
export const EVENT_FILTER_MAX_LENGTH = 4096;

export type EventFilterResult =
  | { readonly ok: true; readonly events: readonly EventType[] }
  | { readonly ok: false; readonly message: string };

/**
 * Expands a filter like `User.*,PostSignIn` into the catalog's event names: each comma-separated
 * entry is an event name, `Prefix.*` (every event whose name starts with `Prefix.`) or `*`. Names are
 * case-sensitive, as in hook subscriptions; an entry that matches nothing is an error rather than a
 * filter that silently never matches.
 */
export function expandEventFilter(spec: string): EventFilterResult {
  if (spec.length > EVENT_FILTER_MAX_LENGTH) {
    return { ok: false, message: `must be at most ${EVENT_FILTER_MAX_LENGTH} characters` };
  }
  const entries = spec.split(',').map((entry) => entry.trim());
  const matched = new Set<EventType>();
  for (const entry of entries) {
    if (entry === '') return { ok: false, message: 'must be a comma-separated list without empty entries' };
    const matches = matchEntry(entry);
    if (matches.length === 0) {
      return {
        ok: false,
        message: `"${entry.slice(0, 100)}" matches no event; use event names such as User.Created, a prefix such as User.*, or *`,
      };
    }
    matches.forEach((event) => matched.add(event));
  }
  return { ok: true, events: eventTypes.filter((event) => matched.has(event)) };
}

function matchEntry(entry: string): EventType[] {
  if (entry === '*') return [...eventTypes];
  if (entry.endsWith('.*')) {
    const prefix = entry.slice(0, -1);
    // Only whole name segments: `Us.*` is not a prefix of `User.Created`.
    return prefix.length > 1 ? eventTypes.filter((event) => event.startsWith(prefix)) : [];
  }
  return eventTypes.filter((event) => event === entry);
}
