#!/usr/bin/env node
// Compiles src/ to dist/ with tsc. `--if-changed` (npm start, npm run dev, migrate, bench) skips
// the compiler when no input is newer than the last successful build: comparing modification times
// takes milliseconds, where even tsc's incremental check of an unchanged tree takes seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** Newest modification time under `path`; directories count too, so a deleted file is a change. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isFresh() {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  if (!stamp || !existsSync(join(ROOT, 'dist', 'main.js'))) return false;
  return INPUTS.every((input) => newest(join(ROOT, input)) <= stamp.mtimeMs);
}

if (process.argv.includes('--if-changed') && isFresh()) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    'dist/ is missing or older than src/, and TypeScript is not installed to rebuild it: ' +
      'run `npm install` (with dev dependencies), or start the built server with `idhooks start`.\n',
  );
  process.exit(1);
}
// Taken before compiling: a source saved during the build is newer than the stamp and rebuilds next time.
const startedAt = new Date();
const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(STAMP, `built ${startedAt.toISOString()}\n`);
utimesSync(STAMP, startedAt, startedAt);
