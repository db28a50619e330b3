// The page's script: client/main.ts with Observable Plot, bundled by esbuild once per process (as the
// runtime bundles its worker entries) into one IIFE that is inlined into the live page and the export —
// so both open with no network at all.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client', 'main.ts');

let bundle: Promise<string> | null = null;

/** The bundled page script (memoized). `</script` is escaped so the text can sit inside a <script> element. */
export function clientScript(): Promise<string> {
  bundle ??= esbuild
    .build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    })
    .then((r) => {
      const text = r.outputFiles[0]?.text;
      if (!text) throw new Error(`bundling the dashboard page script (${ENTRY}) produced no output`);
      return text.replace(/<\/script/gi, '<\\/script');
    });
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}
