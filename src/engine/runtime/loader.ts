// Bundles a k6 script with esbuild into one CommonJS string that every VU context evaluates: relative imports
// are inlined, k6 modules become lookups into the VU's own shims, anything else fails before the run.
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ScriptError, unsupportedImportMessage } from './errors.ts';
import { lineMapOf, type LineMap } from './source-lines.ts';

/** k6 modules this engine implements; each resolves to the VU's own `__s2s.modules[name]` (see realm.ts). */
export const SUPPORTED_MODULES = ['k6', 'k6/http', 'k6/metrics', 'k6/execution', 'k6/encoding'] as const;
export type SupportedModule = (typeof SUPPORTED_MODULES)[number];

export interface BundledScript {
  /** CommonJS code: lifted (lift.ts), then run as a module factory per VU (realm.ts). */
  code: string;
  scriptPath: string;
  scriptDir: string;
  /** Bundle line → source file and line, for error messages. */
  lineMap?: LineMap | undefined;
}

export async function bundleScript(scriptPath: string): Promise<BundledScript> {
  const abs = path.resolve(scriptPath);
  const problems: string[] = [];
  const k6Plugin: esbuild.Plugin = {
    name: 's2s-k6-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const spec = args.path;
        if ((SUPPORTED_MODULES as readonly string[]).includes(spec)) return { path: spec, namespace: 'k6' };
        if (spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec)) return undefined;
        problems.push(unsupportedImportMessage(spec, path.relative(process.cwd(), args.importer) || args.importer));
        return { path: spec, namespace: 'unsupported' };
      });
      build.onLoad({ filter: /.*/, namespace: 'k6' }, (args) => ({
        contents: `module.exports = __s2s.modules[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: 'unsupported' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      entryPoints: [abs],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      plugins: [k6Plugin],
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(path.dirname(abs), '__s2s_bundle.js'),
    });
  } catch (err) {
    const failure = err as esbuild.BuildFailure;
    const msgs = (failure.errors ?? []).map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text);
    throw new ScriptError(`cannot load script ${scriptPath}: ${msgs.join('; ') || String(err)}`, { cause: err });
  }
  if (problems.length > 0) throw new ScriptError(problems.join('\n'));
  const out = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles?.find((f) => f.path.endsWith('.map'));
  if (!out) throw new ScriptError(`cannot load script ${scriptPath}: esbuild produced no output`);
  // Drop the sourceMappingURL comment: nothing is written to disk.
  const code = out.text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  return { code, scriptPath: abs, scriptDir: path.dirname(abs), lineMap: map ? lineMapOf(map.text, path.dirname(abs)) : undefined };
}
