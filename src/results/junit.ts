// junit.xml for a run folder: one test case per threshold and per check, so any CI's test
// reporter shows which latency gate failed and by how much, without knowing anything about k6.
import type { RunMeta } from './run-meta.ts';
import { aggregationOf } from './thresholds.ts';

/** The part of k6's handleSummary data this needs: the group tree with its checks. */
export interface CheckLike {
  name: string;
  path: string;
  passes: number;
  fails: number;
}
export interface GroupLike {
  name: string;
  path: string;
  groups: GroupLike[];
  checks: CheckLike[];
}

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; detail: string };
  /** Nothing was measured (a threshold on a sub-metric without samples): neither passed nor failed. */
  skipped?: string;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c)
    // XML 1.0 forbids most control characters even when escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}


function formatObserved(metric: string, expression: string, observed: number | null | undefined): string {
  if (observed === null || observed === undefined) return 'observed value not recorded';
  const agg = aggregationOf(expression);
  const isRate = agg === 'rate';
  const isTime = /_ms\b|_ms\{|duration|_blocked|_connecting|_tls|_sending|_waiting|_receiving/.test(metric) && !isRate && agg !== 'count';
  const value = isRate ? `${(observed * 100).toFixed(2)}%` : isTime ? `${+observed.toFixed(4)}ms` : `${+observed.toFixed(6)}`;
  return `${agg}=${value}`;
}

function thresholdCases(meta: RunMeta): Case[] {
  return meta.thresholds.map((t) => {
    const c: Case = { classname: `thresholds.${t.metric}`, name: `${t.metric}: ${t.expression}` };
    if (t.ok && t.noSamples) c.skipped = `no samples: ${t.metric} received none during run ${meta.id}, so ${t.expression} tested nothing`;
    if (!t.ok) {
      const observed = formatObserved(t.metric, t.expression, t.observed);
      c.failure = {
        message: `threshold crossed: ${t.expression} (${observed})`,
        detail: `metric ${t.metric}\nexpected ${t.expression}\n${observed}\nrun ${meta.id}${t.abortOnFail ? '\nabortOnFail: the run was stopped early' : ''}`,
      };
    }
    return c;
  });
}

function checkCases(group: GroupLike | undefined): Case[] {
  if (!group) return [];
  const out: Case[] = [];
  const walk = (g: GroupLike): void => {
    for (const ch of g.checks) {
      const total = ch.passes + ch.fails;
      const c: Case = { classname: `checks${g.path ? `.${g.path.replace(/^::/, '').replace(/::/g, '.')}` : ''}`, name: ch.name };
      if (ch.fails > 0) {
        c.failure = {
          message: `check failed ${ch.fails} of ${total} times`,
          detail: `${ch.path}\npasses ${ch.passes}, fails ${ch.fails} (${((ch.fails / Math.max(1, total)) * 100).toFixed(2)}%)`,
        };
      }
      out.push(c);
    }
    for (const sub of g.groups) walk(sub);
  };
  walk(group);
  return out;
}

/** Renders junit.xml for a run: a `thresholds` suite and a `checks` suite. */
export function renderJunit(meta: RunMeta, rootGroup?: GroupLike): string {
  const seconds = ((meta.durationMs ?? 0) / 1000).toFixed(3);
  const suites: Array<{ name: string; cases: Case[] }> = [
    { name: `${meta.id} thresholds`, cases: thresholdCases(meta) },
    { name: `${meta.id} checks`, cases: checkCases(rootGroup) },
  ];
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure).length, 0);
  const skippedAll = suites.reduce((n, s) => n + s.cases.filter((c) => c.skipped !== undefined).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="s2s-latency ${xmlEscape(meta.platform)}/${xmlEscape(meta.scenario)}" tests="${total}" failures="${failures}" errors="0" skipped="${skippedAll}" time="${seconds}">`,
  ];
  for (const s of suites) {
    const f = s.cases.filter((c) => c.failure).length;
    const skipped = s.cases.filter((c) => c.skipped !== undefined).length;
    lines.push(`  <testsuite name="${xmlEscape(s.name)}" tests="${s.cases.length}" failures="${f}" errors="0" skipped="${skipped}" time="${seconds}" timestamp="${xmlEscape(meta.startedAt)}">`);
    for (const c of s.cases) {
      const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="0"`;
      if (c.skipped !== undefined) {
        lines.push(`${open}>`, `      <skipped message="${xmlEscape(c.skipped)}"/>`, '    </testcase>');
      } else if (!c.failure) {
        lines.push(`${open}/>`);
      } else {
        lines.push(`${open}>`);
        lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="threshold">${xmlEscape(c.failure.detail)}</failure>`);
        lines.push('    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
