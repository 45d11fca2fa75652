import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../src/domain/events.js';
import { MANAGEMENT_API_EVENTS } from '../src/domain/management-api-events.js';
import { ORDERING_KEY_RULES } from '../src/domain/ordering-keys.js';
import { ERROR_CODES, type ErrorCode } from '../src/shared/errors.js';

/**
 * Keeps the documentation in step with the code, like fastify's `test/internals/errors.test.js`:
 * every error code has exactly one line in docs/errors.md with its status, and every environment
 * variable the config schema reads has a row in the README's configuration table.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface DocRow {
  readonly code: string;
  readonly status: number;
  readonly meaning: string;
  readonly action: string;
}

/** Table rows of the form `| \`code\` | status | meaning | what to do |`. */
function documentedCodes(markdown: string): DocRow[] {
  return markdown
    .split('\n')
    .map((line) => line.match(/^\|\s*`([^`]+)`\s*\|\s*(\d{3})\s*\|(.*)\|(.*)\|\s*$/))
    .filter((match) => match !== null)
    .map(([, code = '', status = '', meaning = '', action = '']) => ({
      code,
      status: Number(status),
      meaning: meaning.trim(),
      action: action.trim(),
    }));
}

describe('docs/errors.md', () => {
  const rows = documentedCodes(read('docs/errors.md'));
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  const line = (code: ErrorCode) =>
    `| \`${code}\` | ${ERROR_CODES[code].status} | <meaning> | <what the client or operator should do> |`;

  it('has a line for every ErrorCode in src/shared/errors.ts', () => {
    const missing = codes.filter((code) => !rows.some((row) => row.code === code));
    expect(
      missing,
      `docs/errors.md lacks these codes; add a line for each to its table:\n${missing.map(line).join('\n')}\n`,
    ).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const extra = rows.map((row) => row.code).filter((code) => !(code in ERROR_CODES));
    expect(extra, `docs/errors.md lists codes src/shared/errors.ts does not define; remove them`).toEqual([]);
  });

  it('lists each code once', () => {
    const seen = rows.map((row) => row.code);
    const duplicates = seen.filter((code, index) => seen.indexOf(code) !== index);
    expect(duplicates, 'docs/errors.md lists these codes more than once').toEqual([]);
  });

  it('gives each code the status the code table answers with', () => {
    const wrong = rows
      .filter((row) => row.code in ERROR_CODES && ERROR_CODES[row.code as ErrorCode].status !== row.status)
      .map(
        (row) =>
          `${row.code}: docs say ${row.status}, code says ${ERROR_CODES[row.code as ErrorCode].status}`,
      );
    expect(wrong, 'fix the status column of docs/errors.md').toEqual([]);
  });

  it('says what each code means and what to do about it', () => {
    const empty = rows
      .filter((row) => row.meaning.length < 10 || row.action.length < 10)
      .map((row) => row.code);
    expect(empty, 'fill in the meaning and "what to do" columns for these codes').toEqual([]);
  });
});

describe('README configuration table', () => {
  // The keys of the zod env schema: the only variables the server reads (convention 14).
  const configSource = read('src/config/index.ts');
  const schemaStart = configSource.indexOf('const envSchema');
  const schemaBody = configSource.slice(schemaStart, configSource.indexOf('\n});', schemaStart));
  const variables = [...schemaBody.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? '');
  const readme = read('README.md');
  const tableRows = readme.split('\n').filter((row) => row.startsWith('| `'));

  it('finds the variables of the config schema', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'PORT', 'HOST', 'IDHOOKS_ENDPOINT']));
  });

  it('documents every variable with its default', () => {
    const undocumented = variables.filter(
      (variable) => !tableRows.some((row) => row.includes(`\`${variable}\``) && row.split('|').length >= 5),
    );
    expect(
      undocumented,
      'add a row (| `VARIABLE` | default | meaning |) to the configuration table in README.md',
    ).toEqual([]);
  });
});

describe('docs/events.md', () => {
  const page = read('docs/events.md');
  const rows = page.split('\n').filter((row) => row.startsWith('|'));

  it('describes every event of the catalog in a table row', () => {
    const missing = eventTypes.filter((event) => !rows.some((row) => row.includes(`\`${event}\``)));
    expect(missing, 'add a row (| `Event` | trigger | payload |) to docs/events.md').toEqual([]);
  });

  it('lists every route of the Management API route table with its event and status', () => {
    const missing = MANAGEMENT_API_EVENTS.map(
      ({ method, route, event, status }) => `| \`${method} /api${route}\` | \`${event}\` | ${status} |`,
    ).filter((row) => !rows.some((line) => line.replace(/\s+/g, ' ') === row));
    expect(missing, 'add these rows to the route table at the end of docs/events.md').toEqual([]);
  });
});

/** Text files of the repository (what git would track), below `dir`. */
function filesUnder(dir: string): string[] {
  const absolute = join(ROOT, dir);
  if (!statSync(absolute).isDirectory()) return [dir];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist', 'data', 'test-output', 'results', 'captures'].includes(entry.name))
      return [];
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|tsx|js|md|sh|json)$/.test(entry.name) ? [path] : [];
  });
}

describe('references stay inside the repository', () => {
  const markdown = ['README.md', ...filesUnder('docs').filter((file) => file.endsWith('.md'))];

  // Written by the `hardening` branch; drop it from this list once that branch is merged.
  const PAGES_BEING_WRITTEN = new Set([join(ROOT, 'docs/security.md')]);

  it('links from README.md and docs/ only to files that exist in the repository', () => {
    const broken = markdown.flatMap((file) =>
      [...read(file).matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1] ?? '')
        .filter((target) => !/^(https?:|mailto:|#)/.test(target))
        .filter((target) => {
          const path = resolve(ROOT, dirname(file), target.split('#')[0] ?? '');
          return !path.startsWith(`${ROOT}/`) || (!existsSync(path) && !PAGES_BEING_WRITTEN.has(path));
        })
        .map((target) => `${file}: ${target}`),
    );
    expect(broken, 'link to a file inside the repository (write what the reader needs into docs/)').toEqual(
      [],
    );
  });

  it('never points to ../shared or another path outside the repository', () => {
    const files = ['README.md', ...['docs', 'src', 'test', 'bench', 'scripts', 'bin'].flatMap(filesUnder)];
    const outside = files
      .filter((file) => file !== 'test/docs.test.ts')
      .flatMap((file) =>
        read(file)
          .split('\n')
          .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
          // `../shared/errors.js` in src/ is an import of src/shared, not a pointer outside.
          .filter(({ line }) => /\.\.\/shared\/(?![\w-]+\.js['"])|\/work\/shared/.test(line))
          .map(({ at }) => at),
      );
    expect(outside, 'describe it in docs/ and point there instead').toEqual([]);
  });

  // Where design notes that live outside the repository may not be cited by name.
  const CITATION_SCOPE = ['README.md', 'docs', 'scripts', 'bin', 'src', 'test', 'bench'];

  it('cites docs/ rather than the design notes kept outside the repository', () => {
    const files = CITATION_SCOPE.flatMap(filesUnder).filter((file) => file !== 'test/docs.test.ts');
    const cited = files.flatMap((file) =>
      read(file)
        .split('\n')
        .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
        .filter(
          ({ line }) =>
            /decisions\.md|STYLE\.md|DESIGN\.md|experience-flow\.md|logto-webhooks\.md|[Cc]ontract §/.test(
              line,
            ) ||
            (/§\d/.test(line) && !/RFC \d/.test(line)),
        )
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(cited, 'point to the page and section of docs/ that says it').toEqual([]);
  });
});

describe('docs/events.md#ordering-keys', () => {
  it('names every event that has an ordering key, with its kind', () => {
    const section = read('docs/events.md').split('## Ordering keys')[1]?.split('\n## ')[0] ?? '';
    const rows = section.split('\n').filter((line) => line.startsWith('|'));
    const undocumented = Object.entries(ORDERING_KEY_RULES)
      .filter(
        ([event, rule]) => !rows.some((row) => row.includes(`\`${event}\``) && row.includes(`${rule.kind}:`)),
      )
      .map(([event]) => event);
    expect(undocumented, 'add these events to the table of docs/events.md#ordering-keys').toEqual([]);
  });
});
