// The live connection every surface shares: identity in the connect `auth`, events applied
// in `seq` order, gaps and reconnects healed with `sync`, and the server's clock.
/* global io */

const SYNC_DELAY_MS = 400;   // wait this long for an out-of-order event before asking
const ACK_TIMEOUT_MS = 8000;

export function connectLive({ auth, reducers, onState, onChange, onStatus, onRefused }) {
  let state = null;
  let offset = 0;            // serverNow - Date.now(), from the best clock sample
  let bestRtt = Infinity;
  const pending = new Map(); // seq -> event that arrived ahead of a gap
  let syncTimer = null;
  let syncing = false;

  const socket = io({ auth, reconnectionDelay: 500, reconnectionDelayMax: 4000 });

  function setStatus(s) { if (onStatus) onStatus(s); }

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
  socket.on('disconnect', () => setStatus('offline'));
  socket.on('connect_error', (err) => {
    // A refusal by the server (bad token or link) is final; anything else is the network.
    if (err && err.data && err.data.code) { if (onRefused) onRefused(err.data); return; }
    setStatus('offline');
  });
  socket.on('event', receive);
  socket.on('heartbeat', (hb) => {
    if (state && hb.seq > state.seq) scheduleSync();
  });

  return {
    socket,
    get state() { return state; },
    serverNow() { return Date.now() + offset; },
    send(command, payload) {
      return new Promise((resolve) => {
        socket.timeout(ACK_TIMEOUT_MS).emit(command, payload, (err, res) => {
          resolve(err ? { ok: false, error: { code: 'timeout', message: 'No answer from the server.' } } : res);
        });
      });
    },
  };
}

// Reducers shared by every surface: presence and joins only change counts and lists.
export const baseReducers = {
  cafe_created() {},
  participant_joined(state, data) {
    state.counts = data.counts;
    if (state.participants) {
      const rest = state.participants.filter((p) => p.id !== data.participant.id);
      rest.push(data.participant);
      rest.sort((a, b) => a.id - b.id);
      state.participants = rest;
    }
  },
  participant_connected(state, data) { setPresence(state, data, true); },
  participant_disconnected(state, data) { setPresence(state, data, false); },
};

function setPresence(state, data, present) {
  state.counts = data.counts;
  for (const p of state.participants || []) if (p.id === data.participant_id) p.present = present;
  if (state.me && state.me.id === data.participant_id) state.me.present = present;
}

export function showStatus(el, status) {
  if (!el) return;
  el.hidden = status === 'online';
  el.textContent = status === 'online' ? '' : 'Reconnecting…';
  el.dataset.status = status;
}
