// What every surface (phone, board, panel) shows the same way: the countdown, "Round 2 of 4 ·
// Discussion", the connection's status line, and a command sent from a button. Every word goes
// through t() (static/js/i18n.js), in the page's own catalogue.
import { t } from './i18n.js';
import { remainingMs, isPaused, isRunning } from './live.js';

// 754000 -> "12:34"; rounds up, so "0:00" means the time is really up.
export function formatMs(ms) {
  if (ms === null || ms === undefined) return '';
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

// The countdown, from the server's deadline and this device's measured clock offset, into each
// node: its text, data-remaining-ms (for tests and styles) and data-state (running, paused, up).
// Only what changed is written: a text node replaced four times a second costs a layout each time.
// `hide`: no countdown (the café is not running) hides the node. Returns the milliseconds left.
export function showCountdown(nodes, state, live, { hide = true } = {}) {
  const ms = remainingMs(state, live);
  const text = formatMs(ms);
  const mode = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  for (const node of nodes) {
    if (node.textContent !== text) node.textContent = text;
    if (hide) node.hidden = ms === null;
    node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
    if (node.dataset.state !== mode) node.dataset.state = mode;
  }
  return ms;
}

// "Round 2 of 4".
export function roundLine(state) {
  const c = state.cafe;
  return t('Round {round} of {rounds}', { round: c.current_round, rounds: Math.max(state.rounds.length, c.current_round || 0) });
}

// "Round 2 of 4 · Discussion" and friends; '' while no round runs.
export function phaseLabel(state, live) {
  if (!isRunning(state)) return '';
  const c = state.cafe;
  let part = c.phase === 'move' ? t('Moving') : t('Discussion');
  if (isPaused(state)) part = t('Paused');
  else if (c.phase === 'discuss' && remainingMs(state, live) === 0) part = t("Time's up");
  return `${roundLine(state)} · ${part}`;
}

// The connection's status line: hidden while online, "Reconnecting…" otherwise.
export function showStatus(node, status) {
  if (!node) return;
  node.hidden = status === 'online';
  node.textContent = status === 'online' ? '' : t('Reconnecting…');
  node.dataset.status = status;
}

// A command sent from a button: the button is held until the answer comes (a second click
// meanwhile does nothing), then `refused(ack)` shows a refusal. `send()` returns the ack.
// `aria`: held with aria-disabled rather than disabled, so the keyboard focus stays on it.
export async function sendFrom(button, send, { refused, aria = false } = {}) {
  if (button.disabled || button.getAttribute('aria-disabled') === 'true') return null;
  if (aria) button.setAttribute('aria-disabled', 'true'); else button.disabled = true;
  let ack;
  try {
    ack = await send();
  } finally {
    if (aria) button.removeAttribute('aria-disabled'); else button.disabled = false;
  }
  if (refused && !(ack && ack.ok)) refused(ack);
  return ack;
}
