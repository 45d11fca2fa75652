import { AppError } from '../shared/errors.js';
import type { Executor } from '../storage/db.js';
import type { Window } from '../storage/repos/query-helpers.js';
import { toWindow, unique, without, type PageRequest } from './lists.js';

/**
 * One owner's side of a many-to-many link table: an organization's users or applications, an
 * organization role's scopes, a member's organization roles. Built by a service from its repo
 * functions, with the owner (and any parent scope) already bound.
 */
export interface RelationAccess {
  /** Linked ids, oldest link first; the whole list without a window. */
  list(window: Window | undefined, tx?: Executor): Promise<string[]>;
  /** Which of `ids` are linked already; defaults to filtering `list`. Faster for large relations. */
  findLinkedAmong?(ids: readonly string[], tx: Executor): Promise<ReadonlySet<string>>;
  insert(ids: readonly string[], now: number, tx: Executor): Promise<void>;
  /** Unlinks `ids`; returns how many were linked. */
  remove(ids: readonly string[], tx: Executor): Promise<number>;
}

/** What a change did: ids newly linked and ids unlinked, in request (or link) order. */
export interface RelationDelta {
  readonly added: string[];
  readonly removed: string[];
}

/** `add` keeps what is linked and links the rest; `replace` makes `ids` exactly the linked set. */
export type RelationMode = 'add' | 'replace';

export const isEmptyDelta = ({ added, removed }: RelationDelta) => added.length === 0 && removed.length === 0;

/**
 * The shape every organization relation route repeats (list a page, add, replace, remove one),
 * written once. Validation of the ids (do they exist, are they the right type) stays with the
 * caller, which runs it before `link`, and so does the event, which the caller builds from the
 * delta `link`/`unlink` return.
 */
export function relation(access: RelationAccess) {
  async function linkedAmong(ids: readonly string[], tx: Executor): Promise<ReadonlySet<string>> {
    if (access.findLinkedAmong) return access.findLinkedAmong(ids, tx);
    return new Set(await access.list(undefined, tx));
  }

  /** The delta `link` would apply, without writing. */
  async function plan(mode: RelationMode, ids: readonly string[], tx: Executor): Promise<RelationDelta> {
    const wanted = unique(ids);
    if (mode === 'add') return { added: without(wanted, await linkedAmong(wanted, tx)), removed: [] };
    const current = await access.list(undefined, tx);
    return { added: without(wanted, current), removed: without(current, wanted) };
  }

  /** Writes a planned delta. */
  async function apply(delta: RelationDelta, now: number, tx: Executor): Promise<void> {
    await access.remove(delta.removed, tx);
    await access.insert(delta.added, now, tx);
  }

  return {
    plan,
    apply,

    /** A page of linked ids and the total count. */
    async page(page: PageRequest | undefined): Promise<{ ids: string[]; total: number }> {
      const [ids, all] = await Promise.all([access.list(toWindow(page)), access.list(undefined)]);
      return { ids, total: all.length };
    },

    /** Adds or replaces links; returns what changed (possibly nothing). */
    async link(
      mode: RelationMode,
      ids: readonly string[],
      now: number,
      tx: Executor,
    ): Promise<RelationDelta> {
      const delta = await plan(mode, ids, tx);
      await apply(delta, now, tx);
      return delta;
    },

    /** Removes one link; `entity.not_found` (404) when it was not linked, as in Logto. */
    async unlink(id: string, tx: Executor): Promise<RelationDelta> {
      if ((await access.remove([id], tx)) === 0) throw new AppError('entity.not_found');
      return { added: [], removed: [id] };
    },
  };
}

export type Relation = ReturnType<typeof relation>;
