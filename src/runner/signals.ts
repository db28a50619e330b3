// The runner's Ctrl-C: the first signal asks the engine to stop gracefully (it still writes its summary), a
// later one (not the same Ctrl-C relayed by npm/tsx) forces it. One object, so every phase can ask "interrupted?".
import type { ChildProcess } from 'node:child_process';

/** Signals arriving this close to the first are the same Ctrl-C relayed by npm/tsx, not a second press. */
const DUPLICATE_SIGNAL_MS = 1000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export class RunSignals {
  #interrupted = false;
  #firstAt = 0;
  #child: ChildProcess | null = null;
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

  constructor(private readonly say: (line: string) => void) {
    for (const s of SIGNALS) process.on(s, this.#onSignal);
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
    for (const s of SIGNALS) process.off(s, this.#onSignal);
    const c = this.#child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    this.#child = null;
  }
}
