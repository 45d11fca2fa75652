#!/usr/bin/env node
// The `idhooks` command runs the compiled server in dist/ (built by `npm install` through the
// `prepare` script, and by `npm start`): no TypeScript loader in production, which costs a thread
// and about 60 MB of memory. After changing src/, run `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('idhooks is not built yet: run `npm run build` (npm install does it too).\n');
  process.exit(1);
}
await import(entry.href);
