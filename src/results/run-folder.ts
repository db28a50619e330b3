// Writes a run folder atomically: everything goes into `<results>/.tmp-<pid>-<rand>/` while the run lasts
// (the engine writes summary.json and metrics.ndjson.gz there), then run.json/console.txt are added and the
// folder is renamed to `<UTC stamp>_<platform>_<scenario>`. A crash leaves only a dot-folder, never a half run.
// The rename is the claim on the name: rename(2) refuses a non-empty target, so two runs finishing in the same
// second cannot both take it; the loser takes the next free second and renames again. A finished run (a temp
// folder holding run.json) is never deleted, not even by the sweep of dead runs' temp folders.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runMetaSchema, type RunMeta } from './run-meta.ts';

export const RUN_FILES = {
  run: 'run.json',
  summary: 'summary.json',
  console: 'console.txt',
  metrics: 'metrics.ndjson.gz',
  dashboard: 'dashboard.html',
  /** Real k6's own web dashboard export, when k6 ran. */
  dashboardK6: 'dashboard-k6.html',
  /** The per-period series of the run (src/results/timeseries.ts), what the dashboard showed. */
  timeseries: 'timeseries.json',
  junit: 'junit.xml',
} as const;

const TMP_PREFIX = '.tmp-';
/** A JWT (header.payload…): must never reach a file. */
const JWT_RE = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;

export class RunFolderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFolderError';
  }
}

/** `yyyymmddTHHMMSSZ` in UTC. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Lower-case, [a-z0-9-] only: the run id grammar of run.json. */
function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'unknown';
}

export function runId(startedAt: Date, platform: string, scenario: string): string {
  return `${utcStamp(startedAt)}_${slug(platform)}_${slug(scenario)}`;
}

export function redactTokens(text: string): string {
  return text.replace(JWT_RE, '<redacted-token>');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp folders left by runs whose process is gone (a crash or kill -9). */
async function sweepStaleTemps(resultsDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(resultsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      const dir = path.join(resultsDir, name);
      // A run.json means the run finished and only its rename failed: that is data, not debris.
      if (await exists(path.join(dir, RUN_FILES.run))) continue;
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export function gitInfo(cwd: string): RunMeta['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function hostInfo(): RunMeta['host'] {
  return { hostname: os.hostname(), os: `${os.type()} ${os.release()}`, arch: os.arch(), cpus: os.cpus().length, node: process.version };
}

/** True when the path exists (file or folder). */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export interface FinalizeInput {
  /** run.json without id and files (filled in here from what is in the folder). */
  meta: Omit<RunMeta, 'id' | 'files'>;
  /** console.txt content, if any. */
  consoleText?: string;
  /** junit.xml content, if any (rendered from the final meta by the caller's function). */
  junit?: (meta: RunMeta) => string;
}

/** How many later seconds finalize tries when the name is taken: far more runs than can end in one second. */
const MAX_NAME_ATTEMPTS = 1000;

/** A rename that failed because the target folder exists (Linux: ENOTEMPTY; others: EEXIST, EPERM on Windows). */
function isNameTaken(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM' || code === 'EACCES';
}

export class RunFolder {
  private constructor(
    readonly resultsDir: string,
    /** Where files go during the run. */
    readonly tmpDir: string,
    private readonly startedAt: Date,
    private readonly platform: string,
    private readonly scenario: string,
  ) {}

  /**
   * Proves that runs can be written under `resultsDir` (creating it), by making and removing a temp folder
   * there: permission bits alone do not say (root ignores them; a read-only mount does not show in them).
   */
  static async checkWritable(resultsDir: string): Promise<void> {
    const dir = path.resolve(resultsDir);
    try {
      await mkdir(dir, { recursive: true });
      const probe = await mkdtemp(path.join(dir, `${TMP_PREFIX}${process.pid}-probe-`));
      await rm(probe, { recursive: true, force: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new RunFolderError(`--results-dir ${dir} is not writable (${e.code ?? 'error'}: ${e.message}); choose a directory you can write to, e.g. --results-dir ./results`, {
        cause: err,
      });
    }
  }

  /** Creates the temp folder (and results dir), sweeping temp folders of dead runs. */
  static async create(resultsDir: string, opts: { startedAt: Date; platform: string; scenario: string }): Promise<RunFolder> {
    const dir = path.resolve(resultsDir);
    await mkdir(dir, { recursive: true });
    await sweepStaleTemps(dir);
    const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp);
    return new RunFolder(dir, tmp, opts.startedAt, opts.platform, opts.scenario);
  }

  /** Absolute path of a file inside the temp folder. */
  file(name: string): string {
    return path.join(this.tmpDir, name);
  }

  /**
   * Writes run.json (validated against the schema), console.txt and junit.xml, redacts any token shape
   * from the text files, and renames the folder into place. Returns the final path and the meta written.
   * Two runs finishing in the same second: the rename decides, the loser takes the next free second.
   */
  async finalize(input: FinalizeInput): Promise<{ dir: string; meta: RunMeta }> {
    // Skip the names already taken (cheap, and the usual case); the rename below settles any race.
    let start = this.startedAt.getTime();
    while (await exists(path.join(this.resultsDir, runId(new Date(start), this.platform, this.scenario)))) start += 1000;
    if (input.consoleText !== undefined) await writeFile(this.file(RUN_FILES.console), redactTokens(input.consoleText));
    // summary.json is k6's data untouched, unless something put a token in it: then safety wins.
    if (await exists(this.file(RUN_FILES.summary))) {
      const text = await readFile(this.file(RUN_FILES.summary), 'utf8');
      const clean = redactTokens(text);
      if (clean !== text) await writeFile(this.file(RUN_FILES.summary), clean);
    }
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++, start += 1000) {
      const id = runId(new Date(start), this.platform, this.scenario);
      const meta = await this.writeMeta(id, input);
      const finalDir = path.join(this.resultsDir, id);
      try {
        await rename(this.tmpDir, finalDir);
        return { dir: finalDir, meta };
      } catch (err) {
        // Taken since we looked (another run won the race): next second. Anything else is a real failure.
        if (isNameTaken(err) && (await exists(finalDir)) && (await exists(this.tmpDir))) continue;
        throw new RunFolderError(`renaming ${this.tmpDir} to ${finalDir} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new RunFolderError(`no free run folder name in ${this.resultsDir} within ${MAX_NAME_ATTEMPTS} s of ${this.startedAt.toISOString()}; the run's files stay in ${this.tmpDir}`);
  }

  /** run.json (and junit.xml) for this id, validated against the schema; rewritten when the id changes. */
  private async writeMeta(id: string, input: FinalizeInput): Promise<RunMeta> {
    const files: RunMeta['files'] = {};
    if (await exists(this.file(RUN_FILES.summary))) files.summary = RUN_FILES.summary;
    if (await exists(this.file(RUN_FILES.console))) files.console = RUN_FILES.console;
    if (await exists(this.file(RUN_FILES.metrics))) files.metrics = RUN_FILES.metrics;
    if (await exists(this.file(RUN_FILES.dashboard))) files.dashboard = RUN_FILES.dashboard;
    if (await exists(this.file(RUN_FILES.dashboardK6))) files.dashboardK6 = RUN_FILES.dashboardK6;
    if (await exists(this.file(RUN_FILES.timeseries))) files.timeseries = RUN_FILES.timeseries;
    if (input.junit) files.junit = RUN_FILES.junit;
    const parsed = runMetaSchema.safeParse({ ...input.meta, id, files });
    if (!parsed.success) {
      throw new RunFolderError(`run.json for ${id} does not match schemas/run.schema.json: ${parsed.error.message}`);
    }
    const meta = parsed.data;
    if (input.junit) await writeFile(this.file(RUN_FILES.junit), redactTokens(input.junit(meta)));
    await writeFile(this.file(RUN_FILES.run), `${redactTokens(JSON.stringify(meta, null, 2))}\n`);
    return meta;
  }

  /**
   * Drops the temp folder when no run was recorded in it. A folder holding run.json is a finished run whose
   * rename failed: it is kept, and its path returned so the caller can say where the files are.
   */
  async abandon(): Promise<string | null> {
    if (await exists(this.file(RUN_FILES.run))) return this.tmpDir;
    await rm(this.tmpDir, { recursive: true, force: true });
    return null;
  }
}
