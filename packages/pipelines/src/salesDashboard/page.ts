/**
 * The dashboard's web page: one self-contained HTML document (inline CSS,
 * inline SVG charts drawn by a small inline script — no CDN, no network
 * beyond its own server) that polls `/api/dashboard` and redraws: totals,
 * sales by product line and by region (bars), revenue per hour (a line),
 * the current demand spikes, and the data age against its objective.
 * Elements carry `data-testid` attributes so tests can read what it shows.
 */

/** Options of {@link dashboardPage}. */
export interface DashboardPageOptions {
  /** How often the page polls, ms. */
  readonly refreshMs: number;
  /** The freshness objective and target, ms (for the data-age badge). */
  readonly objectiveMs: number;
  readonly targetMs: number;
}

/** The page's HTML. */
export function dashboardPage(options: DashboardPageOptions): string {
  const settings = JSON.stringify({ refreshMs: options.refreshMs, objectiveMs: options.objectiveMs, targetMs: options.targetMs });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sales dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
  header { display: flex; align-items: baseline; gap: 1.5rem; padding: 1rem 1.5rem; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.2rem; margin: 0; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; padding: 1rem 1.5rem; }
  section { background: #fff; border-radius: 6px; padding: 0.8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 1rem; margin: 0 0 0.5rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  .badge { padding: 2px 8px; border-radius: 10px; font-weight: 600; }
  .ok { background: #2e7d32; } .warn { background: #f9a825; color: #000; } .bad { background: #c62828; } .none { background: #666; }
  .spike { color: #c62828; font-weight: 600; }
  svg text { font-size: 11px; fill: #1d2330; }
</style>
</head>
<body>
<header>
  <h1>Sales dashboard</h1>
  <span>Data age: <span class="badge none" data-testid="data-age">–</span></span>
  <span>Total revenue: <strong data-testid="total-revenue">–</strong></span>
  <span>Units: <strong data-testid="total-units">–</strong></span>
  <span title="distinct orders per product line × country × hour, summed">Orders: <strong data-testid="total-orders">–</strong></span>
  <span data-testid="updated" style="margin-left:auto;opacity:.7"></span>
</header>
<main>
  <section><h2>Revenue by product line</h2><div data-testid="chart-product-line"></div><table data-testid="table-product-line"></table></section>
  <section><h2>Revenue by region</h2><div data-testid="chart-region"></div><table data-testid="table-region"></table></section>
  <section><h2>Revenue per hour</h2><div data-testid="chart-over-time"></div></section>
  <section><h2>Current demand spikes</h2><table data-testid="spikes"></table></section>
</main>
<script>
const SETTINGS = ${settings};
const money = (cents) => (cents / 100).toFixed(2);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const hour = (ms) => new Date(ms).toISOString().slice(0, 13).replace('T', ' ') + ':00Z';
function age(ms) {
  if (ms === null) return 'no data';
  const s = Math.round(ms / 1000);
  return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h';
}
function bars(rows, label) {
  const w = 420, bh = 20, max = Math.max(1, ...rows.map((r) => r.revenueCents));
  const h = rows.length * (bh + 4) + 4;
  return '<svg width="100%" viewBox="0 0 ' + w + ' ' + h + '" role="img">' + rows.map((r, i) => {
    const y = 4 + i * (bh + 4), bw = Math.max(1, (r.revenueCents / max) * (w - 170));
    return '<text x="0" y="' + (y + 14) + '">' + esc(label(r)) + '</text>' +
      '<rect x="120" y="' + y + '" width="' + bw + '" height="' + bh + '" fill="#3f6fd8"></rect>' +
      '<text x="' + (124 + bw) + '" y="' + (y + 14) + '">' + money(r.revenueCents) + '</text>';
  }).join('') + '</svg>';
}
function line(points) {
  if (points.length === 0) return '<p>No data yet.</p>';
  const w = 420, h = 160, pad = 30, max = Math.max(1, ...points.map((p) => p.revenueCents));
  const x = (i) => pad + (points.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (points.length - 1));
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  const path = points.map((p, i) => (i === 0 ? 'M' : 'L') + x(i).toFixed(1) + ' ' + y(p.revenueCents).toFixed(1)).join(' ');
  return '<svg width="100%" viewBox="0 0 ' + w + ' ' + h + '" role="img">' +
    '<line x1="' + pad + '" y1="' + (h - pad) + '" x2="' + (w - pad) + '" y2="' + (h - pad) + '" stroke="#999"></line>' +
    '<path d="' + path + '" fill="none" stroke="#3f6fd8" stroke-width="2"></path>' +
    points.map((p, i) => '<circle cx="' + x(i).toFixed(1) + '" cy="' + y(p.revenueCents).toFixed(1) + '" r="3" fill="#3f6fd8"><title>' + hour(p.hourStart) + ': ' + money(p.revenueCents) + '</title></circle>').join('') +
    '<text x="' + pad + '" y="' + (h - 8) + '">' + hour(points[0].hourStart) + '</text>' +
    '<text x="' + (w - pad) + '" y="' + (h - 8) + '" text-anchor="end">' + hour(points[points.length - 1].hourStart) + '</text>' +
    '<text x="2" y="' + (pad - 8) + '">max ' + money(max) + '</text></svg>';
}
function table(rows, key, name, testid) {
  return '<tr><th>' + name + '</th><th class="n">Revenue</th><th class="n">Units</th><th class="n">Orders</th></tr>' +
    rows.map((r) => '<tr data-testid="' + testid + '-row" data-key="' + esc(r[key]) + '"><td>' + esc(r[key]) + '</td><td class="n" data-field="revenue">' + money(r.revenueCents) +
      '</td><td class="n" data-field="units">' + r.units + '</td><td class="n" data-field="orders">' + r.orders + '</td></tr>').join('');
}
function render(v) {
  const badge = document.querySelector('[data-testid="data-age"]');
  badge.textContent = age(v.dataAgeMs);
  badge.dataset.ms = v.dataAgeMs === null ? '' : String(v.dataAgeMs);
  badge.className = 'badge ' + (v.dataAgeMs === null ? 'none' : v.dataAgeMs <= SETTINGS.targetMs ? 'ok' : v.dataAgeMs <= SETTINGS.objectiveMs ? 'warn' : 'bad');
  badge.title = 'objective ≤ ' + SETTINGS.objectiveMs / 60000 + ' min, target ≤ ' + SETTINGS.targetMs / 1000 + ' s';
  document.querySelector('[data-testid="total-revenue"]').textContent = money(v.total.revenueCents);
  document.querySelector('[data-testid="total-units"]').textContent = String(v.total.units);
  document.querySelector('[data-testid="total-orders"]').textContent = String(v.total.orders);
  document.querySelector('[data-testid="updated"]').textContent = v.since === null ? 'no data yet' : 'hours ' + hour(v.since) + ' – ' + hour(v.newestHour) + ' · read ' + new Date(v.generatedAt).toISOString().slice(11, 19) + 'Z';
  document.querySelector('[data-testid="chart-product-line"]').innerHTML = bars(v.byProductLine, (r) => r.productLine);
  document.querySelector('[data-testid="table-product-line"]').innerHTML = table(v.byProductLine, 'productLine', 'Product line', 'product-line');
  document.querySelector('[data-testid="chart-region"]').innerHTML = bars(v.byRegion, (r) => r.region);
  document.querySelector('[data-testid="table-region"]').innerHTML = table(v.byRegion, 'region', 'Region', 'region');
  document.querySelector('[data-testid="chart-over-time"]').innerHTML = line(v.overTime);
  document.querySelector('[data-testid="spikes"]').innerHTML = v.spikes.length === 0 ? '<tr><td data-testid="no-spikes">No spikes.</td></tr>' :
    '<tr><th>Hour</th><th>Product line</th><th>Region</th><th class="n">Observed</th><th class="n">Expected</th><th class="n">Baseline μ ± σ</th></tr>' +
    v.spikes.map((s) => '<tr class="spike" data-testid="spike-row" data-key="' + esc(s.productLine + '|' + s.region) + '"><td>' + hour(s.hourStart) + '</td><td>' + esc(s.productLine) + '</td><td>' + esc(s.region) +
      '</td><td class="n">' + s.observed + ' ' + esc(s.metric) + '</td><td class="n">' + s.expected.toFixed(2) + '</td><td class="n">' + s.baselineMean.toFixed(2) + ' ± ' + s.baselineStddev.toFixed(2) + '</td></tr>').join('');
  document.body.dataset.generatedAt = String(v.generatedAt);
}
async function refresh() {
  try {
    const response = await fetch('api/dashboard', { cache: 'no-store' });
    if (response.ok) render(await response.json());
  } catch (e) {
    document.querySelector('[data-testid="updated"]').textContent = 'cannot reach the dashboard server';
  }
  setTimeout(refresh, SETTINGS.refreshMs);
}
refresh();
</script>
</body>
</html>
`;
}
