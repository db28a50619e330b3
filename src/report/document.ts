// The report as a list of blocks (headings, notes, tables, charts) and its two renderings:
// GitHub Markdown (charts as SVG files beside it) and one self-contained HTML page (inline SVG).

export type Tone = 'info' | 'warn' | 'ok' | 'bad';

export interface Table {
  headers: string[];
  rows: string[][];
  /** Optional tone per row (HTML colours the verdict rows). */
  tones?: Array<Tone | undefined>;
}

export interface Chart {
  /** File name of the SVG beside report.md, e.g. "cdf-pong-sec.svg". */
  file: string;
  title: string;
  /** Pure SVG (with xmlns), or null when there was too little data: then `message` says why. */
  svg: string | null;
  message?: string;
}

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'text'; text: string; tone?: Tone }
  | { kind: 'table'; table: Table; caption?: string }
  | { kind: 'chart'; chart: Chart; side?: { caption: string; table: Table | null; empty: string } }
  | { kind: 'details'; summary: string; code: string };

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(t: Table): string {
  const lines = [`| ${t.headers.map(mdCell).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
  return lines.join('\n');
}

const toneIcon: Record<Tone, string> = { info: 'ℹ️', warn: '⚠️', ok: '✅', bad: '❌' };

export function renderMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'text':
        out.push(b.tone === 'warn' || b.tone === 'bad' ? `> ${toneIcon[b.tone]} **${b.text}**` : b.tone ? `${toneIcon[b.tone]} ${b.text}` : b.text);
        break;
      case 'table':
        if (b.caption) out.push(`*${b.caption}*`);
        out.push(mdTable(b.table));
        break;
      case 'chart':
        out.push(b.chart.svg ? `![${b.chart.title}](${b.chart.file})` : `> ℹ️ **${b.chart.title}:** ${b.chart.message ?? 'not enough data to draw this chart.'}`);
        if (b.side) {
          out.push(`*${b.side.caption}*`);
          out.push(b.side.table ? mdTable(b.side.table) : b.side.empty);
        }
        break;
      case 'details':
        out.push(`<details><summary>${b.summary}</summary>\n\n\`\`\`json\n${b.code}\n\`\`\`\n\n</details>`);
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline Markdown used in block texts: **bold** and `code` only. */
function inlineHtml(s: string): string {
  // Emoji fonts are often missing (headless/CI Chromium): use plain symbols in the page.
  return escapeHtml(s.replace(/✅/g, '✔').replace(/❌/g, '✖'))
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Column headers whose cells carry the row's verdict: coloured by the row's tone, and findable (data-col). */
const VERDICT_HEADERS = /^(verdict|status|gate)$/;

function colName(header: string): string {
  return header.replace(/\s*\(.*$/, '').trim();
}

function htmlTable(t: Table): string {
  const cols = t.headers.map(colName);
  const head = `<thead><tr>${t.headers.map((h, j) => `<th data-col="${escapeHtml(cols[j] ?? '')}">${inlineHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = t.rows
    .map((r, i) => {
      const tone = t.tones?.[i];
      const cells = r.map((c, j) => `<td data-col="${escapeHtml(cols[j] ?? '')}"${VERDICT_HEADERS.test(cols[j] ?? '') ? ' class="v"' : ''}>${inlineHtml(c)}</td>`);
      return `<tr${tone ? ` class="${tone}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('');
  return `<div class="scroll"><table>${head}<tbody>${body}</tbody></table></div>`;
}

const htmlIcon: Record<Tone, string> = { info: 'ℹ', warn: '⚠', ok: '✔', bad: '✖' };

// The page never scrolls sideways (long words wrap, figures shrink); a table wider than the page scrolls inside
// its own box, and reports put the key columns first so they show without scrolling.
/** The report's styles; the dashboard uses them too, so both look like one product. */
export const REPORT_CSS = `
*,*::before,*::after{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1280px;padding:0 1rem;color:#1d2230;background:#fff}
p,h1,h2,h3,summary,figcaption{overflow-wrap:anywhere}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:12.5px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d6d9e0;padding:3px 7px;text-align:right;vertical-align:top;white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}th{background:#f2f4f8}
td:first-child,th:first-child{text-align:left}
tr.ok td.v{color:#0a7a2f;font-weight:600}tr.bad td.v{color:#b3001b;font-weight:700}tr.warn td.v{color:#9a5b00}tr.bad td:first-child{border-left:3px solid #b3001b}tr.warn td:first-child{border-left:3px solid #e8590c}
.note{padding:.6rem .9rem;border-radius:6px;margin:.7rem 0;background:#eef3fb;border-left:4px solid #4269d0}
.note.warn,.note.bad{background:#fff4e5;border-left-color:#e8590c;font-weight:600}.note.ok{background:#ebfbee;border-left-color:#2b8a3e}
.row{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.row>figure{margin:0;flex:1 1 640px;max-width:760px;min-width:0}
.row>aside{flex:1 1 320px;min-width:0}figcaption{font-weight:600;margin-bottom:.3rem}.side-caption{font-weight:600}
.chart svg{max-width:100%;height:auto}.empty{color:#555;font-style:italic}
code{background:#f2f4f8;padding:0 3px;border-radius:3px}pre{background:#f6f8fa;padding:.7rem;overflow:auto;font-size:12px}
`;

export function renderHtml(title: string, blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`<h${b.level}>${inlineHtml(b.text)}</h${b.level}>`);
        break;
      case 'text':
        out.push(b.tone ? `<p class="note ${b.tone}">${htmlIcon[b.tone]} ${inlineHtml(b.text)}</p>` : `<p>${inlineHtml(b.text)}</p>`);
        break;
      case 'table':
        out.push(`${b.caption ? `<p class="side-caption">${inlineHtml(b.caption)}</p>` : ''}${htmlTable(b.table)}`);
        break;
      case 'chart': {
        const fig = b.chart.svg
          ? `<figure class="chart" data-chart="${escapeHtml(b.chart.file)}"><figcaption>${inlineHtml(b.chart.title)}</figcaption>${b.chart.svg}</figure>`
          : `<figure class="chart-empty" data-chart="${escapeHtml(b.chart.file)}"><figcaption>${inlineHtml(b.chart.title)}</figcaption><p class="note">${inlineHtml(b.chart.message ?? 'not enough data to draw this chart.')}</p></figure>`;
        const side = b.side
          ? `<aside><p class="side-caption">${inlineHtml(b.side.caption)}</p>${b.side.table ? htmlTable(b.side.table) : `<p class="empty">${inlineHtml(b.side.empty)}</p>`}</aside>`
          : '';
        out.push(`<div class="row">${fig}${side}</div>`);
        break;
      }
      case 'details':
        out.push(`<details><summary>${inlineHtml(b.summary)}</summary><pre>${escapeHtml(b.code)}</pre></details>`);
        break;
    }
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head><body>\n${out.join('\n')}\n</body></html>\n`;
}
