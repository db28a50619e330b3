import { defineConfig } from 'vitest/config';

// Two projects, one run (`npm test` runs both; `npm run test:unit` only the first):
// - unit: pure code. A setup file refuses child processes and sockets (loopback included), so the
//   project stays fast and its name stays true.
// - integration: real servers on port 0, real processes, the local platform, the bench. A test that starts
//   a process or opens a socket belongs here: list its file below.
const INTEGRATION = [
  'test/e2e/**',
  'test/engine/**',
  'test/engine-runtime/**',
  'test/deploy/**',
  'test/conformance/**',
  'test/dashboard/**',
  'test/distributed/**',
  'test/security/**',
  'test/readme/examples-run.test.ts',
  'test/report/compare-local.test.ts',
  'test/report/html-browser.test.ts',
  'bench/**',
  'app/batch.test.ts',
  'app/http1-caller.test.ts',
  'app/ping.test.ts',
  'app/pong.test.ts',
  'app/server.test.ts',
  'src/auth/id-token-cache.test.ts',
  'src/auth/runner-tokens.test.ts',
  'src/dashboard/dashboard.test.ts',
  'src/dashboard/k6-stream.test.ts',
  'src/distributed/collect.test.ts',
  'src/engine/runtime/k6-http.test.ts',
  'src/engine/runtime/program.test.ts',
  'src/engine/runtime/tls.test.ts',
  'src/platforms/deploy/exec.test.ts',
  'src/platforms/local-cli.test.ts',
  'src/platforms/local/**',
  'src/platforms/smoke.test.ts',
  'src/process/launcher-watch.test.ts',
  'src/process/lifeline.test.ts',
  'src/process/supervised.test.ts',
  'src/results/run-folder.test.ts',
  'src/runner/build.test.ts',
  'src/runner/dashboard.test.ts',
  'src/runner/engine.test.ts',
  'src/runner/token-broker.test.ts',
].map((glob) => (glob.endsWith('/**') ? `${glob}/*.test.ts` : glob));

// Tests start real servers and processes: give them room on a shared 2-core machine, but never use time
// as an assertion (see README, "Benchmarks").
const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{app,src,scripts,bench,test}/**/*.test.ts'],
          exclude: INTEGRATION,
          setupFiles: ['test/support/unit-guard.ts'],
          ...shared,
        },
      },
      { test: { name: 'integration', include: INTEGRATION, ...shared } },
    ],
  },
});
