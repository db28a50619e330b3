// The runner's stop requests: SIGINT, SIGTERM, SIGHUP, and the death of the process that launched it (npm
// relays SIGTERM to its shell only, which dies and leaves the rest running: that is a hang-up too). The first
// request asks the engine to stop gracefully (it still writes its summary), a later one (not the same Ctrl-C
// relayed by npm/tsx) forces it. One object, so every phase can ask "interrupted?".
import type { ChildProcess } from 'node:child_process';
import { watchLaunchers } from '../process/launcher-watch.ts';

/** Signals arriving this close to the first are the same Ctrl-C relayed by npm/tsx, not a second press. */
const DUPLICATE_SIGNAL_MS = 1000;
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunSignalsOptions {
  /** Launchers above us to watch (1 = our parent); 0 = none. Default 1. */
  launcherLevels?: number;
  /** How often the launchers are checked, ms. Default 250 (a stop must be quick: the run has 5 s). */
  launcherCheckMs?: number;
}

export class RunSignals {
  #interrupted = false;
  #firstAt = 0;
  #child: ChildProcess | null = null;
  readonly #stopWatching: () => void;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (!this.#interrupted) {
      this.#interrupted = true;
      this.#firstAt = now;
      this.say(`\nscenario: ${signal}: stopping the engine gracefully (press Ctrl-C again to force)…`);
      this.#child?.kill('SIGINT');
      return;
    }
    if (now - this.#firstAt < DUPLICATE_SIGNAL_MS) return;
    this.say('scenario: forcing the engine to stop');
    this.#child?.kill('SIGKILL');
  };

  constructor(
    private readonly say: (line: string) => void,
    options: RunSignalsOptions = {},
  ) {
    for (const s of STOP_SIGNALS) process.on(s, this.#onSignal);
    const levels = options.launcherLevels ?? 1;
    this.#stopWatching =
      levels > 0
        ? watchLaunchers(
            (pid) => {
              this.say(`scenario: launcher process ${pid} is gone`);
              this.#onSignal('SIGHUP');
            },
            { levels, everyMs: options.launcherCheckMs ?? 250 },
          )
        : () => {};
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** The engine process the signals go to while it runs (null once it has exited). */
  attach(child: ChildProcess | null): void {
    this.#child = child;
    if (child && this.#interrupted) child.kill('SIGINT');
  }

  /** Stop listening; an engine still running at this point is killed (never left behind). */
  dispose(): void {
    this.#stopWatching();
    for (const s of STOP_SIGNALS) process.off(s, this.#onSignal);
    const c = this.#child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    this.#child = null;
  }
}
