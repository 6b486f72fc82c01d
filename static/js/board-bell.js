// The board's bell: a short chime made in the browser with Web Audio (two struck sine tones with
// an overtone each, under a quick-attack, slow-decay envelope; no sound file to download).
// Browsers start audio only after a gesture on the page, so the board asks once ("Click to allow
// the bell") and remembers the answer in localStorage; with the answer "on", a later load wakes the
// audio at once when the browser allows it, else at the first click or key on the board (the
// full-screen button, say). No words here: board.js says them.
// Every chime that starts its oscillators counts in `window.boardChimes` and leaves a
// performance.mark('board-chime'): tests, and anyone in the console, can see that it rang.
import { getItem, setItem } from './storage.js';

const KEY = 'cafe-board-bell';
const NOTES = [[659.25, 0], [523.25, 0.32]];   // E5 then C5: "ding-dong"
const PARTIALS = [[1, 0.45], [2.76, 0.1]];     // the strike and a bell-like overtone
const DECAY_S = 1.6;

let context = null;

function audioClass() { return window.AudioContext || window.webkitAudioContext || null; }

function report() { window.boardAudioState = context ? context.state : 'none'; }

// Create the audio context (once) and ask it to run; inside a gesture the browser lets it.
function wake() {
  const Audio = audioClass();
  if (!Audio) return;
  if (!context) {
    context = new Audio();
    context.addEventListener('statechange', report);
  }
  if (context.state === 'suspended') context.resume().then(report, report);
  report();
}

function strike(at, freq) {
  for (const [multiple, level] of PARTIALS) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq * multiple;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(level, at + 0.012);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + DECAY_S);
    osc.connect(gain);
    gain.connect(context.destination);
    osc.start(at);
    osc.stop(at + DECAY_S + 0.05);
  }
}

export const bell = {
  supported() { return !!audioClass(); },
  // 'on', 'off', or null (never asked).
  choice() {
    const value = getItem(KEY);
    return value === 'on' || value === 'off' ? value : null;
  },
  allow() {
    setItem(KEY, 'on');
    wake();
  },
  refuse() { setItem(KEY, 'off'); },
  // Ring now; false when it cannot (not allowed, or the browser still holds the audio back).
  chime() {
    if (this.choice() !== 'on' || !context) return false;
    if (context.state !== 'running') {
      context.resume().then(report, report);
      return false;
    }
    const now = context.currentTime;
    for (const [freq, delay] of NOTES) strike(now + delay, freq);
    window.boardChimes = (window.boardChimes || 0) + 1;
    performance.mark('board-chime');
    return true;
  },
};

// A board allowed the bell before: wake the audio now if the browser lets it, else at the first
// click or key (a gesture), then stop listening.
if (bell.choice() === 'on') {
  wake();
  const onGesture = () => {
    wake();
    if (context && context.state === 'running') {
      window.removeEventListener('pointerdown', onGesture, true);
      window.removeEventListener('keydown', onGesture, true);
    }
  };
  window.addEventListener('pointerdown', onGesture, true);
  window.addEventListener('keydown', onGesture, true);
}
report();
