// startLocalPlatform() inside a program that is interrupted or exits without calling stop(): nothing may stay behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { eventually, isAlive } from '../../process/testing/processes.ts';

const START_BUDGET_MS = 120_000;
const INDEX = new URL('./index.ts', import.meta.url).pathname;

function program(after: 'wait' | 'exit'): string {
  return `
    import { startLocalPlatform } from ${JSON.stringify(INDEX)};
    const platform = await startLocalPlatform();
    process.stdout.write(JSON.stringify({ pids: Object.values(platform.pids), dir: platform.dir }) + '\\n');
    ${after === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}
  `;
}

async function runProgram(after: 'wait' | 'exit') {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program(after)], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then(() => reject(new Error(`exited before describing the platform; stderr:\n${stderr}`)));
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, exited, description: JSON.parse(line) as { pids: number[]; dir: string } };
}

describe('local platform lifecycle in a host program', () => {
  it(
    'SIGINT to the program: the platform stops, then the signal ends the program as usual',
    async () => {
      const { child, exited, description } = await runProgram('wait');
      expect(description.pids.every(isAlive)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
      expect(description.pids.filter(isAlive)).toEqual([]);
      expect(existsSync(description.dir)).toBe(false);
    },
    START_BUDGET_MS,
  );

  it(
    'process.exit() without stop(): the children are killed and the temp dir removed on the way out',
    async () => {
      const { exited, description } = await runProgram('exit');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(await eventually(() => description.pids.every((pid) => !isAlive(pid)), 30_000)).toBe(true);
      expect(existsSync(description.dir)).toBe(false);
    },
    START_BUDGET_MS,
  );
});
