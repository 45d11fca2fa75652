import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` runs `scripts/build.js --if-changed`, which must skip the compiler when nothing changed
 * and compile when a source did (issue 18). Run here on a copy in a temporary tree without
 * TypeScript installed, so "it would compile" shows as the message saying TypeScript is missing.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tree = mkdtempSync(join(tmpdir(), 'idhooks-build-'));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
const setTime = (path: string, seconds: number) => utimesSync(path, at(seconds), at(seconds));
const build = () =>
  spawnSync(process.execPath, [join(tree, 'scripts', 'build.js'), '--if-changed'], { encoding: 'utf8' });
const wouldCompile = (result: ReturnType<typeof build>) =>
  result.status === 1 && result.stderr.includes('TypeScript is not installed');

describe('scripts/build.js --if-changed', () => {
  mkdirSync(join(tree, 'scripts'));
  mkdirSync(join(tree, 'src', 'http'), { recursive: true });
  mkdirSync(join(tree, 'dist'));
  copyFileSync(join(ROOT, 'scripts', 'build.js'), join(tree, 'scripts', 'build.js'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) {
    writeFileSync(join(tree, file), '{}');
    setTime(join(tree, file), 0);
  }
  for (const file of ['src/main.ts', 'src/http/app.ts', 'src/http/app.test.ts', 'dist/main.js']) {
    writeFileSync(join(tree, file), '');
    setTime(join(tree, file), 0);
  }
  for (const dir of ['src', 'src/http']) setTime(join(tree, dir), 0);

  it('compiles when there is no record of a build', () => {
    expect(wouldCompile(build())).toBe(true);
  });

  it('does nothing, silently, when no source is newer than the last build', () => {
    writeFileSync(join(tree, 'dist', '.build-stamp'), '');
    setTime(join(tree, 'dist', '.build-stamp'), 10);
    const result = build();
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('does not count test files as sources', () => {
    setTime(join(tree, 'src/http/app.test.ts'), 20);
    expect(build().status).toBe(0);
  });

  it('compiles when a source, a folder (a file added or deleted) or the TypeScript config changed', () => {
    setTime(join(tree, 'src/http/app.ts'), 20);
    expect(wouldCompile(build())).toBe(true);
    setTime(join(tree, 'src/http/app.ts'), 0);
    setTime(join(tree, 'src/http'), 20);
    expect(wouldCompile(build())).toBe(true);
    setTime(join(tree, 'src/http'), 0);
    setTime(join(tree, 'tsconfig.build.json'), 20);
    expect(wouldCompile(build())).toBe(true);
    setTime(join(tree, 'tsconfig.build.json'), 0);
    expect(build().status).toBe(0);
  });
});
