// The participant's phone: join once, keep the token, then follow the café live —
// where to go, the question, the countdown (computed here from the server's deadline) —
// and the table's tablecloth of sticky notes.
//
// The parts: the outbox of notes (outbox.js: notes are never lost), joining and hosts picking a
// table (phone-lobby.js), notices of what the facilitator did (phone-notices.js); loaded when
// first needed, so the cheapest phone's first load stays small: the tablecloth and its composer
// (phone-cloth.js, with the first seat) and the harvest (phone-harvest.js). This page draws the
// screens and holds them together. Storage goes through storage.js: a full or blocked
// localStorage never breaks the page.
import { connectLive, isPaused } from './live.js';
import { $, el, setText, inkFor } from './dom.js';
import { t, tn, tableLabel, lang } from './i18n.js';
import { getItem, setItem, removeItem, readJSON, writeJSON } from './storage.js';
import { openOutbox, RETRY_MS } from './outbox.js';
import { showCountdown, roundLine, formatMs, sendFrom } from './ui.js';
import { phoneReducers, renderNotices } from './phone-notices.js';
import { useLobby, showJoin, renderHostPick } from './phone-lobby.js';

const code = document.body.dataset.code;
const KEY = (name) => `cafe:${code}:${name}`;
const TOKEN_KEY = KEY('token');
const DISMISSED_KEY = KEY('announcement-dismissed');
const STATE_KEY = KEY('state');     // the last snapshot seen, to show something after an offline reload
const DRAFT_KEY = KEY('draft');
const NOTICED_KEY = KEY('noticed');  // the last event a notice was made of: a replay never repeats it
const TEXT_SIZE_KEY = 'cafe:text-size';   // one choice for every café on this phone
const TICK_MS = 250;
const LANG = lang.split('-')[0];    // zh-Hans -> zh: the facilitator's versions are keyed by code

// The connection, and what is shown until it has a state.
const conn = {
  live: null,
  cached: null,                     // the stored snapshot, until the live one arrives
  status: 'connecting',
  deleted: false,                   // the café was deleted: one screen says so, nothing else runs
  token: null,                      // this phone's token (a photo is sent over HTTP with it)
};
// What the screens remember between renders.
const view = {
  seat: null,                       // "round:table" of the seat last shown, to vibrate on a new one
  warnedFor: null,                  // the round whose "time is nearly up" warning was given
  clothOpenInMove: false,
};
const timers = { ticker: null, save: null, toast: null };

// --- small helpers ---------------------------------------------------------------------------

function current() { return (conn.live && conn.live.state) || conn.cached; }

function online() {
  return navigator.onLine !== false && !!conn.live && conn.live.socket.connected;
}

function send(command, payload, timeoutMs) { return conn.live.send(command, payload, timeoutMs); }

function rerender() { render(current()); }

function saveStateSoon() {
  if (timers.save) return;
  timers.save = setTimeout(() => {
    timers.save = null;
    // Never after the café was deleted: that cleared this phone's storage for good.
    if (conn.live && conn.live.state && !conn.deleted) writeJSON(STATE_KEY, conn.live.state);
  }, 800);
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
  clearTimeout(timers.toast);
  timers.toast = setTimeout(() => { node.hidden = true; }, 5000);
}

// A part of the page loaded when it is first needed (a failed import is remembered by its URL:
// a retry asks another). `get()` is the module once it has come (the page is drawn again then),
// null until; `init(module)` runs once, first.
function later(path, init) {
  const part = { module: null, loading: null, tries: 0 };
  return {
    now: () => part.module,
    get() {
      if (part.module) return part.module;
      part.loading = part.loading || import(`${path}${part.tries ? `?try=${part.tries}` : ''}`)
        .then((module) => { if (init) init(module); part.module = module; rerender(); })
        .catch(() => { part.tries += 1; part.loading = null; setTimeout(rerender, RETRY_MS); });
      return null;
    },
  };
}

// A command about one note (a dot, a pin, a delete; a harvest dot): its buttons are held while
// it is on its way (`busy`), and a refusal is said in a toast.
const busy = new Set();
async function act(noteId, command, payload) {
  if (!online()) { toast(t("You're offline — try again when you're back.")); return null; }
  busy.add(noteId);
  rerender();
  const ack = await send(command, payload);
  busy.delete(noteId);
  if (!ack || !ack.ok) toast(refusal(ack));
  rerender();
  return ack;
}

// Why the café refused a command: the server says it in this phone's language (`auth.lang`);
// only "no connection" never reached the server, so the phone says it itself.
function refusal(ack) {
  const error = ack && ack.error;
  if (!error || error.code === 'timeout') return t("No connection right now — try again when you're back online.");
  return error.message || t('That did not work. Please try again.');
}

const outbox = openOutbox(code, {
  send, online, refusal,
  seq: () => { const state = current(); return state ? state.seq : null; },
  after: (changed) => { if (changed) rerender(); else renderOffline(); },
});

// The tablecloth (phone-cloth.js), loaded with the first seat.
const cloth = later('./phone-cloth.js', (module) => module.useCloth({
  send, act, busy, current, render, rerender, online, refusal, mySeat, outbox, draftKey: DRAFT_KEY,
}));

// My seat this round, with its table and topic; null when I have none.
function mySeat(state) {
  const c = state.cafe;
  const seating = state.seating;
  if (!state.me || !seating || seating.round !== c.current_round) return null;
  const tableId = seating.seats[String(state.me.id)];
  if (tableId === undefined || tableId === null) return null;
  const table = state.tables.find((x) => x.id === tableId);
  if (!table) return null;
  const topic = state.topics.find((x) => x.id === table.topic_id) || null;
  // A thin room leaves some tables empty for a round, and their hosts sit at another one. `away`
  // is the table I host when this round seats me elsewhere: I do not host where I sit.
  const own = state.tables.find((x) => x.host_id === state.me.id);
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
  return !!(a && a.until && conn.live && conn.live.serverNow() >= a.until);
}

function renderAnnouncement(state) {
  const a = state.cafe.announcement;
  const dismissed = Number(getItem(DISMISSED_KEY) || 0);
  const box = $('announcement');
  if (!a || !a.text || a.at <= dismissed || expired(a)) { box.hidden = true; return; }
  setText('announcement-text', (a.translations && a.translations[LANG]) || a.text);
  if (box.hidden) vibrate(80);
  box.hidden = false;
  box.dataset.at = String(a.at);
}

function renderOffline() {
  const pending = outbox.waiting();
  const off = navigator.onLine === false || conn.status === 'offline';
  const screen = document.body.dataset.screen;
  $('offline').hidden = conn.deleted || !off || screen === 'join' || !$('join');
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

// --- the screens ------------------------------------------------------------------------------

function render(state) {
  if (!state || conn.deleted) return;
  outbox.prune(state.seq);
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
    if (seat) cloth.get();   // the tablecloth's code, asked for with the first seat
    if (!seat) {
      setText('wait-round', roundLine(state));
      show('wait');
      view.seat = null;
    } else {
      renderSeat(state, seat);
    }
  }
  const screen = document.body.dataset.screen;
  if (screen !== 'move') view.clothOpenInMove = false;
  const tablecloth = cloth.now();
  const clothShown = !!seat && !!tablecloth && (screen === 'discuss' || (screen === 'move' && view.clothOpenInMove));
  document.body.dataset.cloth = clothShown ? 'open' : 'closed';
  $('cloth').hidden = !clothShown;
  $('cloth-close').hidden = screen !== 'move';
  $('note-bar').hidden = !clothShown || !!tablecloth.composing();
  $('harvest-bar').hidden = screen !== 'harvest' || harvestDots(state).budget <= 0;
  if (!clothShown && tablecloth && tablecloth.composing()) tablecloth.closeComposer();
  if (clothShown) tablecloth.renderCloth(state, seat);
  tick();
}

function renderSeat(state, seat) {
  const c = state.cafe;
  const key = `${state.seating.round}:${seat.table.id}`;
  if (key !== view.seat) {
    if (c.phase === 'move') vibrate([200, 100, 200]);
    view.seat = key;
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
    renderHelp(state, seat, label);
    $('photo-box').hidden = !seat.hosting;
    show('discuss');
  }
}

// --- help for my table: the facilitator or an interpreter ---------------------------------------

function renderHelp(state, seat, label) {
  const mine = (state.help || []).filter((h) => h.table_id === seat.table.id);
  const coming = mine.some((h) => h.status === 'on_the_way');
  const status = $('help-status');
  status.hidden = !mine.length;
  status.textContent = coming ? t('Someone is on the way to {table}.', { table: label })
    : mine.length ? t('Help is asked for: someone will come to {table}.', { table: label }) : '';
}

function toggleHelp(open) {
  $('help-choose').hidden = !open;
  $('help-open').setAttribute('aria-expanded', String(open));
}

function wireHelp() {
  if (!$('help-open')) return;
  $('help-open').addEventListener('click', () => toggleHelp($('help-choose').hidden));
  for (const [id, need] of [['help-facilitator', 'facilitator'], ['help-interpreter', 'interpreter']]) {
    $(id).addEventListener('click', async () => {
      const state = current();
      const seat = state && mySeat(state);
      if (!seat) return;
      const payload = { table_id: seat.table.id, need };
      if (need === 'interpreter') payload.language = $('help-language').value;
      const ack = await sendFrom($(id), () => send('ask_help', payload), { refused: (no) => toast(refusal(no)) });
      if (ack && ack.ok) toggleHelp(false);
    });
  }
}
wireHelp();

// The host photographs the tablecloth: the server checks it, strips its metadata (where it was
// taken) and scales it; the board and the panel get it as `photo_added`.
async function sendPhoto(file) {
  const state = current();
  const seat = state && mySeat(state);
  const msg = $('photo-msg');
  if (!file || !seat) return;
  msg.textContent = t('Sending the photo…');
  const form = new FormData();
  form.append('photo', file);
  form.append('table_id', String(seat.table.id));
  try {
    const res = await fetch(`/api/cafes/${encodeURIComponent(code)}/photos`, {
      method: 'POST', body: form, headers: { Authorization: `Bearer ${conn.token}` } });
    const body = await res.json().catch(() => ({ ok: false }));
    msg.textContent = body.ok ? t('Photo kept. Thank you!') : refusal(body);
  } catch (e) {
    msg.textContent = t("No connection right now — try again when you're back online.");
  }
  $('photo-input').value = '';
}
if ($('photo-input')) $('photo-input').addEventListener('change', () => sendPhoto($('photo-input').files[0]));

// --- the harvest: its code comes when the harvest starts (phone-harvest.js) ---------------------

function harvestDots(state) {
  const budget = Number(state.cafe.settings.harvest_dots);   // every setting comes with its default
  const votes = (state.my_votes || []).filter((v) => v.phase === 'harvest');
  // The harvest's dots go on notes and on the theme team's themes alike.
  const themes = state.my_theme_votes || [];
  return { budget, left: Math.max(0, budget - votes.length - themes.length), voted: new Set(votes.map((v) => v.note_id)),
    themes: new Set(themes) };
}

const harvest = later('./phone-harvest.js');
const harvestContext = { dots: harvestDots, areaName, topicName, paint, act, online, refusal, toast, busy, send, rerender };

function renderHarvest(state) {
  const module = harvest.get();
  if (module) module.renderHarvest(state, harvestContext);
}

// --- the countdown ----------------------------------------------------------------------------

// Every quarter second: the countdown from the deadline and the measured clock offset.
function tick() {
  const state = current();
  if (!state || !conn.live) return;
  const c = state.cafe;
  const paused = isPaused(state);
  const ms = showCountdown([$('countdown'), $('move-countdown')], state, conn.live, { hide: false });
  let status = t('left in this round');
  if (paused) status = t('Paused');
  else if (ms === 0 && c.phase === 'discuss') status = t("Time's up");
  setText('timer-state', status);
  setText('move-timer-label', paused ? t('Paused') : t('The conversation starts in'));

  // "Time is nearly up", once per discussion, at settings.warning_seconds before its end (0: never).
  // Time given back by the facilitator (+5 min) makes the next approach warn again.
  const warnMs = 1000 * Number(c.settings.warning_seconds);
  const near = c.phase === 'discuss' && ms !== null && ms > 0 && ms <= warnMs;
  if (near && !paused && view.warnedFor !== c.current_round) {
    view.warnedFor = c.current_round;
    setText('warning-text', warningWords(ms));
    $('warning').hidden = false;
    vibrate([300, 150, 300]);
  }
  if (!near) $('warning').hidden = true;
  if (c.phase === 'discuss' && ms !== null && ms > warnMs + 5000) view.warnedFor = null;
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
  conn.cached = null;
  saveStateSoon();
  render(state);
}

function start(token) {
  conn.token = token;
  const stored = readJSON(STATE_KEY, null);
  if (stored && stored.cafe && stored.me && stored.role === 'phone') {
    conn.cached = stored;
  } else {
    show('connecting');
  }
  conn.live = connectLive({
    auth: { cafe: code, role: 'phone', token },
    reducers: phoneReducers(NOTICED_KEY, outbox.mine),
    onState: (state) => { changed(state); outbox.flush(); },
    onChange: changed,
    onStatus: (s) => {
      conn.status = s;
      renderOffline();
      if (s === 'online') outbox.flush();
    },
    onDeleted: () => {
      conn.deleted = true;
      outbox.clear();
      for (const key of [TOKEN_KEY, STATE_KEY, DRAFT_KEY, DISMISSED_KEY, NOTICED_KEY]) removeItem(key);
      conn.cached = null;
      const tablecloth = cloth.now();
      if (tablecloth && tablecloth.composing()) tablecloth.closeComposer();
      setText('problem-title', t('This café has been deleted'));
      setText('problem-text', t('The facilitator deleted it, with every note and name in it. Thank you for taking part!'));
      show('problem');
      for (const id of ['cloth', 'note-bar', 'harvest-bar', 'offline', 'warning', 'announcement', 'notices']) $(id).hidden = true;
    },
    onRefused: (error) => {
      // The server no longer knows this phone (a reset café or an old token): join again.
      if (conn.live) conn.live.socket.disconnect();
      removeItem(TOKEN_KEY);
      removeItem(STATE_KEY);
      conn.cached = null;
      showJoin(error && error.message);
    },
  });
  if (conn.cached) render(conn.cached);
  if (!timers.ticker) {
    timers.ticker = setInterval(tick, TICK_MS);
    setInterval(outbox.flush, RETRY_MS);
  }
}

// The service worker keeps this page and its files, so a reload without Wi-Fi still works.
// Browsers allow it only on https and on localhost; on a plain-http LAN the outbox alone
// (localStorage) keeps the notes until the connection is back.
const PHONE_FILES = ['./phone.js', './phone-cloth.js', './phone-lobby.js', './phone-notices.js', './phone-harvest.js',
  './outbox.js', './storage.js', './ui.js', './live.js', './dom.js', './i18n.js'];
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
    for (const name of PHONE_FILES) urls.add(new URL(name, import.meta.url).href);
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

// The language switcher: the page comes again in the chosen language (the server remembers it).
$('lang-select').addEventListener('change', () => $('lang-form').submit());
// Larger text, for anyone who wants it: remembered on this phone for every café.
function applyTextSize(large) {
  if (large) document.documentElement.dataset.text = 'large';
  else delete document.documentElement.dataset.text;
  $('text-size').setAttribute('aria-pressed', large ? 'true' : 'false');
}
applyTextSize(getItem(TEXT_SIZE_KEY) === 'large');
$('text-size').addEventListener('click', () => {
  const large = document.documentElement.dataset.text !== 'large';
  setItem(TEXT_SIZE_KEY, large ? 'large' : 'normal');
  applyTextSize(large);
});
$('announcement-close').addEventListener('click', () => {
  setItem(DISMISSED_KEY, $('announcement').dataset.at || String(Date.now()));
  $('announcement').hidden = true;
});
$('warning-close').addEventListener('click', () => { $('warning').hidden = true; });
$('move-cloth').addEventListener('click', () => {
  view.clothOpenInMove = true;
  rerender();
  $('cloth').scrollIntoView({ block: 'start' });
});
$('cloth-close').addEventListener('click', () => {
  view.clothOpenInMove = false;
  rerender();
  window.scrollTo(0, 0);
});
useLobby({
  code, show, renderOffline, online, send, refusal, rerender, topicName,
  joined: (token) => {
    setItem(TOKEN_KEY, token);
    removeItem(STATE_KEY);
    start(token);
  },
});
window.addEventListener('online', () => { renderOffline(); outbox.flush(); });
window.addEventListener('offline', renderOffline);
document.addEventListener('visibilitychange', () => { if (!document.hidden) outbox.flush(); });

// A personal link from the attendee list (/j/CODE#t=...): the phone that opens it is that person,
// with no form to fill. The fragment never reaches the server's logs; it leaves the address bar too.
function personalToken() {
  const match = /(?:^#|&)t=([\w-]{10,64})(?:&|$)/.exec(window.location.hash);
  if (!match) return null;
  try { window.history.replaceState(null, '', window.location.pathname + window.location.search); } catch (e) { /* kept */ }
  return match[1];
}
const personal = personalToken();
if (personal && personal !== getItem(TOKEN_KEY)) {
  setItem(TOKEN_KEY, personal);
  removeItem(STATE_KEY);
}
const saved = personal || getItem(TOKEN_KEY);
if (!$('join')) show('problem');    // the café has ended: nothing to join, nothing more to follow
else if (saved) start(saved); else showJoin();
registerWorker();
