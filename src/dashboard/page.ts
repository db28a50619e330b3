// The dashboard's HTML: the live page (served at `/`, fed by /events) and the export (the same page with
// the whole run's data inlined). One template, the report's styles, the bundled page script inlined: both
// open with no network, and the export opens offline from a file.
import { escapeHtml, REPORT_CSS } from '../report/document.ts';
import { clientScript } from './client-bundle.ts';
import { DATA_ELEMENT_ID, type DashboardSnapshot } from './model.ts';
import { PANELS } from './panels.ts';

const DASHBOARD_CSS = `
body{max-width:1400px}
.dash-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.4rem 1.2rem;border-bottom:1px solid #dde;padding-bottom:.4rem}
.dash-head h1{margin:0}.dash-status{margin:0;color:#555}
#status[data-state=live]{color:#0a7a2f;font-weight:600}#status[data-state=ended]{color:#1d2230;font-weight:600}#status[data-state=lost]{color:#b3001b;font-weight:600}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.tile{border:1px solid #d6d9e0;border-radius:6px;padding:.4rem .8rem;min-width:9rem;background:#f8f9fb}
.tile .v{font-size:1.35rem;font-weight:600;font-variant-numeric:tabular-nums}.tile .k{color:#555;font-size:12px}
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1.2rem 1.6rem}
.panel{margin:0;min-width:0}.panel .plot svg{max-width:100%;height:auto}.panel .plot{overflow-x:auto}
.panel[data-panel=latency-per-target],.panel[data-panel=thresholds]{grid-column:1/-1}
footer{margin-top:2rem;color:#666;font-size:12px}
`;

function panelSkeleton(): string {
  return PANELS.map((p) => `<figure class="panel" data-panel="${p.id}"><figcaption>${escapeHtml(p.title)}</figcaption><div class="plot"><p class="empty">waiting for the first period…</p></div></figure>`).join('\n');
}

/** JSON that can sit inside a <script> element (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The page. Without `snapshot` it is the live page (its script connects to `events` beside it); with one it
 * is the export of that run.
 */
export async function renderDashboardPage(title: string, snapshot?: DashboardSnapshot): Promise<string> {
  const script = await clientScript();
  const mode = snapshot ? 'export' : 'live';
  const data = snapshot ? `<script type="application/json" id="${DATA_ELEMENT_ID}">${scriptJson(snapshot)}</script>\n` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · s2s dashboard</title><style>${REPORT_CSS}${DASHBOARD_CSS}</style></head>
<body data-mode="${mode}">
<header class="dash-head"><h1>${escapeHtml(title)}</h1><p class="dash-status"><span id="status" data-state="connecting">${mode === 'live' ? 'connecting…' : 'export'}</span> · <span id="elapsed">0 s</span> · updates: <span id="updates" data-updates="0">0</span></p></header>
<section class="tiles" id="tiles"></section>
<div class="panels">
${panelSkeleton()}
</div>
<footer id="footer">s2s-latency dashboard: per-period aggregates computed by the engine (no raw samples, no tags besides source and target).</footer>
${data}<script>${script}</script>
</body></html>
`;
}
