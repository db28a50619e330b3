// `run.json`: what every run folder says about itself. The zod schema is the source of truth;
// `schemas/run.schema.json` is generated from it (npm run schemas) and checked in, so tools
// outside this repo can validate run folders too.
import { z } from 'zod';

export const RUN_SCHEMA_VERSION = 1 as const;

export const authSchema = z.enum(['id-token', 'mesh-mtls', 'none']);

export const targetSchema = z.object({
  /** Allow-list name, e.g. "pong-sec". */
  name: z.string().min(1),
  /** URL without credentials. */
  url: z.string(),
  auth: authSchema,
  /** Platform the target runs on. */
  platform: z.string(),
  /** Where the caller (ping, or the runner for `direct`) runs. */
  source: z.string(),
});

export const thresholdVerdictSchema = z.object({
  /** Metric or sub-metric key, e.g. "s2s_latency_ms{target:pong-sec}". */
  metric: z.string(),
  /** Expression in k6 syntax, e.g. "p(95)<20". */
  expression: z.string(),
  ok: z.boolean(),
  /** Observed value of the aggregation the expression tests (ms for time Trends), when known. */
  observed: z.number().nullable().optional(),
  abortOnFail: z.boolean().optional(),
  /**
   * The (sub-)metric received no sample by the end of the run: the engine still says `ok` (k6 evaluates an
   * empty Trend as 0), but nothing was measured, so it is shown as "no samples", never as passed.
   */
  noSamples: z.boolean().optional(),
});

/** What the first call of a batch includes in this run, and how it came out per pair. */
export const firstCallSchema = z.object({
  /** True when every batch's first call is cold (probe, direct); false for load (warm token). */
  cold: z.boolean(),
  /** What the first call's time includes, e.g. ["ID token fetch", "DNS", "TCP connect", "TLS handshake (full)", …]. */
  includes: z.array(z.string()),
  /** What it never includes, e.g. ["instance cold start"]. */
  excludes: z.array(z.string()),
  /** How the scenario makes it so, in one sentence. */
  how: z.string(),
  pairs: z.array(
    z.object({
      source: z.string(),
      target: z.string(),
      /** First calls recorded (one per batch that got an answer). */
      batches: z.number().int().nonnegative(),
      /** First calls that were cold as observed (s2s_first_cold), null when not recorded. */
      coldBatches: z.number().int().nonnegative().nullable(),
      medianMs: z.number().nullable(),
      maxMs: z.number().nullable(),
    }),
  ),
  /** Local platform: ID tokens the metadata emulator minted during the engine run, per audience. */
  tokenRequests: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

/** A platform process that exited while the run was going on (local platform). */
export const serviceExitSchema = z.object({
  name: z.string(),
  pid: z.number().int(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.iso.datetime(),
  /** Seconds after the engine started. */
  afterSec: z.number(),
});

export const runMetaSchema = z.object({
  schemaVersion: z.literal(RUN_SCHEMA_VERSION),
  /** Folder name: `<UTC yyyymmddTHHMMSSZ>_<platform>_<scenario>`. */
  id: z.string().regex(/^\d{8}T\d{6}Z_[a-z0-9-]+_[a-z0-9-]+$/),
  platform: z.string(),
  scenario: z.string(),
  engine: z.object({
    name: z.enum(['k6', 'embedded']),
    version: z.string(),
  }),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  host: z.object({
    hostname: z.string(),
    os: z.string(),
    arch: z.string(),
    cpus: z.number().int(),
    node: z.string(),
  }),
  /** Resolved run configuration, secrets removed. */
  config: z.record(z.string(), z.unknown()),
  targets: z.array(targetSchema),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  durationMs: z.number().nonnegative().nullable(),
  /** Engine exit code: 0 pass, 99 thresholds crossed, 104 invalid config, 107 script error, 108 aborted. */
  exitCode: z.number().int().nullable(),
  status: z.enum(['passed', 'thresholds-crossed', 'aborted', 'interrupted', 'error', 'running']),
  interrupted: z.boolean(),
  thresholds: z.array(thresholdVerdictSchema),
  /** Runs made together by `--repeat N`: one id for the group, this run's place in it (1-based). */
  group: z.object({ id: z.string(), index: z.number().int().positive(), of: z.number().int().positive() }).optional(),
  firstCall: firstCallSchema.optional(),
  /** Platform processes that exited during the run (empty or absent: none did). */
  serviceExits: z.array(serviceExitSchema).optional(),
  /** Problems with what was recorded (e.g. an interrupted batch recorded in part), one line each. */
  recordingProblems: z.array(z.string()).optional(),
  /** Files in the folder, relative names. */
  files: z.object({
    summary: z.string().optional(),
    console: z.string().optional(),
    metrics: z.string().optional(),
    /** Our dashboard's export (every engine). */
    dashboard: z.string().optional(),
    /** Real k6's own dashboard export, when k6 ran. */
    dashboardK6: z.string().optional(),
    /** Per-period time series (src/results/timeseries.ts). */
    timeseries: z.string().optional(),
    junit: z.string().optional(),
  }),
});

export type RunMeta = z.infer<typeof runMetaSchema>;
export type RunTarget = z.infer<typeof targetSchema>;
export type ThresholdVerdict = z.infer<typeof thresholdVerdictSchema>;

/** The JSON Schema (draft 2020-12) of run.json. */
export function runJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runMetaSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
