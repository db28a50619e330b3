// One deploy session for tests: a state directory, the stand-in CLIs first on PATH, and the deploy / teardown /
// distributed CLIs run against them (in-process, or as a real process for distributed), with the deployed
// services played by local servers (test/fakes/services.ts). Used by the walk-through and the contract test.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as deployMain } from '../../src/platforms/deploy-cli.ts';
import { main as teardownMain } from '../../src/platforms/teardown-cli.ts';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { readState } from '../../src/platforms/deploy/state.ts';
import { cloudWorld, createFakeClis, type FakeClis, type FakeRule, type WorldOptions } from '../fakes/index.ts';
import type { FakeServices } from '../fakes/services.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface Session {
  fake: FakeClis;
  stateDir: string;
  /** The stand-ins' world with the local services as what Cloud Run and the load balancer report. */
  world(opts?: Partial<WorldOptions>): FakeRule[];
  run(cli: 'deploy' | 'teardown', argv: string[], ask?: ((q: string) => Promise<string>) | null): Promise<CliResult>;
  /** `npm run distributed -- …` as a real process with the stand-ins on PATH and this state dir. */
  distributed(argv: string[]): Promise<CliResult>;
  state(): ReturnType<typeof readState>;
  cleanup(): void;
}

export function openSession(services: FakeServices, opts: Partial<WorldOptions> = {}): Session {
  const world = (extra: Partial<WorldOptions> = {}) => cloudWorld({ exists: false, urls: services.urls, lbIp: services.lbIp, ...opts, ...extra });
  const fake = createFakeClis(world());
  const stateDir = mkdtempSync(join(tmpdir(), 's2s-state-'));
  const env = () => ({ ...fake.env, S2S_STATE_DIR: stateDir });
  return {
    fake,
    stateDir,
    world,
    async run(cli, argv, ask = null) {
      let out = '';
      let err = '';
      const io = {
        env: env(),
        cwd: REPO_ROOT,
        out: (t: string) => void (out += t),
        err: (t: string) => void (err += t),
        ask,
        tokens: async () => 'runner-id-token',
        sleep: async () => {},
      };
      const code = cli === 'deploy' ? await deployMain(argv, io) : await teardownMain(argv, io);
      return { code, out, err };
    },
    distributed(argv) {
      return new Promise((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'scripts/distributed.ts', ...argv], { cwd: REPO_ROOT, env: env(), timeout: 120_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, out: stdout, err: stderr });
        });
      });
    },
    state: () => readState(join(stateDir, 'state.json')),
    cleanup() {
      fake.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
