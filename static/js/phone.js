// The participant's phone: join once, keep the token, then follow the café live —
// where to go, the question, and the countdown, computed here from the server's deadline.
import {
  connectLive, baseReducers, showStatus, remainingMs, formatMs, isPaused, questionFor,
} from './live.js';
import { $, setText, plural, inkFor } from './dom.js';

const code = document.body.dataset.code;
const TOKEN_KEY = `cafe:${code}:token`;
const DISMISSED_KEY = `cafe:${code}:announcement-dismissed`;
const TICK_MS = 250;
const WARN_MS = 60_000;
let live = null;
let lastSeat = null;       // "round:table" of the seat last shown, to vibrate on a new one
let lastRemaining = null;  // the previous tick's remaining time, to notice crossing one minute
let warnedFor = null;      // the round whose one-minute warning was given
let ticker = null;

function show(screenId) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== screenId;
  document.body.dataset.screen = screenId;
}

function vibrate(pattern) {
  try { navigator.vibrate?.(pattern); } catch (e) { /* not every phone can */ }
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
  return { table, topic, hosting: table.host_id === state.me.id };
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
  return `Round ${c.current_round} of ${Math.max(state.rounds.length, c.current_round || 0)}`;
}

function renderAnnouncement(state) {
  const a = state.cafe.announcement;
  const dismissed = Number(localStorage.getItem(DISMISSED_KEY) || 0);
  const box = $('announcement');
  if (!a || !a.text || a.at <= dismissed) { box.hidden = true; return; }
  setText('announcement-text', a.text);
  if (box.hidden) vibrate(80);
  box.hidden = false;
  box.dataset.at = String(a.at);
}

function render(state) {
  setText('cafe-title', state.cafe.title);
  if (state.me) setText('me-name', state.me.name);
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', plural(n, 'person is here', 'people are here'));
  renderAnnouncement(state);
  const c = state.cafe;
  if (c.status === 'closed') {
    setText('problem-title', 'This café has closed');
    setText('problem-text', 'Thank you for coming, and for everything you brought to the tables!');
    show('problem');
    return;
  }
  if (c.status === 'harvest') { show('harvest'); return; }
  if (c.status !== 'running' || !c.phase) { show('lobby'); return; }

  const seat = mySeat(state);
  if (!seat) {
    setText('wait-round', roundLine(state));
    show('wait');
    lastSeat = null;
    return;
  }
  const key = `${state.seating.round}:${seat.table.id}`;
  if (key !== lastSeat) {
    if (c.phase === 'move') vibrate([200, 100, 200]);
    lastSeat = key;
  }
  const label = seat.table.label;
  const topicName = seat.topic ? seat.topic.name : '';
  const colour = seat.topic ? seat.topic.colour : null;
  const question = questionFor(state, c.current_round, seat.topic && seat.topic.id);

  if (c.phase === 'move') {
    setText('move-round', roundLine(state));
    setText('move-head', seat.hosting ? `Stay at ${label}` : `Go to ${label}`);
    setText('move-topic', topicName);
    const host = $('move-host');
    host.hidden = !seat.hosting;
    host.textContent = seat.hosting ? `You host ${label}. Welcome the newcomers.` : '';
    setText('move-question', question);
    paint($('move'), colour);
    show('move');
  } else {
    setText('discuss-table', label);
    setText('discuss-topic', topicName);
    paint($('seat-band'), colour);
    const host = $('discuss-host');
    host.hidden = !seat.hosting;
    host.textContent = seat.hosting ? `You host ${label} — stay here and welcome the newcomers` : '';
    setText('discuss-round', roundLine(state));
    setText('discuss-question', question);
    show('discuss');
  }
  tick();
}

// Every quarter second: the countdown from the deadline and the measured clock offset.
function tick() {
  const state = live && live.state;
  if (!state) return;
  const c = state.cafe;
  const ms = remainingMs(state, live);
  const text = formatMs(ms);
  for (const id of ['countdown', 'move-countdown']) {
    const node = $(id);
    node.textContent = text;
    node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
  }
  let status = 'left in this round';
  if (isPaused(state)) status = 'Paused';
  else if (ms === 0 && c.phase === 'discuss') status = "Time's up";
  setText('timer-state', status);
  $('countdown').dataset.state = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  setText('move-timer-label', isPaused(state) ? 'Paused' : 'The conversation starts in');

  // The one-minute warning, once per discussion, when the time left crosses 60 s.
  if (c.phase === 'discuss' && !isPaused(state) && ms !== null) {
    if (lastRemaining !== null && lastRemaining > WARN_MS && ms <= WARN_MS && ms > 0
        && warnedFor !== c.current_round) {
      warnedFor = c.current_round;
      setText('warning-text', 'One minute left — time to wrap up your thoughts.');
      $('warning').hidden = false;
      vibrate(300);
    }
  }
  if (c.phase !== 'discuss' || ms === null || ms > WARN_MS || ms === 0) $('warning').hidden = true;
  lastRemaining = ms;
}

function start(token) {
  live = connectLive({
    auth: { cafe: code, role: 'phone', token },
    reducers: baseReducers,
    onState: render,
    onChange: render,
    onStatus: (s) => showStatus($('conn'), s),
    onRefused: (error) => {
      // The server no longer knows this phone (a reset café or an old token): join again.
      if (live) live.socket.disconnect();
      localStorage.removeItem(TOKEN_KEY);
      showJoin(error && error.message);
    },
  });
  if (!ticker) ticker = setInterval(tick, TICK_MS);
}

function showJoin(message) {
  const err = $('join-error');
  err.hidden = !message;
  err.textContent = message || '';
  show('join');
}

async function join(event) {
  event.preventDefault();
  const anonymous = $('anonymous').checked;
  const name = $('name').value.trim();
  if (!anonymous && !name) { showJoin('Please type your name, or choose to stay anonymous.'); $('name').focus(); return; }
  const button = $('join-button');
  button.disabled = true;
  try {
    const res = await fetch(`/api/cafes/${encodeURIComponent(code)}/participants`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name, anonymous,
        organisation: $('organisation').value.trim() || null,
        language: (navigator.language || 'en').slice(0, 2),
      }),
    });
    const body = await res.json();
    if (!body.ok) { showJoin(body.error.message); return; }
    localStorage.setItem(TOKEN_KEY, body.token);
    start(body.token);
  } catch (e) {
    showJoin('No connection to the café. Check the Wi-Fi and try again.');
  } finally {
    button.disabled = false;
  }
}

$('anonymous').addEventListener('change', () => { $('name').disabled = $('anonymous').checked; });
$('join-form').addEventListener('submit', join);
$('announcement-close').addEventListener('click', () => {
  localStorage.setItem(DISMISSED_KEY, $('announcement').dataset.at || String(Date.now()));
  $('announcement').hidden = true;
});
$('warning-close').addEventListener('click', () => { $('warning').hidden = true; });

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) start(saved); else showJoin();
