#!/usr/bin/env node
// The `idhooks` command: runs the TypeScript entry point through tsx, so there is no build step
// between a checkout and a running server.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
