// The `s2s` command-line entry: a table of subcommands, each loaded only when used,
// so `s2s run` never pays for the report's chart library and vice versa.

/** A subcommand takes its own argv (without the subcommand name) and returns the process exit code. */
export type CommandMain = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<{ main: CommandMain }>;
}

export const commands: Record<string, CommandEntry> = {
  run: { summary: 'run a k6 script with the embedded engine (k6 flags)', load: () => import('../engine/cli.ts') },
  platform: { summary: 'start the local platform (metadata emulator, ping, pong-sec, pong-unsec)', load: () => import('../platforms/local-cli.ts') },
  scenario: { summary: 'run a scenario against a platform and write a run folder', load: () => import('../runner/cli.ts') },
  deploy: { summary: 'deploy the services to Cloud Run, GKE or both (see --dry-run)', load: () => import('../platforms/deploy-cli.ts') },
  teardown: { summary: 'delete what deploy created', load: () => import('../platforms/teardown-cli.ts') },
  report: { summary: 'build HTML + Markdown reports from run folders', load: () => import('../report/cli.ts') },
  compare: { summary: 'compare two runs (or sets of runs) and gate on regressions', load: () => import('../report/compare-cli.ts') },
  distributed: { summary: 'generate/apply a k6-operator TestRun for a scenario', load: () => import('../distributed/cli.ts') },
  collect: { summary: 'merge the outputs of N runners and evaluate thresholds globally', load: () => import('../distributed/collect-cli.ts') },
  lifeline: { summary: 'internal: run a program (real k6) that must not outlive the runner that started it', load: () => import('../process/lifeline.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return ['Usage: s2s <command> [flags]', '', 'Commands:', ...lines, '', 'Run `s2s <command> --help` for the flags of one command.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`s2s: unknown command ${JSON.stringify(name)}: one of ${Object.keys(commands).join(', ')} (s2s --help)\n`);
    return 2;
  }
  const mod = await entry.load();
  return mod.main(rest);
}
