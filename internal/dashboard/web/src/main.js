// The regulator's dashboard: plain DOM, one module, ECharts for the charts.
// Reads only the public GraphQL API with the operations of queries.graphql
// (handed over by the server in #dashboard-config). See ../README.md.
import * as echarts from 'echarts/core';
import { LineChart, BarChart, ScatterChart, MapChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent, GeoComponent,
  VisualMapComponent, MarkLineComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { T, setLang, lang, enumLabel } from './i18n.js';
import { toCSV, toXLSX, download } from './export.js';

echarts.use([LineChart, BarChart, ScatterChart, MapChart, GridComponent, TooltipComponent,
  LegendComponent, GeoComponent, VisualMapComponent, MarkLineComponent, CanvasRenderer]);

const config = JSON.parse(document.getElementById('dashboard-config').textContent);
const TOKEN_KEY = 'tuoyu.dashboard.credential';
const SERIES_KEYS = ['SEATS_PER_1000', 'INCLUSIVE_SEAT_SHARE', 'SEAT_USAGE_RATE', 'ENROLMENT_RATE',
  'SUBDISTRICT_INCLUSIVE_COVERAGE', 'KINDERGARTEN_CHILDCARE_SHARE', 'FILING_RATE',
  'STAFF_CERTIFICATION_RATE', 'HEALTH_RECORD_RATE', 'DEV_SCREENING_RATE', 'DAILY_CHECK_RATE',
  'SATISFACTION_RATE', 'PARENTING_KNOWLEDGE_RATE', 'GUIDANCE_CENTERS', 'FILING_ON_TIME_RATE',
  'RECTIFICATION_RATE', 'COMPLAINT_ON_TIME_RATE'];
const VIEWS = ['overview', 'trend', 'ranking', 'breakdown', 'map', 'work'];
const COLORS = { ok: '#1a7f37', bad: '#cf222e', none: '#8c959f', warn: '#bf8700', info: '#0969da' };

// ---------- small helpers ----------

// escapeHTML makes user-entered text (institution and region names) safe
// where a library inserts strings as HTML.
function escapeHTML(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const pad = (n) => String(n).padStart(2, '0');
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
function addMonths(ym, n) { // ym "YYYY-MM" → "YYYY-MM"
  let [y, m] = ym.split('-').map(Number);
  m += n;
  y += Math.floor((m - 1) / 12);
  m = ((m - 1) % 12 + 12) % 12 + 1;
  return `${y}-${pad(m)}`;
}
function defaultPeriod() { const d = new Date(); return addMonths(`${d.getFullYear()}-${pad(d.getMonth() + 1)}`, -1); }

// Number formatting by the catalogue's unit. Suppressed and missing values
// are never shown as zero.
export function fmtValue(v, unit, suppressed) {
  if (suppressed) return T('suppressed');
  if (v == null) return '—';
  if (unit === 'RATIO') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'PER_1000') return `${v.toFixed(2)}‰`;
  return fmtCount(v);
}
function fmtCount(v) {
  if (v == null) return '—';
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
// A result's value, numerator or denominator (formatted with fmt when
// given) for display and export. A suppressed cell's are withheld (the API
// sends numerator 0 and a null value and denominator), so they read
// 已抑制 / suppressed, never 0 or blank; null without a result.
function ndCell(iv, field, fmt) {
  if (!iv) return null;
  if (iv.suppressed) return T('suppressed');
  return fmt ? fmt(iv[field]) : iv[field];
}
function fmtTarget(t, unit) {
  if (!t) return null;
  const cmp = { GE: '≥', GT: '>', LE: '≤', LT: '<', EQ: '=' }[t.comparator] || '';
  return `${cmp}${fmtValue(t.targetValue, unit, false)}`;
}
function status(iv) { // attained / gap / none / suppressed
  if (iv.suppressed) return 'suppressed';
  if (iv.attained === true) return 'ok';
  if (iv.attained === false) return 'bad';
  return 'none';
}

// ---------- state in the URL hash ----------

function readState() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const s = Object.fromEntries(p.entries());
  s.view = VIEWS.includes(s.view) ? s.view : 'overview';
  s.period = /^\d{4}-\d{2}$/.test(s.period || '') ? s.period : defaultPeriod();
  s.asOf = /^\d{4}-\d{2}-\d{2}$/.test(s.asOf || '') ? s.asOf : isoDate(new Date());
  s.grain = ['MONTH', 'QUARTER', 'YEAR'].includes(s.grain) ? s.grain : 'MONTH';
  return s;
}
function setState(patch, replace) {
  const s = { ...readState(), ...patch };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v != null && v !== '') p.set(k, v);
  const hash = '#' + p.toString();
  if (replace) history.replaceState(null, '', hash); else location.hash = hash;
  if (replace) render();
}
function dates(s) {
  return { asOf: s.asOf, from: `${s.period}-01`, to: `${addMonths(s.period, 1)}-01` };
}

// ---------- GraphQL ----------

let cache = new Map();
class APIError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
export async function gql(op, variables) {
  const query = config.operations[op];
  if (!query) throw new APIError('CLIENT', `unknown operation ${op}`);
  const key = op + JSON.stringify(variables || {});
  if (cache.has(key)) return cache.get(key);
  const p = (async () => {
    const res = await fetch(config.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` },
      body: JSON.stringify({ query, operationName: op, variables: variables || {} }),
      credentials: 'omit',
    });
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new APIError('UNAUTHENTICATED', T('expired'));
    }
    const err = body && body.errors && body.errors[0];
    if (err) throw new APIError((err.extensions && err.extensions.code) || 'ERROR', err.message);
    if (!res.ok || !body) throw new APIError('HTTP', `HTTP ${res.status}`);
    return body.data;
  })();
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return p;
}

// ---------- app ----------

const app = document.getElementById('app');
let viewer = null;
let catalog = null;
let charts = [];
let signInError = '';

function disposeCharts() { charts.forEach((c) => c.dispose()); charts = []; }
// chart draws into el. A view whose data arrive after the user moved on
// finds its element detached (zero-sized); it then draws nothing, since a
// zero-sized geo or grid cannot be laid out.
const noChart = { setOption() {}, on() {}, getDataURL() { return null; }, dispose() {}, resize() {} };
function chart(el) {
  if (!el.isConnected || !el.clientWidth || !el.clientHeight) return noChart;
  const c = echarts.init(el, null, { renderer: 'canvas' });
  charts.push(c);
  return c;
}
// A chart whose element is momentarily zero-sized (e.g. while a screenshot
// resizes the viewport) is not resized: ECharts cannot lay a geo out in 0 px.
window.addEventListener('resize', () => charts.forEach((c) => {
  const d = c.getDom();
  if (d && d.isConnected && d.clientWidth && d.clientHeight) c.resize();
}));
window.addEventListener('hashchange', () => render());

function indName(key) {
  const d = catalog && catalog.find((c) => c.key === key);
  return d ? (lang() === 'en' ? d.nameEn : d.nameZh) : key;
}
function unitOf(key) { const d = catalog && catalog.find((c) => c.key === key); return d ? d.unit : 'RATIO'; }

async function start() {
  const s = readState();
  setLang(s.lang === 'en' ? 'en' : 'zh');
  if (!sessionStorage.getItem(TOKEN_KEY)) { viewer = null; renderSignIn(); return; }
  if (!viewer) {
    try {
      const [v, c] = await Promise.all([gql('DashViewer'), gql('DashCatalog')]);
      viewer = v.viewer; catalog = c.indicatorCatalog;
    } catch (e) {
      signInError = e.message; sessionStorage.removeItem(TOKEN_KEY); cache = new Map();
      renderSignIn(); return;
    }
  }
  renderApp();
}
const render = start;

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  viewer = null; catalog = null; cache = new Map(); signInError = '';
  render();
}

function langSwitch() {
  return h('button', { class: 'link', id: 'lang', onclick: () => setState({ lang: lang() === 'en' ? 'zh' : 'en' }) }, T('otherLang'));
}

function renderSignIn() {
  disposeCharts();
  const input = h('textarea', { id: 'token', rows: 4, placeholder: T('tokenPlaceholder'), autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', {
    class: 'signin', onsubmit: (e) => {
      e.preventDefault();
      const v = input.value.trim().replace(/^Bearer\s+/i, '');
      if (!v) return;
      sessionStorage.setItem(TOKEN_KEY, v);
      signInError = ''; cache = new Map();
      render();
    },
  },
  h('h1', {}, T('title')),
  h('p', {}, T('signInLead')),
  input,
  signInError ? h('p', { class: 'error', id: 'signin-error' }, signInError) : null,
  h('button', { type: 'submit', id: 'signin' }, T('signIn')),
  h('div', { class: 'help' },
    h('h2', {}, T('howToGet')),
    h('p', {}, T('howDev')),
    h('pre', {}, 'go run ./server token --role CITY_REGULATOR --region 210100'),
    h('p', {}, T('howKey')),
    h('pre', {}, 'go run ./server apikey create --name "BI" --region 210100'),
    h('p', {}, T('howStored'))));
  app.replaceChildren(h('header', { class: 'top' }, h('span', { class: 'brand' }, 'tuoyu'), h('span', { class: 'spacer' }), langSwitch()), form);
}

function canReadKPIs() { return viewer && viewer.region && ['PROVINCE_REGULATOR', 'CITY_REGULATOR', 'DISTRICT_REGULATOR', 'BI_SERVICE'].includes(viewer.role); }

function renderApp() {
  disposeCharts();
  const s = readState();
  const top = h('header', { class: 'top' },
    h('span', { class: 'brand' }, T('title')),
    h('span', { class: 'spacer' }),
    h('span', { class: 'who', id: 'who' }, enumLabel('role', viewer.role), viewer.region ? ` · ${viewer.region.name}` : '', viewer.subject ? ` · ${viewer.subject}` : ''),
    langSwitch(),
    h('button', { class: 'link', id: 'signout', onclick: signOut }, T('signOut')));
  if (!canReadKPIs()) {
    app.replaceChildren(top, h('main', {}, h('p', { class: 'error' }, T('noKPIs'))));
    return;
  }
  if (!s.region) { setState({ region: viewer.region.id }, true); return; }
  const asOfIn = h('input', { type: 'date', id: 'asof', value: s.asOf, onchange: (e) => e.target.value && setState({ asOf: e.target.value }) });
  const periodIn = h('input', { type: 'month', id: 'period', value: s.period, onchange: (e) => e.target.value && setState({ period: e.target.value }) });
  const tabs = h('nav', { class: 'tabs' }, VIEWS.map((v) => h('a', { href: '#', id: `tab-${v}`, class: v === s.view ? 'active' : '', onclick: (e) => { e.preventDefault(); setState({ view: v }); } }, T(`view_${v}`))));
  const controls = h('div', { class: 'controls' },
    h('label', {}, T('asOf'), ' ', asOfIn), h('label', {}, T('period'), ' ', periodIn),
    h('span', { class: 'hint' }, T('datesHint')));
  const crumbs = h('nav', { class: 'crumbs', id: 'crumbs' });
  const main = h('main', { id: 'main' }, h('p', { class: 'loading' }, T('loading')));
  app.replaceChildren(top, tabs, controls, crumbs, main);
  const views = { overview: viewOverview, trend: viewTrend, ranking: viewRanking, breakdown: viewBreakdown, map: viewMap, work: viewWork };
  loadRegion(s).then((region) => {
    renderCrumbs(crumbs, region);
    return views[s.view](main, s, region);
  }).catch((e) => showError(main, e));
}

function showError(main, e) {
  if (e && e.code === 'UNAUTHENTICATED') { viewer = null; signInError = e.message; renderSignIn(); return; }
  main.replaceChildren(h('p', { class: 'error', id: 'error' }, `${T('error')}: ${e.code || ''} ${e.message}`));
}

// The region header (with ancestors) and its indicators, plus 12-month sparklines.
async function loadRegion(s) {
  const d = dates(s);
  const data = await gql('DashOverview', { region: s.region, ...d });
  if (!data.node) throw new APIError('NOT_FOUND', T('noRegion'));
  return data.node;
}

function renderCrumbs(el, region) {
  const chain = [];
  for (let r = region; r; r = r.parent) chain.unshift(r);
  const i = chain.findIndex((r) => r.id === viewer.region.id);
  const shown = i >= 0 ? chain.slice(i) : chain;
  el.replaceChildren(...shown.flatMap((r, j) => [
    j ? h('span', { class: 'sep' }, '›') : '',
    j === shown.length - 1 ? h('strong', { 'data-region': r.id }, r.name)
      : h('a', { href: '#', 'data-region': r.id, onclick: (e) => { e.preventDefault(); setState({ region: r.id }); } }, r.name),
  ]));
}

function exportBar(name, getTable, getChart) {
  return h('span', { class: 'export' },
    getTable ? h('button', { class: 'small', 'data-export': 'csv', onclick: () => { const t = getTable(); download(`${name}.csv`, toCSV(t), 'text/csv;charset=utf-8'); } }, 'CSV') : null,
    getTable ? h('button', { class: 'small', 'data-export': 'xlsx', onclick: () => { const t = getTable(); download(`${name}.xlsx`, toXLSX(t), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'); } }, 'XLSX') : null,
    getChart ? h('button', { class: 'small', 'data-export': 'png', onclick: () => { const c = getChart(); if (c && c !== noChart) download(`${name}.png`, c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' })); } }, 'PNG') : null);
}

// ---------- overview: cards + drill-down table ----------

async function viewOverview(main, s, region) {
  const cards = h('section', { class: 'cards', id: 'cards' });
  const sparks = {};
  for (const iv of region.indicators) {
    const unit = unitOf(iv.key);
    const st = status(iv);
    const spark = h('div', { class: 'spark' });
    cards.append(h('div', { class: `card ${st}`, 'data-key': iv.key },
      h('div', { class: 'name' }, indName(iv.key)),
      h('div', { class: 'value', 'data-field': 'value' }, fmtValue(iv.value, unit, iv.suppressed)),
      unit === 'COUNT' ? h('div', { class: 'nd' }, '\u00a0')
        : h('div', { class: 'nd', 'data-field': 'nd' }, `${ndCell(iv, 'numerator', fmtCount)} / ${ndCell(iv, 'denominator', fmtCount)}`),
      h('div', { class: 'target' },
        iv.target ? h('span', { 'data-field': 'target' }, `${T('target')} ${fmtTarget(iv.target, unit)} (${iv.target.targetYear})`) : h('span', { class: 'muted' }, T('noTarget')),
        ' ',
        st === 'ok' ? h('span', { class: 'badge ok' }, T('attained'))
          : st === 'bad' ? h('span', { class: 'badge bad' }, `${T('gap')} ${fmtValue(iv.gap, unit, false)}`) : null),
      h('div', { class: 'basis muted' }, iv.asOf ? `${T('asOf')} ${iv.asOf}` : `${iv.from} – ${iv.to}`),
      spark));
    sparks[iv.key] = { el: spark, unit };
  }
  const tableBox = h('section', { id: 'drill' }, h('p', { class: 'loading' }, T('loading')));
  main.replaceChildren(h('h2', {}, region.name, ' ', h('span', { class: 'muted' }, enumLabel('level', region.level))), cards, tableBox);
  window.__tuoyuCardsPainted = window.__tuoyuCardsPainted || performance.now();
  // Sparklines come in a request of their own, after the table, so the
  // cards and the table paint first and the heavy series do not compete.
  const d = dates(s);
  const kids = region.children.totalCount ? await loadChildren(s).catch((e) => { showError(tableBox, e); return null; }) : [];
  if (kids && kids.length) renderDrill(tableBox, s, kids);
  else if (kids) tableBox.replaceChildren(h('p', { class: 'muted' }, T('noChildren')));
  gql('DashSparklines', { region: region.id, sFrom: `${addMonths(s.period, -11)}-01`, sTo: d.to }).then((data) => {
    SERIES_KEYS.forEach((key, i) => {
      const sp = sparks[key];
      const pts = data[`s${i + 1}`] || [];
      if (!sp || !pts.length || !sp.el.isConnected) return;
      const unit = sp.unit;
      const c = chart(sp.el);
        c.setOption({
          animation: false,
          grid: { left: 2, right: 2, top: 4, bottom: 2 },
          xAxis: { type: 'category', show: false, data: pts.map((p) => (p.asOf || p.from).slice(0, 7)) },
          yAxis: { type: 'value', show: false, scale: true },
          tooltip: { trigger: 'axis', valueFormatter: (v) => fmtValue(v, unit, false) },
          series: [{ type: 'line', data: pts.map((p) => (p.suppressed ? null : p.value)), symbol: 'none', lineStyle: { width: 1.5 }, areaStyle: { opacity: 0.15 } }],
        });
    });
  }).catch((e) => { if (cards.isConnected) cards.after(h('p', { class: 'muted small', id: 'spark-error' }, `${T('error')}: ${e.code || ''}`)); });
}

async function loadChildren(s) {
  const data = await gql('DashChildren', { region: s.region, ...dates(s) });
  return data.node ? data.node.children.edges.map((e) => e.node) : [];
}

function drillTable(kids) {
  const keys = catalog.map((c) => c.key);
  const header = [T('region'), T('code'), ...keys.map(indName)];
  const rows = kids.map((k) => {
    const by = Object.fromEntries(k.indicators.map((iv) => [iv.key, iv]));
    return [k.name, k.code, ...keys.map((key) => { const iv = by[key]; return iv ? (iv.suppressed ? T('suppressed') : iv.value) : null; })];
  });
  return { header, rows };
}

function renderDrill(box, s, kids) {
  const keys = catalog.map((c) => c.key);
  const [sortKey, sortDir] = (s.sort || 'name:asc').split(':');
  const val = (k, key) => { const iv = k.indicators.find((x) => x.key === key); return iv && !iv.suppressed ? iv.value : null; };
  const sorted = kids.slice().sort((a, b) => {
    if (sortKey === 'name') return (sortDir === 'desc' ? -1 : 1) * a.code.localeCompare(b.code);
    const va = val(a, sortKey); const vb = val(b, sortKey);
    if (va == null && vb == null) return a.code.localeCompare(b.code);
    if (va == null) return 1; // nulls last, both directions
    if (vb == null) return -1;
    return (sortDir === 'desc' ? vb - va : va - vb) || a.code.localeCompare(b.code);
  });
  const th = (key, label) => {
    const active = sortKey === key;
    const next = active && sortDir === 'desc' ? 'asc' : 'desc';
    return h('th', { 'data-sort': key, class: active ? `sorted ${sortDir}` : '', title: T('sortHint'), onclick: () => setState({ sort: `${key}:${key === 'name' && !active ? 'asc' : next}` }) }, label, active ? (sortDir === 'desc' ? ' ▼' : ' ▲') : '');
  };
  const table = h('table', { class: 'drill', id: 'drill-table' },
    h('thead', {}, h('tr', {}, th('name', T('region')), keys.map((k) => th(k, indName(k))))),
    h('tbody', {}, sorted.map((k) => h('tr', {
      'data-region': k.id, 'data-code': k.code, title: T('drillHint'),
      onclick: () => setState({ region: k.id, sort: null }),
    },
    h('td', { class: 'rname' }, k.name),
    keys.map((key) => {
      const iv = k.indicators.find((x) => x.key === key);
      if (!iv) return h('td', {}, '—');
      const unit = unitOf(key);
      const tip = iv.target ? `${T('target')} ${fmtTarget(iv.target, unit)}` : T('noTarget');
      return h('td', { class: `num ${status(iv)}`, 'data-key': key, title: `${ndCell(iv, 'numerator', fmtCount)} / ${ndCell(iv, 'denominator', fmtCount)} · ${tip}` }, fmtValue(iv.value, unit, iv.suppressed));
    })))));
  box.replaceChildren(
    h('div', { class: 'bar' }, h('h3', {}, T('childRegions'), ` (${kids.length})`), h('span', { class: 'legend' },
      h('span', { class: 'sw ok' }), T('attained'), h('span', { class: 'sw bad' }), T('short'), h('span', { class: 'sw none' }), T('noTarget')),
    exportBar(`drilldown-${s.region}`, () => drillTable(sorted))),
    h('div', { class: 'scroll' }, table));
}

// ---------- trend ----------

function keySelect(s, allowed) {
  const keys = (allowed || catalog.map((c) => c.key));
  const cur = keys.includes(s.key) ? s.key : keys[0];
  return [cur, h('select', { id: 'key', onchange: (e) => setState({ key: e.target.value }) }, keys.map((k) => h('option', { value: k, selected: k === cur }, indName(k))))];
}

function trendRange(s) {
  const end = addMonths(s.period, 1);
  const months = { MONTH: 24, QUARTER: 36, YEAR: 60 }[s.grain];
  let start = addMonths(end, -months);
  if (s.grain === 'QUARTER') { const [y, m] = start.split('-').map(Number); start = `${y}-${pad(m - ((m - 1) % 3))}`; }
  if (s.grain === 'YEAR') start = `${start.slice(0, 4)}-01`;
  return { from: `${start}-01`, to: `${end}-01` };
}

async function viewTrend(main, s, region) {
  const [key, sel] = keySelect(s);
  const unit = unitOf(key);
  const kids = region.children.totalCount ? await loadChildren(s) : [];
  const cmp = (s.cmp || region.id).split(',').filter(Boolean).slice(0, 5);
  const options = [region, ...kids];
  const boxes = h('div', { class: 'cmp', id: 'compare' }, h('span', {}, T('compare')), options.map((r) => h('label', {},
    h('input', { type: 'checkbox', value: r.id, checked: cmp.includes(r.id), disabled: !cmp.includes(r.id) && cmp.length >= 5, onchange: (e) => {
      const next = e.target.checked ? [...cmp, r.id] : cmp.filter((x) => x !== r.id);
      setState({ cmp: next.join(',') || region.id });
    } }), r.name)));
  const grain = h('select', { id: 'grain', onchange: (e) => setState({ grain: e.target.value }) }, ['MONTH', 'QUARTER', 'YEAR'].map((g) => h('option', { value: g, selected: g === s.grain }, T(`grain_${g}`))));
  const el = h('div', { class: 'chart', id: 'trend-chart' });
  const tbl = h('div', { id: 'trend-table' });
  let c = null; let table = null;
  main.replaceChildren(h('div', { class: 'bar' }, sel, grain, exportBar(`trend-${key}`, () => table, () => c)), boxes, el, tbl);
  const range = trendRange(s);
  // One region after another: the server runs at most two KPI operations
  // per token at a time (README, Limits), and five at once would be refused.
  const series = [];
  for (const id of cmp) series.push((await gql('DashSeries', { key, region: id, ...range, grain: s.grain })).indicatorSeries);
  const labels = series[0].map((p) => (p.asOf || p.to || '').slice(0, 7));
  const opt = {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v) => fmtValue(v, unit, false) },
    legend: { top: 0 },
    grid: { left: 60, right: 30, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: series[0].map((p) => (s.grain === 'MONTH' ? (p.from || p.asOf).slice(0, 7) : `${p.from || ''}`)) },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => fmtValue(v, unit, false) } },
    series: series.map((pts) => ({ type: 'line', name: pts[0] ? pts[0].region.name : '', data: pts.map((p) => (p.suppressed ? null : p.value)), connectNulls: false })),
  };
  const tgt = series[0].map((p) => (p.target ? p.target.targetValue : null));
  if (tgt.some((v) => v != null)) opt.series.push({ type: 'line', name: `${T('target')} (${series[0][0].region.name})`, data: tgt, step: 'end', symbol: 'none', lineStyle: { type: 'dashed', color: COLORS.bad }, itemStyle: { color: COLORS.bad } });
  c = chart(el); c.setOption(opt);
  table = { header: [T('bucket'), ...series.map((pts) => pts[0] ? pts[0].region.name : ''), T('target')], rows: labels.map((_, i) => [opt.xAxis.data[i], ...series.map((pts) => (pts[i].suppressed ? T('suppressed') : pts[i].value)), tgt[i]]) };
  tbl.replaceChildren(simpleTable(table, unit));
}

function simpleTable(t, unit) {
  return h('table', { class: 'plain' }, h('thead', {}, h('tr', {}, t.header.map((x) => h('th', {}, x)))),
    h('tbody', {}, t.rows.map((r) => h('tr', {}, r.map((v, i) => h('td', { class: i ? 'num' : '' }, typeof v === 'number' && i ? fmtValue(v, unit, false) : (v == null ? '—' : v)))))));
}

// ---------- ranking ----------

async function viewRanking(main, s, region) {
  const [key, sel] = keySelect(s);
  const unit = unitOf(key);
  if (!region.children.totalCount) { main.replaceChildren(h('div', { class: 'bar' }, sel), h('p', { class: 'muted' }, T('noChildren'))); return; }
  const kids = await loadChildren(s);
  const rows = kids.map((k) => ({ k, iv: k.indicators.find((x) => x.key === key) }));
  rows.sort((a, b) => {
    const va = a.iv && !a.iv.suppressed ? a.iv.value : null; const vb = b.iv && !b.iv.suppressed ? b.iv.value : null;
    if (va == null && vb == null) return a.k.code.localeCompare(b.k.code);
    if (va == null) return 1; if (vb == null) return -1;
    return vb - va || a.k.code.localeCompare(b.k.code);
  });
  const el = h('div', { class: 'chart tall', id: 'ranking-chart' });
  let c = null;
  const table = { header: [T('rank'), T('region'), indName(key), T('numerator'), T('denominator'), T('target')], rows: rows.map((r, i) => [i + 1, r.k.name, ndCell(r.iv, 'value'), ndCell(r.iv, 'numerator'), ndCell(r.iv, 'denominator'), r.iv && r.iv.target ? r.iv.target.targetValue : null]) };
  main.replaceChildren(h('div', { class: 'bar' }, sel, h('span', { class: 'muted' }, T('nullsLast')), exportBar(`ranking-${key}`, () => table, () => c)), el);
  c = chart(el);
  const rev = rows.slice().reverse();
  c.setOption({
    animation: false,
    grid: { left: 120, right: 80, top: 10, bottom: 30 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => fmtValue(v, unit, false) },
    xAxis: { type: 'value', axisLabel: { formatter: (v) => fmtValue(v, unit, false) } },
    yAxis: { type: 'category', data: rev.map((r) => r.k.name) },
    series: [{
      type: 'bar',
      data: rev.map((r) => ({ value: r.iv && !r.iv.suppressed ? r.iv.value : null, itemStyle: { color: COLORS[status(r.iv || {})] || COLORS.none } })),
      label: { show: true, position: 'right', formatter: (p) => (p.value == null ? T('noData') : fmtValue(p.value, unit, false)) },
    }],
  });
}

// ---------- breakdown ----------

function groupLabel(g) {
  switch (g.dimension) {
    case 'CHILD_REGION': return g.region ? g.region.name : T('outside');
    case 'INSTITUTION_FORM': return enumLabel('form', g.form);
    case 'OWNERSHIP': return enumLabel('ownership', g.ownership);
    case 'LEGAL_NATURE': return enumLabel('legalNature', g.legalNature);
    case 'AGE_BAND': return enumLabel('ageBand', g.ageBand);
    default: return '?';
  }
}

async function viewBreakdown(main, s, region) {
  const withDims = catalog.filter((c) => c.dimensions.length).map((c) => c.key);
  const [key, sel] = keySelect(s, withDims);
  const dims = catalog.find((c) => c.key === key).dimensions;
  const dim = dims.includes(s.dim) ? s.dim : dims[0];
  const unit = unitOf(key);
  const dimSel = h('select', { id: 'dim', onchange: (e) => setState({ dim: e.target.value }) }, dims.map((d) => h('option', { value: d, selected: d === dim }, T(`dim_${d}`))));
  const el = h('div', { class: 'chart', id: 'breakdown-chart' });
  const tbl = h('div', {});
  let c = null; let table = null;
  main.replaceChildren(h('div', { class: 'bar' }, sel, dimSel, exportBar(`breakdown-${key}-${dim}`, () => table, () => c)), el, tbl);
  const d = dates(s);
  const isStock = catalog.find((x) => x.key === key).basis === 'STOCK';
  const data = await gql('DashBreakdown', { key, region: region.id, by: dim, ...(isStock ? { asOf: d.asOf } : { from: d.from, to: d.to }) });
  const groups = data.indicatorBreakdown;
  table = { header: [T(`dim_${dim}`), indName(key), T('numerator'), T('denominator')], rows: groups.map((g) => [groupLabel(g), ndCell(g.value, 'value'), ndCell(g.value, 'numerator'), ndCell(g.value, 'denominator')]) };
  c = chart(el);
  c.setOption({
    animation: false,
    grid: { left: 60, right: 30, top: 20, bottom: 60 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => fmtValue(v, unit, false) },
    xAxis: { type: 'category', data: groups.map(groupLabel), axisLabel: { interval: 0, rotate: groups.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => fmtValue(v, unit, false) } },
    series: [{ type: 'bar', data: groups.map((g) => (g.value.suppressed ? null : g.value.value)), label: { show: true, position: 'top', formatter: (p) => (p.value == null ? '' : fmtValue(p.value, unit, false)) } }],
  });
  tbl.replaceChildren(h('table', { class: 'plain', id: 'breakdown-table' }, h('thead', {}, h('tr', {}, table.header.map((x) => h('th', {}, x)))),
    h('tbody', {}, groups.map((g, i) => h('tr', {}, h('td', {}, table.rows[i][0]), h('td', { class: 'num' }, fmtValue(g.value.value, unit, g.value.suppressed)),
      h('td', { class: 'num' }, ndCell(g.value, 'numerator', fmtCount)), h('td', { class: 'num' }, ndCell(g.value, 'denominator', fmtCount)))))));
}

// ---------- map ----------

function codePrefix(r) {
  return { PROVINCE: r.code.slice(0, 2), CITY: r.code.slice(0, 4), DISTRICT: r.code.slice(0, 6) }[r.level] || r.code;
}
async function loadInstitutions(region) {
  const out = [];
  let after = null;
  for (let i = 0; i < 100; i++) { // at most 10,000 institutions
    const d = await gql('DashInstitutions', { prefix: codePrefix(region), after });
    out.push(...d.institutions.edges.map((e) => e.node));
    if (!d.institutions.pageInfo.hasNextPage) break;
    after = d.institutions.pageInfo.endCursor;
  }
  return out;
}
function filingState(inst, day) {
  const fs = inst.filings.edges.map((e) => e.node);
  if (fs.some((f) => (f.status === 'FILED' || f.status === 'CHANGED') && f.receiptAt && f.receiptAt <= day)) return 'FILED';
  if (fs.some((f) => f.status === 'NONCOMPLIANT')) return 'NONCOMPLIANT';
  if (fs.some((f) => f.status === 'SUBMITTED')) return 'SUBMITTED';
  return 'NONE';
}
function inclusiveState(inst, day) {
  return inst.designations.edges.some((e) => e.node.validFrom <= day && (!e.node.validTo || day < e.node.validTo)) ? 'INCLUSIVE' : 'NOT_INCLUSIVE';
}
const STATE_COLORS = { FILED: COLORS.ok, SUBMITTED: COLORS.warn, NONCOMPLIANT: COLORS.bad, NONE: COLORS.none, INCLUSIVE: COLORS.info, NOT_INCLUSIVE: COLORS.none };

async function viewMap(main, s, region) {
  const colorBy = s.color === 'inclusive' ? 'inclusive' : 'filing';
  const withBoundary = catalog.map((c) => c.key);
  const [key, sel] = keySelect(s, withBoundary);
  const unit = unitOf(key);
  const colorSel = h('select', { id: 'color', onchange: (e) => setState({ color: e.target.value }) },
    h('option', { value: 'filing', selected: colorBy === 'filing' }, T('byFiling')), h('option', { value: 'inclusive', selected: colorBy === 'inclusive' }, T('byInclusive')));
  const forms = ['', 'CENTER', 'KINDERGARTEN', 'EMPLOYER', 'COMMUNITY', 'HOME', 'GUIDANCE_CENTER'];
  const formSel = h('select', { id: 'form', onchange: (e) => setState({ form: e.target.value }) }, forms.map((f) => h('option', { value: f, selected: (s.form || '') === f }, f ? enumLabel('form', f) : T('allForms'))));
  const el = h('div', { class: 'chart map', id: 'map-chart' });
  const side = h('aside', { class: 'profile', id: 'profile' }, h('p', { class: 'muted' }, T('clickPoint')));
  const pick = h('select', { id: 'profile-pick', 'aria-label': T('pickInstitution') }, h('option', { value: '' }, T('pickInstitution')));
  const note = h('p', { class: 'muted small', id: 'map-note' });
  let c = null; let table = null;
  main.replaceChildren(h('div', { class: 'bar' }, T('colour'), colorSel, formSel, h('span', {}, T('choropleth')), sel, exportBar(`map-${region.code}`, () => table, () => c)), h('div', { class: 'mapwrap' }, el, side), h('div', { class: 'bar' }, pick), note);
  const [insts, kids] = await Promise.all([loadInstitutions(region), region.children.totalCount ? loadChildren(s) : []]);
  const day = s.asOf;
  const shown = insts.filter((i) => i.latitude != null && i.longitude != null && (!s.form || i.form === s.form));
  // The points are not reachable by keyboard: the same profiles by name.
  pick.append(...shown.map((i) => h('option', { value: i.id }, i.name)));
  pick.addEventListener('change', () => { const i = shown.find((x) => x.id === pick.value); if (i) showProfile(side, i, day); });
  const states = colorBy === 'filing' ? ['FILED', 'SUBMITTED', 'NONCOMPLIANT', 'NONE'] : ['INCLUSIVE', 'NOT_INCLUSIVE'];
  const stateOf = (i) => (colorBy === 'filing' ? filingState(i, day) : inclusiveState(i, day));
  table = { header: [T('name'), T('form'), T('region'), T('address'), T('longitude'), T('latitude'), T('filing'), T('inclusive'), T('seats')], rows: shown.map((i) => [i.name, enumLabel('form', i.form), i.region.name, i.address || '', i.longitude, i.latitude, enumLabel('state', filingState(i, day)), enumLabel('state', inclusiveState(i, day)), i.seats.totalCount]) };
  const bounded = kids.filter((k) => k.boundary);
  const scatter = states.map((st) => ({
    type: 'scatter', name: enumLabel('state', st), symbolSize: 7,
    itemStyle: { color: STATE_COLORS[st], opacity: 0.85 },
    data: shown.filter((i) => stateOf(i) === st).map((i) => ({ name: i.name, value: [i.longitude, i.latitude], inst: i })),
  }));
  const opt = {
    animation: false, backgroundColor: '#f6f8fa',
    legend: { top: 0, data: states.map((st) => enumLabel('state', st)) },
    // ECharts inserts a formatter's string as HTML: names are escaped.
    tooltip: { trigger: 'item', formatter: (p) => (p.data && p.data.inst ? escapeHTML(p.data.name) : `${escapeHTML(p.name)}: ${fmtValue(p.value, unit, false)}`) },
  };
  if (bounded.length) {
    const mapName = `regions-${region.id}-${s.asOf}`;
    echarts.registerMap(mapName, { type: 'FeatureCollection', features: bounded.map((k) => ({ type: 'Feature', properties: { name: k.name }, geometry: JSON.parse(k.boundary) })) });
    const vals = bounded.map((k) => { const iv = k.indicators.find((x) => x.key === key); return { name: k.name, value: iv && !iv.suppressed ? iv.value : null }; });
    const nums = vals.map((v) => v.value).filter((v) => v != null);
    opt.geo = { map: mapName, roam: true, itemStyle: { borderColor: '#57606a', areaColor: '#eaeef2' }, label: { show: true, fontSize: 10, color: '#24292f' }, emphasis: { label: { show: true } } };
    opt.visualMap = { min: nums.length ? Math.min(...nums) : 0, max: nums.length ? Math.max(...nums) : 1, left: 10, bottom: 10, calculable: true, seriesIndex: 0, inRange: { color: ['#fff5eb', '#fd8d3c', '#a63603'] }, formatter: (v) => fmtValue(v, unit, false), text: [indName(key), ''] };
    opt.series = [{ type: 'map', geoIndex: 0, name: indName(key), data: vals }, ...scatter.map((x) => ({ ...x, coordinateSystem: 'geo' }))];
    note.textContent = T('approxNote');
  } else {
    const xs = shown.map((i) => i.longitude); const ys = shown.map((i) => i.latitude);
    opt.grid = { left: 50, right: 20, top: 40, bottom: 30 };
    opt.xAxis = { type: 'value', scale: true, name: T('longitude'), min: Math.min(...xs) - 0.01, max: Math.max(...xs) + 0.01, splitLine: { show: false } };
    opt.yAxis = { type: 'value', scale: true, name: T('latitude'), min: Math.min(...ys) - 0.01, max: Math.max(...ys) + 0.01, splitLine: { show: false } };
    opt.series = scatter;
    note.textContent = T('noBoundaries');
  }
  note.textContent += ` ${T('shownOf', shown.length, insts.length)}`;
  c = chart(el);
  c.setOption(opt);
  c.on('click', (p) => { if (p.data && p.data.inst) showProfile(side, p.data.inst, day); });
}

// showProfile shows institution i: its public profile (信息公示, today, as
// publicInstitution gives it to everyone: receipt number and date, status,
// 普惠 designation, the fee a family pays, seats by age band, inspections),
// then the registry facts the viewer reads as of the page's date.
function showProfile(side, i, day) {
  const row = (k, v) => h('tr', {}, h('th', {}, k), h('td', {}, v));
  const pub = h('section', { id: 'public-profile', 'data-id': i.id }, h('p', { class: 'loading' }, T('loading')));
  side.replaceChildren(h('h3', {}, i.name), pub, h('h4', {}, T('registry'), ' ', h('span', { class: 'muted' }, `${T('asOf')} ${day}`)), h('table', { class: 'kv' },
    row(T('form'), enumLabel('form', i.form)), row(T('ownership'), enumLabel('ownership', i.ownership)),
    row(T('legalNature'), enumLabel('legalNature', i.legalNature)), row(T('region'), i.region.name),
    row(T('address'), i.address || '—'), row(T('seats'), fmtCount(i.seats.totalCount)),
    row(T('filing'), enumLabel('state', filingState(i, day))), row(T('inclusive'), enumLabel('state', inclusiveState(i, day))),
    row(T('opened'), i.openedAt), row(T('status'), enumLabel('instStatus', i.status))));
  gql('DashProfile', { id: i.id }).then((d) => {
    if (!pub.isConnected || pub.dataset.id !== i.id) return;
    const p = d.publicInstitution;
    const head = h('h4', {}, T('publicProfile'));
    if (!p) { pub.replaceChildren(head, h('p', { class: 'muted', id: 'profile-unpublished' }, T('notPublished'))); return; }
    const des = p.designation;
    pub.replaceChildren(head, h('table', { class: 'kv', id: 'profile-public' },
      row(T('status'), h('span', { 'data-field': 'status', class: p.institution.status === 'OPERATING' ? '' : 'warn' }, enumLabel('instStatus', p.institution.status))),
      row(T('receiptNo'), h('span', { 'data-field': 'receiptNumber' }, p.filing.receiptNumber || '—')),
      row(T('receiptDate'), h('span', { 'data-field': 'receiptDate' }, p.filing.receiptDate)),
      row(T('inclusive'), des ? `${enumLabel('category', des.category)} · ${des.designatedBy}` : enumLabel('state', 'NOT_INCLUSIVE')),
      row(T('monthlyFee'), h('span', { 'data-field': 'monthlyFee' }, p.monthlyFee == null ? '—' : T('yuanMonth', fmtCount(p.monthlyFee)))),
      row(T('seatsByBand'), p.seats.length ? h('span', { 'data-field': 'seats' }, p.seats.map((x) => `${enumLabel('ageBand', x.ageBand)} ${x.seats}${x.inclusive ? T('ofInclusive', x.inclusive) : ''}`).join('; ')) : '—'),
      row(T('inspections'), p.inspections.length ? h('span', { 'data-field': 'inspections' }, p.inspections.slice(0, 5).map((x) => h('div', {}, `${x.date} ${enumLabel('inspection', x.kind)} · ${enumLabel('outcome', x.outcome)}`)),
        p.inspections.length > 5 ? h('div', { class: 'muted' }, T('moreInspections', p.inspections.length - 5)) : null) : T('none'))));
  }).catch((e) => { if (pub.isConnected) pub.replaceChildren(h('p', { class: 'error' }, `${T('error')}: ${e.code || ''} ${e.message}`)); });
}

// ---------- work lists ----------

// The regulator's work lists for the region and the as-of date: filings
// whose receipt or notice falls due within N working days (N in the hash,
// 0–30, default 3), filings, findings and complaints overdue, and findings
// reported rectified that await a re-inspection. One request (DashWork)
// holds all five lists; only a region with more than 100 inspections
// awaiting verification pages on with DashWorkRectified.

function workWithin(s) {
  return /^\d{1,2}$/.test(s.within || '') && Number(s.within) <= 30 ? Number(s.within) : 3;
}
// placeOf is the institution's district and subdistrict (or its region).
function placeOf(inst) {
  const r = inst.region;
  return r.parent && r.level === 'SUBDISTRICT' ? `${r.parent.name} · ${r.name}` : r.name;
}
const daysFrom = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400000); // ISO dates, UTC

async function loadRectified(first, vars) {
  const nodes = first.edges.map((e) => e.node);
  let page = first.pageInfo;
  for (let i = 0; page.hasNextPage && i < 100; i++) { // at most 10,000 inspections
    const d = await gql('DashWorkRectified', { ...vars, after: page.endCursor });
    nodes.push(...d.rectified.edges.map((e) => e.node));
    page = d.rectified.pageInfo;
  }
  return nodes;
}

// workSections turns the DashWork answer into the five tables: each column
// is [label, value(row), cell class(row)]; the same values are exported.
function workSections(data, inspections, within, asOf) {
  const inst = [T('institution'), (r) => r.inst.name, () => 'rname'];
  const place = [T('region'), (r) => placeOf(r.inst)];
  const filingRow = (d) => ({ id: `${d.filing.id}:${d.kind}`, inst: d.filing.institution, ...d, submittedAt: d.filing.submittedAt });
  const kind = [T('deadlineKind'), (r) => enumLabel('deadline', r.kind)];
  const rectified = inspections.flatMap((n) => n.findings
    .filter((f) => f.status === 'RECTIFIED' && f.rectifiedAt && f.rectifiedAt <= asOf)
    .map((f) => ({ id: f.id, inst: n.institution, inspectedOn: n.inspectedOn, ...f })))
    .sort((a, b) => a.rectifiedAt.localeCompare(b.rectifiedAt));
  return [
    { id: 'filings-due', title: T('workFilingsDue', within), note: T('workFilingsNote'), rows: data.filingsDue.map(filingRow),
      cols: [inst, place, kind, [T('submitted'), (r) => r.submittedAt], [T('dueOn'), (r) => r.dueOn],
        [T('workingDaysLeft'), (r) => r.workingDaysLeft, (r) => (r.workingDaysLeft === 0 ? 'num warn' : 'num')]] },
    { id: 'filings-overdue', title: T('workFilingsOverdue'), note: T('workOverdueNote'), rows: data.filingsOverdue.map(filingRow),
      cols: [inst, place, kind, [T('submitted'), (r) => r.submittedAt], [T('dueOn'), (r) => r.dueOn],
        [T('workingDaysOverdue'), (r) => -r.workingDaysLeft, () => 'num'], [T('daysOverdue'), (r) => r.daysOverdue, () => 'num bad']] },
    { id: 'findings-overdue', title: T('workFindingsOverdue'),
      rows: data.findingsOverdue.map((o) => ({ id: o.finding.id, inst: o.finding.inspection.institution, ...o.finding, inspection: o.finding.inspection, deadline: o.deadline, daysOverdue: o.daysOverdue })),
      cols: [inst, place, [T('inspected'), (r) => r.inspection.inspectedOn], [T('inspectionKind'), (r) => enumLabel('inspection', r.inspection.kind)],
        [T('rule'), (r) => r.rule], [T('description'), (r) => r.description], [T('severity'), (r) => enumLabel('severity', r.severity), (r) => (r.severity === 'CRITICAL' ? 'bad' : '')],
        [T('rectifyBy'), (r) => r.deadline], [T('daysOverdue'), (r) => r.daysOverdue, () => 'num bad']] },
    { id: 'complaints-overdue', title: T('workComplaintsOverdue'),
      rows: data.complaintsOverdue.map((o) => ({ id: o.complaint.id, inst: o.complaint.institution, ...o.complaint, dueOn: o.dueOn, daysOverdue: o.daysOverdue })),
      cols: [inst, place, [T('received'), (r) => r.receivedAt], [T('channel'), (r) => enumLabel('channel', r.channel)], [T('category'), (r) => r.category],
        [T('handleBy'), (r) => r.dueOn], [T('daysOverdue'), (r) => r.daysOverdue, () => 'num bad']] },
    { id: 'rectified', title: T('workRectified'), note: T('workRectifiedNote'), rows: rectified,
      cols: [inst, place, [T('inspected'), (r) => r.inspectedOn], [T('rule'), (r) => r.rule], [T('description'), (r) => r.description],
        [T('severity'), (r) => enumLabel('severity', r.severity), (r) => (r.severity === 'CRITICAL' ? 'bad' : '')], [T('rectifyBy'), (r) => r.deadline],
        [T('rectifiedOn'), (r) => r.rectifiedAt], [T('onTime'), (r) => (r.deadline ? T(r.rectifiedAt <= r.deadline ? 'yes' : 'no') : null)],
        [T('waitingDays'), (r) => daysFrom(r.rectifiedAt, asOf), () => 'num']] },
  ];
}

function workSection(sec, name) {
  const n = sec.rows.length;
  const table = { header: sec.cols.map((c) => c[0]), rows: sec.rows.map((r) => sec.cols.map((c) => c[1](r) ?? null)) };
  return h('section', { class: 'work', id: `work-${sec.id}`, 'data-count': n },
    h('div', { class: 'bar' }, h('h3', {}, sec.title, ' ', h('span', { class: 'count' }, `(${n})`)),
      n ? exportBar(`work-${sec.id}-${name}`, () => table) : null),
    sec.note ? h('p', { class: 'muted small' }, sec.note) : null,
    n ? h('div', { class: 'scroll' }, h('table', { class: 'plain work' },
      h('thead', {}, h('tr', {}, table.header.map((x) => h('th', {}, x)))),
      h('tbody', {}, sec.rows.map((r, i) => h('tr', { 'data-id': r.id }, sec.cols.map((c, j) => {
        const v = table.rows[i][j];
        return h('td', { class: c[2] ? c[2](r) : '' }, v == null || v === '' ? '—' : typeof v === 'number' ? fmtCount(v) : v);
      }))))))
      : h('p', { class: 'muted empty' }, T('none')));
}

async function viewWork(main, s, region) {
  const within = workWithin(s);
  const withinSel = h('select', { id: 'within', onchange: (e) => setState({ within: e.target.value }) },
    Array.from({ length: 31 }, (_, n) => h('option', { value: n, selected: n === within }, T('withinN', n))));
  const head = h('div', { class: 'bar' }, h('h2', {}, region.name, ' ', h('span', { class: 'muted' }, `${T('view_work')} · ${T('asOf')} ${s.asOf}`)),
    h('label', {}, T('within'), ' ', withinSel));
  main.replaceChildren(head, h('p', { class: 'loading' }, T('loading')));
  const vars = { prefix: codePrefix(region), asOf: s.asOf };
  let data; let inspections;
  try {
    data = await gql('DashWork', { region: region.id, within, ...vars });
    inspections = await loadRectified(data.rectified, vars);
  } catch (e) {
    const msg = { FORBIDDEN: () => T('workForbidden', enumLabel('role', viewer.role)), CALENDAR_UNKNOWN: () => T('workCalendar') }[e.code];
    if (!msg) throw e;
    main.replaceChildren(head, h('p', { class: 'error', id: 'error', 'data-code': e.code }, msg()));
    return;
  }
  const sections = workSections(data, inspections, within, s.asOf);
  const summary = h('div', { class: 'worksum', id: 'work-summary' }, sections.map((sec) => h('button', {
    class: `small${sec.rows.length ? '' : ' zero'}`, 'data-section': sec.id,
    onclick: () => document.getElementById(`work-${sec.id}`).scrollIntoView({ block: 'start' }),
  }, sec.title, ' ', h('strong', {}, sec.rows.length))));
  main.replaceChildren(head, summary, h('p', { class: 'muted small' }, T('workHint')),
    ...sections.map((sec) => workSection(sec, `${region.code}-${s.asOf}`)));
}

render();
