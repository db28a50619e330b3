// A minimal server-sent-events reader for tests: keeps the raw text (to search it for secrets) and the
// parsed events, and lets a test await a condition on them instead of sleeping.
import { get, type ClientRequest } from 'node:http';

export interface SseEvent {
  type: string;
  data: unknown;
}

export class SseClient {
  raw = '';
  readonly events: SseEvent[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  private endedFlag = false;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  private constructor(private readonly req: ClientRequest, ended: Promise<void>) {
    this.ended = ended;
  }

  static connect(url: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endResolve = r));
      const req = get(url, (res) => {
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
          reject(new Error(`GET ${url}: ${res.statusCode} ${String(res.headers['content-type'])}`));
          res.resume();
          return;
        }
        const client = new SseClient(req, ended);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.push(chunk));
        res.on('end', () => {
          client.endedFlag = true;
          client.wake();
          endResolve();
        });
        res.on('error', () => endResolve());
        resolve(client);
      });
      req.on('error', reject);
    });
  }

  private push(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      let type = 'message';
      let data: string | null = null;
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== null) this.events.push({ type, data: JSON.parse(data) as unknown });
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Events of one type, in order. */
  of(type: string): unknown[] {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }

  /** Resolves once `pred` holds; rejects after `timeoutMs` or when the stream ends first. */
  async waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.endedFlag) throw new Error(`the event stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req.destroy();
  }
}
