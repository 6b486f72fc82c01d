// The participant's phone: join once, keep the token, then follow the café live —
// where to go, the question, the countdown (computed here from the server's deadline) —
// and the table's tablecloth of sticky notes.
//
// Notes are never lost: a note is first written to an outbox in localStorage, shown at once
// as "sending…", and sent (in the order typed) until the server acknowledges it. The note's
// id is made here, so sending it twice is harmless: the server answers `duplicate: true`.
import {
  connectLive, baseReducers, remainingMs, formatMs, isPaused,
} from './live.js';
import { $, el, setText, inkFor } from './dom.js';
import { t, tn, tableLabel, lang } from './i18n.js';

const code = document.body.dataset.code;
const KEY = (name) => `cafe:${code}:${name}`;
const TOKEN_KEY = KEY('token');
const DISMISSED_KEY = KEY('announcement-dismissed');
const OUTBOX_KEY = KEY('outbox');
const MINE_KEY = KEY('mine');
const STATE_KEY = KEY('state');     // the last snapshot seen, to show something after an offline reload
const DRAFT_KEY = KEY('draft');
const NOTICED_KEY = KEY('noticed');  // the last event a notice was made of: a replay never repeats it
const TEXT_SIZE_KEY = 'cafe:text-size';   // one choice for every café on this phone
const TICK_MS = 250;
const WARN_SECONDS = 120;           // settings.warning_seconds when the facilitator left it unset
const LANG = lang.split('-')[0];    // zh-Hans -> zh: the facilitator's versions are keyed by code
const NOTE_ACK_MS = 5000;
const RETRY_MS = 3000;
const RATE_RETRY_MS = 1500;
const NOTE_MAX = 280;
const SUMMARY_MAX = 1000;
// Refusals that will not change by sending again: the note waits for its author.
const TRANSIENT = new Set(['timeout', 'internal', 'rate_limited']);

let live = null;
let cached = null;          // the stored snapshot, until the live one arrives
let connStatus = 'connecting';
let lastSeat = null;        // "round:table" of the seat last shown, to vibrate on a new one
let warnedFor = null;       // the round whose "time is nearly up" warning was given
let notices = {};           // kind -> {seq, ...}: what the facilitator did to my seat or my notes
let ticker = null;
let clothOpenInMove = false;
let composing = null;       // null | {mode: 'new', replaces?: id} | {mode: 'edit', id}
let flushing = false;
let retryTimer = null;
let saveTimer = null;
let toastTimer = null;
const busy = new Set();     // note ids with a vote/pin/delete on its way
const seenNotes = new Set();
const confirmDelete = new Map();   // note id -> timer: the second tap deletes
let deleted = false;               // the café was deleted: one screen says so, nothing else runs

// --- storage (a full or blocked localStorage must never break the page) --------------------

function readJSON(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch (e) { return fallback; }
}

function writeJSON(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
}

function readOutbox() { const o = readJSON(OUTBOX_KEY, []); return Array.isArray(o) ? o : []; }
function writeOutbox(items) { writeJSON(OUTBOX_KEY, items); }
function updateOutbox(id, change) {
  writeOutbox(readOutbox().map((item) => (item.id === id ? { ...item, ...change } : item)));
}
function dropFromOutbox(id) { writeOutbox(readOutbox().filter((item) => item.id !== id)); }
// A note the server acknowledged (`sent` = the ack's seq) stays shown as pending until the
// phone's state reaches that seq: phones get events batched, so the ack can come first.
function pruneSent(state) {
  const box = readOutbox();
  const kept = box.filter((item) => !(item.sent && state && state.seq >= item.sent));
  if (kept.length !== box.length) writeOutbox(kept);
}

function mine() { return new Set(readJSON(MINE_KEY, [])); }
function rememberMine(id) {
  const ids = readJSON(MINE_KEY, []);
  if (!ids.includes(id)) { ids.push(id); writeJSON(MINE_KEY, ids.slice(-500)); }
}
function forgetMine(id) { writeJSON(MINE_KEY, readJSON(MINE_KEY, []).filter((x) => x !== id)); }

function saveStateSoon() {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    // Never after the café was deleted: that cleared this phone's storage for good.
    if (live && live.state && !deleted) writeJSON(STATE_KEY, live.state);
  }, 800);
}

// A random UUID (v4): crypto.randomUUID exists only on https and localhost, and not on old phones.
function uuid() {
  try { if (window.crypto && crypto.randomUUID) return crypto.randomUUID(); } catch (e) { /* below */ }
  const b = new Uint8Array(16);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
  else for (let i = 0; i < 16; i += 1) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- small helpers ---------------------------------------------------------------------------

function current() { return (live && live.state) || cached; }

function online() {
  return navigator.onLine !== false && !!live && live.socket.connected;
}

function show(screenId) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== screenId;
  document.body.dataset.screen = screenId;
}

function vibrate(pattern) {
  try { navigator.vibrate?.(pattern); } catch (e) { /* not every phone can */ }
}

function toast(text) {
  const node = $('toast');
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 5000);
}

// Why the café refused a command, in the phone's language (the server's words are English).
const REFUSALS = {
  timeout: () => t("No connection right now — try again when you're back online."),
  rate_limited: () => t('Too many requests: slow down a little.'),
  no_dots_left: () => {   // the budget as the server counts it (the same defaults)
    const c = (current() || {}).cafe || {};
    const harvest = c.status === 'harvest';
    const n = Number((c.settings || {})[harvest ? 'harvest_dots' : 'dots_per_round'] ?? (harvest ? 5 : 3));
    return harvest
      ? tn(n, 'You have used all {n} of your dots in the harvest. Take one back to give it to another note.')
      : tn(n, 'You have used all {n} of your dots this round. Take one back to give it to another note.');
  },
  already_voted: () => t('You already put a dot on this note.'),
  no_vote: () => t('You have no dot on this note.'),
  earlier_dot: () => t('You gave this dot in an earlier round; it stays there.'),
  table_has_host: () => t('That table already has a host. Pick another table.'),
  already_signed_up: () => t('You have already joined this working group.'),
  not_signed_up: () => t('You have not joined this working group.'),
  unknown_participant: () => t('This phone is no longer part of the café.'),
  cafe_closed: () => t('This café has closed. Thank you for coming!'),
  bad_payload: () => t('The café could not read what this phone sent. Reload the page and try again.'),
  internal: () => t('Something went wrong on the server. Please try again.'),
};

// Codes said with many messages (invalid, not_found, forbidden): the ones a phone can get are
// translated word for word (the English is the key); any other keeps the server's English.
const SERVER_SAYS = new Set([
  'That note is not on any tablecloth (it may have been deleted).',
  'That note is not on any tablecloth.',
  'That table is not in this café.',
  'There is no such table in this café.',
  'There is no such strategy area in this café.',
  'That round has not started: notes open when it does.',
  'That round has not started.',
  'The facilitator has hidden this note.',
  'You can only change your own notes.',
  "Only this table's host can pin its notes.",
  "Only this table's host can write its summary.",
  'A hidden note cannot be pinned.',
  'Dots are given during a round.',
  'Harvest dots open when the harvest starts.',
  'The facilitator assigns the hosts in this café.',
  'Hosts are chosen before the first round; ask the facilitator now.',
  'Tell the working group your name so they can find you.',
  'Leave an email address or a phone number, or nothing.',
]);

function refusal(ack) {
  const error = ack && ack.error;
  if (!error) return t('That did not work. Please try again.');
  const say = REFUSALS[error.code];
  if (say) return say();
  if (SERVER_SAYS.has(error.message)) return t(error.message);
  return error.message || t('That did not work. Please try again.');
}

// My seat this round, with its table and topic; null when I have none.
function mySeat(state) {
  const c = state.cafe;
  const seating = state.seating;
  if (!state.me || !seating || seating.round !== c.current_round) return null;
  const tableId = seating.seats[String(state.me.id)];
  if (tableId === undefined || tableId === null) return null;
  const table = state.tables.find((t) => t.id === tableId);
  if (!table) return null;
  const topic = state.topics.find((t) => t.id === table.topic_id) || null;
  // A thin room leaves some tables empty for a round, and their hosts sit at another one. `away`
  // is the table I host when this round seats me elsewhere: I do not host where I sit.
  const own = state.tables.find((t) => t.host_id === state.me.id);
  const away = own && own.id !== table.id ? own : null;
  return { table, topic, hosting: table.host_id === state.me.id, away };
}

function paint(node, colour) {
  if (!node) return;
  if (colour) {
    node.style.background = colour;
    node.style.color = inkFor(colour);
  } else {
    node.style.removeProperty('background');
    node.style.removeProperty('color');
  }
}

function roundLine(state) {
  const c = state.cafe;
  return t('Round {round} of {rounds}', { round: c.current_round, rounds: Math.max(state.rounds.length, c.current_round || 0) });
}

// --- the facilitator's words, in this phone's language where they wrote a version -------------

function versionOf(item) { return (item && item.translations && item.translations[LANG]) || {}; }
function topicName(topic) { return topic ? versionOf(topic).name || topic.name : ''; }

// The question of a round for one area: its own question, else the round's; each in this
// phone's language when the facilitator gave one.
function questionFor(state, number, topicId) {
  const round = (state.rounds || []).find((r) => r.number === number);
  if (!round) return '';
  const version = versionOf(round);
  const key = String(topicId);
  const own = round.topic_questions && round.topic_questions[key];
  if (own) return (version.topic_questions && version.topic_questions[key]) || own;
  return version.question || round.question || '';
}

// Each area's number (1, 2, 3… in the order of the areas), beside its name: colour is never
// the only cue.
function areaName(state, topic) {
  const n = state.topics.indexOf(topic) + 1;
  return [el('span', { class: 'area-n', text: String(n) }), topicName(topic)];
}

function expired(a) {
  return !!(a && a.until && live && live.serverNow() >= a.until);
}

function renderAnnouncement(state) {
  const a = state.cafe.announcement;
  const dismissed = Number(localStorage.getItem(DISMISSED_KEY) || 0);
  const box = $('announcement');
  if (!a || !a.text || a.at <= dismissed || expired(a)) { box.hidden = true; return; }
  setText('announcement-text', (a.translations && a.translations[LANG]) || a.text);
  if (box.hidden) vibrate(80);
  box.hidden = false;
  box.dataset.at = String(a.at);
}

function renderOffline() {
  const pending = readOutbox().filter((item) => !item.error && !item.sent).length;
  const off = navigator.onLine === false || connStatus === 'offline';
  const screen = document.body.dataset.screen;
  $('offline').hidden = deleted || !off || screen === 'join' || !$('join');
  offlineRoom();
  setText('offline-pending', pending
    ? tn(pending, '({n} notes waiting)') : '');
  document.body.dataset.online = off ? 'no' : 'yes';
}

// The offline banner takes its own room: the sticky header, the banners and the move screen
// (over the whole page) start under it (cafe.css reads --offline-h), never behind it.
function offlineRoom() {
  const box = $('offline');
  document.body.style.setProperty('--offline-h', `${box.hidden ? 0 : box.offsetHeight}px`);
}
if (window.ResizeObserver) new ResizeObserver(offlineRoom).observe($('offline'));

// --- notices: what the facilitator did to my seat or my notes, in one calm sentence -----------

function phaseOf(state) {
  const c = state.cafe;
  return `${c.status}:${c.current_round}:${c.phase}`;
}

// Called by the reducers below, once per event as it is applied (a reload starts from a fresh
// snapshot, and an event already noticed on this phone is never noticed again).
function notice(state, ev, kind, change) {
  if (ev.seq <= Number(localStorage.getItem(NOTICED_KEY) || 0)) return;
  try { localStorage.setItem(NOTICED_KEY, String(ev.seq)); } catch (e) { /* fine */ }
  const before = notices[kind] && notices[kind].phase === phaseOf(state) ? notices[kind] : {};
  notices[kind] = { ...change(before), phase: phaseOf(state) };
}

const reducers = {
  ...baseReducers,
  participant_seated(state, data, ev) {
    baseReducers.participant_seated(state, data, ev);
    if (data.reason === 'moved' && state.me && data.participant_id === state.me.id
        && data.table_id !== null && data.round === state.cafe.current_round) {
      notice(state, ev, 'moved', () => ({ table_id: data.table_id }));
    }
  },
  note_hidden(state, data, ev) {
    // The note leaves the state with this event: whose it was is known only before.
    const note = (state.notes || []).find((n) => n.id === data.note_id);
    const own = mine().has(data.note_id) || !!(note && state.me && note.author_id === state.me.id);
    baseReducers.note_hidden(state, data, ev);
    if (own) notice(state, ev, 'hidden', (before) => ({ count: (before.count || 0) + 1 }));
  },
};

function renderNotices(state) {
  const phase = phaseOf(state);
  const moved = notices.moved && notices.moved.phase === phase ? notices.moved : null;
  const table = moved && state.tables.find((x) => x.id === moved.table_id);
  $('notice-moved').hidden = !table;
  if (table) setText('notice-moved-text', t('The facilitator moved you to {table}.', { table: tableLabel(table.label) }));
  const hidden = notices.hidden && notices.hidden.phase === phase ? notices.hidden : null;
  $('notice-hidden').hidden = !hidden;
  if (hidden) setText('notice-hidden-text', tn(hidden.count, 'The facilitator hid {n} of your notes.'));
  // On the move screen (over the whole page) the notice goes under "Round 2 of 4".
  const box = $('notices');
  const spot = document.body.dataset.screen === 'move' ? $('move-round').nextElementSibling
    : document.querySelector('.phone-main').firstElementChild;
  if (box !== spot && box.nextSibling !== spot) spot.parentNode.insertBefore(box, spot);
}

// --- the screens ------------------------------------------------------------------------------

function render(state) {
  if (!state || deleted) return;
  pruneSent(state);
  setText('cafe-title', state.cafe.title);
  if (state.me) setText('me-name', state.me.name);
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', tn(n, 'people are here'));
  const me = state.me || {};
  // Once the facilitator has linked the companions, there is nothing left to tell them.
  $('lobby-companion').hidden = !me.wants_companion || (me.companion_group !== null && me.companion_group !== undefined);
  $('lobby-seated').hidden = !me.stays_seated;
  renderAnnouncement(state);
  renderScreen(state);
  renderNotices(state);
  renderOffline();
}

function renderScreen(state) {
  const c = state.cafe;
  let seat = null;
  if (c.status === 'closed') {
    setText('problem-title', t('This café has ended'));
    setText('problem-text', t('Thank you for coming, and for everything you brought to the tables!'));
    show('problem');
  } else if (state.me && state.me.admitted === false) {
    // The café asks the facilitator to let newcomers in (approve_joins): wait, calmly.
    setText('problem-title', t('Waiting to be let in'));
    setText('problem-text', t('The facilitator lets newcomers in. Your phone shows the café as soon as you are in.'));
    show('problem');
  } else if (c.status === 'harvest') {
    renderHarvest(state);
    show('harvest');
  } else if (c.status !== 'running' || !c.phase) {
    renderHostPick(state);
    show('lobby');
  } else {
    seat = mySeat(state);
    if (!seat) {
      setText('wait-round', roundLine(state));
      show('wait');
      lastSeat = null;
    } else {
      renderSeat(state, seat);
    }
  }
  const screen = document.body.dataset.screen;
  if (screen !== 'move') clothOpenInMove = false;
  const clothShown = !!seat && (screen === 'discuss' || (screen === 'move' && clothOpenInMove));
  document.body.dataset.cloth = clothShown ? 'open' : 'closed';
  $('cloth').hidden = !clothShown;
  $('cloth-close').hidden = screen !== 'move';
  $('note-bar').hidden = !clothShown || !!composing;
  $('harvest-bar').hidden = screen !== 'harvest' || harvestDots(state).budget <= 0;
  if (!clothShown && composing) closeComposer();
  if (clothShown) renderCloth(state, seat);
  tick();
}

// --- hosts who pick their own table (when the facilitator allows it, before round 1) ---------

function renderHostPick(state) {
  const box = $('host-pick');
  const open = !!(state.cafe.settings && state.cafe.settings.hosts_choose) && !state.cafe.current_round
    && !!state.me;
  box.hidden = !open;
  if (!open) return;
  const topics = new Map((state.topics || []).map((t) => [t.id, t]));
  const mine = (state.tables || []).find((t) => t.host_id === state.me.id);
  const mineLine = $('host-pick-mine');
  mineLine.hidden = !mine;
  if (mine) {
    const topic = topics.get(mine.topic_id);
    mineLine.textContent = t('You host {table}. Stay there and welcome the newcomers.',
      { table: `${tableLabel(mine.label)}${topic ? ` — ${topicName(topic)}` : ''}` });
  }
  $('host-pick-h').textContent = mine ? t('You are hosting') : t('Are you hosting a table?');
  $('host-pick-hint').hidden = !!mine;
  $('host-pick-stop').hidden = !mine;
  const select = $('host-pick-select');
  const free = (state.tables || []).filter((t) => t.host_id === null || t.host_id === undefined);
  const wanted = select.value;
  select.replaceChildren(el('option', { value: '', text: free.length ? t('Choose a table…') : t('Every table has a host') }),
    ...free.map((t) => {
      const topic = topics.get(t.topic_id);
      return el('option', { value: String(t.id), text: `${tableLabel(t.label)}${topic ? ` — ${topicName(topic)}` : ''}` });
    }));
  if (free.some((t) => String(t.id) === wanted)) select.value = wanted;
  select.hidden = !!mine && !free.length;
  $('host-pick-save').hidden = !free.length;
  $('host-pick-save').textContent = mine ? t('Host this table instead') : t('I host this table');
}

async function chooseHostTable(tableId) {
  const error = $('host-pick-error');
  error.hidden = true;
  if (!online()) { error.textContent = t("You're offline — try again when you're back."); error.hidden = false; return; }
  const ack = await live.send('choose_host_table', { table_id: tableId });
  if (!ack || !ack.ok) { error.textContent = refusal(ack); error.hidden = false; }
  render(current());
}

function wireHostPick() {
  $('host-pick-save').addEventListener('click', () => {
    const value = $('host-pick-select').value;
    if (!value) {
      $('host-pick-error').textContent = t('Choose the table you host first.');
      $('host-pick-error').hidden = false;
      return;
    }
    chooseHostTable(Number(value));
  });
  $('host-pick-stop').addEventListener('click', () => chooseHostTable(null));
}

function renderSeat(state, seat) {
  const c = state.cafe;
  const key = `${state.seating.round}:${seat.table.id}`;
  if (key !== lastSeat) {
    if (c.phase === 'move') vibrate([200, 100, 200]);
    lastSeat = key;
  }
  const label = tableLabel(seat.table.label);
  const area = seat.topic ? areaName(state, seat.topic) : [];
  const colour = seat.topic ? seat.topic.colour : null;
  const question = questionFor(state, c.current_round, seat.topic && seat.topic.id);

  if (c.phase === 'move') {
    setText('move-round', roundLine(state));
    setText('move-head', seat.hosting ? t('Stay at {table}', { table: label }) : t('Go to {table}', { table: label }));
    $('move-topic').replaceChildren(...area);
    const host = $('move-host');
    host.hidden = !seat.hosting;
    host.textContent = seat.hosting ? t('You host {table}. Welcome the newcomers.', { table: label }) : '';
    const away = $('move-away');
    away.hidden = !seat.away;
    away.textContent = seat.away ? t('Your table ({table}) is not used this round: fewer people came. Sit at {seat} and join its conversation.',
      { table: tableLabel(seat.away.label), seat: label }) : '';
    setText('move-question', question);
    setText('move-cloth', t('See the notes of {table}', { table: label }));
    paint($('move'), colour);
    show('move');
  } else {
    setText('discuss-table', label);
    $('discuss-topic').replaceChildren(...area);
    paint($('seat-band'), colour);
    const host = $('discuss-host');
    host.hidden = !seat.hosting;
    host.textContent = seat.hosting ? t('You host {table} — stay here and welcome the newcomers', { table: label }) : '';
    const away = $('discuss-away');
    away.hidden = !seat.away;
    away.textContent = seat.away ? t('Your table ({table}) is not used this round.', { table: tableLabel(seat.away.label) }) : '';
    setText('discuss-round', roundLine(state));
    setText('discuss-question', question);
    show('discuss');
  }
}

// --- the tablecloth -----------------------------------------------------------------------------

function dotsInfo(state) {
  const budget = Number((state.cafe.settings || {}).dots_per_round ?? 3);
  const round = state.cafe.current_round;
  const votes = (state.my_votes || []).filter((v) => v.phase === 'round');
  const used = votes.filter((v) => v.round === round).length;
  return { budget, left: Math.max(0, budget - used), voted: new Set(votes.map((v) => v.note_id)) };
}

function renderCloth(state, seat) {
  const c = state.cafe;
  const tableId = seat.table.id;
  const round = c.current_round;
  setText('cloth-table', `· ${tableLabel(seat.table.label)}`);

  const dots = dotsInfo(state);
  const dotsNode = $('dots-left');
  dotsNode.hidden = dots.budget <= 0;
  dotsNode.textContent = dots.left > 0
    ? `● ${tn(dots.left, '{n} dots left')}`
    : t('No dots left — tap one of your dots to take it back');
  dotsNode.dataset.left = String(dots.left);

  // The host writes this round's summary; everyone sees the earlier rounds' summaries.
  $('host-box').hidden = !seat.hosting;
  if (seat.hosting) {
    setText('summary-h', t('Summary of round {round} (you host)', { round }));
    setText('summary-label', t('Summary of round {round}', { round }));
    const own = (state.summaries || []).find((s) => s.table_id === tableId && s.round === round);
    const area = $('summary-text');
    if (area.dataset.round !== String(round)) {
      // A new round: a fresh, folded summary box.
      $('host-box').open = false;
      setText('summary-msg', '');
      delete area.dataset.dirty;
    }
    if (area.dataset.round !== String(round) || (area.dataset.dirty !== '1' && document.activeElement !== area)) {
      area.value = own ? own.text : '';
      area.dataset.round = String(round);
      delete area.dataset.dirty;
      setText('summary-count', `${area.value.length} / ${SUMMARY_MAX}`);
    }
  }
  const before = (state.summaries || []).filter((s) => s.table_id === tableId && s.round < round);
  $('summaries-box').hidden = before.length === 0;
  $('summaries').replaceChildren(...before.map((s) => el('li', { class: 'summary' },
    el('p', { class: 'summary-meta', text: s.author_name ? t('Round {round} · by {name}', { round: s.round, name: s.author_name }) : t('Round {round}', { round: s.round }) }),
    el('p', { class: 'summary-text', text: s.text }))));

  const notes = (state.notes || []).filter((n) => n.table_id === tableId && !n.hidden
    && (n.round === null || n.round === undefined || n.round <= round));
  const known = new Set((state.notes || []).map((n) => n.id));
  const outbox = readOutbox().filter((item) => !known.has(item.id)).reverse();
  const ctx = { state, seat, dots, mine: mine(), round, tableId };

  const active = document.activeElement && document.activeElement.id;
  const pinned = notes.filter((n) => n.pinned);
  $('pinned-box').hidden = pinned.length === 0;
  $('pinned').replaceChildren(...pinned.map((n) => noteItem(n, ctx)));
  const rest = notes.filter((n) => !n.pinned);
  $('notes').replaceChildren(...outbox.map((item) => pendingItem(item, ctx)), ...rest.map((n) => noteItem(n, ctx)));
  $('notes-empty').hidden = notes.length + outbox.length > 0;
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
  for (const n of notes) seenNotes.add(n.id);
}

function isMine(note, ctx) {
  return ctx.mine.has(note.id) || (note.author_id !== null && ctx.state.me && note.author_id === ctx.state.me.id);
}

function noteItem(note, ctx) {
  const own = isMine(note, ctx);
  const earlier = note.round !== null && note.round !== undefined && note.round < ctx.round;
  const voted = ctx.dots.voted.has(note.id);
  const meta = el('p', { class: 'note-meta' },
    el('span', { class: 'note-author', text: `${note.author_name || t('Anonymous')}${own ? ` ${t('(you)')}` : ''}` }),
    earlier ? el('span', { class: 'tag tag-round', text: t('Round {round}', { round: note.round }) }) : null);
  const actions = el('div', { class: 'note-actions' });
  if (ctx.dots.budget > 0) {
    const dot = el('button', {
      type: 'button', class: 'dot-btn', id: `dot-${note.id}`, 'aria-pressed': voted ? 'true' : 'false',
      disabled: busy.has(note.id),
    }, el('span', { class: 'dot', 'aria-hidden': 'true' }),
    // The name is the button's own text (what it does, then the count people see), so a voice
    // user saying the visible number still reaches it.
    el('span', { class: 'visually-hidden', text: `${voted ? t('Take your dot back:') : t('Give a dot:')} ` }),
    el('span', { class: 'dot-n', text: String(note.votes) }),
    el('span', { class: 'visually-hidden', text: ` ${tn(note.votes, 'dots')}` }));
    dot.addEventListener('click', () => toggleDot(note, voted));
    actions.append(dot);
  } else {
    actions.append(el('span', { class: 'dot-count', text: `● ${note.votes}` }));
  }
  if (ctx.seat.hosting) {
    const pin = el('button', { type: 'button', class: 'btn-note', id: `pin-${note.id}`,
      text: note.pinned ? `★ ${t('Unpin')}` : `☆ ${t('Pin')}`, disabled: busy.has(note.id),
      'aria-label': note.pinned ? t('Unpin this key insight') : t('Pin as a key insight') });
    pin.addEventListener('click', () => act(note.id, 'pin_note', { id: note.id, pinned: !note.pinned }));
    actions.append(pin);
  }
  if (own) {
    const edit = el('button', { type: 'button', class: 'btn-note', id: `edit-${note.id}`, text: t('Edit') });
    edit.addEventListener('click', () => openComposer({ mode: 'edit', id: note.id }, note));
    const sure = confirmDelete.has(note.id);
    const del = el('button', { type: 'button', class: `btn-note btn-note-danger${sure ? ' sure' : ''}`,
      id: `del-${note.id}`, text: sure ? t('Tap again to delete') : t('Delete'), disabled: busy.has(note.id) });
    del.addEventListener('click', () => deleteNote(note.id));
    actions.append(edit, del);
  }
  const item = el('li', {
    class: `sticky sticky-${note.colour}${earlier ? ' sticky-earlier' : ''}${note.pinned ? ' sticky-pinned' : ''}`,
    'data-id': note.id,
  }, el('p', { class: 'note-text', text: note.text }), meta, actions);
  if (!seenNotes.has(note.id) && seenNotes.size) item.classList.add('sticky-new');
  return item;
}

function pendingItem(item, ctx) {
  const table = ctx.state.tables.find((t) => t.id === item.table_id);
  const elsewhere = item.table_id !== ctx.tableId;
  const li = el('li', { class: `sticky sticky-${item.colour || 'yellow'} sticky-pending`, 'data-id': item.id,
    'data-pending': item.error ? 'failed' : 'sending' },
  el('p', { class: 'note-text', text: item.text }),
  el('p', { class: 'note-meta' },
    el('span', { class: 'note-author', text: item.anonymous ? `${t('Anonymous')} ${t('(you)')}` : `${(ctx.state.me || {}).name || ''} ${t('(you)')}` }),
    elsewhere ? el('span', { class: 'tag', text: t('for {table}', { table: table ? tableLabel(table.label) : t('another table') }) }) : null,
    item.error ? null : el('span', { class: 'sending', text: t('sending…') })));
  if (item.error) {
    const edit = el('button', { type: 'button', class: 'btn-note', id: `fix-${item.id}`, text: t('Edit') });
    edit.addEventListener('click', () => openComposer({ mode: 'new', replaces: item.id }, item));
    const discard = el('button', { type: 'button', class: 'btn-note btn-note-danger', id: `discard-${item.id}`, text: t('Discard') });
    discard.addEventListener('click', () => { dropFromOutbox(item.id); forgetMine(item.id); render(current()); });
    li.append(el('p', { class: 'note-error', role: 'alert', text: t('Not sent: {why}', { why: item.error.message }) }),
      el('div', { class: 'note-actions' }, edit, discard));
  }
  return li;
}

async function act(noteId, command, payload) {
  if (!online()) { toast(t("You're offline — try again when you're back.")); return null; }
  busy.add(noteId);
  render(current());
  const ack = await live.send(command, payload);
  busy.delete(noteId);
  if (!ack || !ack.ok) toast(refusal(ack));
  render(current());
  return ack;
}

function toggleDot(note, voted) {
  act(note.id, voted ? 'unvote' : 'vote', { note_id: note.id });
}

function deleteNote(id) {
  if (!confirmDelete.has(id)) {
    confirmDelete.set(id, setTimeout(() => { confirmDelete.delete(id); render(current()); }, 4000));
    render(current());
    return;
  }
  clearTimeout(confirmDelete.get(id));
  confirmDelete.delete(id);
  act(id, 'delete_note', { id }).then((ack) => { if (ack && ack.ok) forgetMine(id); });
}

// --- the harvest: its code comes when the harvest starts (phone-harvest.js) ---------------------

function harvestDots(state) {
  const budget = Number((state.cafe.settings || {}).harvest_dots ?? 5);
  const votes = (state.my_votes || []).filter((v) => v.phase === 'harvest');
  return { budget, left: Math.max(0, budget - votes.length), voted: new Set(votes.map((v) => v.note_id)) };
}

let harvest = null;         // the harvest's module, once loaded
let harvestLoading = null;
let harvestTries = 0;       // a failed import is remembered by its URL: a retry asks another
const harvestContext = {
  dots: harvestDots, areaName, topicName, paint, act, online, refusal, toast, busy,
  send: (command, payload) => live.send(command, payload),
  rerender: () => render(current()),
};

function renderHarvest(state) {
  if (harvest) { harvest.renderHarvest(state, harvestContext); return; }
  harvestLoading = harvestLoading || import(`./phone-harvest.js${harvestTries ? `?try=${harvestTries}` : ''}`)
    .then((module) => { harvest = module; render(current()); })
    .catch(() => { harvestTries += 1; harvestLoading = null; setTimeout(() => render(current()), RETRY_MS); });
}

// --- the composer -----------------------------------------------------------------------------

function chosenColour() {
  const picked = document.querySelector('input[name=colour]:checked');
  return picked ? picked.value : 'yellow';
}

function setColour(colour) {
  for (const input of document.querySelectorAll('input[name=colour]')) input.checked = input.value === colour;
}

function countNote() {
  const n = $('note-text').value.length;
  const counter = $('note-count');
  counter.textContent = `${n} / ${NOTE_MAX}`;
  counter.dataset.near = n > NOTE_MAX - 20 ? 'yes' : 'no';
}

function openComposer(mode, from) {
  composing = mode;
  const editing = mode.mode === 'edit';
  setText('composer-h', editing ? t('Edit your note') : t('New note'));
  setText('post', editing ? t('Save') : t('Post'));
  $('note-anon-row').hidden = editing;
  $('composer-error').hidden = true;
  if (from) {
    $('note-text').value = from.text;
    setColour(from.colour || 'yellow');
    $('note-anon').checked = !!from.anonymous;
  } else {
    $('note-text').value = localStorage.getItem(DRAFT_KEY) || '';
  }
  countNote();
  $('composer').hidden = false;
  $('note-bar').hidden = true;
  document.body.dataset.composer = 'open';
  $('note-text').focus();
}

function closeComposer() {
  composing = null;
  $('composer').hidden = true;
  document.body.dataset.composer = 'closed';
  const state = current();
  $('note-bar').hidden = !(state && document.body.dataset.cloth === 'open');
}

function composerError(text) {
  const node = $('composer-error');
  node.textContent = text;
  node.hidden = !text;
}

async function submitNote(event) {
  event.preventDefault();
  const state = current();
  const text = $('note-text').value.trim();
  if (!text) { composerError(t('Type your note first.')); $('note-text').focus(); return; }
  if (text.length > NOTE_MAX) { composerError(t('A note has at most {max} characters.', { max: NOTE_MAX })); return; }
  const colour = chosenColour();
  if (composing && composing.mode === 'edit') {
    if (!online()) { composerError(t("You're offline: your change is not saved yet. Try again when you're back.")); return; }
    $('post').disabled = true;
    const ack = await live.send('edit_note', { id: composing.id, text, colour });
    $('post').disabled = false;
    if (!ack || !ack.ok) { composerError(refusal(ack)); return; }
    closeComposer();
    return;
  }
  const seat = state && mySeat(state);
  if (!seat) { composerError(t('You have no seat right now, so there is no tablecloth to write on.')); return; }
  const item = {
    id: uuid(), table_id: seat.table.id, round: state.seating.round, text, colour,
    anonymous: $('note-anon').checked, typed_at: Date.now(),
  };
  let box = readOutbox();
  if (composing && composing.replaces) {
    box = box.filter((x) => x.id !== composing.replaces);
    forgetMine(composing.replaces);
  }
  box.push(item);
  if (!writeOutbox(box) && !readOutbox().some((x) => x.id === item.id)) {
    composerError(t('This phone has no room left to keep the note. Please try again.'));
    return;
  }
  rememberMine(item.id);
  try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* fine */ }
  $('note-text').value = '';
  closeComposer();
  render(state);
  flush();
}

// --- the outbox: send in the order typed, until acknowledged --------------------------------

function scheduleRetry(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, ms);
}

async function flush() {
  if (flushing || !online()) { renderOffline(); return; }
  flushing = true;
  let changed = false;
  try {
    for (const item of readOutbox()) {
      if (item.error || item.sent) continue;   // waits for its author, or for its event
      if (!online()) break;
      const ack = await live.send('add_note', {
        id: item.id, table_id: item.table_id, round: item.round, text: item.text,
        colour: item.colour, anonymous: !!item.anonymous,
      }, NOTE_ACK_MS);
      if (ack && ack.ok) {        // stored now, or already (duplicate: true)
        const state = current();
        if (ack.seq && !(state && state.seq >= ack.seq)) updateOutbox(item.id, { sent: ack.seq });
        else dropFromOutbox(item.id);
        changed = true;
        continue;
      }
      const codeName = (ack && ack.error && ack.error.code) || 'timeout';
      if (codeName === 'rate_limited') { scheduleRetry(RATE_RETRY_MS); break; }
      if (TRANSIENT.has(codeName)) break;   // try again on reconnect or in a few seconds
      updateOutbox(item.id, { error: { code: codeName, message: refusal(ack) } });
      changed = true;
    }
  } finally {
    flushing = false;
  }
  if (changed) render(current()); else renderOffline();
}

// --- the countdown ----------------------------------------------------------------------------

// Every quarter second: the countdown from the deadline and the measured clock offset.
function tick() {
  const state = current();
  if (!state || !live) return;
  const c = state.cafe;
  const ms = remainingMs(state, live);
  const text = formatMs(ms);
  for (const id of ['countdown', 'move-countdown']) {
    const node = $(id);
    node.textContent = text;
    node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
  }
  let status = t('left in this round');
  if (isPaused(state)) status = t('Paused');
  else if (ms === 0 && c.phase === 'discuss') status = t("Time's up");
  setText('timer-state', status);
  $('countdown').dataset.state = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  setText('move-timer-label', isPaused(state) ? t('Paused') : t('The conversation starts in'));

  // "Time is nearly up", once per discussion, at settings.warning_seconds before its end (0: never).
  // Time given back by the facilitator (+5 min) makes the next approach warn again.
  const warnMs = 1000 * Number((c.settings || {}).warning_seconds ?? WARN_SECONDS);
  const near = c.phase === 'discuss' && ms !== null && ms > 0 && ms <= warnMs;
  if (near && !isPaused(state) && warnedFor !== c.current_round) {
    warnedFor = c.current_round;
    setText('warning-text', warningWords(ms));
    $('warning').hidden = false;
    vibrate([300, 150, 300]);
  }
  if (!near) $('warning').hidden = true;
  if (c.phase === 'discuss' && ms !== null && ms > warnMs + 5000) warnedFor = null;
  // An announcement with an end leaves at its time, before the server's announcement_cleared.
  if (!$('announcement').hidden && expired(c.announcement)) $('announcement').hidden = true;
}

// "2 minutes left", "1:30 left", "45 seconds left": how much time is left, when the warning shows.
function warningWords(ms) {
  const s = Math.ceil(ms / 1000);
  if (s === 60) return t('One minute left — time to wrap up your thoughts.');
  if (s < 60) return tn(s, '{n} seconds left — time to wrap up your thoughts.');
  if (s % 60 === 0) return tn(s / 60, '{n} minutes left — time to wrap up your thoughts.');
  return t('{time} left — time to wrap up your thoughts.', { time: formatMs(ms) });
}

// --- start ------------------------------------------------------------------------------------

function changed(state) {
  cached = null;
  saveStateSoon();
  render(state);
}

function start(token) {
  const stored = readJSON(STATE_KEY, null);
  if (stored && stored.cafe && stored.me && stored.role === 'phone') {
    cached = stored;
  } else {
    show('connecting');
  }
  live = connectLive({
    auth: { cafe: code, role: 'phone', token },
    reducers,
    onState: (state) => { changed(state); flush(); },
    onChange: changed,
    onStatus: (s) => {
      connStatus = s;
      renderOffline();
      if (s === 'online') flush();
    },
    onDeleted: () => {
      deleted = true;
      for (const key of [TOKEN_KEY, STATE_KEY, OUTBOX_KEY, MINE_KEY, DRAFT_KEY, DISMISSED_KEY, NOTICED_KEY]) {
        try { localStorage.removeItem(key); } catch (e) { /* fine */ }
      }
      cached = null;
      if (composing) closeComposer();
      setText('problem-title', t('This café has been deleted'));
      setText('problem-text', t('The facilitator deleted it, with every note and name in it. Thank you for taking part!'));
      show('problem');
      for (const id of ['cloth', 'note-bar', 'harvest-bar', 'offline', 'warning', 'announcement', 'notices']) $(id).hidden = true;
    },
    onRefused: (error) => {
      // The server no longer knows this phone (a reset café or an old token): join again.
      if (live) live.socket.disconnect();
      try {
        localStorage.removeItem(TOKEN_KEY);
        localStorage.removeItem(STATE_KEY);
      } catch (e) { /* fine */ }
      cached = null;
      showJoin(error && error.message);
    },
  });
  if (cached) render(cached);
  if (!ticker) {
    ticker = setInterval(tick, TICK_MS);
    setInterval(flush, RETRY_MS);
  }
}

function showJoin(message) {
  if (!$('join')) { show('problem'); return; }   // a closed café takes nobody new
  const err = $('join-error');
  err.hidden = !message;
  err.textContent = message || '';
  show('join');
  $('cloth').hidden = true;
  $('note-bar').hidden = true;
  renderOffline();
}

// Why the café said no to joining, in the phone's language (the server's words are English).
const JOIN_REFUSALS = {
  cafe_closed: () => t('This café has closed. Thank you for coming!'),
  cafe_locked: () => t('This café is not taking new people right now. Ask the facilitator.'),
  passcode_required: () => t('Type the passcode the facilitator gave the room.'),
  wrong_passcode: () => t('That passcode is not right. Check it with the facilitator.'),
  throttled: () => t('Too many tries from here: wait a minute, then try again.'),
};

// The languages ticked, then the ones typed ("Arabic, French"; Chinese and Japanese commas too),
// each once. The limits are the server's (cafe/services/participants.py), said here in the
// phone's language rather than refused later in English.
const SPOKEN_MAX = 8;
const SPOKEN_LENGTH = 30;
function spokenLanguages() {
  const ticked = [...document.querySelectorAll('input[name=speaks]:checked')].map((box) => box.value);
  const typed = $('other-languages').value.split(/[,，、;；\n]/).map((word) => word.trim()).filter(Boolean);
  const seen = new Set();
  return [...ticked, ...typed].filter((word) => {
    const key = word.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function joinRefusal(why) {
  const say = JOIN_REFUSALS[why.code];
  return say ? say() : (why.message || t('That did not work. Please try again.'));
}

async function join(event) {
  event.preventDefault();
  const anonymous = $('anonymous').checked;
  const name = $('name').value.trim();
  if (!anonymous && !name) { showJoin(t('Please type your name, or choose to stay anonymous.')); $('name').focus(); return; }
  const passcode = $('passcode').value.trim();
  if (!$('passcode-row').hidden && !passcode) {
    showJoin(t('Type the passcode the facilitator gave the room.'));
    $('passcode').focus();
    return;
  }
  const spoken = spokenLanguages();
  const tooLong = spoken.length > SPOKEN_MAX || spoken.some((word) => word.length > SPOKEN_LENGTH);
  if (tooLong) {
    showJoin(spoken.length > SPOKEN_MAX
      ? t('You can list at most {max} languages.', { max: SPOKEN_MAX })
      : t('A language has at most {max} characters.', { max: SPOKEN_LENGTH }));
    $('other-languages').focus();
    return;
  }
  const button = $('join-button');
  button.disabled = true;
  try {
    const payload = {
      name, anonymous,
      organisation: $('organisation').value.trim() || null,
      language: lang,
      languages: spoken,
      stays_seated: $('stays-seated').checked,
      with_companion: $('with-companion').checked,
    };
    if (passcode) payload.passcode = passcode;
    const res = await fetch(`/api/cafes/${encodeURIComponent(code)}/participants`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = await res.json();
    if (!body.ok) {
      const why = body.error || {};
      // A café with a passcode asks for it; the message says whether it was missing or wrong.
      if (why.code === 'passcode_required' || why.code === 'wrong_passcode') {
        $('passcode-row').hidden = false;
        showJoin(joinRefusal(why));
        $('passcode').select();
        $('passcode').focus();
      } else {
        showJoin(joinRefusal(why));
      }
      return;
    }
    localStorage.setItem(TOKEN_KEY, body.token);
    localStorage.removeItem(STATE_KEY);
    start(body.token);
  } catch (e) {
    showJoin(t('No connection to the café. Check the Wi-Fi and try again.'));
  } finally {
    button.disabled = false;
  }
}

// The service worker keeps this page and its files, so a reload without Wi-Fi still works.
// Browsers allow it only on https and on localhost; on a plain-http LAN the outbox alone
// (localStorage) keeps the notes until the connection is back.
async function registerWorker() {
  const sw = navigator.serviceWorker;
  if (!sw || !window.isSecureContext) { document.body.dataset.sw = 'none'; return; }
  try {
    await sw.register('/sw.js', { scope: '/' });
    await sw.ready;
    if (!sw.controller) {
      await new Promise((resolve) => sw.addEventListener('controllerchange', resolve, { once: true }));
    }
    const urls = new Set([location.pathname + location.search]);
    for (const node of document.querySelectorAll('script[src], link[rel=stylesheet]')) {
      urls.add(node.src || node.href);
    }
    for (const name of ['./phone.js', './phone-harvest.js', './live.js', './dom.js', './i18n.js']) urls.add(new URL(name, import.meta.url).href);
    for (const entry of performance.getEntriesByType('resource')) {
      if (entry.name.startsWith(`${location.origin}/static/`)) urls.add(entry.name);
    }
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      sw.controller.postMessage({ type: 'keep', urls: [...urls] }, [channel.port2]);
      setTimeout(resolve, 10000);
    });
    document.body.dataset.sw = 'ready';
  } catch (e) {
    document.body.dataset.sw = 'failed';
  }
}

$('anonymous')?.addEventListener('change', () => { $('name').disabled = $('anonymous').checked; });
// The language switcher: the page comes again in the chosen language (the server remembers it).
$('lang-select').addEventListener('change', () => $('lang-form').submit());
// Larger text, for anyone who wants it: remembered on this phone for every café.
function applyTextSize(large) {
  if (large) document.documentElement.dataset.text = 'large';
  else delete document.documentElement.dataset.text;
  $('text-size').setAttribute('aria-pressed', large ? 'true' : 'false');
}
applyTextSize(localStorage.getItem(TEXT_SIZE_KEY) === 'large');
$('text-size').addEventListener('click', () => {
  const large = document.documentElement.dataset.text !== 'large';
  try { localStorage.setItem(TEXT_SIZE_KEY, large ? 'large' : 'normal'); } catch (e) { /* fine */ }
  applyTextSize(large);
});
$('join-form')?.addEventListener('submit', join);
for (const kind of ['moved', 'hidden']) {
  $(`notice-${kind}-close`).addEventListener('click', () => { notices[kind] = null; $(`notice-${kind}`).hidden = true; });
}
$('announcement-close').addEventListener('click', () => {
  localStorage.setItem(DISMISSED_KEY, $('announcement').dataset.at || String(Date.now()));
  $('announcement').hidden = true;
});
$('warning-close').addEventListener('click', () => { $('warning').hidden = true; });
$('move-cloth').addEventListener('click', () => {
  clothOpenInMove = true;
  render(current());
  $('cloth').scrollIntoView({ block: 'start' });
});
$('cloth-close').addEventListener('click', () => {
  clothOpenInMove = false;
  render(current());
  window.scrollTo(0, 0);
});
$('write').addEventListener('click', () => openComposer({ mode: 'new' }));
$('composer-close').addEventListener('click', closeComposer);
$('composer-form').addEventListener('submit', submitNote);
$('note-text').addEventListener('input', () => {
  countNote();
  composerError('');
  if (composing && composing.mode === 'new' && !composing.replaces) {
    try { localStorage.setItem(DRAFT_KEY, $('note-text').value); } catch (e) { /* fine */ }
  }
});
$('summary-text').addEventListener('input', () => {
  $('summary-text').dataset.dirty = '1';
  setText('summary-count', `${$('summary-text').value.length} / ${SUMMARY_MAX}`);
  setText('summary-msg', '');
});
$('summary-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const state = current();
  const seat = state && mySeat(state);
  const text = $('summary-text').value.trim();
  const msg = $('summary-msg');
  msg.dataset.kind = 'error';
  if (!seat || !seat.hosting) { msg.textContent = t('Only the host of this table writes its summary.'); return; }
  if (!text) { msg.textContent = t('Type the summary first.'); return; }
  if (!online()) { msg.textContent = t("You're offline: the summary is not saved yet. Try again when you're back."); return; }
  $('summary-save').disabled = true;
  const ack = await live.send('write_summary', { table_id: seat.table.id, round: state.cafe.current_round, text });
  $('summary-save').disabled = false;
  if (ack && ack.ok) {
    delete $('summary-text').dataset.dirty;
    msg.dataset.kind = 'ok';
    msg.textContent = t('Saved. The next round’s newcomers will read it.');
  } else {
    msg.textContent = refusal(ack);
  }
});
wireHostPick();
window.addEventListener('online', () => { renderOffline(); flush(); });
window.addEventListener('offline', renderOffline);
document.addEventListener('visibilitychange', () => { if (!document.hidden) flush(); });

const saved = localStorage.getItem(TOKEN_KEY);
if (!$('join')) show('problem');    // the café has ended: nothing to join, nothing more to follow
else if (saved) start(saved); else showJoin();
registerWorker();
