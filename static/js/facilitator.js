// The facilitator's control panel. The secret lives in the URL fragment: never sent in a
// request line or a Referer, only in the socket's auth payload.
//
// Set up topics, tables and rounds; run the clock; see who sits where; change things live.
// Every change is a protocol command; the panel only shows what the server's events say.
import {
  connectLive, baseReducers, showStatus, showDeleted, remainingMs, formatMs, isPaused, isRunning, phaseLabel,
} from './live.js';
import { $, el, setText, plural, inkFor } from './dom.js';
import { describePreview, languageName, nameList } from './seating-words.js';

const code = document.body.dataset.code;
// `let`: a new facilitator link (rotate_facilitator_link) replaces it while the page runs.
let secret = decodeURIComponent(window.location.hash.slice(1));
const auth = { cafe: code, role: 'facilitator', secret };   // read again by every reconnect
const TICK_MS = 250;
let live = null;
let linkReplaced = false;   // another panel made a new link: this one can no longer act
let gone = false;           // the café was deleted

// --- small helpers ------------------------------------------------------------------------

function say(node, text, kind = 'ok') {
  if (!node) return;
  node.textContent = text || '';
  node.dataset.kind = kind;
}

// Send a command; show a refusal (or a short confirmation) next to the form it came from.
async function send(command, payload, msgNode, okText) {
  if (!live) return { ok: false };
  const ack = await live.send(command, payload);
  if (ack && !ack.ok && ack.error && ack.error.code === 'link_rotated') showLinkReplaced();
  if (ack && ack.ok) { if (msgNode) say(msgNode, okText || '', 'ok'); }
  else if (msgNode) say(msgNode, (ack && ack.error && ack.error.message) || 'That did not work. Please try again.', 'error');
  return ack || { ok: false };
}

function markDirty(event) {
  const t = event.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) t.dataset.dirty = '1';
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

function topicById(state, id) { return state.topics.find((t) => t.id === id); }
function personById(state, id) { return (state.participants || []).find((p) => p.id === id); }
function beforeStart(state) { return ['draft', 'lobby'].includes(state.cafe.status); }

function currentSeats(state) {
  const s = state.seating;
  if (!s || !isRunning(state) || s.round !== state.cafe.current_round) return {};
  return s.seats;
}

function hostOptions(state) {
  return [{ value: '', label: '— no host —' },
    ...(state.participants || []).map((p) => ({ value: String(p.id), label: p.present ? p.name : `${p.name} (away)` }))];
}

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
  setText('btn-end', last ? 'End round now (then harvest)' : 'End round now');

  const hints = {
    draft: 'Set up topics, tables and rounds, then open the café so people can join.',
    lobby: 'People are joining. Start round 1 when the room is ready: everyone gets a seat.',
    harvest: 'Harvest: the room shares what came up. Close the café when you are done.',
    closed: 'This café is closed.',
  };
  let hint = hints[c.status] || '';
  if (running) {
    if (paused) hint = 'The clock is paused on every phone and the board.';
    else if (c.phase === 'move') hint = 'People are moving to their tables. The discussion starts by itself.';
    else hint = c.settings && c.settings.auto_advance
      ? 'When the time is up, everyone moves on by themselves.'
      : 'When the time is up, the clock stays at 0:00 until you end the round.';
  }
  setText('run-hint', hint);
  const labels = { draft: 'Draft — not open yet', lobby: 'Lobby — people are joining', harvest: 'Harvest', closed: 'Closed' };
  if (!running) setText('phase-label', labels[c.status] || '');
}

function showRunError(message, seatsMissing) {
  $('run-error').hidden = !message;
  setText('run-error-text', message || '');
  $('fix-seats').hidden = !seatsMissing;
  if (seatsMissing && live && live.state) {
    fillSelect($('fix-topic'), live.state.topics.map((t) => ({ value: String(t.id), label: t.name })));
  }
}

async function run(command, payload = {}) {
  const ack = await send(command, payload);
  if (ack.ok) showRunError('');
  else showRunError((ack.error && ack.error.message) || 'That did not work.', ack.error && ack.error.code === 'not_enough_seats');
  return ack;
}

function wireRun() {
  $('btn-open').addEventListener('click', () => run('open_cafe'));
  $('btn-start').addEventListener('click', () => run('start_round'));
  $('btn-skip').addEventListener('click', () => run('start_round'));
  $('btn-pause').addEventListener('click', () => run('pause'));
  $('btn-resume').addEventListener('click', () => run('resume'));
  $('btn-plus').addEventListener('click', () => run('extend', { seconds: 60 }));
  $('btn-minus').addEventListener('click', () => run('extend', { seconds: -60 }));
  $('btn-end').addEventListener('click', async () => {
    const s = live.state;
    const last = s.cafe.current_round >= s.rounds.length;
    const ok = await confirmAction('End this round now?',
      last ? 'The discussion stops on every phone and the harvest begins.'
        : 'The discussion stops on every phone and everyone is sent to their table for the next round.',
      'End round now');
    if (ok) run('end_round');
  });
  $('btn-harvest').addEventListener('click', async () => {
    const ok = await confirmAction('Start the harvest?',
      'The rounds stop for everyone, including any rounds not yet played.', 'Start harvest');
    if (ok) run('start_harvest');
  });
  $('btn-close').addEventListener('click', async () => {
    const ok = await confirmAction('Close the café?',
      'Phones show a thank-you and nobody can join any more. This cannot be undone.', 'Close café');
    if (ok) run('close_cafe');
  });
  $('fix-seats').addEventListener('submit', async (e) => {
    e.preventDefault();
    const topicId = Number($('fix-topic').value);
    const tables = live.state.tables.filter((t) => t.topic_id === topicId);
    const capacity = tables.length ? tables[tables.length - 1].capacity : 5;
    const ack = await send('add_table', { topic_id: topicId, capacity }, $('run-error-text'),
      'Table added. Try again now.');
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
  'cafe_updated', 'rounds_updated', 'seats_assigned', 'participant_seated',
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
  const code = ack && !ack.ok && ack.error ? ack.error.code : null;
  if (code === 'link_rotated') { showLinkReplaced(); return; }
  if (PREVIEW_RETRY.has(code)) preview.again = true;
  else if (live.state && phaseKey(live.state) === key) { preview.ack = ack; preview.key = key; }
  else preview.again = true;   // the phase moved on while the server planned: ask about the new one
  if (preview.again) { preview.again = false; schedulePreview(); }
  // The whole panel: the seat map shows round 1's empty tables, and render keeps the focus.
  if (live.state) render(live.state, []);
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
      'Seats are set for this round. The next seating shows here once the discussion starts.');
    list.replaceChildren();
    return;
  }
  const ack = preview.key === phaseKey(state) ? preview.ack : null;
  setText('next-seating-when', `${c.status === 'lobby' ? '· when you start round 1' : '· when you end this round'}${
    ack && previewPending() ? ' · updating…' : ''}`);
  if (!ack) {
    setText('next-seating-lead', 'Working out the next seating…');
    list.replaceChildren();
    return;
  }
  if (!ack.ok) {
    box.dataset.kind = 'warn';
    setText('next-seating-lead', (ack.error && ack.error.message) || 'The next seating could not be worked out.');
    list.replaceChildren();
    return;
  }
  if (!ack.preview) {
    setText('next-seating-lead', 'This is the last round: ending it starts the harvest, nobody changes tables.');
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
  setText('seat-count', String(state.tables.reduce((n, t) => n + t.capacity, 0)));
  setText('seated-count', String(Object.keys(seats).length));
  setText('seat-round', running ? `· round ${c.current_round}` : '· seats are given when round 1 starts');

  const topics = state.topics.map((topic) => {
    const tables = state.tables.filter((t) => t.topic_id === topic.id);
    return el('section', { class: 'map-topic' },
      el('h3', { class: 'topic-chip', text: topic.name, style: { background: topic.colour, color: inkFor(topic.colour) } }),
      el('ul', { class: 'map-tables' }, ...tables.map((t) => tableCard(state, t, byTable.get(t.id) || []))));
  });
  $('seatmap').replaceChildren(...(topics.length ? topics
    : [el('p', { class: 'empty', text: 'No topics yet. Add one in Set-up.' })]));

  const unseated = running ? people.filter((p) => !(String(p.id) in seats)) : [];
  $('unseated-box').hidden = unseated.length === 0;
  $('unseated').replaceChildren(...unseated.map((p) => el('li', { class: p.present ? '' : 'away' },
    p.name, p.present ? null : el('span', { class: 'pill pill-off', text: 'away' }))));
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
  const elsewhere = seat && seat !== table.id ? state.tables.find((t) => t.id === seat) : null;
  const where = elsewhere ? ` — at ${elsewhere.label} this round` : '';
  return `★ host: ${host.name}${host.present ? '' : ' (away)'}${where}`;
}

function tableCard(state, table, sitting) {
  const host = table.host_id ? personById(state, table.host_id) : null;
  const hostAway = host && !host.present;
  const full = sitting.length >= table.capacity;
  // A thin room leaves tables empty on purpose (settings.min_table_size): not a count of 0.
  // Before the start, the plan of round 1 says which ones, so the room can be set out for it.
  const unused = isRunning(state) ? sitting.length === 0 : lobbyUnused(state).has(table.id);
  const unusedText = isRunning(state) ? 'not used this round' : 'not used in round 1';
  sitting.sort((a, b) => (b.id === table.host_id) - (a.id === table.host_id) || a.name.localeCompare(b.name));
  const card = el('li', { class: `map-table${hostAway ? ' host-away' : ''}${unused ? ' unused' : ''}` },
    el('p', { class: 'map-table-head' },
      el('strong', { text: table.label }),
      unused ? el('span', { class: 'seat-n unused-n', text: unusedText })
        : el('span', { class: `seat-n${full ? ' full' : ''}`, text: `${sitting.length}/${table.capacity}` })),
    host ? el('p', { class: 'map-host', text: hostLine(state, table, host) }) : null,
    el('ul', { class: 'map-people' }, ...sitting.map((p) => el('li', { class: p.present ? 'present' : 'away' },
      p.id === table.host_id ? '★ ' : '', p.name,
      p.present ? null : el('span', { class: 'pill pill-off', text: 'away' })))));
  if (hostAway) {
    const id = `away-host-${table.id}`;
    const select = el('select', { id, 'data-table': table.id });
    fillSelect(select, hostOptions(state), table.host_id);
    select.addEventListener('change', async () => {
      const ack = await send('set_host',
        { table_id: table.id, participant_id: select.value ? Number(select.value) : null });
      if (!ack.ok) {
        showRunError((ack.error && ack.error.message) || 'That did not work.');
        select.value = String(table.host_id);
      }
    });
    card.append(el('div', { class: 'host-warning', role: 'note' },
      el('label', { for: id, text: 'Host away — choose a replacement' }), select));
  }
  return card;
}

// --- change live: move someone, announce, participants ---------------------------------------

function renderLive(state) {
  const seats = currentSeats(state);
  const people = state.participants || [];
  fillSelect($('move-who'), [{ value: '', label: 'Choose a person…' }, ...people.map((p) => {
    const t = state.tables.find((x) => x.id === seats[String(p.id)]);
    return { value: String(p.id), label: `${p.name}${t ? ` — ${t.label}` : ' — no seat'}` };
  })]);
  const count = {};
  for (const tid of Object.values(seats)) count[tid] = (count[tid] || 0) + 1;
  fillSelect($('move-to'), [{ value: '', label: 'Choose a table…' }, ...state.tables.map((t) => ({
    value: String(t.id), label: `${t.label} (${count[t.id] || 0}/${t.capacity})`,
    group: (topicById(state, t.topic_id) || {}).name || 'Tables',
  }))]);
  $('live-note').hidden = !isRunning(state);

  renderPeople(state, seats);
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
function readLanguages(text) { return text.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean); }

// Everyone, by name, for the "Sit with…" lists: someone already in a group brings it along, so
// the option says so. Built once a render; each row leaves out its person and their group.
function companionChoices(state, groups) {
  const options = [...(state.participants || [])].sort((a, b) => a.name.localeCompare(b.name)).map((o) => {
    const others = groupOf(groups, o).map((x) => x.name);
    return { id: o.id, group: inGroup(o) ? o.companion_group : null, value: String(o.id),
      label: `${o.name}${o.present ? '' : ' (away)'}${others.length ? ` — with ${nameList(others, 2)}` : ''}` };
  });
  return { options, sig: JSON.stringify(options) };
}

function fillCompanionSelect(select, choices, person) {
  const mine = inGroup(person) ? person.companion_group : null;
  const key = `${person.id}|${mine}|${choices.sig}`;
  // Unchanged lists are left alone, and an open list is never rebuilt under the pointer.
  if (select.dataset.key === key || document.activeElement === select) return;
  fillSelect(select, [{ value: '', label: 'Sit with…' },
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
      text: 'Change' }),
    langForm: el('form', { class: 'langs-form', hidden: true }),
    langInput: el('input', { id: `langs-${pid}`, maxlength: 300, autocomplete: 'off',
      placeholder: 'e.g. Spanish, English' }),
    withNames: el('span', { class: 'with-names' }),
    unlink: el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `unlink-${pid}`, text: 'Unlink' }),
    ask: el('span', { class: 'pill pill-ask', text: 'asks to sit with someone — link them' }),
    withSelect: el('select', { id: `with-${pid}` }),
    link: el('button', { type: 'submit', class: 'btn btn-small btn-quiet', id: `link-${pid}`, text: 'Link' }),
    stay: el('input', { type: 'checkbox', id: `stay-${pid}` }),
    left: el('button', { type: 'button', class: 'btn btn-small btn-quiet', id: `left-${pid}`, text: 'Mark as left' }),
  };
  const save = el('button', { type: 'submit', class: 'btn btn-small', id: `langs-save-${pid}`, text: 'Save' });
  const cancel = el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: 'Cancel' });
  parts.langForm.append(parts.langInput, save, cancel);
  parts.langSave = save;
  parts.langCancel = cancel;
  const linkForm = el('form', { class: 'with-form' }, parts.withSelect, parts.link);
  parts.withLine = el('div', { class: 'cell-line' }, parts.withNames, parts.unlink);
  parts.tr = el('tr', { 'data-id': pid },
    parts.name, parts.org, el('td', { class: 'p-status' }, parts.status), parts.table,
    el('td', { class: 'p-langs' }, el('div', { class: 'cell-stack' },
      el('div', { class: 'cell-line' }, parts.langNames, parts.langChange), parts.langForm)),
    el('td', { class: 'p-with' }, el('div', { class: 'cell-stack' }, parts.withLine, parts.ask, linkForm)),
    el('td', { class: 'p-stay' }, parts.stay),
    el('td', { class: 'p-left' }, parts.left));
  wirePersonRow(pid, parts, linkForm);
  return parts;
}

function wirePersonRow(pid, parts, linkForm) {
  const person = () => personById(live.state, pid) || { id: pid, name: 'this person', languages: [] };
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
    const done = languages.length ? `${p.name} talks in ${languages.join(', ')}.`
      : `${p.name}: no languages stated (their phone's language is used).`;
    const ack = await send('set_participant', { participant_id: pid, languages }, $('people-msg'), done);
    if (ack.ok) { closeForm(); parts.langChange.focus(); }
  });
  linkForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const other = personById(live.state, Number(parts.withSelect.value));
    if (!other) { say($('people-msg'), `Choose who ${person().name} sits with.`, 'error'); return; }
    const ack = await send('link_companions', { participant_ids: [pid, other.id] }, $('people-msg'),
      `${person().name} and ${other.name} sit at one table from the next seating.`);
    if (ack.ok) parts.withSelect.value = '';
  });
  parts.unlink.addEventListener('click', () => {
    const p = person();
    send('unlink_companion', { participant_id: pid }, $('people-msg'), `${p.name} no longer sits with the others.`);
  });
  parts.stay.addEventListener('change', () => send('set_participant',
    { participant_id: pid, stays_seated: parts.stay.checked }, $('people-msg')));
  parts.left.addEventListener('click', async () => {
    const p = person();
    if (await confirmAction(`Mark ${p.name} as left?`,
      'They lose their seat and are not seated again.', 'Mark as left')) {
      send('set_participant', { participant_id: pid, left: true }, $('people-msg'), `${p.name} is marked as left.`);
    }
  });
}

function updatePersonRow(state, parts, p, seats, groups, choices) {
  const table = state.tables.find((t) => t.id === seats[String(p.id)]);
  const group = groupOf(groups, p).map((o) => o.name);
  const asks = asksForCompanion(p);
  parts.tr.className = `${p.present ? 'present' : 'away'}${asks ? ' asks' : ''}`;
  parts.name.textContent = p.name;
  parts.org.textContent = p.organisation || '—';
  parts.status.className = `pill ${p.present ? 'pill-on' : 'pill-off'}`;
  parts.status.textContent = p.present ? 'present' : 'away';
  parts.table.textContent = table ? table.label : '—';

  const langs = languageNames(p);
  parts.langNames.textContent = langs.length ? langs.join(', ') : 'not stated';
  parts.langNames.classList.toggle('muted', !langs.length);
  parts.langChange.setAttribute('aria-label', `Change the languages of ${p.name}`);
  parts.langInput.setAttribute('aria-label', `Languages ${p.name} talks in, separated by commas`);
  parts.langSave.setAttribute('aria-label', `Save the languages of ${p.name}`);

  // Nobody yet: the row shows only "Sit with…", one line lower in a table of 70.
  parts.withNames.textContent = nameList(group);
  parts.withLine.hidden = !group.length;
  parts.unlink.setAttribute('aria-label', `Unlink ${p.name}: no longer sits with ${nameList(group)}`);
  parts.ask.hidden = !asks;
  parts.withSelect.setAttribute('aria-label', `${p.name} sits with…`);
  parts.link.setAttribute('aria-label', `Link ${p.name} with the person chosen`);
  fillCompanionSelect(parts.withSelect, choices, p);

  if (document.activeElement !== parts.stay) parts.stay.checked = !!p.stays_seated;
  parts.stay.setAttribute('aria-label', `${p.name} stays seated`);
  parts.left.setAttribute('aria-label', `Mark as left: ${p.name}`);
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
  setText('people-count', people.length ? `· ${people.length}` : '');
  // With 70 rows a marker far down the table is easy to miss: say it once at the top too.
  const asking = people.filter(asksForCompanion).map((p) => p.name);
  $('companion-ask').hidden = !asking.length;
  setText('companion-ask', asking.length
    ? `${nameList(asking)} ${plural(asking.length, 'asks', 'ask')} to sit with someone: choose who in “Sits with”.` : '');
}

function wireLive() {
  $('move-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const who = Number($('move-who').value);
    const to = Number($('move-to').value);
    if (!who || !to) { say($('move-msg'), 'Choose a person and a table.', 'error'); return; }
    const table = live.state.tables.find((t) => t.id === to);
    send('move_participant', { participant_id: who, table_id: to }, $('move-msg'),
      `Moved to ${table ? table.label : 'the table'}.`);
  });
  const text = $('announce-text');
  text.addEventListener('input', () => setText('announce-count', `${text.value.length} / 280`));
  $('announce-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) { say($('announce-msg'), 'Type the announcement first.', 'error'); return; }
    const ack = await send('announce', { text: value }, $('announce-msg'), 'Sent to every phone and the board.');
    if (ack.ok && text.value.trim() === value) { text.value = ''; setText('announce-count', '0 / 280'); }
  });
}

// --- set-up: café, topics and tables, rounds ----------------------------------------------

const DEFAULT_MIN_TABLE = 3;   // a café without settings.min_table_size seats at least 3 a table

function renderCafeForm(state) {
  const s = state.cafe.settings || {};
  setField($('cafe-title-input'), state.cafe.title);
  setField($('dots-input'), s.dots_per_round);
  setField($('harvest-dots-input'), s.harvest_dots ?? 5);
  setField($('lock-cafe'), s.locked);
  setField($('passcode-input'), s.passcode || '');
  setField($('auto-advance'), s.auto_advance);
  setField($('final-home'), s.final_round_home);
  setField($('hosts-choose'), s.hosts_choose);
  setField($('board-language'), s.board_language || '');
  setField($('min-table-input'), s.min_table_size ?? DEFAULT_MIN_TABLE);
}

function wireCafeForm() {
  $('cafe-form').addEventListener('input', markDirty);
  $('cafe-form').addEventListener('change', markDirty);
  $('cafe-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const settings = { auto_advance: $('auto-advance').checked, final_round_home: $('final-home').checked,
      hosts_choose: $('hosts-choose').checked, board_language: $('board-language').value || null };
    const dots = $('dots-input').value;
    if (dots !== '') settings.dots_per_round = Number(dots);
    const harvestDots = $('harvest-dots-input').value;
    if (harvestDots !== '') settings.harvest_dots = Number(harvestDots);
    const minTable = $('min-table-input').value;
    if (minTable !== '') {
      const n = Number(minTable);
      if (!Number.isInteger(n) || n < 1 || n > 10) {
        say($('cafe-msg'), 'At least 1 and at most 10 people at a table.', 'error');
        return;
      }
      settings.min_table_size = n;
    }
    const ack = await send('update_cafe', { title: $('cafe-title-input').value.trim(), settings }, $('cafe-msg'), 'Saved.');
    if (ack.ok) {
      clean($('cafe-title-input'), $('dots-input'), $('harvest-dots-input'), $('auto-advance'), $('final-home'),
        $('hosts-choose'), $('board-language'), $('min-table-input'));
    }
  });
}

const topicRows = new Map();   // topic id -> its editor parts
const tableRows = new Map();   // table id -> its editor parts

function makeTopicRow(topicId) {
  const id = (k) => `topic-${topicId}-${k}`;
  const parts = {
    name: el('input', { id: id('name'), maxlength: 80, required: true }),
    description: el('input', { id: id('desc'), maxlength: 280 }),
    colour: el('input', { type: 'color', id: id('colour') }),
    msg: el('p', { class: 'form-msg', role: 'status' }),
    tables: el('ul', { class: 'table-editor' }),
    up: el('button', { type: 'button', id: id('up'), class: 'btn btn-small btn-quiet', text: '↑', 'aria-label': 'Move topic up' }),
    down: el('button', { type: 'button', id: id('down'), class: 'btn btn-small btn-quiet', text: '↓', 'aria-label': 'Move topic down' }),
    remove: el('button', { type: 'button', id: id('remove'), class: 'btn btn-small btn-quiet', text: 'Remove topic' }),
    addTable: el('button', { type: 'button', id: id('add-table'), class: 'btn btn-small btn-quiet', text: '+ Add a table' }),
    chip: el('span', { class: 'swatch', 'aria-hidden': 'true' }),
  };
  const form = el('form', { class: 'topic-form' },
    el('div', { class: 'field-row' },
      parts.chip,
      el('label', { class: 'grow' }, 'Topic name ', parts.name),
      el('label', {}, 'Colour ', parts.colour),
      el('div', { class: 'order' }, parts.up, parts.down)),
    el('label', {}, 'Description ', parts.description),
    el('div', { class: 'field-row' },
      el('button', { type: 'submit', class: 'btn btn-small', text: 'Save topic' }),
      parts.remove, parts.msg));
  parts.li = el('li', { class: 'topic-edit', id: `topic-${topicId}` }, form, parts.tables,
    el('div', { class: 'field-row' }, parts.addTable));
  form.addEventListener('input', markDirty);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ack = await send('update_topic', { topic_id: topicId, name: parts.name.value.trim(),
      description: parts.description.value.trim(), colour: parts.colour.value }, parts.msg, 'Saved.');
    if (ack.ok) clean(parts.name, parts.description, parts.colour);
  });
  parts.up.addEventListener('click', () => reorderTopic(topicId, -1, parts.msg));
  parts.down.addEventListener('click', () => reorderTopic(topicId, +1, parts.msg));
  parts.remove.addEventListener('click', async () => {
    const topic = topicById(live.state, topicId);
    if (await confirmAction(`Remove “${topic ? topic.name : 'this topic'}”?`,
      'The topic and its tables are removed.', 'Remove topic')) {
      send('remove_topic', { topic_id: topicId }, parts.msg);
    }
  });
  parts.addTable.addEventListener('click', () => {
    const tables = live.state.tables.filter((t) => t.topic_id === topicId);
    const capacity = tables.length ? tables[tables.length - 1].capacity : 5;
    send('add_table', { topic_id: topicId, capacity }, parts.msg,
      isRunning(live.state) ? 'Table added: it is used from the next round.' : 'Table added.');
  });
  return parts;
}

async function reorderTopic(topicId, delta, msg) {
  const order = live.state.topics.map((t) => t.id);
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
    remove: el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: 'Remove' }),
    msg: el('span', { class: 'form-msg', role: 'status' }),
  };
  const form = el('form', { class: 'table-form field-row' },
    el('label', {}, 'Table ', parts.label),
    el('label', {}, 'Seats ', parts.capacity),
    el('label', {}, 'Host ', parts.host),
    el('button', { type: 'submit', class: 'btn btn-small', text: 'Save' }),
    parts.remove, parts.msg);
  parts.li = el('li', { id: `table-${tableId}` }, form);
  form.addEventListener('input', (e) => { if (e.target !== parts.host) markDirty(e); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ack = await send('update_table', { table_id: tableId, label: parts.label.value.trim(),
      capacity: Number(parts.capacity.value) }, parts.msg, 'Saved.');
    if (ack.ok) clean(parts.label, parts.capacity);
  });
  parts.host.addEventListener('change', async () => {
    const ack = await send('set_host', { table_id: tableId,
      participant_id: parts.host.value ? Number(parts.host.value) : null }, parts.msg, 'Host set.');
    const table = live.state && live.state.tables.find((t) => t.id === tableId);
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
    row.chip.style.background = topic.colour;
    row.up.disabled = index === 0;
    row.down.disabled = index === state.topics.length - 1;
    row.remove.hidden = !editable;
    row.addTable.textContent = state.cafe.status === 'running' ? '+ Add a table (from the next round)' : '+ Add a table';
    if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] || null);
    const tables = state.tables.filter((t) => t.topic_id === topic.id);
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
    if (!name) { say($('add-topic-msg'), 'Give the topic a name.', 'error'); return; }
    const payload = { name, description: $('new-topic-description').value.trim(), colour: $('new-topic-colour').value,
      tables: Number($('new-topic-tables').value || 0), capacity: Number($('new-topic-capacity').value || 5) };
    const ack = await send('add_topic', payload, $('add-topic-msg'),
      isRunning(live.state) ? `“${name}” added: its tables are used from the next round.` : `“${name}” added.`);
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
    move_seconds: prev ? prev.move_seconds : 2 * 60 };
}

function roundRow(state, round, index) {
  const n = index + 1;
  const id = (k) => `round-${n}-${k}`;
  const moveInSeconds = round.move_seconds % 60 !== 0;
  const moveUnit = el('select', { id: id('move-unit'), 'aria-label': `Round ${n} move time unit` },
    el('option', { value: 'min', text: 'min' }), el('option', { value: 's', text: 's' }));
  moveUnit.value = moveInSeconds ? 's' : 'min';
  const started = isRunning(state) && n < state.cafe.current_round;
  const overrides = state.topics.map((t) => el('label', { class: 'override' },
    el('span', { class: 'swatch', style: { background: t.colour }, 'aria-hidden': 'true' }), `${t.name} `,
    el('input', { id: `round-${n}-topic-${t.id}`, 'data-topic': t.id, maxlength: 280,
      value: (round.topic_questions || {})[String(t.id)] || '', placeholder: 'Same question as everyone' })));
  const hasOverride = Object.values(round.topic_questions || {}).some(Boolean);
  return el('li', { class: `round-edit${started ? ' done' : ''}`, 'data-n': n },
    el('h4', { text: `Round ${n}${started ? ' (played)' : ''}` }),
    el('label', {}, 'Question for all tables ',
      el('input', { id: id('question'), maxlength: 280, value: round.question || '' })),
    state.topics.length ? el('details', { open: hasOverride },
      el('summary', { text: 'A different question for some topics' }), ...overrides) : null,
    el('div', { class: 'field-row' },
      el('label', {}, 'Discussion (minutes) ',
        el('input', { type: 'number', id: id('discuss'), min: 1, max: 120, step: 0.5, class: 'num',
          value: String(round.discuss_seconds / 60) })),
      el('label', {}, 'Move ',
        el('input', { type: 'number', id: id('move'), min: 0.1, max: 1800, step: 'any', class: 'num',
          value: String(moveInSeconds ? round.move_seconds : round.move_seconds / 60) })),
      moveUnit));
}

function readRounds() {
  return [...$('round-editor').children].map((li) => {
    const n = li.dataset.n;
    const get = (k) => $(`round-${n}-${k}`);
    const topic_questions = {};
    for (const input of li.querySelectorAll('input[data-topic]')) {
      if (input.value.trim()) topic_questions[input.dataset.topic] = input.value.trim();
    }
    const move = Number(get('move').value);
    return {
      question: get('question').value.trim(),
      topic_questions,
      discuss_seconds: Math.round(Number(get('discuss').value) * 60),
      move_seconds: Math.round(get('move-unit').value === 's' ? move : move * 60),
    };
  });
}

function buildRounds(state, rounds) {
  $('round-editor').replaceChildren(...rounds.map((r, i) => roundRow(state, r, i)));
  const count = $('round-count');
  if (document.activeElement !== count) count.value = String(rounds.length);
}

function renderRounds(state) {
  const sig = JSON.stringify([state.rounds, state.topics.map((t) => [t.id, t.name, t.colour]),
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
    const ack = await send('set_rounds', { rounds }, $('rounds-msg'), `Saved ${rounds.length} ${plural(rounds.length, 'round', 'rounds')}.`);
    if (ack.ok) { roundsDirty = false; roundsSig = ''; renderRounds(live.state); }
  });
}

// --- notes: every note, newest first, with Hide / Restore -----------------------------------

function renderNotes(state) {
  const notes = state.notes || [];
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  fillSelect($('notes-filter'), [{ value: '', label: 'All tables' },
    ...state.tables.map((t) => ({ value: String(t.id), label: t.label,
      group: (topicById(state, t.topic_id) || {}).name || 'Tables' }))]);
  const only = $('notes-filter').value;
  const shown = only ? notes.filter((n) => String(n.table_id) === only) : notes;
  const hiddenCount = notes.filter((n) => n.hidden).length;
  setText('notes-count', notes.length
    ? `· ${notes.length}${hiddenCount ? `, ${hiddenCount} hidden` : ''}` : '');
  $('notes-empty').hidden = shown.length > 0;
  $('notes-empty').textContent = notes.length && !shown.length
    ? 'No notes at this table yet.' : 'No notes yet. They appear here as the tables write them.';
  $('notes-scroll').hidden = shown.length === 0;
  $('notes-list').replaceChildren(...shown.map((n) => {
    const table = tables.get(n.table_id);
    const button = el('button', { type: 'button', class: `btn btn-small ${n.hidden ? '' : 'btn-danger'}`,
      id: `${n.hidden ? 'restore' : 'hide'}-${n.id}`, text: n.hidden ? 'Restore' : 'Hide',
      'aria-label': `${n.hidden ? 'Restore' : 'Hide'} the note “${n.text.slice(0, 40)}”` });
    button.addEventListener('click', async () => {
      button.disabled = true;
      await send(n.hidden ? 'restore_note' : 'hide_note', { id: n.id }, $('notes-msg'),
        n.hidden ? 'Restored: the note is back on the phones and the board.'
          : 'Hidden from every phone and the board.');
      button.disabled = false;
    });
    return el('tr', { class: n.hidden ? 'is-hidden' : '', 'data-id': n.id },
      el('td', { class: 'notes-text' },
        el('span', { class: `swatch sticky-${n.colour}`, 'aria-hidden': 'true' }),
        el('span', { text: n.text }),
        n.hidden ? el('span', { class: 'pill pill-off', text: 'hidden' }) : null,
        n.pinned ? el('span', { class: 'pill pill-pin', text: '★ pinned' }) : null),
      el('td', { text: table ? table.label : '—' }),
      el('td', { text: n.round ?? '—' }),
      el('td', { text: n.author_name || 'Anonymous', title: n.author_name || 'Anonymous' }),
      el('td', { class: 'num-cell', text: String(n.votes + (n.harvest_votes || 0)) }),
      el('td', { class: 'notes-actions' }, spotlightButton(state, n), button));
  }));
}

// Show one note large on the board (or take it off); the row is drawn again from the event.
function spotlightButton(state, note) {
  const on = state.cafe.spotlight === note.id;
  const button = el('button', {
    type: 'button', class: `btn btn-small${on ? ' btn-primary' : ''}`, id: `spotlight-${note.id}`,
    'aria-pressed': on ? 'true' : 'false', disabled: note.hidden || null,
    text: on ? 'On the board' : 'Spotlight',
    'aria-label': `${on ? 'Take off the board' : 'Show large on the board'}: “${note.text.slice(0, 40)}”`,
  });
  button.addEventListener('click', async () => {
    button.disabled = true;
    await send('spotlight', { note_id: on ? null : note.id }, $('notes-msg'),
      on ? 'Taken off the board.' : 'On the board, large, until you take it off.');
    button.disabled = false;
  });
  return button;
}

// --- who can join: lock, passcode, a new facilitator link -----------------------------------

function wireAccess() {
  const lock = $('lock-cafe');
  lock.addEventListener('change', async () => {
    const locked = lock.checked;
    const ack = await send('update_cafe', { settings: { locked } }, $('access-msg'),
      locked ? 'Locked: nobody new can join. People already in stay in.' : 'Unlocked: new people can join again.');
    if (!ack.ok) lock.checked = !locked;
  });
  const input = $('passcode-input');
  input.addEventListener('input', markDirty);
  $('passcode-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const passcode = input.value.trim();
    if (passcode && !/^[0-9]{4,8}$/.test(passcode)) {
      say($('access-msg'), 'A passcode is 4 to 8 digits, easy to say out loud.', 'error');
      return;
    }
    const ack = await send('update_cafe', { settings: { passcode } }, $('access-msg'),
      passcode ? `Passcode set: new people type ${passcode} to join. Say it in the room.` : 'Passcode removed.');
    if (ack.ok) clean(input);
  });
  $('rotate-link').addEventListener('click', async () => {
    const ok = await confirmAction('Make a new facilitator link?',
      'The old link stops working at once, on every laptop that has it. This page carries on with the new one.',
      'Make a new link');
    if (!ok) return;
    const ack = await send('rotate_facilitator_link', {}, $('access-msg'), 'A new link is ready: the old one no longer works.');
    if (!ack.ok) return;
    const url = ack.facilitator_url;
    secret = decodeURIComponent(url.slice(url.indexOf('#') + 1));
    auth.secret = secret;
    // The address bar gets the new fragment, so a reload of this page keeps working.
    history.replaceState(null, '', `${location.pathname}${location.search}#${secret}`);
    setText('new-link-text', url);
    setText('copy-msg', '');
    $('new-link').hidden = false;
  });
  $('copy-link').addEventListener('click', async () => {
    const text = $('new-link-text').textContent;
    try {
      await navigator.clipboard.writeText(text);
      say($('copy-msg'), 'Copied.');
    } catch (e) {
      // No clipboard (plain http on a LAN): select the link so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents($('new-link-text'));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      say($('copy-msg'), 'Selected: press Ctrl+C (or ⌘C) to copy.');
    }
  });
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

function showGone() {
  if (gone) return;
  gone = true;
  if (live) live.socket.disconnect();
  $('panel').hidden = true;
  $('link-replaced').hidden = true;
  showDeleted('Everything in it is gone: notes, summaries, names, sign-ups and contacts. Phones and the board have stopped.');
}

// --- harvest: live tallies, top notes, sign-ups, exports, Day 2, deletion --------------------

const TOP_NOTES = 3;

function topicHarvest(state) {
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const topicOf = new Map(state.tables.map((t) => [t.id, t.topic_id]));
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
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  setText('harvest-when', state.cafe.status === 'harvest' ? '· the room is harvesting now' : '· available at any time');
  const cell = (cls, n) => el('td', { class: `num-cell ${cls}`, text: String(n) });
  const total = (key) => rows.reduce((n, r) => n + (Array.isArray(r[key]) ? r[key].length : r[key]), 0);
  $('tally').replaceChildren(...rows.map((r) => el('tr', { id: `tally-${r.topic.id}`, 'data-topic': r.topic.id },
    el('th', { scope: 'row' },
      el('span', { class: 'swatch', style: { background: r.topic.colour }, 'aria-hidden': 'true' }), ` ${r.topic.name}`),
    cell('t-notes', r.notes.length), cell('t-votes', r.votes), cell('t-harvest', r.harvest),
    cell('t-signups', r.people.length))),
  el('tr', { class: 'tally-total', id: 'tally-total' }, el('th', { scope: 'row', text: 'All topics' }),
    cell('t-notes', total('notes')), cell('t-votes', total('votes')), cell('t-harvest', total('harvest')),
    cell('t-signups', total('people'))));

  $('harvest-topics-panel').replaceChildren(...rows.map((r) => el('section', {
    class: 'harvest-topic-card', id: `harvest-card-${r.topic.id}`, 'aria-label': r.topic.name },
  el('h3', { class: 'topic-chip', text: r.topic.name, style: { background: r.topic.colour, color: inkFor(r.topic.colour) } }),
  el('h4', { text: 'Top notes' }),
  r.top.length ? el('ol', { class: 'top-notes' }, ...r.top.map((n) => {
    const table = tables.get(n.table_id);
    return el('li', {},
      el('span', { class: 'top-text', text: n.text }),
      el('span', { class: 'top-meta', text: `● ${n.votes} in rounds · ${n.harvest_votes || 0} in harvest · ${table ? table.label : ''}` }));
  })) : el('p', { class: 'empty', text: r.notes.length ? 'No dots yet.' : 'No notes yet.' }),
  el('h4', { text: `Working group (${r.people.length})` }),
  r.people.length ? el('ul', { class: 'name-list signups' }, ...r.people.map((s) => el('li', { text: s.name })))
    : el('p', { class: 'empty', text: 'Nobody has signed up yet.' }))));
}

async function download(button) {
  const kind = button.dataset.kind;
  const msg = $('export-msg');
  button.disabled = true;
  say(msg, `Preparing ${kind}…`);
  try {
    // The secret goes in a header, never in the address: no log or Referer ever holds it.
    const res = await fetch(`/f/${encodeURIComponent(code)}/export/${kind}`, {
      headers: { Authorization: `Bearer ${secret}` }, cache: 'no-store' });
    if (!res.ok) {
      say(msg, res.status === 403 ? 'This link no longer opens the exports: open the newest facilitator link.'
        : `The export did not work (error ${res.status}). Please try again.`, 'error');
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const name = `${code}-${kind}`;
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(msg, `Downloaded ${name}.`);
  } catch (e) {
    say(msg, 'No connection to the server. Check the network and try again.', 'error');
  } finally {
    button.disabled = false;
  }
}

function wireHarvest() {
  for (const button of document.querySelectorAll('.export-buttons button')) {
    button.addEventListener('click', () => download(button));
  }
  $('duplicate-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const carry = Number($('carry-notes').value || 0);
    $('duplicate-button').disabled = true;
    const ack = await send('duplicate_cafe', { carry_top_notes: carry }, $('duplicate-msg'),
      'Day 2 is ready: open its link to check it. This café is unchanged.');
    $('duplicate-button').disabled = false;
    if (!ack.ok) return;
    setText('duplicate-code', ack.code);
    const link = $('duplicate-link');
    link.href = ack.facilitator_url;
    link.textContent = ack.facilitator_url;
    $('duplicate-links').hidden = false;
  });
  $('delete-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const typed = $('delete-confirm').value.trim();
    if (typed.toUpperCase().replace(/[^A-Z0-9]/g, '') !== code.toUpperCase()) {
      say($('delete-msg'), `To delete, type the café code ${code} in the box.`, 'error');
      $('delete-confirm').focus();
      return;
    }
    $('delete-button').disabled = true;
    const ack = await send('delete_cafe', { confirm: typed }, $('delete-msg'));
    $('delete-button').disabled = false;
    if (ack.ok) showGone();
  });
}

// --- the whole panel ------------------------------------------------------------------------

function render(state, changed) {
  if (gone) return;
  $('panel').hidden = false;
  document.body.dataset.status = state.cafe.status;
  setText('cafe-title', state.cafe.title);
  const active = document.activeElement && document.activeElement.id;
  renderRun(state);
  renderPreview(state);
  renderSeatMap(state);
  renderLive(state);
  renderCafeForm(state);
  renderTopics(state);
  renderRounds(state);
  renderNotes(state);
  renderHarvest(state);
  for (const ev of changed || []) {
    if (ev.type === 'advance_blocked') showRunError(ev.data.message, true);
    if (['move_started', 'round_started', 'harvest_started', 'cafe_closed'].includes(ev.type)) showRunError('');
  }
  if ((changed || []).some((ev) => PLAN_EVENTS.has(ev.type))) schedulePreview();
  // Rebuilt rows get their focus back, so the keyboard never loses its place.
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
  tick();
}

function tick() {
  const state = live && live.state;
  if (!state) return;
  const node = $('countdown');
  const ms = remainingMs(state, live);
  node.textContent = ms === null ? '' : formatMs(ms);
  node.hidden = ms === null;
  node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
  node.dataset.state = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  if (isRunning(state)) setText('phase-label', phaseLabel(state, live));
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
  wireHarvest();
  $('notes-filter').addEventListener('change', () => { if (live && live.state) renderNotes(live.state); });
  live = connectLive({
    auth,
    reducers: baseReducers,
    // A snapshot (the first, or after a long reconnect) may change anything: ask at once.
    onState: (state) => { render(state, []); schedulePreview(0); },
    onChange: render,
    onStatus: (s) => { if (!linkReplaced && !gone) showStatus($('conn'), s); },
    onRefused: () => { live.socket.disconnect(); if (!linkReplaced) denied(); },
    onDeleted: showGone,
  });
  live.socket.on('facilitator_link_rotated', showLinkReplaced);
  setInterval(tick, TICK_MS);
}
