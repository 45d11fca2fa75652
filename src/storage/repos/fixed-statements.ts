import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { Executor } from '../db.js';

/**
 * Stands for a value while the statement is compiled, so each value's position among the compiled
 * parameters is found rather than assumed from the order in which Kysely emits them. Only our own
 * constants sit beside it at that moment; callers' values come later, by position.
 */
const slotValue = (name: string) => `\u0000slot:${name}`;

/**
 * A statement built and compiled by Kysely once, on first use, then run with new values: building
 * and compiling the users repo's queries anew for every call was 15 % of a created user's CPU in a
 * profile (issue 14). The text is the one Kysely produces for the executor's dialect, so it is the
 * same statement the builder ran before, and SQLite's statement cache reuses it.
 *
 * `build` receives `slot(name)`, standing for the value given under `name` at each run; anything
 * else it passes (the tenant, constants) is compiled in once. All executors of one repo share a
 * dialect (a transaction compiles as its database does), so one compilation serves them all.
 */
export function fixedStatement<K extends string, R>(
  build: (slot: (name: K) => never) => Compilable<R>,
): (tx: Executor, values: Readonly<Record<K, unknown>>) => Promise<QueryResult<R>> {
  let compiled: { sql: string; parameters: readonly unknown[]; slots: (K | undefined)[] } | undefined;
  const compile = () => {
    const names = new Map<string, K>();
    const query = build((name) => {
      names.set(slotValue(name), name);
      return slotValue(name) as never;
    }).compile();
    const slots = query.parameters.map((p) => (typeof p === 'string' ? names.get(p) : undefined));
    return { sql: query.sql, parameters: query.parameters, slots };
  };
  return (tx, values) => {
    compiled ??= compile();
    const { sql, parameters, slots } = compiled;
    const bound = parameters.map((p, i) => {
      const name = slots[i];
      return name === undefined ? p : values[name];
    });
    return tx.executeQuery<R>(CompiledQuery.raw(sql, bound));
  };
}
