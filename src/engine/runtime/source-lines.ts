// Maps a line of the bundled script back to its source file and line (from esbuild's source map), so errors
// name the line the user wrote, not the bundle's.
import path from 'node:path';

/** lines[generatedLine - 1] = [sourceIndex, originalLine (1-based)] or null. */
export interface LineMap { sources: string[]; lines: Array<[number, number] | null> }

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) break;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Builds a LineMap from a v3 source map (first mapped segment of each generated line). */
export function lineMapOf(sourceMapJson: string, mapDir: string): LineMap {
  const map = JSON.parse(sourceMapJson) as { sources: string[]; mappings: string };
  const sources = map.sources.map((s) => path.resolve(mapDir, s));
  const lines: LineMap['lines'] = [];
  let src = 0;
  let origLine = 0;
  for (const line of map.mappings.split(';')) {
    let first: [number, number] | null = null;
    for (const seg of line.split(',')) {
      if (seg === '') continue;
      const f = decodeVlq(seg);
      if (f.length >= 4) {
        src += f[1]!;
        origLine += f[2]!;
        first ??= [src, origLine + 1];
      }
    }
    lines.push(first);
  }
  return { sources, lines };
}

/** Rewrites "bundle:LINE:COL" positions in a stack line to "source:LINE". */
export function mapStackLine(line: string, bundleName: string, map: LineMap | undefined): string {
  if (!map) return line;
  const esc = bundleName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return line.replace(new RegExp(`${esc}:(\\d+):(\\d+)`), (whole, l: string) => {
    const hit = map.lines[Number(l) - 1];
    if (!hit) return whole;
    return `${map.sources[hit[0]] ?? bundleName}:${hit[1]}`;
  });
}
