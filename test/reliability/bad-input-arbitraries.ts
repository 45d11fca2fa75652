/**
 * fast-check arbitraries that turn one valid Management API request into a bad one: a body with
 * wrong types, missing or extra keys, huge or strange strings, nulls, deep nesting, bad JSON or the
 * wrong content type; a query with broken pagination, odd flags, repeated or unknown keys and
 * malformed percent-encoding; now and then a path id that does not exist.
 */
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** A request as the fuzzer sends it: raw query text and raw body text. */
export interface FuzzRequest {
  readonly params: Record<string, string>;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly body: string | undefined;
}

const isObject = (value: unknown): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function pathsOf(value: Json, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

/** Strings that have broken parsers, databases and JSON encoders before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '\uFEFF',
  '𝕌𝕟𝕚𝕔𝕠𝕕𝕖 👩‍👩‍👧‍👦',
  'Z̸̢̛̖͓a̷l̸g̷o̶',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '%',
  '${jndi:ldap://127.0.0.1/x}',
  '__proto__',
  'constructor',
  'null',
  'true',
  '-1',
  '1e309',
  'NaN',
  '0x10',
  'User.Created',
  'http://127.0.0.1:1/x',
  'https://user:pass@127.0.0.1/',
  'javascript:alert(1)',
  'Ünïcödé@exämple.com',
  'a@b',
  '+1 (202) 555-0123',
];

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  // Long: past every max() the schemas set, and now and then past the body limit (413).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', '\u0000'), fc.integer({ min: 257, max: 70_000 }))
      .map(([unit, n]) => unit.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constant('y'.repeat(1_100_000)) },
);

/**
 * Nested arrays or objects, up to far deeper than any stack-recursive encoder survives (the test
 * process's own JSON.stringify included), so they travel as a placeholder spliced in as text.
 */
const deeplyNested = fc
  .tuple(fc.constantFrom('a', 'o'), fc.integer({ min: 10, max: 60_000 }))
  .map(([kind, depth]): Json => `@@deep:${kind}:${depth}@@`);

const expandDeep = (text: string) =>
  text.replace(/"@@deep:([ao]):(\d+)@@"/g, (_, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'a' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });

const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.boolean() },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE),
    ),
  },
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 4 }) },
  { weight: 1, arbitrary: deeplyNested },
);

const strangeKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'id',
    'tenantId',
    'createdAt',
    '',
    'hookId',
    'secret',
  ),
  fc.string({ maxLength: 12 }),
);

/** Whole bodies that are not the object the route expects. */
const strangeText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '[',
    'null',
    '[]',
    '"string"',
    '42',
    'true',
    '{"a":1}{"b":2}',
    '{"__proto__":{"isAdmin":true}}',
    '\uFEFF{}',
    "{'single':'quotes'}",
    '{"a":NaN}',
    '{"a":1,}',
    '\u0000',
  ),
  fc.string({ maxLength: 60 }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
);

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      'application/json-patch+json',
      'application/xml',
      '',
    ),
  },
);

type Mutation =
  | { kind: 'replace'; path: Path; value: Json }
  | { kind: 'remove'; path: Path }
  | { kind: 'add'; path: Path; key: string; value: Json }
  | { kind: 'text'; text: string };

/** Sets an own key, even `__proto__` (plain assignment would change the prototype instead). */
const setOwn = (target: { [key: string]: Json }, key: string, value: Json) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

function applyMutations(valid: Json, mutations: readonly Mutation[]): string {
  let body: Json = structuredClone(valid);
  for (const mutation of mutations) {
    if (mutation.kind === 'text') return expandDeep(mutation.text);
    const { path } = mutation;
    if (mutation.kind === 'replace' && path.length === 0) {
      body = mutation.value;
      continue;
    }
    // Walk to the parent; an earlier mutation may have replaced part of the way, then skip.
    let parent: Json = body;
    for (const step of path.slice(0, mutation.kind === 'add' ? undefined : -1)) {
      parent =
        isObject(parent) || Array.isArray(parent) ? ((parent as Record<string, Json>)[step] ?? null) : null;
    }
    if (mutation.kind === 'add') {
      if (isObject(parent)) setOwn(parent, mutation.key, mutation.value);
      continue;
    }
    const last = path.at(-1)!;
    if (Array.isArray(parent) && typeof last === 'number') {
      if (mutation.kind === 'remove') parent.splice(last, 1);
      else parent[last] = mutation.value;
    } else if (isObject(parent) && typeof last === 'string') {
      if (mutation.kind === 'remove') delete parent[last];
      else setOwn(parent, last, mutation.value);
    }
  }
  return expandDeep(JSON.stringify(body));
}

/** A mutated body: one to three edits of the valid body, or another text altogether. */
export function badBody(valid: {
  [key: string]: Json;
}): fc.Arbitrary<{ contentType: string | undefined; body: string }> {
  const paths = pathsOf(valid);
  const inner = paths.filter((path) => path.length > 0);
  const objects = paths.filter((path) => {
    let node: Json = valid;
    for (const step of path) node = (node as Record<string, Json>)[step] ?? null;
    return isObject(node);
  });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('replace' as const),
        path: fc.constantFrom(...paths),
        value: strangeValue,
      }),
    },
    ...(inner.length > 0
      ? [
          {
            weight: 2,
            arbitrary: fc.record({ kind: fc.constant('remove' as const), path: fc.constantFrom(...inner) }),
          },
        ]
      : []),
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        path: fc.constantFrom(...objects),
        key: strangeKey,
        value: strangeValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: strangeText }) },
  );
  return fc.record({
    contentType,
    body: fc
      .array(mutation, { minLength: 1, maxLength: 3 })
      .map((mutations) => applyMutations(valid, mutations)),
  });
}

/** Percent-encodes, except that a lone surrogate becomes its (invalid) UTF-8 bytes: a bad encoding to try too. */
const encode = (value: string) => {
  try {
    return encodeURIComponent(value);
  } catch {
    return value.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^%\w.~-]/g, (c) => encodeURIComponent(c));
  }
};

const queryValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1.5',
    '1e2',
    '01',
    ' 1',
    '+1',
    '0x10',
    '9'.repeat(40),
    '101',
    'NaN',
    'Infinity',
  ),
  fc.constantFrom(
    'true',
    'false',
    'yes',
    'YES',
    'no',
    '1',
    'y',
    'User',
    'MachineToMachine',
    'pending',
    'User.Created',
  ),
  nastyString.filter((value) => value.length < 20_000),
);

/** Query text that no encoder would produce. */
const brokenQuery = fc.constantFrom(
  '%',
  '%zz',
  '%E0%A4%A',
  '%FF',
  '&&&',
  '=x',
  'page',
  '%00=1',
  'page=%',
  'a[b]=1',
  'page_size[]=5',
);

/** A mutated query: some valid keys dropped, strange values set, keys repeated or unknown, broken text. */
export function badQuery(valid: Record<string, string>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const key = fc.oneof(...(keys.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...keys) }] : []), {
    weight: 1,
    arbitrary: fc.constantFrom('page', 'page_size', 'unknown', '__proto__', ''),
  });
  return fc
    .record({
      dropped: fc.subarray(keys),
      set: fc.array(fc.tuple(key, queryValue), { minLength: 1, maxLength: 4 }),
      broken: fc.option(brokenQuery, { nil: undefined }),
    })
    .map(({ dropped, set, broken }) => {
      const pairs = Object.entries(valid).filter(([k]) => !dropped.includes(k));
      const text = [...pairs, ...set].map(([k, v]) => `${encode(k)}=${encode(v)}`);
      if (broken) text.push(broken);
      return text.join('&');
    });
}

/** Now and then, one path id replaced by one that does not exist or is not an id at all. */
export function badParams(valid: Record<string, string>): fc.Arbitrary<Record<string, string>> {
  const keys = Object.keys(valid);
  if (keys.length === 0) return fc.constant(valid);
  return fc.oneof(
    { weight: 9, arbitrary: fc.constant(valid) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...keys),
          fc.oneof(
            fc.constantFrom('nope', 'x'.repeat(200), '%2F', '..'),
            fc.string({ minLength: 1, maxLength: 20 }),
          ),
        )
        .map(([key, value]) => ({ ...valid, [key]: encode(value) })),
    },
  );
}

/**
 * A hosted-page form post built from `valid` fields: each field kept, dropped or replaced by a
 * nasty string, extra fields now and then, sent urlencoded (mostly), as multipart, as JSON, as
 * text or with a broken percent-encoding.
 */
export function badForm(
  valid: Record<string, string>,
): fc.Arbitrary<{ contentType: string | undefined; fields: Record<string, string>; raw?: string }> {
  const field = (value: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<string | undefined>(value) },
      { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
      { weight: 3, arbitrary: nastyString as fc.Arbitrary<string | undefined> },
    );
  const fields = fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, field(v)]))),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    )
    .map(([known, extra]) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...extra, ...known })) if (typeof v === 'string') out[k] = v;
      return out;
    });
  return fc
    .tuple(
      fields,
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') },
        { weight: 1, arbitrary: fc.constant('multipart/form-data') },
        { weight: 1, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant('text/plain') },
        { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
      ),
      fc.option(fc.constantFrom('identifier=%zz&password=%', '%', '=&=&=', 'a=b;c=d'), { freq: 8 }),
    )
    .map(([f, contentType, raw]) => ({ contentType, fields: f, ...(raw === null ? {} : { raw }) }));
}
