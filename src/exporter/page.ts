// The status page at `/`: rendered on the server (it works with JavaScript off: a <noscript>
// refresh), no remote asset, no framework. With JavaScript, /static/app.js fetches /fragment
// (this same renderer's fleet section) every poll interval and swaps it in: the page follows an
// outage without a reload. The history plot is inline SVG (charge and load, last hour).
import type { Poller, UpsEntry } from './poller.js';
import { HISTORY_SECONDS } from './poller.js';

/** NUT's status words, as upsmon and the CGI programs say them. */
const FLAG_WORDS: Readonly<Record<string, string>> = {
  OL: 'On line power', OB: 'On battery', LB: 'Low battery', HB: 'High battery', RB: 'Battery needs replacement',
  CHRG: 'Charging', DISCHRG: 'Discharging', BYPASS: 'On bypass', CAL: 'Calibrating', OFF: 'Offline',
  OVER: 'Overloaded', TRIM: 'Trimming voltage', BOOST: 'Boosting voltage', FSD: 'Forced shutdown', ALARM: 'Alarm', TEST: 'Testing battery',
};
const ALERT_FLAGS = new Set(['OB', 'LB', 'RB', 'OVER', 'FSD', 'ALARM', 'OFF', 'BYPASS']);

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

const PLOT_W = 300;
const PLOT_H = 80;

function polyline(u: UpsEntry, key: 'charge' | 'load', now: number): string {
  const t0 = now - HISTORY_SECONDS * 1000;
  const pts = u.history.filter((p) => p[key] !== undefined && p.t >= t0)
    .map((p) => `${((p.t - t0) / (HISTORY_SECONDS * 1000) * PLOT_W).toFixed(1)},${(PLOT_H - Math.max(0, Math.min(100, p[key] as number)) / 100 * PLOT_H).toFixed(1)}`);
  return pts.length === 0 ? '' : `<polyline class="${key}" fill="none" stroke-width="2" points="${pts.join(' ')}"/>`;
}

function row(label: string, value: string | undefined, unit = ''): string {
  return value === undefined ? '' : `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}${unit}</td></tr>`;
}

function card(p: Poller, u: UpsEntry, now: number): string {
  const fresh = p.isFresh(u);
  const flags = (u.vars.get('ups.status') ?? '').split(' ').filter(Boolean);
  const words = flags.map((f) => FLAG_WORDS[f] ?? f).join(', ') || 'Unknown';
  const alert = fresh && flags.some((f) => ALERT_FLAGS.has(f));
  const age = p.ageSeconds(u);
  const state = fresh ? words : `Stale data${u.staleReason ? ` (${u.staleReason})` : ''}${age !== undefined ? `, last read ${Math.round(age)} s ago: ${words}` : ''}`;
  const v = (k: string): string | undefined => u.vars.get(k);
  const runtime = v('battery.runtime');
  return `<section class="ups${alert ? ' alert' : ''}${fresh ? '' : ' stale'}" id="ups-${escapeHtml(u.server)}-${escapeHtml(u.name)}" data-status="${escapeHtml(fresh ? flags.join(' ') : 'STALE')}">
<h2>${escapeHtml(u.name)} <small>@ ${escapeHtml(u.server)}</small></h2>
<p class="desc">${escapeHtml(u.description)}</p>
<p class="state">${escapeHtml(state)}</p>
<table>${row('Battery charge', v('battery.charge'), ' %')}${row('Runtime', runtime === undefined ? undefined : `${Math.round(Number(runtime) / 60)} min (${runtime} s)`)}${row('Load', v('ups.load'), ' %')}${row('Input', v('input.voltage'), ' V')}${row('Output', v('output.voltage'), ' V')}${row('Alarms', v('ups.alarm'))}</table>
<svg viewBox="0 0 ${String(PLOT_W)} ${String(PLOT_H)}" role="img" aria-label="charge and load, last hour"><rect class="frame" width="${String(PLOT_W)}" height="${String(PLOT_H)}" fill="none"/>${polyline(u, 'charge', now)}${polyline(u, 'load', now)}</svg>
<p class="legend"><span class="charge">charge</span> <span class="load">load</span>, last hour</p>
</section>`;
}

/** The fleet section: what /fragment returns and `/` embeds. */
export function renderFleet(p: Poller, now = Date.now()): string {
  const parts: string[] = [];
  for (const s of p.servers) {
    if (!s.connected && s.upses.size === 0) parts.push(`<section class="ups stale"><h2>${escapeHtml(s.name)}</h2><p class="state">upsd unreachable: ${escapeHtml(s.lastError ?? 'not polled yet')}</p></section>`);
    for (const u of s.upses.values()) parts.push(card(p, u, now));
  }
  return parts.join('\n');
}

export function renderPage(p: Poller, now = Date.now()): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>UPS status</title><link rel="stylesheet" href="/static/style.css">
<noscript><meta http-equiv="refresh" content="${String(Math.max(5, Math.round(p.pollMs / 1000)))}"></noscript>
<script src="/static/app.js" defer></script></head>
<body data-poll-ms="${String(p.pollMs)}"><h1>UPS status</h1><main id="fleet">
${renderFleet(p, now)}
</main><footer>hardnut exporter: <a href="/metrics">/metrics</a> <a href="/api/v1/ups">/api/v1/ups</a></footer></body></html>
`;
}

export const STYLE_CSS = `body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:70em;background:#fafafa;color:#111}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(19em,1fr));gap:1em}
.ups{background:#fff;border:2px solid #2a7;border-radius:.5em;padding:.5em 1em}
.ups.alert{border-color:#d22;background:#fff3f3}.ups.stale{border-color:#999;color:#666}
h2{margin:.2em 0;font-size:1.2em}h2 small{font-weight:normal;color:#666}.state{font-weight:bold}
table{border-collapse:collapse}th{text-align:left;padding-right:1em;font-weight:normal;color:#555}
svg{width:100%;height:auto}.frame{stroke:#ccc}polyline.charge{stroke:#2a7}polyline.load{stroke:#37c}
.legend .charge{color:#2a7}.legend .load{color:#37c}footer{margin-top:2em;color:#666}
`;

/** Refreshes the fleet section every poll interval; no framework, no inline script (CSP). */
export const APP_JS = `'use strict';
(function () {
  var ms = Math.max(1000, Number(document.body.getAttribute('data-poll-ms')) || 5000);
  function tick() {
    fetch('/fragment', { cache: 'no-store' }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) document.getElementById('fleet').innerHTML = html; })
      .catch(function () { /* the exporter restarts: try again next time */ })
      .finally(function () { setTimeout(tick, ms); });
  }
  setTimeout(tick, ms);
})();
`;
