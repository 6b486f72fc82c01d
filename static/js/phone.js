// The participant's phone: join once, keep the token, then follow the café live.
import { connectLive, baseReducers, showStatus } from './live.js';
import { $, setText, plural } from './dom.js';

const code = document.body.dataset.code;
const TOKEN_KEY = `cafe:${code}:token`;
let live = null;

function show(screenId) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== screenId;
}

function render(state) {
  setText('cafe-title', state.cafe.title);
  if (state.me) setText('me-name', state.me.name);
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', plural(n, 'person is here', 'people are here'));
  if (state.cafe.status === 'closed') {
    setText('problem-title', 'This café has closed');
    setText('problem-text', 'Thank you for coming!');
    show('problem');
    return;
  }
  show('lobby');
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

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) start(saved); else showJoin();
