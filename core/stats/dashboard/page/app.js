// The dashboard page's logic: one WebSocket to `<base>/ws` (reconnecting with backoff), one frame per second
// (schema: core/stats/dashboard/frame.ts), kept 10 minutes in History ring buffers and drawn as tables, tiles and
// charts; a server or backend whose state changes is flagged at once (row flash + an entry in the event list).
// Browser.

import { History } from './history.js';
import { LineChart, shortNumber } from './chart.js';

const WINDOW_MS = 10 * 60 * 1000;
const MAX_EVENTS = 200;
const base = document.body.dataset.base ?? '';
const history = new History(600);
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const charts = {
  req: new LineChart($('c-req'), $('l-req'), { windowMs: WINDOW_MS }),
  err: new LineChart($('c-err'), $('l-err'), { windowMs: WINDOW_MS }),
  scur: new LineChart($('c-scur'), $('l-scur'), { windowMs: WINDOW_MS }),
  bytes: new LineChart($('c-bytes'), $('l-bytes'), { windowMs: WINDOW_MS, unit: 'B' }),
  ttime: new LineChart($('c-ttime'), $('l-ttime'), { windowMs: WINDOW_MS, unit: 'ms' }),
  score: new LineChart($('c-score'), $('l-score'), { windowMs: WINDOW_MS, fixedTop: 1 }),
  ddbms: new LineChart($('c-ddbms'), $('l-ddbms'), { windowMs: WINDOW_MS, unit: 'ms' }),
  threads: new LineChart($('c-threads'), $('l-threads'), { windowMs: WINDOW_MS }),
  cpu: new LineChart($('c-cpu'), $('l-cpu'), { windowMs: WINDOW_MS, unit: '%', fixedTop: 100 }),
};

/** @type {Map<string, string>} key → last state seen, for change detection */
const lastState = new Map();
/** @type {Map<string, HTMLTableRowElement>} */
const serverRows = new Map();
let serverOrder = '';
let lastFrameAt = 0;
let lastFrameT = 0; // the server's clock at the last frame: charts end there, whatever this machine's clock says
let period = 1000;

// ---- formatting ---------------------------------------------------------------------------------------------
const rate = (v) => (v === null || v === undefined ? '–' : v < 10 && v > 0 ? v.toFixed(1) : shortNumber(Math.round(v)));
const bytes = (v) => (v === null || v === undefined ? '–' : shortNumber(v, 'B'));
const plainNum = (v) => (v === null || v === undefined ? '–' : String(v));
const ms = (v) => (v === null || v === undefined ? '–' : String(v));
function ago(sec) {
  if (sec === null || sec === undefined) return '–';
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor(sec / 60) % 60).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${Math.floor(sec / 3600) % 24}h`;
}
const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });

/** CSS class of a status: state plus "going" when HAProxy shows a transition (`UP 1/3`, `DOWN 2/3`). */
function stateClass(row) {
  const going = /\d+\/\d+/.test(row.status) && (row.state === 'UP' || row.state === 'DOWN') ? ' going' : '';
  return `st-${row.state.toLowerCase() || 'none'}${going}`;
}

// ---- tables -------------------------------------------------------------------------------------------------
function cells(tr, n) {
  while (tr.cells.length < n) tr.insertCell();
  return tr.cells;
}

function serverRow(key) {
  let tr = serverRows.get(key);
  if (tr === undefined) {
    tr = document.createElement('tr');
    tr.dataset.server = key;
    cells(tr, 14);
    for (let i = 3; i < 14; i++) tr.cells[i].className = 'n';
    serverRows.set(key, tr);
  }
  return tr;
}

function fillServer(tr, r) {
  const c = tr.cells;
  tr.className = `${r.type === 'BACKEND' ? 'be ' : ''}${stateClass(r)}`;
  tr.dataset.state = r.state;
  c[0].textContent = r.type === 'BACKEND' ? `${r.px}` : r.sv;
  c[0].title = `${r.px}/${r.sv}`;
  c[1].innerHTML = '';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = r.status || '–';
  c[1].append(badge);
  c[2].textContent = r.type === 'BACKEND' ? `${plainNum(r.act)} act · ${plainNum(r.bck)} bck`
    : r.checkStatus ? `${r.checkStatus}${r.checkDuration !== null ? ` ${r.checkDuration}ms` : ''}` : '';
  c[3].textContent = plainNum(r.weight);
  c[4].textContent = plainNum(r.scur);
  c[5].textContent = rate(r.sessRate);
  c[6].textContent = rate(r.reqRate);
  c[7].textContent = rate(r.errRate);
  c[7].classList.toggle('bad', (r.errRate ?? 0) > 0);
  c[8].textContent = rate(r.h5xxRate);
  c[8].classList.toggle('bad', (r.h5xxRate ?? 0) > 0);
  c[9].textContent = bytes(r.binRate);
  c[10].textContent = bytes(r.boutRate);
  c[11].textContent = `${ms(r.qtime)} / ${ms(r.ctime)} / ${ms(r.rtime)} / ${ms(r.ttime)}`;
  c[12].textContent = r.score === null ? '–' : r.score < 0 ? 'failed' : r.score.toFixed(2);
  c[13].textContent = ago(r.lastchg);
}

/** The Servers panel's filter: a name substring, and "only not UP" (a backend row stays while one of its rows shows). */
const filter = { text: '', problems: false };
const healthy = (r) => r.state === 'UP' && !/\d+\/\d+/.test(r.status);

function applyFilter(ordered, keys) {
  const shown = new Set();
  ordered.forEach((r, i) => {
    const named = filter.text === '' || keys[i].toLowerCase().includes(filter.text);
    if (r.type !== 'BACKEND' && named && (!filter.problems || !healthy(r))) shown.add(keys[i]).add(`${r.px}/BACKEND`);
    if (r.type === 'BACKEND' && named && (!filter.problems || !healthy(r))) shown.add(keys[i]);
  });
  for (const k of keys) {
    const tr = serverRows.get(k);
    if (tr) tr.hidden = !shown.has(k);
  }
}

let lastRows = [];
function refilter() {
  filter.text = /** @type {HTMLInputElement} */ ($('filter')).value.trim().toLowerCase();
  filter.problems = /** @type {HTMLInputElement} */ ($('problems')).checked;
  renderServers(lastRows);
}
$('filter').addEventListener('input', refilter);
$('problems').addEventListener('change', refilter);

function renderServers(rows) {
  lastRows = rows;
  const tbody = $('servers').tBodies[0];
  const list = rows.filter((r) => r.type === 'SERVER' || r.type === 'BACKEND');
  // Group: each backend's servers, then its BACKEND row (HAProxy's order) — shown with the backend row first.
  const groups = new Map();
  for (const r of list) {
    const g = groups.get(r.px) ?? { be: null, servers: [] };
    if (r.type === 'BACKEND') g.be = r;
    else g.servers.push(r);
    groups.set(r.px, g);
  }
  const ordered = [];
  for (const g of groups.values()) {
    if (g.be) ordered.push(g.be);
    ordered.push(...g.servers);
  }
  const keys = ordered.map((r) => `${r.px}/${r.sv}`);
  const signature = keys.join('\u0000');
  ordered.forEach((r, i) => fillServer(serverRow(keys[i]), r));
  if (signature !== serverOrder) {
    serverOrder = signature;
    const keep = new Set(keys);
    for (const k of serverRows.keys()) if (!keep.has(k)) serverRows.delete(k);
    tbody.replaceChildren(...keys.map((k) => serverRows.get(k)));
  }
  applyFilter(ordered, keys);
}

function renderSimple(tableId, items, signatureOf, fill, width, orderRef, firstNumeric = 1) {
  const tbody = $(tableId).tBodies[0];
  const signature = items.map(signatureOf).join('\u0000');
  if (signature !== orderRef.value) {
    orderRef.value = signature;
    tbody.replaceChildren(...items.map(() => {
      const tr = document.createElement('tr');
      cells(tr, width);
      for (let i = firstNumeric; i < width; i++) tr.cells[i].className = 'n';
      return tr;
    }));
  }
  items.forEach((it, i) => fill(tbody.rows[i], it));
}

const feOrder = { value: '' };
const thOrder = { value: '' };

function renderFrontends(rows) {
  renderSimple('frontends', rows.filter((r) => r.type === 'FRONTEND'), (r) => r.px, (tr, r) => {
    const c = tr.cells;
    tr.className = stateClass(r);
    tr.dataset.frontend = r.px;
    c[0].textContent = r.px;
    c[1].textContent = r.status;
    c[2].textContent = plainNum(r.scur);
    c[3].textContent = plainNum(r.slim);
    c[4].textContent = rate(r.sessRate);
    c[5].textContent = rate(r.reqRate);
    c[6].textContent = rate(r.errRate);
    c[7].textContent = bytes(r.binRate);
    c[8].textContent = bytes(r.boutRate);
  }, 9, feOrder, 2);
}

function renderThreads(threads) {
  renderSimple('threads', threads, (t) => t.name, (tr, t) => {
    const c = tr.cells;
    c[0].textContent = t.name;
    c[1].textContent = plainNum(t.connections);
    c[2].textContent = rate(t.connRate);
    c[3].textContent = t.busy === null ? '–' : `${Math.round(t.busy * 100)} %`;
  }, 4, thOrder);
}

// ---- state changes ------------------------------------------------------------------------------------------
function noteChanges(rows, t) {
  const list = $('events');
  for (const r of rows) {
    if (r.type === 'FRONTEND') continue;
    const key = `${r.px}/${r.sv}`;
    const before = lastState.get(key);
    lastState.set(key, r.state);
    if (before === undefined || before === r.state) continue;
    const li = document.createElement('li');
    li.className = `ev st-${r.state.toLowerCase()}`;
    li.dataset.server = key;
    const when = document.createElement('time');
    when.textContent = clock(t);
    const what = document.createElement('span');
    what.className = 'what';
    what.textContent = r.type === 'BACKEND' ? `backend ${r.px}` : key;
    const change = document.createElement('span');
    change.className = 'change';
    change.textContent = `${before} → ${r.status}${r.checkStatus ? ` (${r.checkStatus})` : ''}`;
    li.append(when, what, change);
    list.querySelector('.empty')?.remove();
    list.prepend(li);
    while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
    const tr = serverRows.get(key);
    if (tr) {
      tr.classList.remove('flash');
      void tr.offsetWidth; // restart the animation when the same row changes again
      tr.classList.add('flash');
    }
  }
}

// ---- tiles and charts ---------------------------------------------------------------------------------------
function total(rows, type, field) {
  let sum = null;
  for (const r of rows) if (r.type === type && r[field] !== null) sum = (sum ?? 0) + r[field];
  return sum;
}

function tile(label, value, extra = '') {
  return `<div class="tile"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${extra}</div></div>`;
}

function renderTiles(f) {
  const servers = f.rows.filter((r) => r.type === 'SERVER');
  const up = servers.filter((r) => r.state === 'UP' || r.state === 'NOCHECK' || r.state === 'DRAIN' || r.state === 'NOLB').length;
  const down = servers.filter((r) => r.state === 'DOWN').length;
  const req = total(f.rows, 'FRONTEND', 'reqRate') ?? total(f.rows, 'FRONTEND', 'sessRate');
  $('tiles').innerHTML = [
    tile('Sessions', plainNum(total(f.rows, 'FRONTEND', 'scur')), `${rate(total(f.rows, 'FRONTEND', 'sessRate'))} new/s`),
    tile('Requests / s', rate(req), `${plainNum(f.info.cumReq)} total`),
    tile('Errors / s', rate(total(f.rows, 'BACKEND', 'errRate')), `${rate(total(f.rows, 'BACKEND', 'h5xxRate'))} 5xx/s`),
    tile('In / s', bytes(total(f.rows, 'FRONTEND', 'binRate')), 'from clients'),
    tile('Out / s', bytes(total(f.rows, 'FRONTEND', 'boutRate')), 'to clients'),
    tile('Servers up', `${up}<span class="of">/${servers.length}</span>`, down > 0 ? `<span class="bad">${down} down</span>` : 'none down'),
    tile('Uptime', ago(f.info.uptimeSec), f.info.nbthread !== null ? `${f.info.nbthread} threads` : ''),
  ].join('');
}

function record(f) {
  history.push(f.t);
  let bin = null;
  let bout = null;
  for (const r of f.rows) {
    if (r.type === 'BACKEND') {
      history.set(`req:${r.px}`, r.reqRate ?? r.sessRate);
      history.set(`err:${r.px}`, r.errRate);
      history.set(`scur:${r.px}`, r.scur);
      history.set(`ttime:${r.px}`, r.ttime);
      if (r.binRate !== null) bin = (bin ?? 0) + r.binRate;
      if (r.boutRate !== null) bout = (bout ?? 0) + r.boutRate;
    } else if (r.type === 'SERVER') {
      if (r.score !== null && r.score >= 0) history.set(`score:${r.px}/${r.sv}`, r.score);
      // option dolphindb-inspect: the node's mean call latency over the last tick (none without calls in it).
      if (r.ddbMs !== null) history.set(`ddbms:${r.px}/${r.sv}`, r.ddbMs);
    }
  }
  history.set('bytes:in', bin);
  history.set('bytes:out', bout);
  for (const t of f.threads) {
    history.set(`thr:${t.name}`, t.connections);
    history.set(`cpu:${t.name}`, t.busy === null ? null : t.busy * 100);
  }
  if (f.seq % 60 === 0) history.prune();
}

function drawCharts(now) {
  // The charts span the data this page holds, from one minute's worth of frames up to the full 10 minutes.
  const oldest = history.length > 0 ? history.times[history.at(0)] : now;
  const span = Math.min(WINDOW_MS, Math.max(60 * period, now - oldest));
  const keys = [...history.series.keys()];
  const pick = (prefix) => keys.filter((k) => k.startsWith(prefix));
  const label = (prefix) => (k) => k.slice(prefix.length);
  for (const [name, prefix] of [['req', 'req:'], ['err', 'err:'], ['scur', 'scur:'], ['ttime', 'ttime:'],
    ['score', 'score:'], ['ddbms', 'ddbms:'], ['threads', 'thr:'], ['cpu', 'cpu:']]) {
    const ks = pick(prefix);
    charts[name].draw(history, ks, ks.map(label(prefix)), now, span);
  }
  charts.bytes.draw(history, ['bytes:in', 'bytes:out'], ['in', 'out'], now, span);
  $('f-score').hidden = pick('score:').length === 0;
  $('f-ddbms').hidden = pick('ddbms:').length === 0;
  $('f-cpu').hidden = pick('cpu:').length === 0;
}

function onFrame(f) {
  lastFrameAt = Date.now();
  lastFrameT = f.t;
  document.body.dataset.seq = String(f.seq); // the frame shown, for whoever watches the page (tests)
  period = f.periodMs || 1000;
  record(f);
  renderServers(f.rows);
  noteChanges(f.rows, f.t);
  renderFrontends(f.rows);
  renderThreads(f.threads);
  renderTiles(f);
  const ident = [f.info.name || 'orcalb', f.info.version, f.info.node].filter(Boolean).join(' · ');
  $('ident').textContent = ident;
  document.title = `orcalb · ${f.info.node || 'live'}`;
  if (!document.hidden) drawCharts(f.t); // a background tab keeps recording and draws when shown again
}

// ---- connection ---------------------------------------------------------------------------------------------
function setConn(live, text) {
  $('conn').dataset.live = String(live);
  $('conn-text').textContent = text;
}

let backoff = 1000;
function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}/ws`;
  const ws = new WebSocket(url);
  ws.onopen = () => {
    backoff = 1000;
    setConn(true, 'live');
  };
  ws.onmessage = (ev) => {
    try {
      onFrame(JSON.parse(ev.data));
    } catch (err) {
      console.error('dashboard frame', err);
    }
  };
  ws.onclose = () => {
    setConn(false, `reconnecting in ${Math.round(backoff / 1000)} s…`);
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 15000);
  };
}

setInterval(() => {
  if (lastFrameAt > 0 && $('conn').dataset.live === 'true' && Date.now() - lastFrameAt > 3 * period) {
    setConn(false, `no frame for ${Math.round((Date.now() - lastFrameAt) / 1000)} s`);
  } else if (lastFrameAt > 0 && Date.now() - lastFrameAt <= 3 * period && $('conn-text').textContent.startsWith('no frame')) {
    setConn(true, 'live');
  }
}, 1000);
window.addEventListener('resize', () => drawCharts(lastFrameT));
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) drawCharts(lastFrameT);
});
connect();
