import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { githubAnnotations } from './annotations.ts';
import { renderJunit, type GroupLike } from './junit.ts';
import { runMetaSchema, type RunMeta } from './run-meta.ts';

function meta(thresholds: RunMeta['thresholds']): RunMeta {
  return runMetaSchema.parse({
    schemaVersion: 1,
    id: '20261129T150000Z_local_probe',
    platform: 'local',
    scenario: 'probe',
    engine: { name: 'embedded', version: '0.1.0' },
    git: { commit: null, dirty: null },
    host: { hostname: 'h', os: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
    config: {},
    targets: [],
    startedAt: '2026-11-29T15:00:00.000Z',
    endedAt: '2026-11-29T15:00:03.500Z',
    durationMs: 3500,
    exitCode: thresholds.every((t) => t.ok) ? 0 : 99,
    status: thresholds.every((t) => t.ok) ? 'passed' : 'thresholds-crossed',
    interrupted: false,
    thresholds,
    files: {},
  });
}

const group: GroupLike = {
  name: '',
  path: '',
  checks: [{ name: 'status is 200', path: '::status is 200', passes: 9, fails: 1 }],
  groups: [{ name: 'probe <&>', path: '::probe <&>', groups: [], checks: [{ name: 'ok "quoted"', path: '::probe <&>::ok "quoted"', passes: 3, fails: 0 }] }],
};

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml);

describe('renderJunit', () => {
  it('writes one case per threshold and per check, failures carrying the observed value', () => {
    const xml = renderJunit(
      meta([
        { metric: 's2s_latency_ms', expression: 'p(95)<0.001', ok: false, observed: 0.42 },
        { metric: 's2s_errors{source:local,target:pong-sec}', expression: 'rate<0.01', ok: true, observed: 0 },
      ]),
      group,
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites.tests).toBe('4');
    expect(doc.testsuites.failures).toBe('2');
    const [thresholds, checks] = doc.testsuites.testsuite;
    expect(thresholds.testcase.map((c: { name: string }) => c.name)).toEqual([
      's2s_latency_ms: p(95)<0.001',
      's2s_errors{source:local,target:pong-sec}: rate<0.01',
    ]);
    expect(thresholds.testcase[0].failure.message).toBe('threshold crossed: p(95)<0.001 (p(95)=0.42ms)');
    expect(thresholds.testcase[1].failure).toBeUndefined();
    expect(checks.testcase[0].failure.message).toBe('check failed 1 of 10 times');
    expect(checks.testcase[1].classname).toBe('checks.probe <&>');
    expect(checks.testcase[1].name).toBe('ok "quoted"');
  });

  it('a threshold whose sub-metric got no sample is a skipped case ("no samples"), not a pass', () => {
    const xml = renderJunit(meta([{ metric: 's2s_latency_ms{target:nope}', expression: 'p(95)<20', ok: true, observed: null, noSamples: true }]));
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites.skipped).toBe('1');
    expect(doc.testsuites.failures).toBe('0');
    const [thresholds] = doc.testsuites.testsuite;
    expect(thresholds.skipped).toBe('1');
    expect(thresholds.testcase[0].skipped.message).toMatch(/^no samples: s2s_latency_ms\{target:nope\} received none/);
  });

  it('is still valid XML with no thresholds and no checks', () => {
    const xml = renderJunit(meta([]));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(parse(xml).testsuites.tests).toBe('0');
  });
});

describe('githubAnnotations', () => {
  it('prints one ::error per crossed threshold with escaped properties', () => {
    const lines = githubAnnotations(
      meta([
        { metric: 's2s_latency_ms{target:pong-sec}', expression: 'p(95)<0.001', ok: false, observed: 1.5 },
        { metric: 'checks', expression: 'rate>0.99', ok: true, observed: 1 },
      ]),
    );
    expect(lines).toEqual([
      '::error title=Latency threshold crossed%3A s2s_latency_ms{target%3Apong-sec}::s2s_latency_ms{target:pong-sec} p(95)<0.001 (observed 1.5) — run 20261129T150000Z_local_probe on local/probe',
    ]);
  });

  it('a threshold without samples is a warning, not counted as passed', () => {
    const lines = githubAnnotations(meta([{ metric: 's2s_latency_ms{target:nope}', expression: 'p(95)<20', ok: true, noSamples: true }, { metric: 'checks', expression: 'rate>0.99', ok: true }]));
    expect(lines[0]).toMatch(/^::warning title=No samples%3A s2s_latency_ms\{target%3Anope\}::s2s_latency_ms\{target:nope\} p\(95\)<20 tested nothing/);
    expect(lines[1]).toMatch(/::1 threshold passed/);
  });

  it('prints a notice when every threshold passed', () => {
    expect(githubAnnotations(meta([{ metric: 'checks', expression: 'rate>0.99', ok: true }]))).toEqual([
      '::notice title=s2s local/probe::1 threshold passed (run 20261129T150000Z_local_probe)',
    ]);
  });
});
