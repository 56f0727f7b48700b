// parley dashboard: plain browser JavaScript, no libraries, no CDN. It talks
// to the admin service's JSON API with the signed-in token; the server
// decides what a token may do (a viewer's change is refused with 403).

const SCENARIOS = ['workout', 'commute', 'focus', 'relax', 'party', 'sleep', 'chores'];
const TOKEN_KEY = 'parley.token';
const $ = (sel) => document.querySelector(sel);

let token = sessionStorage.getItem(TOKEN_KEY) || '';
let session = null;
let selected = '';
let timers = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && method === 'GET' && path !== '/api/session')
    signOut('Your session ended: sign in again.');
  if (!res.ok) {
    const err = new Error(data?.error || `HTTP ${res.status}`);
    err.status = res.status;
    err.field = data?.field;
    throw err;
  }
  return data;
}

const time = (ms) => new Date(ms).toLocaleTimeString();
const money = (micros) => (micros / 1e6).toFixed(2);
const short = (s) =>
  String(s)
    .replace(/^(REASON|SCENARIO|PART)_/, '')
    .toLowerCase();

// ---------------------------------------------------------------------------
// sign in

async function signIn(candidate) {
  token = candidate;
  try {
    session = await api('GET', '/api/session');
  } catch (err) {
    token = '';
    $('#signin-error').textContent = err.status === 401 ? 'That token is not valid.' : err.message;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#signin-error').textContent = '';
  $('#who').textContent = `${session.name} (${session.role})`;
  $('#signout').hidden = false;
  $('#signin-view').hidden = true;
  $('#app').hidden = false;
  const editor = session.role === 'editor';
  $('#readonly-note').hidden = editor;
  for (const input of $('#override-form').querySelectorAll('input, select, button')) input.disabled = !editor;
  start();
}

function signOut(message) {
  for (const t of timers) clearInterval(t);
  timers = [];
  token = '';
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('#who').textContent = '';
  $('#signout').hidden = true;
  $('#app').hidden = true;
  $('#signin-view').hidden = false;
  $('#signin-error').textContent = message || '';
}

function start() {
  refreshFast();
  refreshStatus();
  timers.push(setInterval(refreshFast, 2000), setInterval(refreshStatus, 5000));
}

async function refreshFast() {
  await Promise.all([loadDecisions(), loadOverrides(), loadAudit()]).catch(() => undefined);
}

// ---------------------------------------------------------------------------
// decisions

async function loadDecisions() {
  const { decisions } = await api('GET', '/api/decisions?limit=40');
  const body = $('#decisions tbody');
  body.replaceChildren(
    ...decisions.map(({ record: r, explanation: e }) => {
      const answer = r.no_ad
        ? `no ad (${e.noAdReasons.map(short).join(', ')})`
        : r.ads.map((a) => `${a.creative_id} [${a.tier}]`).join(', ');
      const row = el(
        'tr',
        {
          class: `clickable${r.request_id === selected ? ' selected' : ''}`,
          'data-request-id': r.request_id,
          onclick: () => showDecision(r.request_id),
        },
        el('td', {}, time(r.at_ms)),
        el('td', { title: r.request_id }, r.request_id),
        el('td', { title: r.slot_id }, r.slot_id),
        el('td', { title: answer }, answer, e.overrides.length ? ' ⚑' : ''),
        el('td', {}, r.total_ms.toFixed(1)),
      );
      return row;
    }),
  );
  $('#decisions-meta').textContent = `${decisions.length} latest`;
}

async function showDecision(id) {
  selected = id;
  for (const tr of document.querySelectorAll('#decisions tbody tr'))
    tr.classList.toggle('selected', tr.dataset.requestId === id);
  $('#decision-id').textContent = id;
  try {
    const { text } = await api('GET', `/api/decisions/${encodeURIComponent(id)}`);
    $('#decision-detail').textContent = text.join('\n');
  } catch (err) {
    $('#decision-detail').textContent = err.message;
  }
}

// ---------------------------------------------------------------------------
// overrides and audit

async function loadOverrides() {
  const { overrides } = await api('GET', '/api/overrides');
  const editor = session?.role === 'editor';
  $('#overrides tbody').replaceChildren(
    ...overrides.map((o) =>
      el(
        'tr',
        { 'data-override-id': o.id },
        el('td', { title: o.id }, o.id),
        el('td', { class: 'wrap', title: o.reason }, o.description),
        el('td', {}, o.author),
        el('td', {}, o.expiresAtMs ? time(o.expiresAtMs) : 'never'),
        el(
          'td',
          {},
          editor
            ? el('button', { class: 'danger', type: 'button', onclick: () => removeOverride(o.id) }, 'Remove')
            : '',
        ),
      ),
    ),
  );
}

async function removeOverride(id) {
  const reason = window.prompt(`Remove override ${id}: why?`);
  if (!reason) return;
  try {
    await api('DELETE', `/api/overrides/${encodeURIComponent(id)}`, { reason });
    message(`Removed ${id}.`, false);
  } catch (err) {
    message(err.message, true);
  }
  await refreshFast();
}

async function loadAudit() {
  const { entries } = await api('GET', '/api/audit?limit=100');
  $('#audit tbody').replaceChildren(
    ...entries.map((e) =>
      el(
        'tr',
        { 'data-override-id': e.overrideId },
        el('td', {}, e.seq),
        el('td', {}, time(e.atMs)),
        el('td', {}, e.actor),
        el('td', { class: 'wrap' }, `${e.action} ${e.overrideId}: ${describe(e.override)}`),
        el('td', { class: 'wrap' }, e.reason),
      ),
    ),
  );
}

function describe(o) {
  const where = o.scenarios?.length ? ` in ${o.scenarios.join(', ')}` : '';
  switch (o.kind) {
    case 'block':
      return `block ${o.targetType} ${o.targetId}${where}`;
    case 'pause':
      return `pause campaign ${o.targetId}`;
    case 'pin':
      return `pin campaign ${o.targetId}${where}`;
    case 'boost':
      return `boost campaign ${o.targetId} +${o.boost}${where}`;
    case 'brand_safety':
      return `brand safety: no ${o.targetId}${o.unlessExplicit ? ' unless explicit' : ''}${where}`;
    case 'separation':
      return `separate ${o.categories.join(', ')}${where}`;
    default:
      return o.kind;
  }
}

function message(text, isError) {
  const m = $('#ov-message');
  m.textContent = text;
  m.className = isError ? 'error' : 'ok';
}

async function createOverride(event) {
  event.preventDefault();
  const kind = $('#ov-kind').value;
  const hours = Number($('#ov-expires').value || 0);
  const body = {
    kind,
    targetType: kind === 'separation' ? '' : $('#ov-target-type').value,
    targetId: kind === 'separation' ? '' : $('#ov-target-id').value.trim(),
    scenarios: [...document.querySelectorAll('#ov-scenarios input:checked')].map((i) => i.value),
    boost: kind === 'boost' ? Number($('#ov-boost').value || 0) : 0,
    categories:
      kind === 'separation'
        ? $('#ov-categories')
            .value.split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    unlessExplicit: kind === 'brand_safety' && $('#ov-unless-explicit').checked,
    reason: $('#ov-reason').value.trim(),
    expiresAtMs: hours > 0 ? Date.now() + Math.round(hours * 3_600_000) : 0,
  };
  try {
    const o = await api('POST', '/api/overrides', body);
    message(`Created ${o.id}: ${o.description}.`, false);
    $('#ov-reason').value = '';
  } catch (err) {
    message(err.status === 403 ? `Refused: ${err.message}` : err.message, true);
  }
  await refreshFast();
}

function syncTargetTypes() {
  const kind = $('#ov-kind').value;
  const allowed = {
    block: ['creative', 'advertiser', 'category'],
    pause: ['campaign'],
    pin: ['campaign'],
    boost: ['campaign'],
    brand_safety: ['category'],
    separation: [],
  }[kind];
  for (const opt of $('#ov-target-type').options) opt.hidden = !allowed.includes(opt.value);
  if (!allowed.includes($('#ov-target-type').value) && allowed.length)
    $('#ov-target-type').value = allowed[0];
}

// ---------------------------------------------------------------------------
// status: health, trends, pacing

async function refreshStatus() {
  let s;
  try {
    s = await api('GET', '/api/status');
  } catch {
    return;
  }
  const lat = s.decisionLatency || {};
  const rows = s.agents.map((a) =>
    el(
      'tr',
      {},
      el('td', { title: a.address }, a.name),
      el('td', { class: a.ok ? 'up' : 'down', title: a.error }, a.ok ? 'serving' : 'down'),
      el('td', {}, a.latencyMs === null ? '–' : a.latencyMs.toFixed(1)),
      el('td', {}, lat[a.name] ? lat[a.name].p50.toFixed(2) : '–'),
      el('td', {}, lat[a.name] ? lat[a.name].p95.toFixed(2) : '–'),
    ),
  );
  if (lat.total)
    rows.push(
      el(
        'tr',
        {},
        el('td', {}, 'decision'),
        el('td', {}, s.lastDecisionMs ? `last ${time(s.lastDecisionMs)}` : 'none yet'),
        el('td', {}, '–'),
        el('td', {}, lat.total.p50.toFixed(2)),
        el('td', {}, lat.total.p95.toFixed(2)),
      ),
    );
  $('#health tbody').replaceChildren(...rows);
  $('#health-meta').textContent = `latency in ms over the last ${lat.total ? lat.total.count : 0} decisions`;
  drawTrends(s.trends);
  drawPacing(s.pacing);
}

const NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A small line chart: series = [{points: [[x, y]], color, dashed}], y from 0 to yMax. */
function lineChart(series, yMax, label) {
  const W = 300;
  const H = 120;
  const pad = 4;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#fafbfc', stroke: '#e3e7ec' }));
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points
      .map((p, i) => {
        const x = x1 > x0 ? pad + ((p[0] - x0) / (x1 - x0)) * (W - 2 * pad) : W / 2;
        const y = H - pad - (yMax > 0 ? Math.min(1, p[1] / yMax) : 0) * (H - 2 * pad);
        return `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' ');
    root.append(
      svg('path', {
        d,
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        'stroke-dasharray': s.dashed ? '5 4' : 'none',
      }),
    );
  }
  return root;
}

function drawTrends(trends) {
  const box = $('#trends');
  if (!trends.length) {
    box.replaceChildren(
      el('p', { class: 'muted' }, 'No outcomes yet: the rates appear once ads are played.'),
    );
    return;
  }
  const skip = trends.filter((t) => t.skipRate !== null).map((t) => [t.atMs, t.skipRate]);
  const complete = trends.filter((t) => t.completionRate !== null).map((t) => [t.atMs, t.completionRate]);
  const last = trends[trends.length - 1];
  box.replaceChildren(
    lineChart(
      [
        { points: skip, color: '#b3261e' },
        { points: complete, color: '#1b7f3b' },
      ],
      1,
      'skip and completion rates',
    ),
    el(
      'p',
      { class: 'small' },
      el('span', { class: 'down' }, 'skip '),
      last.skipRate === null ? '–' : `${(last.skipRate * 100).toFixed(1)}%`,
      '  ',
      el('span', { class: 'up' }, 'completion '),
      last.completionRate === null ? '–' : `${(last.completionRate * 100).toFixed(1)}%`,
      ` (${last.impressions} impressions in the last interval)`,
    ),
  );
}

function drawPacing(charts) {
  const box = $('#pacing');
  if (!charts.length) {
    box.replaceChildren(
      el('p', { class: 'muted' }, 'No campaign status yet (the objective agent is sampled every 5 s).'),
    );
    return;
  }
  box.replaceChildren(
    ...charts.map((c) => {
      const yMax = Math.max(1, ...c.points.map((p) => Math.max(p.spendMicros, p.idealMicros)));
      const last = c.points[c.points.length - 1];
      return el(
        'div',
        { class: 'chart', 'data-campaign-id': c.campaignId },
        el('div', { class: 'title', title: c.name }, `${c.name} (${c.tier}, ${c.pacing})`),
        lineChart(
          [
            { points: c.points.map((p) => [p.atMs, p.idealMicros]), color: '#6b7686', dashed: true },
            { points: c.points.map((p) => [p.atMs, p.spendMicros]), color: '#2457c5' },
          ],
          yMax,
          `pacing of ${c.name}`,
        ),
        el(
          'div',
          { class: 'small muted' },
          `spent ${money(last.spendMicros)} of ${money(c.budgetMicros)}; ideal ${money(last.idealMicros)}; pacing ×${c.multiplier.toFixed(2)}`,
        ),
      );
    }),
  );
}

// ---------------------------------------------------------------------------

function init() {
  $('#ov-scenarios').replaceChildren(
    ...SCENARIOS.map((s) =>
      el('label', {}, el('input', { type: 'checkbox', value: s, name: 'scenario' }), s),
    ),
  );
  $('#signin').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('#token').value.trim());
  });
  $('#signout').addEventListener('click', () => signOut(''));
  $('#override-form').addEventListener('submit', createOverride);
  $('#ov-kind').addEventListener('change', syncTargetTypes);
  syncTargetTypes();
  if (token) signIn(token);
}

init();
