// Setup file of the `unit` test project: a unit test starts no child process and opens no socket (not even
// on 127.0.0.1). Each attempt is refused where it happens and fails the file at the end, even when the code
// under test catches the refusal; the message says where the file belongs instead.
import childProcess, { ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { afterAll } from 'vitest';

const attempts: string[] = [];

function refuse(what: string): Error {
  attempts.push(what);
  return new Error(`unit test ${what}: unit tests start no process and open no socket; list this file in INTEGRATION in vitest.config.ts`);
}

const describeArgv = (file: unknown, args: unknown): string => [file, ...(Array.isArray(args) ? args : [])].map(String).join(' ').slice(0, 120);

// spawn, exec, execFile and fork all create a ChildProcess and call its spawn().
// (spawn() is internal to ChildProcess, hence not in its type.)
(ChildProcess.prototype as unknown as { spawn: (options: { file?: string; args?: string[] }) => never }).spawn = function spawnRefused(options) {
  throw refuse(`started a child process (${describeArgv(options?.file, options?.args?.slice(1))})`);
};
const cp = childProcess as unknown as Record<string, unknown>;
for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
  cp[name] = (file: unknown, args?: unknown) => {
    throw refuse(`ran ${describeArgv(file, args)} (${name})`);
  };
}
syncBuiltinESMExports();

net.Server.prototype.listen = function listenRefused() {
  throw refuse('opened a listening socket');
};
net.Socket.prototype.connect = function connectRefused(...args: unknown[]) {
  const first = args[0] as { port?: unknown; host?: unknown; path?: unknown } | number | string | undefined;
  const where = typeof first === 'object' && first !== null ? String(first.path ?? `${String(first.host ?? 'localhost')}:${String(first.port)}`) : String(first);
  throw refuse(`connected a socket (${where})`);
};

afterAll(() => {
  if (attempts.length > 0) throw new Error(`this file is not a unit test: it ${[...new Set(attempts)].join('; ')}. List it in INTEGRATION in vitest.config.ts.`);
});
