// The projected board: join QR and code, who is here, the strategy areas.
import { connectLive, baseReducers, showStatus } from './live.js';
import { $, el, setText, plural, inkFor } from './dom.js';

const code = document.body.dataset.code;
const MAX_NAMES = 40;

function render(state) {
  setText('cafe-title', state.cafe.title);
  setText('join-url', state.cafe.join_url.replace(/^https?:\/\//, ''));
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', plural(n, 'person is here', 'people are here'));
  const present = (state.participants || []).filter((p) => p.present);
  const names = $('names');
  names.replaceChildren(...present.slice(-MAX_NAMES).reverse().map((p) => el('li', { text: p.name })));
  const topics = $('topics');
  topics.replaceChildren(...state.topics.map((t) => el('li', {
    class: 'topic-chip', text: t.name, style: { background: t.colour, color: inkFor(t.colour) },
  })));
  const first = state.rounds[0];
  setText('question', first && first.question ? `“${first.question}”` : '');
}

connectLive({
  auth: { cafe: code, role: 'board' },
  reducers: baseReducers,
  onState: render,
  onChange: render,
  onStatus: (s) => showStatus($('conn'), s),
  onRefused: (error) => { setText('join-url', error.message); },
});

$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
});
$('theme').addEventListener('click', () => {
  document.body.classList.toggle('theme-dark');
  document.body.classList.toggle('theme-light');
});
