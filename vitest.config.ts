import { defineConfig } from 'vitest/config';

// Tests start real servers and processes: give them room on a shared 2-core machine,
// but never use time as an assertion (see README, "Benchmarks").
export default defineConfig({
  test: {
    include: ['{app,src,scripts,bench,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
