// K6_WEB_DASHBOARD_OPEN: hands the live page's URL to the desktop's opener (xdg-open, open, start) and
// forgets about it — the run never waits for a browser, and a machine without one only gets a warning.
import { spawn } from 'node:child_process';

function opener(platform: NodeJS.Platform): { command: string; args: (url: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (url) => [url] };
  if (platform === 'win32') return { command: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: (url) => [url] };
}

/** Starts the platform's opener on `url`, detached; `warn` hears why when it cannot be started. */
export function openInBrowser(url: string, warn: (message: string) => void, platform: NodeJS.Platform = process.platform): void {
  const { command, args } = opener(platform);
  try {
    const child = spawn(command, args(url), { detached: true, stdio: 'ignore' });
    child.once('error', (err) => warn(`K6_WEB_DASHBOARD_OPEN: cannot start ${command} (${err.message}); open ${url} yourself`));
    child.unref();
  } catch (err) {
    warn(`K6_WEB_DASHBOARD_OPEN: cannot start ${command} (${(err as Error).message}); open ${url} yourself`);
  }
}
