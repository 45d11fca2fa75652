// Starts a worker thread from the TypeScript sources (tests, `node --import tsx src/main.ts`): it
// registers tsx's loader in the thread, then loads the entry named in workerData. The built server
// starts its threads from dist/ and never loads this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.sourceEntry);
