// `s2s platform` / `npm run platform:local`: starts the local platform, prints its URLs, shell variables and
// ready-to-paste curl lines (or one JSON object with --json, or only the `export` lines with --env), and runs
// until SIGINT/SIGTERM, leaving no process behind.
import { z } from 'zod';
import { FlagError, parseFlags, valueError } from '../flags/flags.ts';
import { describeLocalPlatform, startLocalPlatform, type LocalPlatform } from './local/index.ts';
import { watchLaunchers } from '../process/launcher-watch.ts';

const USAGE = `Usage: s2s platform [flags]        (npm run platform:local -- [flags])

Starts the local platform on 127.0.0.1 (ephemeral ports, HTTPS with a CA made for the run): a GCE metadata
emulator, ping, pong-sec (ID-token check), pong-unsec and an "external website" stand-in. Runs until Ctrl+C
or SIGTERM, then stops every process it started.

Flags:
  --json                  print one JSON object (urls, caFile, pids, curl lines) as the first stdout line
                          (what \`npm run scenario:local -- --platform-file FILE\` reads)
  --env                   print only shell lines: export CA=… PING=… PONG_SEC=… PONG_UNSEC=… EXTERNAL=… METADATA=…
  --pong-delay-ms N       delay pong-sec and pong-unsec add to every /pong, ms (0..10000, default 0)
  --external-delay-ms N   delay of the "external" stand-in, ms (0..10000, default 0)
  --runtime bundle|tsx    how services run: esbuild bundle (default, faster start) or tsx on the sources
  --start-timeout-ms N    how long each service may take to start, ms (default 60000)
  --verbose               copy every service log line to stderr (tokens redacted)
  -h, --help              this text
`;

const DELAY_RANGE = 'expected a number of ms from 0 to 10000';
const START_TIMEOUT_RANGE = 'expected an integer number of ms from 1000 to 600000';
const delayMs = z.coerce.number({ error: DELAY_RANGE }).min(0, { error: DELAY_RANGE }).max(10_000, { error: DELAY_RANGE }).default(0);

const flagsSchema = z.object({
  json: z.boolean().default(false),
  env: z.boolean().default(false),
  verbose: z.boolean().default(false),
  help: z.boolean().default(false),
  'pong-delay-ms': delayMs,
  'external-delay-ms': delayMs,
  'start-timeout-ms': z.coerce
    .number({ error: START_TIMEOUT_RANGE })
    .int({ error: START_TIMEOUT_RANGE })
    .min(1_000, { error: START_TIMEOUT_RANGE })
    .max(600_000, { error: START_TIMEOUT_RANGE })
    .default(60_000),
  runtime: z.enum(['bundle', 'tsx'], { error: 'expected bundle or tsx' }).default('bundle'),
});

/** The curl lines a user pastes to see the post's measurements (secured, unsecured, 401s, the post's own form). */
export function curlLines(platform: Pick<LocalPlatform, 'urls' | 'caFile'>): string[] {
  const { ping, pongUnsec } = platform.urls;
  const curl = `curl --cacert ${platform.caFile}`;
  return [
    `${curl} "${ping}/ping?target=pong-sec&count=1000&auth=id-token"`,
    `${curl} "${ping}/ping?target=pong-unsec&count=1000&auth=none"`,
    `${curl} "${ping}/ping?target=pong-sec&count=1000&auth=none"`,
    `${curl} "${ping}/ping?url=${pongUnsec}/pong&nbcall=10&useGoogleClient=false"`,
    `${curl} "${ping}/ping?target=external&count=100&auth=none&format=text"`,
  ];
}

/** POSIX shell single-quoting, so a path with spaces or quotes survives `source`/`eval`. */
const shellQuote = (value: string): string => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** `export CA=… PING=…` lines: the variables the README's curl lines use. */
export function envLines(platform: Pick<LocalPlatform, 'urls' | 'caFile'>): string[] {
  const { urls } = platform;
  const vars: Array<[string, string]> = [
    ['CA', platform.caFile],
    ['PING', urls.ping],
    ['PONG_SEC', urls.pongSec],
    ['PONG_UNSEC', urls.pongUnsec],
    ['EXTERNAL', urls.external],
    ['METADATA', urls.metadata],
  ];
  return vars.map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

function describe(platform: LocalPlatform): string {
  const { urls } = platform;
  const [secured, unsecured, unauthorized, postForm, text] = curlLines(platform);
  return [
    'Local platform is up (Ctrl+C or SIGTERM stops it).',
    '',
    '# in another shell, paste these to set $CA, $PING, $PONG_SEC, $PONG_UNSEC, $EXTERNAL, $METADATA:',
    ...envLines(platform),
    '',
    `  ping        ${urls.ping}   (pid ${platform.pids.ping})`,
    `  pong-sec    ${urls.pongSec}   (pid ${platform.pids.pongSec}, ID token of ${platform.serviceAccount} required)`,
    `  pong-unsec  ${urls.pongUnsec}   (pid ${platform.pids.pongUnsec})`,
    `  external    ${urls.external}   (pid ${platform.pids.external})`,
    `  metadata    ${urls.metadata}   (GCE metadata emulator, certs ${urls.certs})`,
    `  CA          ${platform.caFile}`,
    '',
    '# 1000 calls ping → pong-sec with an ID token (first call split into phases, then percentiles):',
    secured,
    '# the same without security:',
    unsecured,
    '# pong-sec without a token: 1000 errors counted as 401',
    unauthorized,
    "# the post's own form:",
    postForm,
    '# a human-readable table:',
    text,
    '',
  ].join('\n');
}

export type LocalCliFlags = z.infer<typeof flagsSchema>;

/** Parses and checks the flags without starting anything; throws FlagError (one line). */
export function parseLocalCliFlags(argv: readonly string[]): LocalCliFlags {
  const { values } = parseFlags(argv, {
    json: { type: 'boolean' },
    env: { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    'pong-delay-ms': { type: 'string' },
    'external-delay-ms': { type: 'string' },
    'start-timeout-ms': { type: 'string' },
    runtime: { type: 'string' },
  });
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? '?');
    throw valueError(name, (values as Record<string, unknown>)[name], issue.message);
  }
  if (parsed.data.json && parsed.data.env) throw new FlagError('--json and --env exclude each other: one prints a JSON line, the other shell lines');
  return parsed.data;
}

export async function main(argv: string[]): Promise<number> {
  let flags: LocalCliFlags;
  try {
    flags = parseLocalCliFlags(argv);
  } catch (error) {
    process.stderr.write(`s2s platform: ${(error as Error).message}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  // Signals that arrive while starting must still stop what was started.
  let signalled: NodeJS.Signals | null = null;
  let wake: (signal: NodeJS.Signals) => void = () => {};
  const signalArrived = new Promise<NodeJS.Signals>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled ??= signal;
    wake(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // `npm run` relays SIGTERM to its shell only, which dies and leaves us running: treat that as a hang-up.
  const stopWatching = watchLaunchers((pid) => {
    process.stderr.write(`s2s platform: launcher process ${pid} is gone\n`);
    onSignal('SIGHUP');
  });
  const say = (text: string): void => void process.stderr.write(`${text}\n`);

  try {
    say('Starting the local platform…');
    let platform: LocalPlatform;
    try {
      platform = await startLocalPlatform({
        pongDelayMs: flags['pong-delay-ms'],
        externalDelayMs: flags['external-delay-ms'],
        startTimeoutMs: flags['start-timeout-ms'],
        runtime: flags.runtime,
        handleSignals: false,
        log: flags.verbose ? say : undefined,
      });
    } catch (error) {
      say(`s2s platform: ${(error as Error).message}`);
      return 1;
    }
    if (signalled) {
      await platform.stop();
      return 0;
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...describeLocalPlatform(platform), curl: curlLines(platform) })}\n`);
    } else if (flags.env) {
      process.stdout.write(`${envLines(platform).join('\n')}\n`);
    } else {
      process.stdout.write(describe(platform));
    }
    const outcome = await Promise.race([signalArrived.then((signal) => ({ signal })), platform.serviceExit.then((exit) => ({ exit }))]);
    if ('exit' in outcome) {
      const { name, pid, code, signal } = outcome.exit;
      say(`s2s platform: ${name} (pid ${pid}) exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); stopping the others`);
      await platform.stop();
      return 1;
    }
    say(`s2s platform: ${outcome.signal}, stopping…`);
    await platform.stop();
    say('s2s platform: stopped');
    return 0;
  } finally {
    stopWatching();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
