// The live connection every surface shares: identity in the connect `auth`, events applied
// in `seq` order, gaps and reconnects healed with `sync`, and the server's clock.
/* global io */
import { el } from './dom.js';

const SYNC_DELAY_MS = 400;   // wait this long for an out-of-order event before asking
const ACK_TIMEOUT_MS = 8000;

export function connectLive({ auth, reducers, onState, onChange, onStatus, onRefused, onDeleted }) {
  let state = null;
  let offset = 0;            // serverNow - Date.now(), from the best clock sample
  let bestRtt = Infinity;
  const pending = new Map(); // seq -> event that arrived ahead of a gap
  let syncTimer = null;
  let syncing = false;
  let gone = false;          // the café was deleted: nothing to reconnect to

  // The server words refusals in the page's language (the same object: a reconnect reads it again).
  if (auth && !auth.lang) auth.lang = (document.documentElement.lang || 'en').split('-')[0];
  // The café's code rides in the URL too (`?cafe=`), so a proxy can keep each café on one
  // process (docs/deploy.md, "Several processes, sticky by café"); the server reads who the
  // socket is from `auth` only.
  const socket = io({ auth, query: { cafe: auth.cafe }, reconnectionDelay: 500, reconnectionDelayMax: 4000 });

  function setStatus(s) { if (onStatus) onStatus(s); }

  // On long-polling the goodbye is a request the browser may cancel as the tab goes away; a
  // beacon outlives the page. It carries Engine.IO's close packet ("1") for this session, with
  // the café in the URL like every other request (a sticky proxy sends it to the right process).
  function beaconGoodbye() {
    const engine = socket.io.engine;
    if (!engine || !engine.id || !engine.transport || engine.transport.name !== 'polling') return;
    if (!navigator.sendBeacon) return;
    const query = new URLSearchParams({ EIO: '4', transport: 'polling', sid: engine.id, cafe: auth.cafe });
    navigator.sendBeacon(`/socket.io/?${query}`, '1');
  }

  function applyOne(ev) {
    const reduce = reducers[ev.type];
    if (reduce) reduce(state, ev.data, ev);
    state.seq = ev.seq;
  }

  function drain() {
    let changed = [];
    while (pending.has(state.seq + 1)) {
      const ev = pending.get(state.seq + 1);
      pending.delete(ev.seq);
      applyOne(ev);
      changed.push(ev);
    }
    for (const seq of [...pending.keys()]) if (seq <= state.seq) pending.delete(seq);
    if (changed.length && onChange) onChange(state, changed);
    if (pending.size) scheduleSync();
  }

  function receive(ev) {
    if (!state || ev.seq <= state.seq) return;
    pending.set(ev.seq, ev);
    drain();
  }

  // Several events in one message (phones in a busy room): applied together, one render.
  function receiveMany(list) {
    if (!state || !Array.isArray(list)) return;
    for (const ev of list) if (ev && ev.seq > state.seq) pending.set(ev.seq, ev);
    drain();
  }

  function scheduleSync() {
    if (syncTimer) return;
    syncTimer = setTimeout(() => { syncTimer = null; sync(); }, SYNC_DELAY_MS);
  }

  function sync() {
    if (syncing || !socket.connected) return;
    syncing = true;
    const since = state ? state.seq : null;
    socket.timeout(ACK_TIMEOUT_MS).emit('sync', { since }, (err, res) => {
      syncing = false;
      if (err || !res) { scheduleSync(); return; }
      if (!res.ok) { if (onRefused) onRefused(res.error); return; }
      if (res.state) {
        state = res.state;
        if (!state.seating) state.seating = { round: null, seats: {} };
        if (!state.notes) state.notes = [];
        if (!state.summaries) state.summaries = [];
        if (state.role === 'phone' && !state.my_votes) state.my_votes = [];
        for (const seq of [...pending.keys()]) if (seq <= state.seq) pending.delete(seq);
        if (onState) onState(state);
        drain();
      } else {
        for (const ev of res.events) pending.set(ev.seq, ev);
        drain();
      }
    });
  }

  function measureClock(samples) {
    const t0 = Date.now();
    socket.timeout(ACK_TIMEOUT_MS).emit('clock', { t0 }, (err, res) => {
      if (!err && res && res.ok) {
        const t1 = Date.now();
        const rtt = t1 - t0;
        // The sample with the shortest round trip has the least uncertainty.
        if (rtt < bestRtt) { bestRtt = rtt; offset = res.server_now - (t0 + t1) / 2; }
      }
      if (samples > 1) setTimeout(() => measureClock(samples - 1), 150);
    });
  }

  socket.on('connect', () => {
    setStatus('online');
    bestRtt = Infinity;
    measureClock(5);
    sync();
  });
  socket.on('disconnect', () => { if (!gone) setStatus('offline'); });
  socket.on('connect_error', (err) => {
    // A refusal by the server (bad token or link) is final; anything else is the network.
    if (err && err.data && err.data.code) { if (onRefused) onRefused(err.data); return; }
    setStatus('offline');
  });
  socket.on('event', receive);
  socket.on('events', receiveMany);
  // The last message of a deleted café: its code and tokens no longer resolve, so stop here.
  socket.on('cafe_deleted', () => {
    gone = true;
    clearTimeout(syncTimer);
    socket.disconnect();
    if (onDeleted) onDeleted(); else showDeleted();
  });
  // Leaving the page says goodbye: on long-polling the server would otherwise count this
  // person present until the ping timeout. A page restored from the back-forward cache rejoins.
  window.addEventListener('pagehide', () => { if (!gone) { beaconGoodbye(); socket.disconnect(); } });
  window.addEventListener('pageshow', (e) => { if (e.persisted && !gone) socket.connect(); });
  socket.on('heartbeat', (hb) => {
    if (state && hb.seq > state.seq) scheduleSync();
  });

  return {
    socket,
    get state() { return state; },
    serverNow() { return Date.now() + offset; },
    // Send a command and wait for its ack (a timeout answers `{ok: false, error: {code: 'timeout'}}`).
    send(command, payload, timeoutMs = ACK_TIMEOUT_MS) {
      return new Promise((resolve) => {
        socket.timeout(timeoutMs).emit(command, payload, (err, res) => {
          resolve(err ? { ok: false, error: { code: 'timeout', message: 'No answer from the server.' } } : res);
        });
      });
    },
  };
}

// The reducers: the same as `REDUCERS` in cafe/events.py (the reference), event for event.
function upsert(items, item, key) {
  const rest = (items || []).filter((x) => x.id !== item.id);
  rest.push(item);
  return rest.sort(key);
}
const byId = (a, b) => a.id - b.id;
// (position, id); a snapshot row without `position` sorts as position 0.
const byPosition = (a, b) => ((a.position ?? 0) - (b.position ?? 0)) || (a.id - b.id);

function setPresence(state, data, present) {
  state.counts = data.counts;
  for (const p of state.participants || []) if (p.id === data.participant_id) p.present = present;
  if (state.me && state.me.id === data.participant_id) state.me.present = present;
}

function setClock(state, data) { Object.assign(state.cafe, data.clock); }

// Notes: newest first, ties by id (the order of `_note_order` in cafe/events.py).
export function noteOrder(a, b) {
  return (b.created_at - a.created_at) || (a.id < b.id ? -1 : (a.id > b.id ? 1 : 0));
}
function noteUpsert(state, data) { state.notes = upsert(state.notes, data.note, noteOrder); }
function noteGone(state, data) {
  state.notes = (state.notes || []).filter((n) => n.id !== data.note_id);
  // A note taken off the tablecloth gives its dots back.
  if (state.my_votes) state.my_votes = state.my_votes.filter((v) => v.note_id !== data.note_id);
}
function noteField(state, id, fields) {
  for (const note of state.notes || []) if (note.id === id) Object.assign(note, fields);
}

function nothing() { /* the event informs (a toast); the state does not change */ }

function ensureSeating(state) {
  if (!state.seating) state.seating = { round: null, seats: {} };
  return state.seating;
}

export const CLOCK_EVENTS = [
  'cafe_opened', 'move_started', 'round_started', 'round_paused', 'round_resumed',
  'round_extended', 'harvest_started', 'cafe_closed',
];

export const baseReducers = {
  cafe_created: nothing,
  cafe_updated(state, data) { Object.assign(state.cafe, data.cafe); },
  participant_joined(state, data) {
    state.counts = data.counts;
    if (state.participants) state.participants = upsert(state.participants, data.participant, byId);
    // Let in by the facilitator (approve_joins), or back after being marked as left.
    if (state.me && state.me.id === data.participant.id) Object.assign(state.me, data.participant);
  },
  participant_updated(state, data) {
    const person = data.participant;
    for (const known of state.participants || []) if (known.id === person.id) Object.assign(known, person);
    if (state.me && state.me.id === person.id) Object.assign(state.me, person);
  },
  // Printed routes made or withdrawn (a phone gets its own entry only, the board none).
  routes_changed(state, data) {
    for (const known of state.participants || []) {
      if (String(known.id) in data.routes && 'route' in known) known.route = data.routes[String(known.id)];
    }
    if (state.me && String(state.me.id) in data.routes) state.me.route = data.routes[String(state.me.id)];
  },
  participant_left(state, data) {
    state.counts = data.counts;
    if (state.participants) state.participants = state.participants.filter((p) => p.id !== data.participant_id);
    delete ensureSeating(state).seats[String(data.participant_id)];
  },
  participant_connected(state, data) { setPresence(state, data, true); },
  participant_disconnected(state, data) { setPresence(state, data, false); },
  topic_added(state, data) { state.topics = upsert(state.topics, data.topic, byPosition); },
  topic_updated(state, data) { state.topics = upsert(state.topics, data.topic, byPosition); },
  topic_removed(state, data) {
    state.topics = state.topics.filter((t) => t.id !== data.topic_id);
    const gone = new Set(state.tables.filter((t) => t.topic_id === data.topic_id).map((t) => t.id));
    state.tables = state.tables.filter((t) => !gone.has(t.id));
    state.themes = (state.themes || []).filter((t) => t.topic_id !== data.topic_id);
  },
  table_added(state, data) { state.tables = upsert(state.tables, data.table, byPosition); },
  table_updated(state, data) { state.tables = upsert(state.tables, data.table, byPosition); },
  table_removed(state, data) { state.tables = state.tables.filter((t) => t.id !== data.table_id); },
  rounds_updated(state, data) { state.rounds = data.rounds; },
  seats_assigned(state, data) { state.seating = { round: data.round, seats: { ...data.seats } }; },
  participant_seated(state, data) {
    const seating = ensureSeating(state);
    if (seating.round !== data.round) return;
    // A phone knows only its own seat (seats_assigned is personal for phones).
    if (state.role === 'phone' && (!state.me || state.me.id !== data.participant_id)) return;
    const key = String(data.participant_id);
    if (data.table_id === null || data.table_id === undefined) delete seating.seats[key];
    else seating.seats[key] = data.table_id;
  },
  announcement_made(state, data) { state.cafe.announcement = data.announcement; },
  announcement_cleared(state) { state.cafe.announcement = null; },
  advance_blocked: nothing,
  note_added: noteUpsert,
  note_edited: noteUpsert,
  note_restored: noteUpsert,
  note_deleted: noteGone,
  note_hidden(state, data) {
    // The facilitator keeps hidden notes (to restore them); everyone else loses them.
    if (state.role !== 'facilitator') { noteGone(state, data); return; }
    for (const note of state.notes || []) {
      if (note.id === data.note_id) Object.assign(note, { hidden: true, votes: 0, harvest_votes: 0 });
    }
  },
  note_withheld: noteGone,
  note_pinned(state, data) { noteField(state, data.note_id, { pinned: data.pinned }); },
  note_spotlighted(state, data) { state.cafe.spotlight = data.note_id; },
  note_voted(state, data) {
    noteField(state, data.note_id, { votes: data.votes, harvest_votes: data.harvest_votes });
    if (!state.me || state.me.id !== data.participant_id) return;
    if (!state.my_votes) state.my_votes = [];
    if (data.added) {
      state.my_votes.push({ note_id: data.note_id, phase: data.phase, round: data.round });
    } else {
      state.my_votes = state.my_votes.filter((v) => !(v.note_id === data.note_id && v.phase === data.phase));
    }
  },
  summary_written(state, data) {
    const s = data.summary;
    const rest = (state.summaries || []).filter((x) => !(x.table_id === s.table_id && x.round === s.round));
    rest.push(s);
    state.summaries = rest.sort((a, b) => (a.round - b.round) || (a.table_id - b.table_id));
  },
  signup_added(state, data) { state.signups = upsert(state.signups, data.signup, byId); },
  signup_removed(state, data) {
    state.signups = (state.signups || []).filter((s) => s.id !== data.signup_id);
  },
  photo_added(state, data) {
    const rest = (state.photos || []).filter((p) => p.id !== data.photo.id);
    state.photos = [...rest, data.photo].sort((a, b) => (a.created_at - b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  },
  photo_removed(state, data) { state.photos = (state.photos || []).filter((p) => p.id !== data.photo_id); },
  // The theme team's themes; a note is in one theme at most (its theme_id).
  theme_added(state, data) { state.themes = upsert(state.themes || [], data.theme, byId); },
  theme_updated(state, data) { state.themes = upsert(state.themes || [], data.theme, byId); },
  theme_removed(state, data) {
    state.themes = (state.themes || []).filter((t) => t.id !== data.theme_id);
    if (state.my_theme_votes) state.my_theme_votes = state.my_theme_votes.filter((t) => t !== data.theme_id);
    for (const note of state.notes || []) if (note.theme_id === data.theme_id) note.theme_id = null;
  },
  theme_voted(state, data) {
    for (const theme of state.themes || []) if (theme.id === data.theme_id) theme.votes = data.votes;
    if (!state.me || state.me.id !== data.participant_id) return;
    const rest = (state.my_theme_votes || []).filter((t) => t !== data.theme_id);
    state.my_theme_votes = data.added ? [...rest, data.theme_id] : rest;
  },
  notes_themed(state, data) {
    const moved = new Set(data.note_ids);
    for (const note of state.notes || []) if (moved.has(note.id)) note.theme_id = data.theme_id;
  },
  help_requested(state, data) { state.help = upsert(state.help || [], data.help, byId); },
  help_acknowledged(state, data) { state.help = upsert(state.help || [], data.help, byId); },
  help_closed(state, data) { state.help = (state.help || []).filter((h) => h.id !== data.help_id); },
  ...Object.fromEntries(CLOCK_EVENTS.map((name) => [name, setClock])),
};

// --- the countdown, from the server's deadline and this device's measured clock offset ------

export function isRunning(state) {
  return !!(state && state.cafe.status === 'running' && state.cafe.phase);
}

export function isPaused(state) {
  return isRunning(state) && (state.cafe.ends_at_ms === null || state.cafe.ends_at_ms === undefined);
}

// Milliseconds left in the phase (never negative); null when no countdown runs.
export function remainingMs(state, live) {
  if (!isRunning(state)) return null;
  if (isPaused(state)) return state.cafe.remaining_ms ?? 0;
  return Math.max(0, state.cafe.ends_at_ms - live.serverNow());
}

// A deleted café, for a surface without its own screen for it: everything else is hidden
// (not removed, so the surface's timers keep finding their nodes) and one notice stays.
export function showDeleted(text = 'Everything in it, notes and names included, has been removed.',
                            heading = 'This café has been deleted') {
  if (document.getElementById('cafe-deleted')) return;
  for (const child of document.body.children) child.hidden = true;
  document.body.dataset.deleted = 'yes';
  document.body.append(el('main', { class: 'home narrow cafe-deleted', id: 'cafe-deleted', role: 'alert' },
    el('h1', { text: heading }),
    el('p', { class: 'lede', text })));
}
