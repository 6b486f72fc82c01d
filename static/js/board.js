// The projected board: join QR and code, who is here, the strategy areas; once the café runs,
// the round, a big countdown, the question, and during a move who goes to which table.
import {
  connectLive, baseReducers, showStatus, remainingMs, formatMs, isPaused, phaseLabel,
} from './live.js';
import { $, el, setText, plural, inkFor } from './dom.js';

const code = document.body.dataset.code;
const MAX_NAMES = 40;
const MAX_NAMED_SEATS = 60;   // above this many people the move map shows counts, not names
const TICK_MS = 250;
const MAX_NOTES_PER_COLUMN = 24;  // built at most; then trimmed to what fits without scrolling
let live = null;
const seenNotes = new Set();      // notes already shown: only new arrivals fade in
let notesShown = false;

function renderLobby(state) {
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', plural(n, 'person is here', 'people are here'));
  const present = (state.participants || []).filter((p) => p.present);
  $('names').replaceChildren(...present.slice(-MAX_NAMES).reverse().map((p) => el('li', { text: p.name })));
  $('topics').replaceChildren(...state.topics.map((t) => el('li', {
    class: 'topic-chip', text: t.name, style: { background: t.colour, color: inkFor(t.colour) },
  })));
  const first = state.rounds[0];
  setText('question', first && first.question ? `“${first.question}”` : '');
}

function renderMap(state) {
  const seats = (state.seating && state.seating.round === state.cafe.current_round) ? state.seating.seats : {};
  const names = new Map((state.participants || []).map((p) => [p.id, p.name]));
  const byTable = new Map();
  for (const [pid, tid] of Object.entries(seats)) {
    if (!byTable.has(tid)) byTable.set(tid, []);
    byTable.get(tid).push(names.get(Number(pid)) || '…');
  }
  const seated = Object.keys(seats).length;
  const showNames = seated <= MAX_NAMED_SEATS;
  const columns = state.topics.map((topic) => {
    const tables = state.tables.filter((t) => t.topic_id === topic.id);
    return el('section', { class: 'map-topic' },
      el('h2', { class: 'map-topic-name', text: topic.name, style: { background: topic.colour, color: inkFor(topic.colour) } }),
      ...tables.map((t) => {
        const people = (byTable.get(t.id) || []).sort((a, b) => a.localeCompare(b));
        return el('div', { class: 'map-table' },
          el('p', { class: 'map-table-label' }, el('strong', { text: t.label }),
            el('span', { class: 'map-count', text: ` ${people.length} ${plural(people.length, 'person', 'people')}` })),
          showNames && people.length ? el('p', { class: 'map-names', text: people.join(' · ') }) : null);
      }));
  });
  const map = $('run-map');
  map.replaceChildren(...columns);
  map.style.setProperty('--cols', String(Math.max(1, state.topics.length)));
  // Names while they fit; tighter type, then counts only, when the room is big.
  map.classList.remove('tight', 'no-names');
  if (!showNames) map.classList.add('no-names');
  if (map.scrollHeight > map.clientHeight + 1) map.classList.add('tight');
  if (map.scrollHeight > map.clientHeight + 1) map.classList.add('no-names');
}

// During the discussion: one column per topic, its tables' notes newest first, as many as fit.
function boardNote(note, table, fresh) {
  return el('li', { class: `board-note sticky-${note.colour}${fresh ? ' sticky-new' : ''}${note.pinned ? ' is-pinned' : ''}`,
    'data-id': note.id },
  el('p', { class: 'board-note-text', text: note.text }),
  el('p', { class: 'board-note-meta' },
    note.pinned ? el('span', { class: 'board-note-pin', text: '★ key insight' }) : null,
    el('span', { text: table ? table.label : '' }),
    note.votes ? el('span', { class: 'board-note-dots', text: `● ${note.votes}` }) : null));
}

function renderNotes(state) {
  const wrap = $('run-notes');
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const animate = notesShown;
  const columns = state.topics.map((topic) => {
    const own = notes.filter((n) => (tables.get(n.table_id) || {}).topic_id === topic.id);
    const list = el('ul', { class: 'notes-col-list' },
      ...own.slice(0, MAX_NOTES_PER_COLUMN).map((n) => boardNote(n, tables.get(n.table_id), animate && !seenNotes.has(n.id))));
    const col = el('section', { class: 'notes-col', 'data-topic': topic.id, 'data-total': own.length },
      el('h2', { class: 'notes-col-name', style: { background: topic.colour, color: inkFor(topic.colour) } },
        el('span', { class: 'notes-col-title', text: topic.name }),
        el('span', { class: 'notes-col-count', text: own.length ? String(own.length) : '' })),
      list,
      el('p', { class: 'notes-more' }));
    return col;
  });
  wrap.replaceChildren(...columns);
  wrap.style.setProperty('--cols', String(Math.max(1, state.topics.length)));
  // Never a scrollbar: drop the oldest shown until each column fits, and say how many more.
  for (const col of columns) {
    const list = col.querySelector('.notes-col-list');
    const more = col.querySelector('.notes-more');
    const total = Number(col.dataset.total);
    const fit = () => list.scrollHeight <= list.clientHeight + 1;
    while (list.children.length && !fit()) list.lastElementChild.remove();
    const hidden = total - list.children.length;
    more.textContent = hidden > 0 ? `+ ${hidden} more` : '';
  }
  for (const n of notes) seenNotes.add(n.id);
}

function render(state) {
  setText('cafe-title', state.cafe.title);
  setText('join-url', state.cafe.join_url.replace(/^https?:\/\//, ''));
  const c = state.cafe;
  const running = c.status === 'running' && c.phase;
  const after = c.status === 'harvest' || c.status === 'closed';
  $('lobby').hidden = running || after;
  $('run').hidden = !(running || after);
  const a = c.announcement;
  $('announcement').hidden = !(a && a.text);
  setText('announcement', a && a.text ? a.text : '');
  renderLobby(state);
  if (!running && !after) return;

  document.body.dataset.phase = running ? c.phase : c.status;
  if (c.status === 'harvest') {
    setText('phase-label', 'Harvest');
    setText('run-question', 'What patterns do you see across the tables? What surprised you?');
    setText('run-hint', 'Share what came up at your tables with the whole room.');
  } else if (c.status === 'closed') {
    setText('phase-label', 'Thank you for coming!');
    setText('run-question', '');
    setText('run-hint', '');
  } else {
    const round = state.rounds.find((r) => r.number === c.current_round);
    const q = round && round.question;
    setText('run-question', q ? `“${q}”` : '');
    const ownQuestions = round && round.topic_questions && Object.values(round.topic_questions).some(Boolean);
    setText('run-hint', c.phase === 'move'
      ? 'Find your table — your phone shows where to go.'
      : (ownQuestions ? 'Some tables have their own question: look at your phone.' : ''));
  }
  $('run-map').hidden = !(running && c.phase === 'move');
  if (running && c.phase === 'move') renderMap(state);
  const withNotes = running && c.phase === 'discuss' && (state.notes || []).some((n) => !n.hidden);
  document.body.dataset.notes = withNotes ? 'yes' : 'no';
  $('run-notes').hidden = !withNotes;
  if (withNotes) renderNotes(state);
  tick();
}

function tick() {
  const state = live && live.state;
  if (!state) return;
  const node = $('countdown');
  const ms = remainingMs(state, live);
  node.textContent = formatMs(ms);
  node.hidden = ms === null;
  node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
  node.dataset.state = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  if (state.cafe.status === 'running' && state.cafe.phase) setText('phase-label', phaseLabel(state, live));
}

live = connectLive({
  auth: { cafe: code, role: 'board' },
  reducers: baseReducers,
  onState: (state) => {
    // What is already on the tablecloths shows at once; only later arrivals fade in.
    for (const n of state.notes || []) seenNotes.add(n.id);
    notesShown = true;
    render(state);
  },
  onChange: render,
  onStatus: (s) => showStatus($('conn'), s),
  onRefused: (error) => { setText('join-url', error.message); },
});
setInterval(tick, TICK_MS);

$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
});
$('theme').addEventListener('click', () => {
  document.body.classList.toggle('theme-dark');
  document.body.classList.toggle('theme-light');
});
window.addEventListener('resize', () => { if (live && live.state) render(live.state); });
