import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
