import { describe, expect, it } from 'vitest';
import { LOCAL_TOPOLOGY } from '../platforms/local/index.ts';
import { parseThresholdFlag } from './thresholds.ts';
import { knownTags, unknownTagProblems } from './tag-check.ts';

const flags = (...t: string[]) => t.map(parseThresholdFlag);

describe('thresholds against the run’s tag values', () => {
  const probe = knownTags(LOCAL_TOPOLOGY, 'probe', 'runner');
  const direct = knownTags(LOCAL_TOPOLOGY, 'direct', 'runner');

  it('knows the local platform’s values per scenario', () => {
    expect(probe).toEqual({ platform: ['local'], source: ['local'], target: ['pong-sec', 'pong-unsec', 'external'], auth: ['id-token', 'none'] });
    expect(direct).toEqual({ platform: ['local'], source: ['runner'], target: ['pong-sec', 'pong-unsec'], auth: ['id-token', 'none'] });
  });

  it('accepts known values, untagged metrics and tags it does not own (k6’s own: status, name…)', () => {
    expect(unknownTagProblems(flags('s2s_latency_ms{target:pong-sec,source:local}=p(95)<20', 's2s_errors=rate<0.01', 'http_req_duration{status:200}=p(95)<50'), probe, 'local probe')).toEqual([]);
  });

  it.each([
    ['s2s_latency_ms{target:nope}=p(95)<20', 'target "nope" does not occur in this run (local probe); valid target values: pong-sec, pong-unsec, external'],
    ['s2s_latency_ms{source:gke}=p(95)<20', 'source "gke" does not occur in this run (local probe); valid source values: local'],
    ['s2s_first_ms{platform:cloudrun}=p(95)<20', 'platform "cloudrun" does not occur in this run (local probe); valid platform values: local'],
    ['s2s_errors{auth:mesh-mtls}=rate<0.01', 'auth "mesh-mtls" does not occur in this run (local probe); valid auth values: id-token, none'],
  ])('%s → names the valid values', (flag, message) => {
    const [problem] = unknownTagProblems(flags(flag), probe, 'local probe');
    expect(problem).toContain(message);
  });

  it('external is a target of probe but not of direct', () => {
    expect(unknownTagProblems(flags('s2s_latency_ms{target:external}=p(95)<20'), direct, 'local direct')).toHaveLength(1);
  });
});
