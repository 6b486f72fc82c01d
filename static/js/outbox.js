// The phone's outbox: notes are never lost. A note is first written here (this device's storage,
// one outbox per café), shown at once as "sending…", and sent in the order typed until the server
// acknowledges it. The note's id is made here, so sending it twice is harmless: the server
// answers `duplicate: true`. No DOM: the page draws the outbox and says what went wrong.
import { readJSON, writeJSON, removeItem } from './storage.js';

export const NOTE_ACK_MS = 5000;
export const RETRY_MS = 3000;
const RATE_RETRY_MS = 1500;
const MINE_KEPT = 500;
// Refusals that will not change by sending again: the note waits for its author.
const TRANSIENT = new Set(['timeout', 'internal', 'rate_limited']);

// A random UUID (v4): crypto.randomUUID exists only on https and localhost, and not on old phones.
export function uuid() {
  try { if (window.crypto && crypto.randomUUID) return crypto.randomUUID(); } catch (e) { /* below */ }
  const b = new Uint8Array(16);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
  else for (let i = 0; i < 16; i += 1) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The outbox of one café, and the ids of the notes written on this phone ("mine", kept after
// they are sent: the server's notes do not say who wrote an anonymous one).
//   send(command, payload, timeoutMs) -> ack     the live connection's send
//   online() -> bool                             worth trying now
//   seq() -> number | null                       the seq of the state shown
//   refusal(ack) -> text                         why the café said no, in the phone's words
//   after(changed)                               a flush ended; `changed`: the outbox changed
export function openOutbox(code, { send, online, seq, refusal, after }) {
  const KEY = `cafe:${code}:outbox`;
  const MINE_KEY = `cafe:${code}:mine`;
  const sending = { flushing: false, retryTimer: null };

  function read() { const o = readJSON(KEY, []); return Array.isArray(o) ? o : []; }
  function write(items) { return writeJSON(KEY, items); }
  function update(id, change) { write(read().map((item) => (item.id === id ? { ...item, ...change } : item))); }
  function drop(id) { write(read().filter((item) => item.id !== id)); }

  // A note the server acknowledged (`sent` = the ack's seq) stays shown as pending until the
  // phone's state reaches that seq: phones get events batched, so the ack can come first.
  function prune(stateSeq) {
    const box = read();
    const kept = box.filter((item) => !(item.sent && stateSeq !== null && stateSeq !== undefined && stateSeq >= item.sent));
    if (kept.length !== box.length) write(kept);
  }

  // Notes still to send (not refused, not acknowledged).
  function waiting() { return read().filter((item) => !item.error && !item.sent).length; }

  function mine() { return new Set(readJSON(MINE_KEY, [])); }
  function rememberMine(id) {
    const ids = readJSON(MINE_KEY, []);
    if (!ids.includes(id)) { ids.push(id); writeJSON(MINE_KEY, ids.slice(-MINE_KEPT)); }
  }
  function forgetMine(id) { writeJSON(MINE_KEY, readJSON(MINE_KEY, []).filter((x) => x !== id)); }

  // A new note (in place of the refused one it `replaces`, if any); false when this phone could
  // not keep it (storage full or blocked).
  function add(item, replaces) {
    let box = read();
    if (replaces) {
      box = box.filter((x) => x.id !== replaces);
      forgetMine(replaces);
    }
    box.push(item);
    if (!write(box) && !read().some((x) => x.id === item.id)) return false;
    rememberMine(item.id);
    return true;
  }

  // A refused note its author gave up on.
  function discard(id) { drop(id); forgetMine(id); }

  // The café was deleted: nothing of it stays on this phone.
  function clear() { removeItem(KEY); removeItem(MINE_KEY); }

  function scheduleRetry(ms) {
    clearTimeout(sending.retryTimer);
    sending.retryTimer = setTimeout(flush, ms);
  }

  // Send in the order typed, until acknowledged: a refusal that may pass later (no answer, the
  // server busy) stops here and is tried again; any other marks the note for its author.
  async function flush() {
    if (sending.flushing || !online()) { after(false); return; }
    sending.flushing = true;
    let changed = false;
    try {
      for (const item of read()) {
        if (item.error || item.sent) continue;   // waits for its author, or for its event
        if (!online()) break;
        const ack = await send('add_note', {
          id: item.id, table_id: item.table_id, round: item.round, text: item.text,
          colour: item.colour, anonymous: !!item.anonymous,
          ...(item.from_tablecloth ? { from_tablecloth: true } : {}),
        }, NOTE_ACK_MS);
        if (ack && ack.ok) {        // stored now, or already (duplicate: true)
          const now = seq();
          if (ack.seq && !(now !== null && now !== undefined && now >= ack.seq)) update(item.id, { sent: ack.seq });
          else drop(item.id);
          changed = true;
          continue;
        }
        const codeName = (ack && ack.error && ack.error.code) || 'timeout';
        const kind = (ack && ack.error && ack.error.kind) || codeName;   // writing_fast is a rate_limited
        if (kind === 'rate_limited') { scheduleRetry(RATE_RETRY_MS); break; }
        if (TRANSIENT.has(kind)) break;   // try again on reconnect or in a few seconds
        update(item.id, { error: { code: codeName, message: refusal(ack) } });
        changed = true;
      }
    } finally {
      sending.flushing = false;
    }
    after(changed);
  }

  return { read, prune, waiting, mine, forgetMine, add, discard, clear, flush };
}
