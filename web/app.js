// parley dashboard: plain browser JavaScript; its one library, uPlot (the
// charts, web/charts.js), is served by the admin service, no CDN. It talks
// to the admin service's JSON API with the signed-in token; the server
// decides what a token may do (a viewer's change is refused with 403) and
// checks every override (a target the catalogue does not know, a duplicate).

const SCENARIOS = ['workout', 'commute', 'focus', 'relax', 'party', 'sleep', 'chores'];
const TOKEN_KEY = 'parley.token';
const $ = (sel) => document.querySelector(sel);

let token = sessionStorage.getItem(TOKEN_KEY) || '';
let session = null;
let selected = '';
let timers = [];
let catalogue = null;
let currency = 'EUR';
let pacingCharts = [];
const pacingCards = new Map();

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
/** An amount of money in the mesh's currency, from units (not micros). */
const moneyFormat = () =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 2 });
const money = (micros) => moneyFormat().format(micros / 1e6);
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
  loadCatalogue();
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
            ? el('button', { class: 'danger', type: 'button', onclick: () => askRemoval(o) }, 'Remove')
            : '',
        ),
      ),
    ),
  );
}

let removing = null;

/** Opens the removal dialog; the server refuses an empty reason, and the dialog shows why. */
function askRemoval(o) {
  removing = o;
  $('#remove-id').textContent = o.id;
  $('#remove-what').textContent = o.description;
  $('#remove-reason').value = '';
  $('#remove-error').textContent = '';
  $('#remove-dialog').showModal();
  $('#remove-reason').focus();
}

async function confirmRemoval(event) {
  event.preventDefault();
  if (!removing) return;
  const id = removing.id;
  try {
    await api('DELETE', `/api/overrides/${encodeURIComponent(id)}`, { reason: $('#remove-reason').value });
  } catch (err) {
    $('#remove-error').textContent = err.message;
    return;
  }
  removing = null;
  $('#remove-dialog').close();
  message(`Removed ${id}.`, false);
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
    targetId: kind === 'separation' ? '' : $('#ov-target-id').value,
    scenarios: [...document.querySelectorAll('#ov-scenarios input:checked')].map((i) => i.value),
    boost: kind === 'boost' ? Number($('#ov-boost').value || 0) : 0,
    categories: kind === 'separation' ? [...$('#ov-categories').selectedOptions].map((o) => o.value) : [],
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
  fillTargets();
}

// ---------------------------------------------------------------------------
// the catalogue: what an override may target

async function loadCatalogue() {
  try {
    catalogue = await api('GET', '/api/catalogue');
  } catch (err) {
    catalogue = null;
    message(`No catalogue to pick targets from: ${err.message}`, true);
  }
  fillTargets();
}

/** The target select's options for the chosen target type, from the catalogue. */
function fillTargets() {
  const c = catalogue || { campaigns: [], creatives: [], advertisers: [], categories: [] };
  const options = {
    campaign: c.campaigns.map((x) => [x.id, `${x.id} — ${x.name} (${x.tier}${x.paused ? ', paused' : ''})`]),
    creative: c.creatives.map((x) => [x.id, `${x.id} (${x.campaignId})`]),
    advertiser: c.advertisers.map((x) => [x.id, `${x.id} — ${x.name} (${x.category})`]),
    category: c.categories.map((x) => [x, x]),
  }[$('#ov-target-type').value];
  const select = $('#ov-target-id');
  const before = select.value;
  select.replaceChildren(...(options || []).map(([value, label]) => el('option', { value }, label)));
  if ([...select.options].some((o) => o.value === before)) select.value = before;
  const cats = $('#ov-categories');
  const chosen = new Set([...cats.selectedOptions].map((o) => o.value));
  cats.replaceChildren(...c.categories.map((x) => el('option', { value: x }, x)));
  for (const o of cats.options) o.selected = chosen.has(o.value);
  const kind = $('#ov-kind').value;
  select.disabled = session?.role !== 'editor' || kind === 'separation';
  cats.disabled = session?.role !== 'editor' || kind !== 'separation';
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
  currency = s.currency || 'EUR';
  drawTrends(s.trends);
  drawPacing(s.pacing);
}

const percent = (v) => `${(v * 100).toFixed(1)}%`;

function drawTrends(trends) {
  const box = $('#trends');
  if (!trends.length) {
    window.parleyCharts.get('trends')?.destroy();
    window.parleyCharts.delete('trends');
    box.replaceChildren(
      el('p', { class: 'muted' }, 'No outcomes yet: the rates appear once ads are played.'),
    );
    return;
  }
  let plot = box.querySelector('.plot');
  if (!plot) {
    plot = el('div', { class: 'plot' });
    box.replaceChildren(plot, el('p', { class: 'small', id: 'trends-last' }));
  }
  ParleyCharts.lineChart(plot, {
    key: 'trends',
    x: trends.map((t) => t.atMs),
    series: [
      { label: 'skip rate', values: trends.map((t) => t.skipRate), color: '#b3261e' },
      { label: 'completion rate', values: trends.map((t) => t.completionRate), color: '#1b7f3b' },
    ],
    yLabel: 'rate (%)',
    format: percent,
    yRange: [0, 1],
  });
  const last = trends[trends.length - 1];
  $('#trends-last').replaceChildren(
    el('span', { class: 'down' }, 'skip '),
    last.skipRate === null ? '–' : percent(last.skipRate),
    '  ',
    el('span', { class: 'up' }, 'completion '),
    last.completionRate === null ? '–' : percent(last.completionRate),
    ` (${last.impressions} impressions in the last interval)`,
  );
}

function drawPacing(charts) {
  pacingCharts = charts;
  showPacing();
}

/** The pacing charts that match the filter, one card per campaign (kept between refreshes). */
function showPacing() {
  const box = $('#pacing');
  const charts = pacingCharts;
  if (!charts.length) {
    box.replaceChildren(
      el('p', { class: 'muted' }, 'No campaign status yet (the objective agent is sampled every 5 s).'),
    );
    $('#pacing-meta').textContent = '';
    ParleyCharts.pruneCharts();
    return;
  }
  const words = $('#pacing-filter').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = charts.filter((c) => {
    const text = `${c.name} ${c.campaignId} ${c.tier} ${c.pacing}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const cards = shown.map((c) => {
    let card = pacingCards.get(c.campaignId);
    if (!card) {
      card = el(
        'div',
        { class: 'chart', 'data-campaign-id': c.campaignId },
        el('div', { class: 'title' }),
        el('div', { class: 'plot' }),
        el('div', { class: 'small muted summary' }),
      );
      pacingCards.set(c.campaignId, card);
    }
    return card;
  });
  box.replaceChildren(...cards);
  if (!shown.length) box.append(el('p', { class: 'muted' }, 'No campaign matches the filter.'));
  for (const [i, c] of shown.entries()) {
    const card = cards[i];
    const last = c.points[c.points.length - 1];
    card.querySelector('.title').textContent = `${c.name} (${c.tier}, ${c.pacing})`;
    ParleyCharts.lineChart(card.querySelector('.plot'), {
      key: `pacing:${c.campaignId}`,
      x: c.points.map((p) => p.atMs),
      series: [
        { label: 'spend', values: c.points.map((p) => p.spendMicros / 1e6), color: '#2457c5' },
        { label: 'ideal', values: c.points.map((p) => p.idealMicros / 1e6), color: '#6b7686', dash: [5, 4] },
      ],
      yLabel: `spend (${currency})`,
      format: (v) => moneyFormat().format(v),
    });
    card.querySelector('.summary').textContent =
      `spent ${money(last.spendMicros)} of ${money(c.budgetMicros)}; ideal ${money(last.idealMicros)}; pacing ×${c.multiplier.toFixed(2)}`;
  }
  ParleyCharts.pruneCharts();
  $('#pacing-meta').textContent = `showing ${shown.length} of ${charts.length} paced campaigns`;
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
  $('#ov-target-type').addEventListener('change', fillTargets);
  $('#remove-form').addEventListener('submit', confirmRemoval);
  $('#remove-cancel').addEventListener('click', () => {
    removing = null;
    $('#remove-dialog').close();
  });
  $('#pacing-filter').addEventListener('input', () => showPacing());
  syncTargetTypes();
  if (token) signIn(token);
}

init();
