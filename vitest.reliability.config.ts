import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the multi-process scenarios of test/reliability (crash, outages,
 * slow endpoints, bad input at volume, database faults). Kept out of `npm test` because each
 * scenario runs real servers for seconds to minutes.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    // Every wait inside a scenario has its own, shorter deadline; these only catch a hang.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // One file at a time: the scenarios measure timing bounds with servers, receivers and
    // PostgreSQL on two cores, and two of them at once would only make each other slow.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
