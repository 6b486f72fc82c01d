// The facilitator's control panel. The secret lives in the URL fragment: never sent in a
// request line or a Referer, only in the socket's auth payload.
//
// Set up topics, tables and rounds; run the clock; see who sits where; change things live.
// Every change is a protocol command; the panel only shows what the server's events say.
// Every word goes through t()/tn() (static/js/i18n.js) and the panel's own catalogue,
// static/i18n/panel/<lang>.json, which the server puts in the body's data-words.
import { connectLive, baseReducers, showDeleted, isPaused, isRunning } from './live.js';
import { $, el, setText, inkFor } from './dom.js';
import { t, tn, tableLabel, lang } from './i18n.js';
import { showCountdown, phaseLabel, showStatus, sendFrom } from './ui.js';
import { describePreview, languageName, nameList } from './seating-words.js';
import { renderHelpQueue } from './help-queue.js';
import { askName, savedName } from './team-name.js';
import { refusal } from './refusal.js';

const code = document.body.dataset.code;
// `let`: a new facilitator link (rotate_facilitator_link) replaces it while the page runs.
let secret = decodeURIComponent(window.location.hash.slice(1));
// A team link's user says their name (the activity log); the facilitator may too.
const auth = { cafe: code, role: 'facilitator', secret, name: savedName() || undefined };   // read again by every reconnect
const TICK_MS = 250;
let live = null;
let linkReplaced = false;   // another panel made a new link: this one can no longer act
let gone = false;           // the café was deleted

// The app's languages, each in its own name, in the switcher's order (cafe/i18n.py LANGUAGES).
const LANGS = [...$('panel-lang').options].map((o) => ({ code: o.value, name: o.textContent }));
const LANG_NAME = Object.fromEntries(LANGS.map((l) => [l.code, l.name]));

// --- small helpers ------------------------------------------------------------------------

function say(node, text, kind = 'ok') {
  if (!node) return;
  node.textContent = text || '';
  node.dataset.kind = kind;
}

// Send a command; show a refusal (or a short confirmation) next to the form it came from.
async function send(command, payload, msgNode, okText, timeoutMs = undefined) {
  if (!live) return { ok: false };
  let ack = await live.send(command, payload, timeoutMs);
  if (ack && !ack.ok && ack.error && ack.error.code === 'link_rotated') showLinkReplaced();
  if (ack && !ack.ok && ack.error && ack.error.code === 'team_link_revoked') showLinkClosed();
  // A change that breaks printed routes: the server names whose; the facilitator decides.
  if (ack && !ack.ok && ack.error && ack.error.code === 'breaks_routes') {
    const go = await confirmAction(t('Printed routes would change'), ack.error.message, t('Change it anyway'));
    if (go) ack = await live.send(command, { ...payload, confirm_routes: true });
    else if (msgNode) { say(msgNode, t('Nothing changed: the printed routes hold.'), 'ok'); return ack; }
  }
  if (ack && ack.ok) { if (msgNode) say(msgNode, okText || '', 'ok'); }
  else if (msgNode) say(msgNode, refusal(ack), 'error');
  return ack || { ok: false };
}

function markDirty(event) {
  const target = event.target;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) {
    target.dataset.dirty = '1';
  }
}

// Put a server value into a field unless the person is editing it.
function setField(input, value) {
  if (input.dataset.dirty === '1' || document.activeElement === input) return;
  if (input.type === 'checkbox') input.checked = !!value;
  else input.value = value ?? '';
}

function clean(...inputs) { for (const i of inputs) delete i.dataset.dirty; }

// Rebuild a <select>'s options only when they changed, keeping the chosen value.
function fillSelect(select, options, chosen) {
  const sig = JSON.stringify(options);
  const keep = chosen !== undefined ? String(chosen ?? '') : select.value;
  if (select.dataset.sig !== sig) {
    const groups = new Map();
    const nodes = [];
    for (const o of options) {
      const opt = el('option', { value: o.value, text: o.label, disabled: o.disabled });
      if (o.group) {
        if (!groups.has(o.group)) { const g = el('optgroup', { label: o.group }); groups.set(o.group, g); nodes.push(g); }
        groups.get(o.group).append(opt);
      } else nodes.push(opt);
    }
    select.replaceChildren(...nodes);
    select.dataset.sig = sig;
  }
  if (document.activeElement !== select && [...select.options].some((o) => o.value === keep)) select.value = keep;
}

function topicById(state, id) { return state.topics.find((x) => x.id === id); }
function personById(state, id) { return (state.participants || []).find((p) => p.id === id); }
function beforeStart(state) { return ['draft', 'lobby'].includes(state.cafe.status); }

function currentSeats(state) {
  const s = state.seating;
  if (!s || !isRunning(state) || s.round !== state.cafe.current_round) return {};
  return s.seats;
}

function away(name) { return t('{name} (away)', { name }); }
// How a name reads where presence matters: here, away, or (registered, not arrived) expected.
function named(p) { return p.present ? p.name : p.arrived === false ? t('{name} (expected)', { name: p.name }) : away(p.name); }

function hostOptions(state) {
  return [{ value: '', label: t('— no host —') },
    ...(state.participants || []).map((p) => ({ value: String(p.id), label: named(p) }))];
}

// A wall-clock time of the server's (UTC ms), on this laptop's clock: "14:35".
function clockTime(serverMs) {
  const local = new Date(serverMs - (live ? live.serverNow() - Date.now() : 0));
  try { return local.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }); }
  catch (e) { return local.toTimeString().slice(0, 5); }
}

// The panel's own language switcher: `?lang=` (remembered in the cafe_lang cookie, like the
// phone's). The secret stays in the fragment: the new address keeps it.
$('panel-lang').addEventListener('change', (e) => {
  const url = new URL(window.location.href);
  url.searchParams.set('lang', e.target.value);
  window.location.assign(url.toString());
});

// --- the confirm dialog (no window.confirm) -------------------------------------------------

function confirmAction(title, text, okLabel) {
  const dialog = $('confirm');
  setText('confirm-title', title);
  setText('confirm-text', text);
  setText('confirm-ok', okLabel);
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}

// --- copying a link -------------------------------------------------------------------------

// The clipboard, or (plain http on a LAN has none) the link selected for Ctrl+C.
async function copyText(text, msgNode, showNode) {
  try {
    await navigator.clipboard.writeText(text);
    say(msgNode, t('Copied.'));
  } catch (e) {
    if (showNode) {
      showNode.textContent = text;
      const range = document.createRange();
      range.selectNodeContents(showNode);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    say(msgNode, t('Selected: press Ctrl+C (or ⌘C) to copy.'));
  }
}

function facilitatorUrl() { return `${$('fac-link-text').dataset.base}#${encodeURIComponent(secret)}`; }

// --- run: the buttons that fit the phase --------------------------------------------------

const RUN_BUTTONS = ['btn-open', 'btn-start', 'btn-skip', 'btn-pause', 'btn-resume', 'btn-plus',
  'btn-minus', 'btn-end', 'btn-harvest', 'btn-close'];

function renderRun(state) {
  const c = state.cafe;
  const running = isRunning(state);
  const paused = isPaused(state);
  const visible = new Set();
  if (c.status === 'draft') visible.add('btn-open');
  if (c.status === 'lobby') visible.add('btn-start');
  if (running) {
    if (c.phase === 'move') visible.add('btn-skip');
    visible.add(paused ? 'btn-resume' : 'btn-pause');
    visible.add('btn-plus').add('btn-minus');
    if (c.phase === 'discuss') visible.add('btn-end');
    visible.add('btn-harvest');
  }
  if (['lobby', 'running', 'harvest'].includes(c.status)) visible.add('btn-close');
  for (const id of RUN_BUTTONS) $(id).hidden = !visible.has(id);
  const last = running && c.current_round >= state.rounds.length;
  setText('btn-end', last ? t('End round now (then harvest)') : t('End round now'));

  const hints = {
    draft: () => t('Set up topics, tables and rounds, then open the café: round 1 can start once it is open.'),
    lobby: () => t('People are joining. Start round 1 when the room is ready: everyone gets a seat.'),
    harvest: () => t('Harvest: the room shares what came up. Close the café when you are done.'),
    closed: () => t('This café is closed.'),
  };
  let hint = hints[c.status] ? hints[c.status]() : '';
  if (running) {
    if (paused) hint = t('The clock is paused on every phone and the board.');
    else if (c.phase === 'move') hint = t('People are moving to their tables. The discussion starts by itself.');
    else hint = c.settings && c.settings.auto_advance
      ? t('When the time is up, everyone moves on by themselves.')
      : t('When the time is up, the clock stays at 0:00 until you end the round.');
  }
  setText('run-hint', hint);
  const labels = {
    draft: () => t('Draft — not open yet'),
    lobby: () => t('Lobby — people are joining'),
    harvest: () => t('Harvest'),
    closed: () => t('Closed'),
  };
  if (!running) setText('phase-label', labels[c.status] ? labels[c.status]() : '');
  $('draft-note').hidden = c.status !== 'draft';
}

function showRunError(message, seatsMissing) {
  $('run-error').hidden = !message;
  setText('run-error-text', message || '');
  $('fix-seats').hidden = !seatsMissing;
  if (seatsMissing && live && live.state) {
    fillSelect($('fix-topic'), live.state.topics.map((x) => ({ value: String(x.id), label: x.name })));
  }
}

// After a command that changes the phase, the panel shows what it did: the seat map (or the
// harvest) just under the run bar, not the set-up the facilitator was scrolled to.
const REVEAL = { open_cafe: 'see-card', start_round: 'see-card', end_round: 'see-card', start_harvest: 'harvest-card' };
let revealing = null;   // {id, until}: reveal again once the phase's event has drawn the new layout

function reveal(id) {
  const card = $(id);
  const bar = $('runbar');
  if (!card || card.hidden || $('panel').hidden) return;
  const barBottom = bar.getBoundingClientRect().bottom;
  const top = card.getBoundingClientRect().top;
  if (top >= barBottom && top < window.innerHeight / 2) return;   // already in view, under the bar
  window.scrollTo({ top: Math.max(0, window.scrollY + top - bar.offsetHeight - 12), behavior: 'instant' });
}

async function run(command, payload = {}) {
  const ack = await send(command, payload);
  if (ack.ok) {
    showRunError('');
    if (REVEAL[command]) {
      revealing = { id: REVEAL[command], until: Date.now() + 3000 };
      requestAnimationFrame(() => reveal(REVEAL[command]));
    }
  } else {
    showRunError(refusal(ack), ack.error && ack.error.code === 'not_enough_seats');
  }
  return ack;
}

// A run button is held while its command is on its way: a double click on "+1 min" adds one
// minute, a double click on "Start round 1" does not also skip the move. (aria-disabled, not
// disabled: the keyboard focus stays on the button.)
function onRun(id, action) {
  const button = $(id);
  button.addEventListener('click', () => sendFrom(button, action, { aria: true }));
}

function wireRun() {
  onRun('btn-open', () => run('open_cafe'));
  onRun('btn-start', () => run('start_round'));
  onRun('btn-skip', () => run('start_round'));
  onRun('btn-pause', () => run('pause'));
  onRun('btn-resume', () => run('resume'));
  onRun('btn-plus', () => run('extend', { seconds: 60 }));
  onRun('btn-minus', () => run('extend', { seconds: -60 }));
  onRun('btn-end', async () => {
    const s = live.state;
    const last = s.cafe.current_round >= s.rounds.length;
    const ok = await confirmAction(t('End this round now?'),
      last ? t('The discussion stops on every phone and the harvest begins.')
        : t('The discussion stops on every phone and everyone is sent to their table for the next round.'),
      t('End round now'));
    if (ok) await run('end_round');
  });
  onRun('btn-harvest', async () => {
    const ok = await confirmAction(t('Start the harvest?'),
      t('The rounds stop for everyone, including any rounds not yet played.'), t('Start harvest'));
    if (ok) await run('start_harvest');
  });
  onRun('btn-close', async () => {
    const ok = await confirmAction(t('Close the café?'),
      t('Phones show a thank-you and nobody can join any more. This cannot be undone.'), t('Close café'));
    if (ok) await run('close_cafe');
  });
  $('fix-seats').addEventListener('submit', async (e) => {
    e.preventDefault();
    const topicId = Number($('fix-topic').value);
    const tables = live.state.tables.filter((x) => x.topic_id === topicId);
    const capacity = tables.length ? tables[tables.length - 1].capacity : 5;
    const ack = await send('add_table', { topic_id: topicId, capacity }, $('run-error-text'),
      t('Table added. Try again now.'));
    if (ack.ok) $('fix-seats').hidden = true;
  });
}

// --- the next seating, in words (plan_preview) ---------------------------------------------

const PREVIEW_DEBOUNCE_MS = 1500;   // a burst of joins asks once, after the room settles
const PREVIEW_MAX_WAIT_MS = 6000;   // ...but a room that never settles still gets an answer
const PREVIEW_TIMEOUT_MS = 30000;   // planning 70 people for 4 rounds takes a few seconds
// What can change the plan of the next click: who is in the café and what they stated, the
// tables and topics, the settings, the rounds, a seat changed by hand, and every phase change.
const PLAN_EVENTS = new Set(['participant_joined', 'participant_updated', 'participant_left',
  'topic_added', 'topic_updated', 'topic_removed', 'table_added', 'table_updated', 'table_removed',
  'cafe_updated', 'rounds_updated', 'seats_assigned', 'participant_seated', 'routes_changed',
  'cafe_opened', 'move_started', 'round_started', 'harvest_started', 'cafe_closed']);

// `since`: when the oldest change not yet asked about arrived (null: none waiting).
const preview = { timer: null, inFlight: false, again: false, ack: null, key: '', since: null };
// No answer (a reconnect, a busy server): keep the last answer and ask again, rather than
// replacing a useful plan with an error the facilitator can do nothing about.
const PREVIEW_RETRY = new Set(['timeout', 'rate_limited']);

// An answer is about the click of one phase: once the phase moves on, it says nothing.
function phaseKey(state) { return `${state.cafe.status}|${state.cafe.current_round}|${state.cafe.phase}`; }

// Only the lobby and a discussion have a click that seats people (Start round 1, End round).
function canPreview(state) {
  const c = state.cafe;
  return c.status === 'lobby' || (isRunning(state) && c.phase === 'discuss');
}

function schedulePreview(delay = PREVIEW_DEBOUNCE_MS) {
  clearTimeout(preview.timer);
  preview.timer = null;
  if (!live || !live.state || !canPreview(live.state)) { preview.since = null; return; }
  const now = Date.now();
  if (preview.since === null) preview.since = now;
  preview.timer = setTimeout(requestPreview, Math.min(delay, Math.max(0, preview.since + PREVIEW_MAX_WAIT_MS - now)));
}

// Never more than one request in flight: a change meanwhile asks once more when it answers.
async function requestPreview() {
  preview.timer = null;
  if (preview.inFlight) { preview.again = true; return; }
  if (!live || !live.state || !canPreview(live.state) || linkReplaced || gone) return;
  preview.inFlight = true;
  preview.since = null;
  const key = phaseKey(live.state);
  const ack = await live.send('plan_preview', {}, PREVIEW_TIMEOUT_MS);
  preview.inFlight = false;
  const errorCode = ack && !ack.ok && ack.error ? ack.error.code : null;
  if (errorCode === 'link_rotated') { showLinkReplaced(); return; }
  if (PREVIEW_RETRY.has(errorCode)) preview.again = true;
  else if (live.state && phaseKey(live.state) === key) { preview.ack = ack; preview.key = key; }
  else preview.again = true;   // the phase moved on while the server planned: ask about the new one
  if (preview.again) { preview.again = false; schedulePreview(); }
  // The seat map shows round 1's empty tables from the answer too.
  redrawSoon(['preview', 'seats']);
}

function previewPending() { return preview.inFlight || preview.timer !== null; }

function renderPreview(state) {
  const c = state.cafe;
  const box = $('next-seating');
  const moving = isRunning(state) && c.phase === 'move';
  box.hidden = !(canPreview(state) || moving);
  if (box.hidden) return;
  const list = $('next-seating-list');
  box.dataset.kind = 'info';
  if (moving) {
    setText('next-seating-when', '');
    setText('next-seating-lead',
      t('Seats are set for this round. The next seating shows here once the discussion starts.'));
    list.replaceChildren();
    return;
  }
  const ack = preview.key === phaseKey(state) ? preview.ack : null;
  const when = c.status === 'lobby' ? t('· when you start round 1') : t('· when you end this round');
  setText('next-seating-when', `${when}${ack && previewPending() ? ` ${t('· updating…')}` : ''}`);
  if (!ack) {
    setText('next-seating-lead', t('Working out the next seating…'));
    list.replaceChildren();
    return;
  }
  if (!ack.ok) {
    box.dataset.kind = 'warn';
    setText('next-seating-lead', (ack.error && ack.error.message) || t('The next seating could not be worked out.'));
    list.replaceChildren();
    return;
  }
  if (!ack.preview) {
    setText('next-seating-lead', t('This is the last round: ending it starts the harvest, nobody changes tables.'));
    list.replaceChildren();
    return;
  }
  const words = describePreview(state, ack.preview);
  setText('next-seating-lead', words.lead);
  list.replaceChildren(...words.items.map((item) => el('li', { class: `next-${item.kind}`, text: item.text })));
}

// --- see: the seat map ----------------------------------------------------------------------

function renderSeatMap(state) {
  const c = state.cafe;
  const running = isRunning(state);
  const seats = currentSeats(state);
  const people = state.participants || [];
  const byTable = new Map();
  for (const [pid, tid] of Object.entries(seats)) {
    if (!byTable.has(tid)) byTable.set(tid, []);
    const p = personById(state, Number(pid));
    if (p) byTable.get(tid).push(p);
  }
  setText('present-count', String(state.counts.present));
  setText('joined-count', String(state.counts.joined));
  setText('table-count', String(state.tables.length));
  setText('seat-count', String(state.tables.reduce((n, x) => n + x.capacity, 0)));
  setText('seated-count', String(Object.keys(seats).length));
  setText('seat-round', running ? t('· round {round}', { round: c.current_round }) : t('· seats are given when round 1 starts'));

  const topics = state.topics.map((topic) => {
    const tables = state.tables.filter((x) => x.topic_id === topic.id);
    return el('section', { class: 'map-topic' },
      el('h3', { class: 'topic-chip', text: topic.name, style: { background: topic.colour, color: inkFor(topic.colour) } }),
      el('ul', { class: 'map-tables' }, ...tables.map((x) => tableCard(state, x, byTable.get(x.id) || []))));
  });
  $('seatmap').replaceChildren(...(topics.length ? topics
    : [el('p', { class: 'empty', text: t('No topics yet. Add one in Set-up.') })]));

  const unseated = running ? people.filter((p) => !(String(p.id) in seats)) : [];
  $('unseated-box').hidden = unseated.length === 0;
  $('unseated').replaceChildren(...unseated.map((p) => el('li', { class: p.present ? '' : 'away' },
    p.name, p.present ? null : el('span', { class: 'pill pill-off', text: t('away') }))));
}

// The tables round 1 leaves empty, from the latest preview of it (none while there is none).
function lobbyUnused(state) {
  const ack = preview.key === phaseKey(state) ? preview.ack : null;
  if (state.cafe.status !== 'lobby' || !ack || !ack.ok || !ack.preview || !ack.preview.people) return new Set();
  return new Set(ack.preview.unused_tables);
}

// "★ host: Ana", and where Ana sits this round when her table is not used.
function hostLine(state, table, host) {
  const seat = currentSeats(state)[String(host.id)];
  const elsewhere = seat && seat !== table.id ? state.tables.find((x) => x.id === seat) : null;
  const name = named(host);
  return elsewhere ? t('★ host: {name} — at {table} this round', { name, table: tableLabel(elsewhere.label) })
    : t('★ host: {name}', { name });
}

function tableCard(state, table, sitting) {
  const host = table.host_id ? personById(state, table.host_id) : null;
  // A host registered beforehand is expected, not missing, until the café starts.
  const hostAway = host && !host.present && (host.arrived !== false || isRunning(state));
  const full = sitting.length >= table.capacity;
  // A thin room leaves tables empty on purpose (settings.min_table_size): not a count of 0.
  // Before the start, the plan of round 1 says which ones, so the room can be set out for it.
  const unused = isRunning(state) ? sitting.length === 0 : lobbyUnused(state).has(table.id);
  const unusedText = isRunning(state) ? t('not used this round') : t('not used in round 1');
  sitting.sort((a, b) => (b.id === table.host_id) - (a.id === table.host_id) || a.name.localeCompare(b.name));
  const card = el('li', { class: `map-table${hostAway ? ' host-away' : ''}${unused ? ' unused' : ''}` },
    el('p', { class: 'map-table-head' },
      el('strong', { text: tableLabel(table.label) }),
      unused ? el('span', { class: 'seat-n unused-n', text: unusedText })
        : el('span', { class: `seat-n${full ? ' full' : ''}`, text: `${sitting.length}/${table.capacity}` })),
    host ? el('p', { class: 'map-host', text: hostLine(state, table, host) }) : null,
    el('ul', { class: 'map-people' }, ...sitting.map((p) => el('li', { class: p.present ? 'present' : 'away' },
      p.id === table.host_id ? '★ ' : '', p.name,
      p.present ? null : el('span', { class: 'pill pill-off', text: t('away') })))));
  if (hostAway) {
    const id = `away-host-${table.id}`;
    const select = el('select', { id, 'data-table': table.id });
    fillSelect(select, hostOptions(state), table.host_id);
    select.addEventListener('change', async () => {
      const ack = await send('set_host',
        { table_id: table.id, participant_id: select.value ? Number(select.value) : null });
      if (!ack.ok) {
        showRunError(refusal(ack));
        select.value = String(table.host_id);
      }
    });
    card.append(el('div', { class: 'host-warning', role: 'note' },
      el('label', { for: id, text: t('Host away — choose a replacement') }), select));
  }
  return card;
}

// --- change live: move someone, announce, participants ---------------------------------------

function renderLive(state) {
  const seats = currentSeats(state);
  const people = state.participants || [];
  fillSelect($('move-who'), [{ value: '', label: t('Choose a person…') }, ...people.filter((p) => p.admitted !== false).map((p) => {
    const table = state.tables.find((x) => x.id === seats[String(p.id)]);
    return { value: String(p.id), label: table ? t('{name} — {table}', { name: p.name, table: tableLabel(table.label) })
      : t('{name} — no seat', { name: p.name }) };
  })]);
  const count = {};
  for (const tid of Object.values(seats)) count[tid] = (count[tid] || 0) + 1;
  fillSelect($('move-to'), [{ value: '', label: t('Choose a table…') }, ...state.tables.map((x) => ({
    value: String(x.id), label: `${tableLabel(x.label)} (${count[x.id] || 0}/${x.capacity})`,
    group: (topicById(state, x.topic_id) || {}).name || t('Tables'),
  }))]);
  $('live-note').hidden = !isRunning(state);

  renderAnnouncement(state);
  renderWaiting(state);
  renderPeople(state, seats);
}

// The announcement on every screen now, with its end, and the Clear button. It ends by itself
// at `until`: the panel stops showing it then, even before `announcement_cleared` arrives.
function renderAnnouncement(state) {
  const a = state.cafe.announcement;
  const now = live ? live.serverNow() : Date.now();
  const on = !!a && (a.until === null || a.until === undefined || a.until > now);
  $('announce-now').hidden = !on;
  if (!on) return;
  setText('announce-now-text', a.text);
  const parts = [];
  if (a.until) {
    const left = Math.max(1, Math.ceil((a.until - now) / 60000));
    parts.push(tn(left, 'Until {time} ({n} min left)', { time: clockTime(a.until) }));
  } else {
    parts.push(t('Until you clear it'));
  }
  const versions = LANGS.filter((l) => (a.translations || {})[l.code]).map((l) => l.name);
  parts.push(versions.length ? t('Also in: {languages}', { languages: versions.join(t(', ')) })
    : t('In one language only'));
  setText('announce-now-meta', parts.join(' · '));
}

// --- the facilitator's words in the room's languages ------------------------------------------

// "ES · PT": which languages an item has a version in (the summary of its Translations).
function langTags(node, codes) {
  node.replaceChildren(...(codes.length
    ? codes.map((c) => el('span', { class: 'lang-tag', lang: c, title: LANG_NAME[c] || c, text: c.toUpperCase() }))
    : [el('span', { class: 'lang-none', text: t('none yet') })]));
}

function filledLanguages(container) {
  const codes = new Set();
  for (const input of container.querySelectorAll('[data-lang]')) if (input.value.trim()) codes.add(input.dataset.lang);
  return LANGS.map((l) => l.code).filter((c) => codes.has(c));
}

// A "Translations" disclosure: for each language, one input per field ({key, label, max}).
// `idOf(lang, key)` names each input; returns {details, tags, inputs: {lang: {key: input}}}.
function translationBox(idOf, fields, extra) {
  const tags = el('span', { class: 'lang-tags' });
  const inputs = {};
  const groups = LANGS.map((l) => {
    inputs[l.code] = {};
    const labels = fields.map((f) => {
      const input = el('input', { id: idOf(l.code, f.key), maxlength: f.max, lang: l.code, 'data-lang': l.code,
        'data-field': f.key, autocomplete: 'off' });
      inputs[l.code][f.key] = input;
      return el('label', { class: 'tr-field' }, `${f.label} `, input);
    });
    return el('fieldset', { class: 'tr-lang' },
      el('legend', {}, el('span', { lang: l.code, text: l.name })), ...labels, ...(extra ? extra(l.code) : []));
  });
  const details = el('details', { class: 'translations' },
    el('summary', {}, `${t('Translations')} `, tags),
    el('p', { class: 'muted tr-hint', text: t('The same words in the room’s other languages: each phone shows its own language, else the original. Leave a box empty to show the original.') }),
    el('div', { class: 'tr-grid' }, ...groups));
  details.addEventListener('input', () => langTags(tags, filledLanguages(details)));
  return { details, tags, inputs };
}

function wireLive() {
  $('move-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const who = Number($('move-who').value);
    const to = Number($('move-to').value);
    if (!who || !to) { say($('move-msg'), t('Choose a person and a table.'), 'error'); return; }
    const table = live.state.tables.find((x) => x.id === to);
    send('move_participant', { participant_id: who, table_id: to }, $('move-msg'),
      table ? t('Moved to {table}.', { table: tableLabel(table.label) }) : t('Moved.'));
  });
  const text = $('announce-text');
  const versions = [...document.querySelectorAll('#announce-translations textarea[data-lang]')];
  const tags = $('announce-tags');
  const showTags = () => langTags(tags, filledLanguages($('announce-translations')));
  showTags();
  $('announce-translations').addEventListener('input', showTags);
  text.addEventListener('input', () => setText('announce-count', `${text.value.length} / 280`));
  $('announce-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) { say($('announce-msg'), t('Type the announcement first.'), 'error'); return; }
    const payload = { text: value };
    const minutes = $('announce-minutes').value;
    if (minutes) payload.minutes = Number(minutes);
    const translations = {};
    for (const box of versions) if (box.value.trim()) translations[box.dataset.lang] = box.value.trim();
    if (Object.keys(translations).length) payload.translations = translations;
    const ack = await send('announce', payload, $('announce-msg'),
      minutes ? tn(payload.minutes, 'Sent to every phone and the board, for {n} minutes.')
        : t('Sent to every phone and the board, until you clear it.'));
    if (ack.ok && text.value.trim() === value) {
      text.value = '';
      setText('announce-count', '0 / 280');
      for (const box of versions) if (box.value.trim() === (translations[box.dataset.lang] || '')) box.value = '';
      showTags();
    }
  });
  $('announce-clear').addEventListener('click', async () => {
    const ack = await sendFrom($('announce-clear'),
      () => send('clear_announcement', {}, $('announce-msg'), t('Cleared from every phone and the board.')), { aria: true });
    if (ack && ack.ok) text.focus();   // the box with the Clear button goes: the keyboard lands on the next words
  });
}

// --- participants: one row each, kept between renders (an open form or a chosen name survives
// the events of a busy room), with languages and who sits with whom -----------------------------

const personRows = new Map();   // participant id -> the parts of their row

function inGroup(person) { return person.companion_group !== null && person.companion_group !== undefined; }

// Group number -> the people in it, worked out once a render (70 rows each ask about it).
function companionGroups(state) {
  const groups = new Map();
  for (const p of state.participants || []) {
    if (!inGroup(p)) continue;
    if (!groups.has(p.companion_group)) groups.set(p.companion_group, []);
    groups.get(p.companion_group).push(p);
  }
  return groups;
}

function groupOf(groups, person) {
  return inGroup(person) ? (groups.get(person.companion_group) || []).filter((o) => o.id !== person.id) : [];
}

function asksForCompanion(person) { return !!person.wants_companion && !inGroup(person); }

function languageNames(person) { return (person.languages || []).map(languageName); }

// Typed "Spanish, Kreyòl; Arabic" -> ["Spanish", "Kreyòl", "Arabic"] (the server takes names or codes).
function readLanguages(text) { return text.split(/[,;\n，、；]/).map((x) => x.trim()).filter(Boolean); }

// Everyone, by name, for the "Sit with…" lists: someone already in a group brings it along, so
// the option says so. Built once a render; each row leaves out its person and their group.
function companionChoices(state, groups) {
  const options = [...(state.participants || [])].sort((a, b) => a.name.localeCompare(b.name)).map((o) => {
    const others = groupOf(groups, o).map((x) => x.name);
    const name = o.present ? o.name : away(o.name);
    return { id: o.id, group: inGroup(o) ? o.companion_group : null, value: String(o.id),
      label: others.length ? t('{name} — with {names}', { name, names: nameList(others, 2) }) : name };
  });
  return { options, sig: JSON.stringify(options) };
}

function fillCompanionSelect(select, choices, person) {
  const mine = inGroup(person) ? person.companion_group : null;
  const key = `${person.id}|${mine}|${choices.sig}`;
  // Unchanged lists are left alone, and an open list is never rebuilt under the pointer.
  if (select.dataset.key === key || document.activeElement === select) return;
  fillSelect(select, [{ value: '', label: t('Sit with…') },
    ...choices.options.filter((o) => o.id !== person.id && (mine === null || o.group !== mine))
      .map(({ value, label }) => ({ value, label }))]);
  select.dataset.key = key;
}

function makePersonRow(pid) {
  const parts = {
    name: el('td', { class: 'p-name' }),
    org: el('td', { class: 'p-org' }),
    status: el('span', { class: 'pill' }),
    table: el('td', { class: 'p-table' }),
    langNames: el('span', { class: 'lang-names' }),
    langChange: el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `langs-change-${pid}`,
      text: t('Change') }),
    langForm: el('form', { class: 'langs-form', hidden: true }),
    langInput: el('input', { id: `langs-${pid}`, maxlength: 300, autocomplete: 'off',
      placeholder: t('e.g. Spanish, English') }),
    withNames: el('span', { class: 'with-names' }),
    unlink: el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `unlink-${pid}`, text: t('Unlink') }),
    ask: el('span', { class: 'pill pill-ask', text: t('asks to sit with someone — link them') }),
    withSelect: el('select', { id: `with-${pid}` }),
    link: el('button', { type: 'submit', class: 'btn btn-small btn-quiet', id: `link-${pid}`, text: t('Link') }),
    stay: el('input', { type: 'checkbox', id: `stay-${pid}` }),
    left: el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `left-${pid}`, text: t('Mark as left') }),
    pick: el('input', { type: 'checkbox', id: `pick-${pid}`, class: 'pick' }),
  };
  const save = el('button', { type: 'submit', class: 'btn btn-small', id: `langs-save-${pid}`, text: t('Save') });
  const cancel = el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: t('Cancel') });
  parts.langForm.append(parts.langInput, save, cancel);
  parts.langSave = save;
  parts.langCancel = cancel;
  const linkForm = el('form', { class: 'with-form' }, parts.withSelect, parts.link);
  parts.withLine = el('div', { class: 'cell-line' }, parts.withNames, parts.unlink);
  parts.tr = el('tr', { 'data-id': pid },
    el('td', { class: 'p-pick' }, parts.pick), parts.name, parts.org, el('td', { class: 'p-status' }, parts.status), parts.table,
    el('td', { class: 'p-langs' }, el('div', { class: 'cell-stack' },
      el('div', { class: 'cell-line' }, parts.langNames, parts.langChange), parts.langForm)),
    el('td', { class: 'p-with' }, el('div', { class: 'cell-stack' }, parts.withLine, parts.ask, linkForm)),
    el('td', { class: 'p-stay' }, parts.stay),
    el('td', { class: 'p-left' }, parts.left));
  wirePersonRow(pid, parts, linkForm);
  return parts;
}

function wirePersonRow(pid, parts, linkForm) {
  const person = () => personById(live.state, pid) || { id: pid, name: t('this person'), languages: [] };
  const closeForm = () => { parts.langForm.hidden = true; parts.langChange.hidden = false; clean(parts.langInput); };
  parts.langChange.addEventListener('click', () => {
    // Names, not codes: what the facilitator reads is what they edit (the server takes both).
    parts.langInput.value = languageNames(person()).join(', ');
    parts.langForm.hidden = false;
    parts.langChange.hidden = true;
    parts.langInput.focus();
  });
  parts.langCancel.addEventListener('click', () => { closeForm(); parts.langChange.focus(); });
  parts.langForm.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); closeForm(); parts.langChange.focus(); }
  });
  parts.langInput.addEventListener('input', markDirty);
  parts.langForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const languages = readLanguages(parts.langInput.value);
    const p = person();
    const done = languages.length ? t('{name} talks in {languages}.', { name: p.name, languages: languages.join(t(', ')) })
      : t('{name}: no languages stated (their phone’s language is used).', { name: p.name });
    const ack = await send('set_participant', { participant_id: pid, languages }, $('people-msg'), done);
    if (ack.ok) { closeForm(); parts.langChange.focus(); }
  });
  linkForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const other = personById(live.state, Number(parts.withSelect.value));
    if (!other) { say($('people-msg'), t('Choose who {name} sits with.', { name: person().name }), 'error'); return; }
    const ack = await send('link_companions', { participant_ids: [pid, other.id] }, $('people-msg'),
      t('{name} and {other} sit at one table from the next seating.', { name: person().name, other: other.name }));
    if (ack.ok) parts.withSelect.value = '';
  });
  parts.unlink.addEventListener('click', () => {
    const p = person();
    send('unlink_companion', { participant_id: pid }, $('people-msg'), t('{name} no longer sits with the others.', { name: p.name }));
  });
  parts.pick.addEventListener('change', updateRemovePicked);
  parts.stay.addEventListener('change', () => send('set_participant',
    { participant_id: pid, stays_seated: parts.stay.checked }, $('people-msg')));
  parts.left.addEventListener('click', async () => {
    const p = person();
    if (await confirmAction(t('Mark {name} as left?', { name: p.name }),
      t('They lose their seat and are not seated again.'), t('Mark as left'))) {
      send('set_participant', { participant_id: pid, left: true }, $('people-msg'), t('{name} is marked as left.', { name: p.name }));
    }
  });
}

function updatePersonRow(state, parts, p, seats, groups, choices) {
  const table = state.tables.find((x) => x.id === seats[String(p.id)]);
  const group = groupOf(groups, p).map((o) => o.name);
  const asks = asksForCompanion(p);
  parts.tr.className = `${p.present ? 'present' : 'away'}${asks ? ' asks' : ''}`;
  parts.name.textContent = p.name;
  parts.org.textContent = p.organisation || '—';
  const waiting = p.admitted === false;
  const expected = p.arrived === false;   // registered beforehand, not checked in yet
  parts.status.className = `pill ${waiting ? 'pill-wait' : expected ? 'pill-off' : p.present ? 'pill-on' : 'pill-off'}`;
  parts.status.textContent = waiting ? t('waiting to be let in')
    : expected ? t('expected') : p.present ? t('present') : t('away');
  parts.pick.setAttribute('aria-label', t('Select {name}', { name: p.name }));
  parts.table.textContent = table ? tableLabel(table.label) : '—';

  const langs = languageNames(p);
  parts.langNames.textContent = langs.length ? langs.join(t(', ')) : t('not stated');
  parts.langNames.classList.toggle('muted', !langs.length);
  parts.langChange.setAttribute('aria-label', t('Change the languages of {name}', { name: p.name }));
  parts.langInput.setAttribute('aria-label', t('Languages {name} talks in, separated by commas', { name: p.name }));
  parts.langSave.setAttribute('aria-label', t('Save the languages of {name}', { name: p.name }));

  // Nobody yet: the row shows only "Sit with…", one line lower in a table of 70.
  parts.withNames.textContent = nameList(group);
  parts.withLine.hidden = !group.length;
  parts.unlink.setAttribute('aria-label', t('Unlink {name}: no longer sits with {names}', { name: p.name, names: nameList(group) }));
  parts.ask.hidden = !asks;
  parts.withSelect.setAttribute('aria-label', t('{name} sits with…', { name: p.name }));
  parts.link.setAttribute('aria-label', t('Link {name} with the person chosen', { name: p.name }));
  fillCompanionSelect(parts.withSelect, choices, p);

  if (document.activeElement !== parts.stay) parts.stay.checked = !!p.stays_seated;
  parts.stay.setAttribute('aria-label', t('{name} stays seated', { name: p.name }));
  parts.left.setAttribute('aria-label', t('Mark as left: {name}', { name: p.name }));
}

function renderPeople(state, seats) {
  const people = state.participants || [];
  const body = $('people');
  const seen = new Set();
  const groups = companionGroups(state);
  const choices = companionChoices(state, groups);
  people.forEach((p, index) => {
    seen.add(p.id);
    let parts = personRows.get(p.id);
    if (!parts) { parts = makePersonRow(p.id); personRows.set(p.id, parts); }
    updatePersonRow(state, parts, p, seats, groups, choices);
    if (body.children[index] !== parts.tr) body.insertBefore(parts.tr, body.children[index] || null);
  });
  for (const [id, parts] of personRows) if (!seen.has(id)) { parts.tr.remove(); personRows.delete(id); }
  $('people-empty').hidden = people.length > 0;
  $('people-tools').hidden = people.length === 0;
  updateRemovePicked();
  setText('people-count', people.length ? `· ${people.length}` : '');
  // With 70 rows a marker far down the table is easy to miss: say it once at the top too.
  const asking = people.filter(asksForCompanion).map((p) => p.name);
  $('companion-ask').hidden = !asking.length;
  setText('companion-ask', asking.length
    ? tn(asking.length, '{names} asks to sit with someone: choose who in “Sits with”.', { names: nameList(asking) }) : '');
}

function pickedIds() {
  return [...personRows].filter(([, parts]) => parts.pick.checked).map(([id]) => id);
}

function updateRemovePicked() {
  const n = pickedIds().length;
  const button = $('remove-picked');
  button.disabled = n === 0;
  button.textContent = n ? tn(n, 'Remove {n} selected') : t('Remove selected');
  const all = $('pick-all');
  all.checked = n > 0 && n === personRows.size;
  all.indeterminate = n > 0 && n < personRows.size;
}

// A flood of fake names, or a group that went home: removed in one go, after one question.
function wirePeopleTools() {
  $('pick-all').addEventListener('change', () => {
    for (const parts of personRows.values()) parts.pick.checked = $('pick-all').checked;
    updateRemovePicked();
  });
  $('remove-picked').addEventListener('click', async () => {
    const ids = pickedIds();
    if (!ids.length) return;
    const names = ids.map((id) => (personById(live.state, id) || {}).name).filter(Boolean);
    const ok = await confirmAction(tn(ids.length, 'Remove {n} people?'),
      t('{names} lose their seats and are not seated again. Their notes stay.', { names: nameList(names) }),
      t('Remove'));
    if (!ok) return;
    const ack = await send('remove_participants', { participant_ids: ids }, $('people-msg'),
      tn(ids.length, '{n} people removed.'));
    if (ack.ok) { for (const parts of personRows.values()) parts.pick.checked = false; updateRemovePicked(); }
  });
}

// Newcomers waiting to be let in (the café's "I let newcomers in myself" switch): listed where
// the facilitator looks during a round, each with its own button and one for everyone.
function renderWaiting(state) {
  const waiting = (state.participants || []).filter((p) => p.admitted === false);
  $('waiting').hidden = !waiting.length;
  setText('waiting-title', tn(waiting.length, '{n} waiting to be let in'));
  const list = $('waiting-list');
  list.replaceChildren(...waiting.map((p) => {
    const button = el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `admit-${p.id}`,
      text: t('Let in'), 'aria-label': t('Let in: {name}', { name: p.name }) });
    button.addEventListener('click', () => send('admit_participants', { participant_ids: [p.id] },
      $('waiting-msg'), t('{name} is in.', { name: p.name })));
    return el('li', {}, el('span', { class: 'waiting-name', text: p.name }),
      el('span', { class: 'muted', text: p.organisation ? ` · ${p.organisation}` : '' }), button);
  }));
}

function wireWaiting() {
  $('admit-all').addEventListener('click', () => {
    const ids = (live.state.participants || []).filter((p) => p.admitted === false).map((p) => p.id);
    if (ids.length) send('admit_participants', { participant_ids: ids }, $('waiting-msg'), tn(ids.length, '{n} let in.'));
  });
}

// --- set-up: café, topics and tables, rounds ----------------------------------------------

const WARNING_MAX_S = 900;

function renderCafeForm(state) {
  const s = state.cafe.settings;   // every setting, with its default (cafe/services/settings.py)
  setField($('cafe-title-input'), state.cafe.title);
  setField($('dots-input'), s.dots_per_round);
  setField($('harvest-dots-input'), s.harvest_dots);
  setField($('lock-cafe'), s.locked);
  setField($('approve-joins'), s.approve_joins);
  setField($('passcode-input'), s.passcode || '');
  setField($('auto-advance'), s.auto_advance);
  setField($('final-home'), s.final_round_home);
  setField($('hosts-choose'), s.hosts_choose);
  setField($('board-language'), s.board_language || '');
  setField($('min-table-input'), s.min_table_size);
  setField($('warning-input'), String(s.warning_seconds / 60));
  setField($('chime-input'), s.chime);
}

function wireCafeForm() {
  $('cafe-form').addEventListener('input', markDirty);
  $('cafe-form').addEventListener('change', markDirty);
  $('cafe-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const settings = { auto_advance: $('auto-advance').checked, final_round_home: $('final-home').checked,
      hosts_choose: $('hosts-choose').checked, board_language: $('board-language').value || null,
      chime: $('chime-input').checked };
    const dots = $('dots-input').value;
    if (dots !== '') settings.dots_per_round = Number(dots);
    const harvestDots = $('harvest-dots-input').value;
    if (harvestDots !== '') settings.harvest_dots = Number(harvestDots);
    const minTable = $('min-table-input').value;
    if (minTable !== '') {
      const n = Number(minTable);
      if (!Number.isInteger(n) || n < 1 || n > 10) {
        say($('cafe-msg'), t('At least 1 and at most 10 people at a table.'), 'error');
        return;
      }
      settings.min_table_size = n;
    }
    const warning = $('warning-input').value;
    if (warning !== '') {
      const seconds = Math.round(Number(warning) * 60);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > WARNING_MAX_S) {
        say($('cafe-msg'), t('The warning comes 0 to 15 minutes before the end (0: no warning).'), 'error');
        return;
      }
      settings.warning_seconds = seconds;
    }
    const ack = await send('update_cafe', { title: $('cafe-title-input').value.trim(), settings }, $('cafe-msg'), t('Saved.'));
    if (ack.ok) {
      clean($('cafe-title-input'), $('dots-input'), $('harvest-dots-input'), $('auto-advance'), $('final-home'),
        $('hosts-choose'), $('board-language'), $('min-table-input'), $('warning-input'), $('chime-input'));
    }
  });
}

const topicRows = new Map();   // topic id -> its editor parts
const tableRows = new Map();   // table id -> its editor parts

function topicVersions(parts) {
  const out = {};
  for (const [lang, fields] of Object.entries(parts.tr.inputs)) {
    const spec = {};
    for (const [key, input] of Object.entries(fields)) if (input.value.trim()) spec[key] = input.value.trim();
    if (Object.keys(spec).length) out[lang] = spec;
  }
  return out;
}

function makeTopicRow(topicId) {
  const id = (k) => `topic-${topicId}-${k}`;
  const parts = {
    name: el('input', { id: id('name'), maxlength: 80, required: true }),
    description: el('input', { id: id('desc'), maxlength: 280 }),
    colour: el('input', { type: 'color', id: id('colour') }),
    msg: el('p', { class: 'form-msg', role: 'status' }),
    tables: el('ul', { class: 'table-editor' }),
    up: el('button', { type: 'button', id: id('up'), class: 'btn btn-small btn-quiet', text: '↑', 'aria-label': t('Move topic up') }),
    down: el('button', { type: 'button', id: id('down'), class: 'btn btn-small btn-quiet', text: '↓', 'aria-label': t('Move topic down') }),
    remove: el('button', { type: 'button', id: id('remove'), class: 'btn btn-small btn-quiet', text: t('Remove topic') }),
    addTable: el('button', { type: 'button', id: id('add-table'), class: 'btn btn-small btn-quiet', text: t('+ Add a table') }),
    chip: el('span', { class: 'swatch', 'aria-hidden': 'true' }),
    tr: translationBox((lang, key) => id(`tr-${lang}-${key}`), [
      { key: 'name', label: t('Topic name'), max: 80 },
      { key: 'description', label: t('Description'), max: 280 }]),
  };
  const form = el('form', { class: 'topic-form' },
    el('div', { class: 'field-row' },
      parts.chip,
      el('label', { class: 'grow' }, `${t('Topic name')} `, parts.name),
      el('label', {}, `${t('Colour')} `, parts.colour),
      el('div', { class: 'order' }, parts.up, parts.down)),
    el('label', {}, `${t('Description')} `, parts.description),
    parts.tr.details,
    el('div', { class: 'field-row' },
      el('button', { type: 'submit', class: 'btn btn-small', text: t('Save topic') }),
      parts.remove, parts.msg));
  parts.li = el('li', { class: 'topic-edit', id: `topic-${topicId}` }, form, parts.tables,
    el('div', { class: 'field-row' }, parts.addTable));
  form.addEventListener('input', markDirty);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // `translations` replaces all the area's versions: what the boxes hold now.
    const ack = await send('update_topic', { topic_id: topicId, name: parts.name.value.trim(),
      description: parts.description.value.trim(), colour: parts.colour.value,
      translations: topicVersions(parts) }, parts.msg, t('Saved.'));
    if (ack.ok) clean(parts.name, parts.description, parts.colour, ...parts.tr.details.querySelectorAll('input'));
  });
  parts.up.addEventListener('click', () => reorderTopic(topicId, -1, parts.msg));
  parts.down.addEventListener('click', () => reorderTopic(topicId, +1, parts.msg));
  parts.remove.addEventListener('click', async () => {
    const topic = topicById(live.state, topicId);
    if (await confirmAction(topic ? t('Remove “{topic}”?', { topic: topic.name }) : t('Remove this topic?'),
      t('The topic and its tables are removed.'), t('Remove topic'))) {
      send('remove_topic', { topic_id: topicId }, parts.msg);
    }
  });
  parts.addTable.addEventListener('click', () => {
    const tables = live.state.tables.filter((x) => x.topic_id === topicId);
    const capacity = tables.length ? tables[tables.length - 1].capacity : 5;
    send('add_table', { topic_id: topicId, capacity }, parts.msg,
      isRunning(live.state) ? t('Table added: it is used from the next round.') : t('Table added.'));
  });
  return parts;
}

async function reorderTopic(topicId, delta, msg) {
  const order = live.state.topics.map((x) => x.id);
  const i = order.indexOf(topicId);
  const j = i + delta;
  if (j < 0 || j >= order.length) return;
  [order[i], order[j]] = [order[j], order[i]];
  for (const [position, id] of order.entries()) {
    const topic = topicById(live.state, id);
    if (topic && topic.position !== position) {
      const ack = await send('update_topic', { topic_id: id, position }, msg);
      if (!ack.ok) return;
    }
  }
  say(msg, '');
}

function makeTableRow(tableId) {
  const id = (k) => `table-${tableId}-${k}`;
  const parts = {
    label: el('input', { id: id('label'), maxlength: 40, required: true, class: 'w-label' }),
    capacity: el('input', { type: 'number', id: id('capacity'), min: 1, max: 50, class: 'num' }),
    host: el('select', { id: id('host') }),
    remove: el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: t('Remove') }),
    msg: el('span', { class: 'form-msg', role: 'status' }),
  };
  const form = el('form', { class: 'table-form field-row' },
    el('label', {}, `${t('Table')} `, parts.label),
    el('label', {}, `${t('Seats')} `, parts.capacity),
    el('label', {}, `${t('Host')} `, parts.host),
    el('button', { type: 'submit', class: 'btn btn-small', text: t('Save') }),
    parts.remove, parts.msg);
  parts.li = el('li', { id: `table-${tableId}` }, form);
  form.addEventListener('input', (e) => { if (e.target !== parts.host) markDirty(e); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ack = await send('update_table', { table_id: tableId, label: parts.label.value.trim(),
      capacity: Number(parts.capacity.value) }, parts.msg, t('Saved.'));
    if (ack.ok) clean(parts.label, parts.capacity);
  });
  parts.host.addEventListener('change', async () => {
    const ack = await send('set_host', { table_id: tableId,
      participant_id: parts.host.value ? Number(parts.host.value) : null }, parts.msg, t('Host set.'));
    const table = live.state && live.state.tables.find((x) => x.id === tableId);
    if (!ack.ok && table) parts.host.value = String(table.host_id ?? '');
  });
  parts.remove.addEventListener('click', () => send('remove_table', { table_id: tableId }, parts.msg));
  return parts;
}

function renderTopics(state) {
  const editable = beforeStart(state);
  const list = $('topic-editor');
  const seen = new Set();
  const hostOpts = hostOptions(state);
  state.topics.forEach((topic, index) => {
    seen.add(topic.id);
    let row = topicRows.get(topic.id);
    if (!row) { row = makeTopicRow(topic.id); topicRows.set(topic.id, row); }
    setField(row.name, topic.name);
    setField(row.description, topic.description);
    setField(row.colour, topic.colour);
    const versions = topic.translations || {};
    for (const [lang, fields] of Object.entries(row.tr.inputs)) {
      for (const [key, input] of Object.entries(fields)) setField(input, (versions[lang] || {})[key] || '');
    }
    langTags(row.tr.tags, filledLanguages(row.tr.details));
    row.chip.style.background = topic.colour;
    row.up.disabled = index === 0;
    row.down.disabled = index === state.topics.length - 1;
    row.remove.hidden = !editable;
    row.addTable.textContent = state.cafe.status === 'running' ? t('+ Add a table (from the next round)') : t('+ Add a table');
    if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] || null);
    const tables = state.tables.filter((x) => x.topic_id === topic.id);
    tables.forEach((table, k) => {
      seen.add(`t${table.id}`);
      let tr = tableRows.get(table.id);
      if (!tr) { tr = makeTableRow(table.id); tableRows.set(table.id, tr); }
      setField(tr.label, table.label);
      setField(tr.capacity, table.capacity);
      fillSelect(tr.host, hostOpts, table.host_id);
      tr.remove.hidden = !editable;
      if (row.tables.children[k] !== tr.li) row.tables.insertBefore(tr.li, row.tables.children[k] || null);
    });
  });
  for (const [id, row] of topicRows) if (!seen.has(id)) { row.li.remove(); topicRows.delete(id); }
  for (const [id, tr] of tableRows) {
    if (!seen.has(`t${id}`)) { tr.li.remove(); tableRows.delete(id); }
  }
}

function wireAddTopic() {
  $('add-topic-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('new-topic-name').value.trim();
    if (!name) { say($('add-topic-msg'), t('Give the topic a name.'), 'error'); return; }
    const payload = { name, description: $('new-topic-description').value.trim(), colour: $('new-topic-colour').value,
      tables: Number($('new-topic-tables').value || 0), capacity: Number($('new-topic-capacity').value || 5) };
    const ack = await send('add_topic', payload, $('add-topic-msg'),
      isRunning(live.state) ? t('“{topic}” added: its tables are used from the next round.', { topic: name })
        : t('“{topic}” added.', { topic: name }));
    // Clear only what is still the sent text: the person may already be typing the next topic.
    if (ack.ok && $('new-topic-name').value.trim() === name) {
      $('new-topic-name').value = '';
      if ($('new-topic-description').value.trim() === payload.description) $('new-topic-description').value = '';
    }
  });
}

// Rounds: edited as a whole, sent with one `set_rounds`.
let roundsDirty = false;
let roundsSig = '';

function defaultRound(prev) {
  return { question: '', topic_questions: {}, discuss_seconds: prev ? prev.discuss_seconds : 20 * 60,
    move_seconds: prev ? prev.move_seconds : 2 * 60, translations: {} };
}

function roundRow(state, round, index) {
  const n = index + 1;
  const id = (k) => `round-${n}-${k}`;
  const moveInSeconds = round.move_seconds % 60 !== 0;
  const moveUnit = el('select', { id: id('move-unit'), 'aria-label': t('Round {round} move time unit', { round: n }) },
    el('option', { value: 'min', text: t('min') }), el('option', { value: 's', text: t('s') }));
  moveUnit.value = moveInSeconds ? 's' : 'min';
  const started = isRunning(state) && n < state.cafe.current_round;
  const own = round.topic_questions || {};
  const overrides = state.topics.map((x) => el('label', { class: 'override' },
    el('span', { class: 'swatch', style: { background: x.colour }, 'aria-hidden': 'true' }), `${x.name} `,
    el('input', { id: `round-${n}-topic-${x.id}`, 'data-topic': x.id, maxlength: 280,
      value: own[String(x.id)] || '', placeholder: t('Same question as everyone') })));
  const hasOverride = Object.values(own).some(Boolean);
  const versions = round.translations || {};
  // Each language's question, and its version of each topic's own question (shown for the
  // topics that have one in this round).
  const tr = translationBox((lang, key) => `round-${n}-tr-${lang}-${key}`,
    [{ key: 'question', label: t('Question for all tables'), max: 280 }],
    (lang) => state.topics.map((x) => el('label', { class: 'override tr-field', 'data-tr-topic-row': x.id,
      hidden: !own[String(x.id)] || null },
    el('span', { class: 'swatch', style: { background: x.colour }, 'aria-hidden': 'true' }), `${x.name} `,
    el('input', { id: `round-${n}-tr-${lang}-topic-${x.id}`, 'data-lang': lang, 'data-tr-topic': x.id, lang,
      maxlength: 280, autocomplete: 'off',
      value: ((versions[lang] || {}).topic_questions || {})[String(x.id)] || '' }))));
  for (const [lang, fields] of Object.entries(tr.inputs)) fields.question.value = (versions[lang] || {}).question || '';
  langTags(tr.tags, filledLanguages(tr.details));
  const li = el('li', { class: `round-edit${started ? ' done' : ''}`, 'data-n': n },
    el('h4', { text: started ? t('Round {round} (played)', { round: n }) : t('Round {round}', { round: n }) }),
    el('label', {}, `${t('Question for all tables')} `,
      el('input', { id: id('question'), maxlength: 280, value: round.question || '' })),
    state.topics.length ? el('details', { open: hasOverride, class: 'overrides' },
      el('summary', { text: t('A different question for some topics') }), ...overrides) : null,
    tr.details,
    el('div', { class: 'field-row' },
      el('label', {}, `${t('Discussion (minutes)')} `,
        el('input', { type: 'number', id: id('discuss'), min: 1, max: 120, step: 0.5, class: 'num',
          value: String(round.discuss_seconds / 60) })),
      el('label', {}, `${t('Move')} `,
        el('input', { type: 'number', id: id('move'), min: 0.1, max: 1800, step: 'any', class: 'num',
          value: String(moveInSeconds ? round.move_seconds : round.move_seconds / 60) })),
      moveUnit));
  // A topic's own question brings its translation boxes along.
  li.addEventListener('input', (e) => {
    const topicId = e.target.dataset && e.target.dataset.topic;
    if (!topicId) return;
    for (const row of li.querySelectorAll(`[data-tr-topic-row="${topicId}"]`)) row.hidden = !e.target.value.trim();
  });
  return li;
}

function readRounds() {
  return [...$('round-editor').children].map((li) => {
    const n = li.dataset.n;
    const get = (k) => $(`round-${n}-${k}`);
    const topic_questions = {};
    for (const input of li.querySelectorAll('input[data-topic]')) {
      if (input.value.trim()) topic_questions[input.dataset.topic] = input.value.trim();
    }
    const translations = {};
    for (const { code: lang } of LANGS) {
      const spec = {};
      const question = $(`round-${n}-tr-${lang}-question`);
      if (question && question.value.trim()) spec.question = question.value.trim();
      const perTopic = {};
      for (const input of li.querySelectorAll(`input[data-tr-topic][data-lang="${lang}"]`)) {
        // Only for topics that have their own question in this round.
        if (input.value.trim() && topic_questions[input.dataset.trTopic]) perTopic[input.dataset.trTopic] = input.value.trim();
      }
      if (Object.keys(perTopic).length) spec.topic_questions = perTopic;
      if (Object.keys(spec).length) translations[lang] = spec;
    }
    const move = Number(get('move').value);
    return {
      question: get('question').value.trim(),
      topic_questions,
      discuss_seconds: Math.round(Number(get('discuss').value) * 60),
      move_seconds: Math.round(get('move-unit').value === 's' ? move : move * 60),
      translations,
    };
  });
}

function buildRounds(state, rounds) {
  // An open Translations box stays open when the rounds are drawn again.
  const open = new Set([...$('round-editor').querySelectorAll('details[open]')]
    .map((d) => `${d.closest('li').dataset.n}|${d.className}`));
  $('round-editor').replaceChildren(...rounds.map((r, i) => roundRow(state, r, i)));
  for (const d of $('round-editor').querySelectorAll('details')) {
    if (open.has(`${d.closest('li').dataset.n}|${d.className}`)) d.open = true;
  }
  const count = $('round-count');
  if (document.activeElement !== count) count.value = String(rounds.length);
}

function renderRounds(state) {
  const sig = JSON.stringify([state.rounds, state.topics.map((x) => [x.id, x.name, x.colour]),
    state.cafe.current_round, state.cafe.status]);
  if (sig === roundsSig) return;
  roundsSig = sig;
  const active = document.activeElement && document.activeElement.id;
  if (roundsDirty) {
    buildRounds(state, readRounds());   // keep what is being typed; refresh the topic list
  } else {
    const rounds = state.rounds.length ? state.rounds : [defaultRound(), defaultRound(), defaultRound()];
    buildRounds(state, rounds);
  }
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
}

function wireRounds() {
  const form = $('rounds-form');
  form.addEventListener('input', (e) => {
    roundsDirty = true;
    if (e.target.id === 'round-count') {
      const n = Math.max(1, Math.min(12, Number(e.target.value) || 1));
      const rounds = readRounds();
      while (rounds.length < n) rounds.push(defaultRound(rounds[rounds.length - 1]));
      rounds.length = n;
      buildRounds(live.state, rounds);
    }
  });
  form.addEventListener('change', () => { roundsDirty = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const rounds = readRounds();
    const ack = await send('set_rounds', { rounds }, $('rounds-msg'), tn(rounds.length, 'Saved {n} rounds.'));
    if (ack.ok) { roundsDirty = false; roundsSig = ''; renderRounds(live.state); }
  });
}

// --- notes: every note, newest first, with Hide / Restore -----------------------------------

function renderNotes(state) {
  const notes = state.notes || [];
  const tables = new Map(state.tables.map((x) => [x.id, x]));
  fillSelect($('notes-filter'), [{ value: '', label: t('All tables') },
    ...state.tables.map((x) => ({ value: String(x.id), label: tableLabel(x.label),
      group: (topicById(state, x.topic_id) || {}).name || t('Tables') }))]);
  const only = $('notes-filter').value;
  const shown = only ? notes.filter((n) => String(n.table_id) === only) : notes;
  const hiddenCount = notes.filter((n) => n.hidden).length;
  setText('notes-count', notes.length
    ? `· ${notes.length}${hiddenCount ? `, ${tn(hiddenCount, '{n} hidden')}` : ''}` : '');
  $('notes-empty').hidden = shown.length > 0;
  $('notes-empty').textContent = notes.length && !shown.length
    ? t('No notes at this table yet.') : t('No notes yet. They appear here as the tables write them.');
  $('notes-scroll').hidden = shown.length === 0;
  $('notes-list').replaceChildren(...shown.map((n) => {
    const table = tables.get(n.table_id);
    const quote = n.text.slice(0, 40);
    const button = el('button', { type: 'button', class: `btn btn-small ${n.hidden ? '' : 'btn-danger'}`,
      id: `${n.hidden ? 'restore' : 'hide'}-${n.id}`, text: n.hidden ? t('Restore') : t('Hide'),
      'aria-label': n.hidden ? t('Restore the note “{note}”', { note: quote }) : t('Hide the note “{note}”', { note: quote }) });
    button.addEventListener('click', () => sendFrom(button, () => send(n.hidden ? 'restore_note' : 'hide_note',
      { id: n.id }, $('notes-msg'), n.hidden ? t('Restored: the note is back on the phones and the board.')
        : t('Hidden from every phone and the board.'))));
    const author = n.from_tablecloth ? t('From the tablecloth') : (n.author_name || t('Anonymous'));
    return el('tr', { class: n.hidden ? 'is-hidden' : '', 'data-id': n.id },
      el('td', { class: 'notes-text' },
        el('span', { class: `swatch sticky-${n.colour}`, 'aria-hidden': 'true' }),
        el('span', { text: n.text }),
        n.hidden ? el('span', { class: 'pill pill-off', text: t('hidden') }) : null,
        n.pinned ? el('span', { class: 'pill pill-pin', text: t('★ pinned') }) : null),
      el('td', { text: table ? tableLabel(table.label) : '—' }),
      el('td', { text: n.round ?? '—' }),
      el('td', { text: author, title: author }),
      el('td', { class: 'num-cell', text: String(n.votes + (n.harvest_votes || 0)) }),
      el('td', { class: 'notes-actions' }, spotlightButton(state, n), button));
  }));
}

// Show one note large on the board (or take it off); the row is drawn again from the event.
function spotlightButton(state, note) {
  const on = state.cafe.spotlight === note.id;
  const quote = note.text.slice(0, 40);
  const button = el('button', {
    type: 'button', class: `btn btn-small${on ? ' btn-primary' : ''}`, id: `spotlight-${note.id}`,
    'aria-pressed': on ? 'true' : 'false', disabled: note.hidden || null,
    text: on ? t('On the board') : t('Spotlight'),
    // The accessible name starts with the button's words (what a voice user says to press it).
    'aria-label': on ? t('On the board: “{note}” — press to take it off', { note: quote })
      : t('Spotlight “{note}”: show it large on the board', { note: quote }),
  });
  button.addEventListener('click', () => sendFrom(button, () => send('spotlight', { note_id: on ? null : note.id },
    $('notes-msg'), on ? t('Taken off the board.') : t('On the board, large, until you take it off.'))));
  return button;
}

// --- who can join: lock, passcode, a new facilitator link -----------------------------------

// The server's rule for a passcode (participants.passcode_of), checked here so the refusal comes
// in the panel's language: 6 to 12 digits, or two to five words of two letters or more.
function sayable(passcode) {
  const said = passcode.replace(/-/g, ' ').split(/\s+/).filter(Boolean).join(' ').toLowerCase();
  if (/^[0-9]+$/.test(said)) return said.length >= 6 && said.length <= 12;
  return said.length <= 40 && /^[\p{L}\p{M}]{2,}(?: [\p{L}\p{M}]{2,}){1,4}$/u.test(said);
}

function wireAccess() {
  const lock = $('lock-cafe');
  lock.addEventListener('change', async () => {
    const locked = lock.checked;
    const ack = await send('update_cafe', { settings: { locked } }, $('access-msg'),
      locked ? t('Locked: nobody new can join. People already in stay in.') : t('Unlocked: new people can join again.'));
    if (!ack.ok) lock.checked = !locked;
  });
  const approve = $('approve-joins');
  approve.addEventListener('change', async () => {
    const on = approve.checked;
    const ack = await send('update_cafe', { settings: { approve_joins: on } }, $('access-msg'),
      on ? t('Newcomers now wait until you let them in (under “Change live”).') : t('Newcomers come straight in again.'));
    if (!ack.ok) approve.checked = !on;
  });
  const input = $('passcode-input');
  input.addEventListener('input', markDirty);
  $('passcode-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const passcode = input.value.trim();
    if (passcode && !sayable(passcode)) {
      say($('access-msg'), t('A passcode is 6 to 12 digits, or two to five words (like “river tables”), easy to say out loud.'), 'error');
      return;
    }
    const ack = await send('update_cafe', { settings: { passcode } }, $('access-msg'),
      passcode ? t('Passcode set: new people type {passcode} to join. Say it in the room.', { passcode }) : t('Passcode removed.'));
    if (ack.ok) clean(input);
  });
  $('rotate-link').addEventListener('click', async () => {
    const ok = await confirmAction(t('Make a new facilitator link?'),
      t('The old link stops working at once, on every laptop that has it. This page carries on with the new one.'),
      t('Make a new link'));
    if (!ok) return;
    const ack = await send('rotate_facilitator_link', {}, $('access-msg'), t('A new link is ready: the old one no longer works.'));
    if (!ack.ok) return;
    const url = ack.facilitator_url;
    secret = decodeURIComponent(url.slice(url.indexOf('#') + 1));
    auth.secret = secret;
    // The address bar gets the new fragment, so a reload of this page keeps working.
    history.replaceState(null, '', `${location.pathname}${location.search}#${secret}`);
    setText('new-link-text', url);
    setText('copy-msg', '');
    setText('fac-copy-msg', '');
    $('new-link').hidden = false;
  });
  $('copy-link').addEventListener('click', () => copyText($('new-link-text').textContent, $('copy-msg'), $('new-link-text')));
  // The link in the list stays masked on screen (a laptop in a room is seen by others); Copy
  // takes the whole current link, the new one after a rotation.
  $('copy-fac-link').addEventListener('click', () => copyText(facilitatorUrl(), $('fac-copy-msg'), $('fac-link-text')));
}

function showLinkReplaced() {
  if (linkReplaced) return;
  linkReplaced = true;
  $('link-replaced').hidden = false;
  document.body.dataset.link = 'replaced';
  for (const node of $('panel').querySelectorAll('button, input, select, textarea')) node.disabled = true;
  if (live) live.socket.disconnect();
  window.scrollTo(0, 0);
}

// The facilitator closed this team link: nothing here works any more.
function showLinkClosed() {
  if (linkReplaced) return;
  linkReplaced = true;
  $('panel').hidden = true;
  $('link-closed').hidden = false;
  if (live) live.socket.disconnect();
}

// --- the team: links for co-facilitators and helpers, and the activity log ----------------

const ROLE_WORDS = {
  cofacilitator: () => t('Co-facilitator'), theme: () => t('Theme team'), helper: () => t('Helper'),
  facilitator: () => t('Facilitator'),
};

async function loadTeam() {
  if (!live || !live.state || (live.state.you || {}).rights !== 'facilitator') return;
  const ack = await live.send('team_links', {});
  if (!ack.ok) return;
  const counts = {};
  for (const link of ack.links) counts[link.role] = (counts[link.role] || 0) + 1;
  const parts = ['cofacilitator', 'theme', 'helper'].filter((role) => counts[role]).map((role) => [role, counts[role]]).map(([role, n]) => ({
    cofacilitator: () => tn(n, '{n} co-facilitator links active'),
    theme: () => tn(n, '{n} theme team links active'),
    helper: () => tn(n, '{n} helper links active'),
  }[role]()));
  setText('team-summary', parts.length ? parts.join(' · ') : t('No team link is open.'));
  $('team-list').replaceChildren(...ack.links.map((link) => {
    const close = el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: t('Close this link') });
    close.addEventListener('click', async () => {
      const ok = await confirmAction(t('Close this link?'),
        t('Whoever has it can no longer do anything in this café, at once.'), t('Close this link'));
      if (!ok) return;
      const done = await send('revoke_team_link', { link_id: link.id }, $('team-msg'), t('The link is closed.'));
      if (done.ok) loadTeam();
    });
    return el('li', {}, el('span', { text: `${ROLE_WORDS[link.role]()}${link.label ? ` — ${link.label}` : ''}` }), close);
  }));
}

async function loadActivity() {
  const ack = await live.send('activity', {});
  if (!ack.ok) return;
  $('activity-list').replaceChildren(...ack.activity.map((a) => el('li', {
    text: `${new Date(a.at).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' })} · ${ROLE_WORDS[a.role] ? ROLE_WORDS[a.role]() : a.role}${a.name ? ` (${a.name})` : ''} · ${a.command}`,
  })));
  if (!ack.activity.length) $('activity-list').replaceChildren(el('li', { text: t('Nothing yet.') }));
}

function wireTeam() {
  $('team-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const ack = await send('create_team_link', { role: $('team-role').value, label: $('team-label').value.trim() },
      $('team-msg'), t('Link made. Give it only to that person.'));
    if (!ack.ok) return;
    $('team-label').value = '';
    $('team-new').hidden = false;
    setText('team-new-text', ack.url);
    loadTeam();
  });
  $('team-copy').addEventListener('click', () => copyText($('team-new-text').textContent, $('team-copy-msg'), $('team-new-text')));
  $('activity').addEventListener('toggle', () => { if ($('activity').open) loadActivity(); });
}

function showGone() {
  if (gone) return;
  gone = true;
  if (live) live.socket.disconnect();
  $('panel').hidden = true;
  $('link-replaced').hidden = true;
  showDeleted(t('Everything in it is gone: notes, summaries, names, sign-ups and contacts. Phones and the board have stopped.'),
    t('This café has been deleted'));
}

// --- harvest: live tallies, top notes, sign-ups, exports, Day 2, deletion --------------------

const TOP_NOTES = 3;

function topicHarvest(state) {
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const topicOf = new Map(state.tables.map((x) => [x.id, x.topic_id]));
  const sum = (list, key) => list.reduce((n, x) => n + (x[key] || 0), 0);
  return state.topics.map((topic) => {
    const own = notes.filter((n) => topicOf.get(n.table_id) === topic.id);
    const top = [...own].sort((a, b) => ((b.votes + (b.harvest_votes || 0)) - (a.votes + (a.harvest_votes || 0)))
      || (b.created_at - a.created_at)).filter((n) => n.votes + (n.harvest_votes || 0) > 0).slice(0, TOP_NOTES);
    return { topic, notes: own, votes: sum(own, 'votes'), harvest: sum(own, 'harvest_votes'), top,
      people: (state.signups || []).filter((s) => s.topic_id === topic.id) };
  });
}

function renderHarvest(state) {
  const rows = topicHarvest(state);
  const tables = new Map(state.tables.map((x) => [x.id, x]));
  setText('harvest-when', state.cafe.status === 'harvest' ? t('· the room is harvesting now') : t('· available at any time'));
  const cell = (cls, n) => el('td', { class: `num-cell ${cls}`, text: String(n) });
  const total = (key) => rows.reduce((n, r) => n + (Array.isArray(r[key]) ? r[key].length : r[key]), 0);
  $('tally').replaceChildren(...rows.map((r) => el('tr', { id: `tally-${r.topic.id}`, 'data-topic': r.topic.id },
    el('th', { scope: 'row' },
      el('span', { class: 'swatch', style: { background: r.topic.colour }, 'aria-hidden': 'true' }), ` ${r.topic.name}`),
    cell('t-notes', r.notes.length), cell('t-votes', r.votes), cell('t-harvest', r.harvest),
    cell('t-signups', r.people.length))),
  el('tr', { class: 'tally-total', id: 'tally-total' }, el('th', { scope: 'row', text: t('All topics') }),
    cell('t-notes', total('notes')), cell('t-votes', total('votes')), cell('t-harvest', total('harvest')),
    cell('t-signups', total('people'))));

  $('harvest-topics-panel').replaceChildren(...rows.map((r) => el('section', {
    class: 'harvest-topic-card', id: `harvest-card-${r.topic.id}`, 'aria-label': r.topic.name },
  el('h3', { class: 'topic-chip', text: r.topic.name, style: { background: r.topic.colour, color: inkFor(r.topic.colour) } }),
  el('h4', { text: t('Top notes') }),
  r.top.length ? el('ol', { class: 'top-notes' }, ...r.top.map((n) => {
    const table = tables.get(n.table_id);
    return el('li', {},
      el('span', { class: 'top-text', text: n.text }),
      el('span', { class: 'top-meta', text: `● ${t('{votes} in rounds · {harvest} in harvest', { votes: n.votes, harvest: n.harvest_votes || 0 })}${
        table ? ` · ${tableLabel(table.label)}` : ''}` }));
  })) : el('p', { class: 'empty', text: r.notes.length ? t('No dots yet.') : t('No notes yet.') }),
  el('h4', { text: t('Working group ({n})', { n: r.people.length }) }),
  r.people.length ? el('ul', { class: 'name-list signups' }, ...r.people.map((s) => el('li', { text: s.name })))
    : el('p', { class: 'empty', text: t('Nobody has signed up yet.') }),
  groupExports(r.topic.id))));
}

// The convener's own part: the area's notes, summaries, photos and the contacts given with a yes.
function groupExports(topicId) {
  const buttons = ['md', 'csv'].map((ext) => {
    const button = el('button', { type: 'button', class: 'btn btn-small btn-quiet', 'data-kind': `group-${topicId}.${ext}`,
      text: ext === 'md' ? t('For the convener (Markdown)') : t('For the convener (CSV)') });
    button.addEventListener('click', () => download(button));
    return button;
  });
  return el('div', { class: 'group-exports' }, ...buttons);
}

async function download(button) {
  const kind = button.dataset.kind;
  const msg = $('export-msg');
  button.disabled = true;
  say(msg, t('Preparing {file}…', { file: kind }));
  try {
    // The secret goes in a header, never in the address: no log or Referer ever holds it.
    const res = await fetch(`/f/${encodeURIComponent(code)}/export/${kind}`, {
      headers: { Authorization: `Bearer ${secret}` }, cache: 'no-store' });
    if (!res.ok) {
      say(msg, res.status === 403 ? t('This link no longer opens the exports: open the newest facilitator link.')
        : t('The export did not work (error {status}). Please try again.', { status: res.status }), 'error');
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const name = `${code}-${kind}`;
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(msg, t('Downloaded {file}.', { file: name }));
  } catch (e) {
    say(msg, t('No connection to the server. Check the network and try again.'), 'error');
  } finally {
    button.disabled = false;
  }
}

// --- printed routes: badges and route cards, kept by every later plan ------------------------

// Whose route a confirmed change withdrew (their cards must be printed again), until printed.
const withdrawn = new Set();

function renderRoutes(state) {
  const people = state.participants || [];
  const printed = people.filter((p) => p.route).length;
  for (const p of people) if (p.route) withdrawn.delete(p.id);
  const lost = people.filter((p) => withdrawn.has(p.id)).map((p) => p.name);
  const parts = [printed ? tn(printed, '{n} people have a printed route; every plan keeps it.')
    : t('No route printed yet: the seating is free to change.')];
  if (lost.length) parts.push(tn(lost.length, 'Print the route cards of {names} again: a change you confirmed broke their route.', { names: nameList(lost) }));
  say($('routes-status'), parts.join(' '), lost.length ? 'error' : 'ok');
}

function noteWithdrawn(events) {
  for (const ev of events) {
    if (ev.type !== 'routes_changed' || ev.data.reason !== 'broken') continue;
    for (const id of Object.keys(ev.data.routes)) withdrawn.add(Number(id));
  }
}

// Plan and keep the routes (the server remembers them), then open the sheet in a new tab: a
// form POST, so that the secret travels in the body, never in an address (badges carry
// personal links).
function wireRoutes() {
  const form = $('routes-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = (e.submitter && e.submitter.dataset.print) || 'badges';
    const msg = $('routes-msg');
    let people = [];
    if (kind === 'routes') {
      people = pickedIds();
      if (!people.length) people = (live.state.participants || []).filter((p) => p.has_phone === false).map((p) => p.id);
      if (!people.length) { say(msg, t('Nobody is without a phone: select people in the list to print their cards.'), 'error'); return; }
    }
    say(msg, t('Planning the routes…'));
    // Planning every round of a large room takes the engine's full budget (12 s for 1,000
    // people on our machine: bench/routes.py), longer than a command's usual wait.
    const ack = await send('print_routes', people.length ? { participant_ids: people } : {}, msg, '', 60_000);
    if (!ack.ok) return;
    say(msg, ack.printed ? tn(ack.printed, '{n} new routes kept. The sheet opens in a new tab.') : t('The sheet opens in a new tab.'));
    const paper = $('routes-letter').checked ? 'letter' : 'a4';
    form.action = `/f/${encodeURIComponent(code)}/print/${kind}?paper=${paper}&lang=${encodeURIComponent(lang)}`;
    $('routes-secret').value = secret;
    $('routes-people').value = people.join(',');
    form.submit();
    $('routes-secret').value = '';
  });
}

// --- the attendee list: a CSV previewed row by row, imported on confirmation -----------------

async function sendAttendees(confirm) {
  const file = $('attendee-file').files[0];
  const out = $('attendee-preview');
  if (!file) return;
  $('attendee-import').hidden = true;
  try {
    const res = await fetch(`/f/${encodeURIComponent(code)}/attendees${confirm ? '?confirm=1' : ''}`, {
      method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'text/csv' }, body: file,
      cache: 'no-store' });
    const body = await res.json();
    if (!body.ok) { out.replaceChildren(el('p', { class: 'form-msg', 'data-kind': 'error', text: refusal(body) })); return; }
    const counts = { new: body.new, updated: body.updated, unchanged: body.unchanged };
    const head = confirm ? t('Imported: {new} new, {updated} updated, {unchanged} unchanged.', counts)
      : t('{new} new, {updated} to update, {unchanged} unchanged.', counts);
    const problems = body.errors.length
      ? [el('p', { text: tn(body.errors.length, '{n} rows have a problem and are left out:') }),
        el('ul', { class: 'attendee-errors' }, ...body.errors.map((e) => el('li', { text: e.message })))]
      : [];
    out.replaceChildren(el('p', { class: 'attendee-head', text: head }), ...problems);
    if (!confirm && body.new + body.updated > 0) {
      $('attendee-import').textContent = tn(body.new + body.updated, 'Import {n} people');
      $('attendee-import').hidden = false;
    }
    if (confirm) $('attendee-file').value = '';
  } catch (e) {
    out.replaceChildren(el('p', { class: 'form-msg', 'data-kind': 'error',
      text: t('No connection to the server. Check the network and try again.') }));
  }
}

function wireAttendees() {
  $('attendee-file').addEventListener('change', () => sendAttendees(false));
  $('attendee-import').addEventListener('click', () => sendAttendees(true));
  $('door-link').href = `/f/${encodeURIComponent(code)}/door#${encodeURIComponent(secret)}`;
}

function wireHarvest() {
  for (const button of document.querySelectorAll('.export-buttons button')) {
    button.addEventListener('click', () => download(button));
  }
  $('duplicate-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const carry = Number($('carry-notes').value || 0);
    const ack = await sendFrom($('duplicate-button'), () => send('duplicate_cafe', { carry_top_notes: carry },
      $('duplicate-msg'), t('Day 2 is ready: open its link to check it. This café is unchanged.')));
    if (!ack || !ack.ok) return;
    setText('duplicate-code', ack.code);
    const link = $('duplicate-link');
    link.href = ack.facilitator_url;
    link.textContent = ack.facilitator_url;
    setText('duplicate-copy-msg', '');
    $('duplicate-links').hidden = false;
  });
  $('copy-duplicate-link').addEventListener('click',
    () => copyText($('duplicate-link').href, $('duplicate-copy-msg'), $('duplicate-link')));
  $('delete-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const typed = $('delete-confirm').value.trim();
    if (typed.toUpperCase().replace(/[^A-Z0-9]/g, '') !== code.toUpperCase()) {
      say($('delete-msg'), t('To delete, type the café code {code} in the box.', { code }), 'error');
      $('delete-confirm').focus();
      return;
    }
    const ack = await sendFrom($('delete-button'), () => send('delete_cafe', { confirm: typed }, $('delete-msg')));
    if (ack && ack.ok) showGone();
  });
}

// --- the whole panel: each event redraws the sections it changes, once per frame --------------

// The panel's sections, in the order they are drawn.
// The photos the hosts took: the panel can take one away (a face that should not be there).
function renderPhotos(state) {
  const tables = new Map(state.tables.map((x) => [x.id, x]));
  const list = state.photos || [];
  $('photos-empty').hidden = list.length > 0;
  $('photo-grid').replaceChildren(...list.map((p) => {
    const label = tableLabel((tables.get(p.table_id) || {}).label || '');
    const remove = el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: t('Remove') });
    remove.addEventListener('click', () => sendFrom(remove, () => live.send('remove_photo', { photo_id: p.id }),
      { refused: (ack) => say($('export-msg'), refusal(ack), 'error') }));
    return el('li', { class: 'photo-item', 'data-id': p.id },
      el('img', { src: p.url, loading: 'lazy', alt: t('The tablecloth of {table}', { table: label }) }),
      el('span', { class: 'muted', text: p.round ? t('{table}, round {round}', { table: label, round: p.round }) : label }),
      remove);
  }));
}

function renderHelp(state) {
  renderHelpQueue(state, { box: $('help-queue'), title: $('help-title'), list: $('help-list') },
    (command, payload) => live.send(command, payload), (ack) => say($('people-msg'), refusal(ack), 'error'));
}

// The theme team's work as the facilitator sees it: how far it is, and the board's themes view.
function renderThemesLive(state) {
  const themes = state.themes || [];
  const known = new Set(themes.map((x) => x.id));
  const sorted = (state.notes || []).filter((n) => !n.hidden && known.has(n.theme_id)).length;
  setText('themes-count', themes.length ? `· ${tn(themes.length, '{n} themes')}, ${tn(sorted, '{n} notes in them')}` : '');
  const shown = !!state.cafe.settings.board_themes;
  const button = $('board-themes');
  button.setAttribute('aria-pressed', String(shown));
  button.textContent = shown ? t('Back to the notes on the board') : t('Show them on the board');
  // The theme team's screen opens with this page's own secret (a co-facilitator's works too).
  $('themes-screen').href = `${$('fac-link-text').dataset.base}/themes${window.location.hash}`;
}

function wireThemesLive() {
  $('board-themes').addEventListener('click', () => {
    const shown = !!live.state.cafe.settings.board_themes;
    sendFrom($('board-themes'), () => live.send('update_cafe', { settings: { board_themes: !shown } }), {
      refused: (ack) => say($('themes-live-msg'), refusal(ack), 'error'),
    });
  });
}

const SECTIONS = {
  themes: renderThemesLive,
  run: renderRun, preview: renderPreview, seats: renderSeatMap, live: renderLive, cafe: renderCafeForm,
  topics: renderTopics, rounds: renderRounds, notes: renderNotes, harvest: renderHarvest, help: renderHelp,
  photos: renderPhotos, routes: renderRoutes,
};
const ALL = Object.keys(SECTIONS);
// Who is here, and how they are (names, presence, languages, companions): the seat map and its
// counts, the live lists (move, waiting, people) and the hosts' lists in the set-up.
const PEOPLE = ['seats', 'live', 'topics', 'routes'];
// Topics and tables are named or counted by every section but the run bar and the café form.
const ROOM = ['preview', 'seats', 'live', 'topics', 'rounds', 'notes', 'harvest', 'help', 'photos'];
const NOTES = ['notes', 'harvest', 'themes'];
// What each event changes on the panel (its reducer in live.js, and what each section reads).
// A snapshot, a phase change, a change of the café itself, and any event not listed here redraw
// everything: when in doubt, a section is drawn again. Events that change the next seating
// (PLAN_EVENTS) redraw the preview too.
const REDRAWS = {
  cafe_created: [],
  participant_joined: PEOPLE,
  participant_updated: PEOPLE,
  participant_left: PEOPLE,
  participant_connected: PEOPLE,
  participant_disconnected: PEOPLE,
  topic_added: ROOM,
  topic_updated: ROOM,
  topic_removed: ROOM,
  table_added: ROOM,
  table_updated: ROOM,
  table_removed: ROOM,
  rounds_updated: ['run', 'rounds'],
  seats_assigned: ['seats', 'live'],
  participant_seated: ['seats', 'live'],
  announcement_made: ['live'],
  announcement_cleared: ['live'],
  advance_blocked: ['run'],
  theme_added: ['themes'],
  theme_updated: ['themes'],
  theme_removed: ['themes'],
  notes_themed: ['themes'],
  note_added: NOTES,
  note_edited: NOTES,
  note_restored: NOTES,
  note_deleted: NOTES,
  note_hidden: NOTES,
  note_withheld: NOTES,
  note_pinned: NOTES,
  note_spotlighted: NOTES,
  note_voted: NOTES,
  summary_written: [],           // the panel shows no summaries
  signup_added: ['harvest'],
  signup_removed: ['harvest'],
  photo_added: ['photos'],
  photo_removed: ['photos'],
  routes_changed: ['routes'],
  help_requested: ['help'],
  help_acknowledged: ['help'],
  help_closed: ['help'],
  round_paused: ['run'],         // the clock's state only: pause or resume, and the hint
  round_resumed: ['run'],
  round_extended: ['run'],
};
const PHASE_EVENTS = ['move_started', 'round_started', 'harvest_started', 'cafe_closed'];

const redraw = { sections: new Set(), events: [], frame: 0 };

// Events come in bursts (a busy room, a sync after a reconnect): the sections they change are
// collected and drawn once, on the next frame.
function redrawSoon(sections, events = []) {
  for (const name of sections) redraw.sections.add(name);
  redraw.events.push(...events);
  if (!redraw.frame) redraw.frame = requestAnimationFrame(redrawNow);
}

function onEvents(state, events) {
  noteWithdrawn(events);
  const sections = new Set();
  for (const ev of events) {
    for (const name of REDRAWS[ev.type] || ALL) sections.add(name);
    if (PLAN_EVENTS.has(ev.type)) sections.add('preview');
  }
  redrawSoon(sections, events);
}

function redrawNow() {
  cancelAnimationFrame(redraw.frame);
  redraw.frame = 0;
  const sections = redraw.sections;
  const events = redraw.events;
  redraw.sections = new Set();
  redraw.events = [];
  if (live && live.state) render(live.state, sections, events);
}

function render(state, sections, changed) {
  if (gone) return;
  $('panel').hidden = false;
  document.body.dataset.status = state.cafe.status;
  setText('cafe-title', state.cafe.title);
  const active = document.activeElement && document.activeElement.id;
  // A change to the next seating asks for it again first, so the preview says "updating…".
  if (changed.some((ev) => PLAN_EVENTS.has(ev.type))) schedulePreview();
  for (const name of ALL) if (sections.has(name)) SECTIONS[name](state);
  for (const ev of changed) {
    if (ev.type === 'advance_blocked') showRunError(ev.data.message, true);
    if (PHASE_EVENTS.includes(ev.type)) showRunError('');
  }
  // Rebuilt rows get their focus back, so the keyboard never loses its place.
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
  // The phase's event drew the new layout: show what the click did (once more, after the ack).
  if (revealing && changed.some((ev) => PLAN_EVENTS.has(ev.type) || ev.type === 'cafe_opened')) {
    if (Date.now() < revealing.until) { const { id } = revealing; requestAnimationFrame(() => reveal(id)); }
    revealing = null;
  }
  tick();
}

let lastSecond = -1;
function tick() {
  const state = live && live.state;
  if (!state) return;
  showCountdown([$('countdown')], state, live);
  if (isRunning(state)) setText('phase-label', phaseLabel(state, live));
  // The announcement's end, once a second: it goes at `until` even before the server says so.
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) { lastSecond = second; renderAnnouncement(state); }
}

function denied() {
  $('panel').hidden = true;
  $('denied').hidden = false;
}

if (!secret) {
  denied();
} else {
  wireRun();
  wireLive();
  wireCafeForm();
  wireAddTopic();
  wireRounds();
  wireAccess();
  wireWaiting();
  wirePeopleTools();
  wireRoutes();
  wireTeam();
  wireThemesLive();
  wireHarvest();
  wireAttendees();
  $('notes-filter').addEventListener('change', () => { if (live && live.state) renderNotes(live.state); });
  live = connectLive({
    auth,
    reducers: baseReducers,
    // A snapshot (the first, or after a long reconnect) may change anything: draw it all now,
    // and ask for the next seating at once.
    onState: (state) => {
      document.body.dataset.rights = (state.you || {}).rights || 'facilitator';
      redraw.sections = new Set(ALL); redrawNow(); schedulePreview(0); loadTeam();
    },
    onChange: onEvents,
    onStatus: (s) => { if (!linkReplaced && !gone) showStatus($('conn'), s); },
    onRefused: (error) => {
      live.socket.disconnect();
      if (error && error.code === 'name_required') askName(auth, () => { $('panel').hidden = true; }, () => live.socket.connect());
      else if (!linkReplaced) denied();
    },
    onDeleted: showGone,
  });
  live.socket.on('facilitator_link_rotated', showLinkReplaced);
  live.socket.on('team_link_revoked', showLinkClosed);
  setInterval(tick, TICK_MS);
}
