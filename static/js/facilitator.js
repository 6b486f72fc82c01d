// The facilitator's control panel. The secret lives in the URL fragment: never sent in a
// request line or a Referer, only in the socket's auth payload.
import { connectLive, baseReducers, showStatus } from './live.js';
import { $, el, setText, inkFor } from './dom.js';

const code = document.body.dataset.code;
const secret = decodeURIComponent(window.location.hash.slice(1));

function render(state) {
  $('panel').hidden = false;
  setText('cafe-title', state.cafe.title);
  setText('present-count', String(state.counts.present));
  setText('joined-count', String(state.counts.joined));
  setText('table-count', String(state.tables.length));
  setText('seat-count', String(state.tables.reduce((n, t) => n + t.capacity, 0)));
  $('topics').replaceChildren(...state.topics.map((t) => {
    const tables = state.tables.filter((x) => x.topic_id === t.id);
    return el('li', { class: 'topic-row' },
      el('span', { class: 'topic-chip', text: t.name, style: { background: t.colour, color: inkFor(t.colour) } }),
      el('span', { class: 'muted', text: `${tables.length} tables · ${tables.reduce((n, x) => n + x.capacity, 0)} seats` }));
  }));
  const people = state.participants || [];
  $('people-empty').hidden = people.length > 0;
  $('people').replaceChildren(...people.map((p) => el('tr', { class: p.present ? 'present' : 'away' },
    el('td', { text: p.name }),
    el('td', { text: p.organisation || '—' }),
    el('td', {}, el('span', { class: `pill ${p.present ? 'pill-on' : 'pill-off'}`, text: p.present ? 'present' : 'away' })))));
}

function denied() {
  $('panel').hidden = true;
  $('denied').hidden = false;
}

if (!secret) {
  denied();
} else {
  const live = connectLive({
    auth: { cafe: code, role: 'facilitator', secret },
    reducers: baseReducers,
    onState: render,
    onChange: render,
    onStatus: (s) => showStatus($('conn'), s),
    onRefused: () => { live.socket.disconnect(); denied(); },
  });
}
