import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DashboardListenError } from '../dashboard/server.ts';
import { dashboardFiles, dashboardPeriod, planDashboard, RunnerDashboard } from './dashboard.ts';
import { FlagError } from './flags.ts';

const EMBEDDED = { name: 'embedded', bin: null, reason: '' } as const;
const K6 = { name: 'k6', bin: '/usr/bin/k6', reason: '' } as const;
const FILES = dashboardFiles((name) => `/run/${name}`);
const noLog = () => undefined;

describe('planDashboard', () => {
  it('export only unless --dashboard or K6_WEB_DASHBOARD=true; the period fits the run unless set', () => {
    expect(planDashboard({ flag: false, env: {}, expectedDurationSec: null })).toEqual({
      live: false,
      config: { enabled: true, host: '127.0.0.1', port: 5665, periodMs: 1000, open: false, exportPath: null },
      userExportPath: null,
    });
    expect(planDashboard({ flag: true, env: {}, expectedDurationSec: 3600 }).config.periodMs).toBe(10_000);
    const fromEnv = planDashboard({ flag: false, env: { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '7000', K6_WEB_DASHBOARD_PERIOD: '2s', K6_WEB_DASHBOARD_EXPORT: 'x.html' }, expectedDurationSec: 20 });
    expect(fromEnv).toMatchObject({ live: true, config: { port: 7000, periodMs: 2000, exportPath: null }, userExportPath: 'x.html' });
  });

  it('a bad variable is a usage error naming it', () => {
    expect(() => planDashboard({ flag: true, env: { K6_WEB_DASHBOARD_PORT: 'x' }, expectedDurationSec: null })).toThrow(FlagError);
    expect(() => planDashboard({ flag: true, env: { K6_WEB_DASHBOARD_PORT: 'x' }, expectedDurationSec: null })).toThrow(/K6_WEB_DASHBOARD_PORT="x"/);
  });

  it.each([
    [null, '1s'],
    [30, '1s'],
    [180, '3s'],
    [3600, '10s'],
  ])('dashboardPeriod(%s) = %s', (sec, period) => {
    expect(dashboardPeriod(sec)).toBe(period);
  });
});

describe('RunnerDashboard', () => {
  it('embedded: hands every switch to the engine, overriding the user\'s, and adds no flag', async () => {
    const plan = planDashboard({ flag: true, env: { K6_WEB_DASHBOARD_PORT: '0', K6_WEB_DASHBOARD_OPEN: 'true', K6_WEB_DASHBOARD_EXPORT: '/elsewhere.html' }, expectedDurationSec: 20 });
    const d = await RunnerDashboard.open(plan, EMBEDDED, { title: 'local · load', engineLabel: () => 'x', log: noLog });
    expect(await d.engineInput(FILES)).toEqual({
      env: {
        K6_WEB_DASHBOARD: 'true',
        K6_WEB_DASHBOARD_HOST: '127.0.0.1',
        K6_WEB_DASHBOARD_PORT: '0',
        K6_WEB_DASHBOARD_PERIOD: '1000ms',
        K6_WEB_DASHBOARD_OPEN: 'true',
        K6_WEB_DASHBOARD_EXPORT: '/run/dashboard.html',
        S2S_DASHBOARD_SERIES: '/run/timeseries.json',
        S2S_DASHBOARD_TITLE: 'local · load',
      },
      args: [],
    });
    await d.close();
    const exportOnly = await RunnerDashboard.open(planDashboard({ flag: false, env: { K6_WEB_DASHBOARD_OPEN: 'true' }, expectedDurationSec: null }), EMBEDDED, { title: 't', engineLabel: () => 'x', log: noLog });
    expect((await exportOnly.engineInput(FILES)).env).toMatchObject({ K6_WEB_DASHBOARD_PORT: '-1', K6_WEB_DASHBOARD_OPEN: 'false' });
  });

  it('k6: its own dashboard exports only (dashboard-k6.html); ours listens here and reads a pipe k6 writes into', async () => {
    const plan = planDashboard({ flag: true, env: { K6_WEB_DASHBOARD_PORT: '0' }, expectedDurationSec: 20 });
    const lines: string[] = [];
    const d = await RunnerDashboard.open(plan, K6, { title: 't', engineLabel: () => 'k6 v1.3.0', log: (l) => lines.push(l) });
    expect(lines).toEqual([expect.stringMatching(/^web dashboard: http:\/\/127\.0\.0\.1:\d+\/$/)]);
    const input = await d.engineInput(FILES);
    expect(input.env).toEqual({
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_HOST: '127.0.0.1',
      K6_WEB_DASHBOARD_PORT: '-1',
      K6_WEB_DASHBOARD_PERIOD: '1000ms',
      K6_WEB_DASHBOARD_OPEN: 'false',
      K6_WEB_DASHBOARD_EXPORT: '/run/dashboard-k6.html',
    });
    expect(input.args[0]).toBe('--out');
    const pipe = input.args[1]!.replace(/^json=/, '');
    expect(existsSync(pipe)).toBe(true);
    d.beforeEngine({});
    // k6 never ran: closing must not hang, and must leave neither the pipe nor the port behind
    await d.close();
    expect(existsSync(pipe)).toBe(false);
  });

  it.each([EMBEDDED, K6])('%o: a port in use is refused at open(), before anything starts', async (engine) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const plan = planDashboard({ flag: true, env: { K6_WEB_DASHBOARD_PORT: String(port) }, expectedDurationSec: null });
      await expect(RunnerDashboard.open(plan, engine, { title: 't', engineLabel: () => 'k6', log: noLog })).rejects.toThrow(DashboardListenError);
      // export only never touches the port
      const quiet = await RunnerDashboard.open({ ...plan, live: false }, engine, { title: 't', engineLabel: () => 'k6', log: noLog });
      await quiet.close();
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
