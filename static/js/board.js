// The projected board: join QR and code, who is here, the strategy areas; once the café runs,
// the round, a big countdown, the question, the tables' notes, during a move who goes to which
// table, a note the facilitator spotlights, and the harvest.
import {
  connectLive, baseReducers, showStatus, remainingMs, formatMs, isPaused, phaseLabel,
} from './live.js';
import { $, el, setText, plural, inkFor } from './dom.js';
import { NotesColumns, renderHarvest, renderSpotlight, spotlitNote } from './board-views.js';

const code = document.body.dataset.code;
const MAX_NAMES = 40;
const MAX_NAMED_SEATS = 60;   // above this many people the move map shows counts, not names
const TICK_MS = 250;
let live = null;
let notesShown = false;           // after the first state: later notes fade in
const columns = new NotesColumns($('run-notes'));

function renderLobby(state) {
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', plural(n, 'person is here', 'people are here'));
  const present = (state.participants || []).filter((p) => p.present);
  const names = $('names');
  const shown = present.slice(-MAX_NAMES).reverse();
  names.replaceChildren(...shown.map((p) => el('li', { text: p.name })));
  // Whole names only: drop the earliest arrivals until the rows fit, and count the rest.
  const fits = () => names.scrollHeight <= names.clientHeight + 1;
  if (present.length > shown.length || !fits()) {
    const more = el('li', { class: 'names-more' });
    names.append(more);
    let kept = shown.length;
    const count = () => { more.textContent = `+ ${present.length - kept} more`; };
    count();
    while (kept > 0 && !fits()) { more.previousElementSibling.remove(); kept -= 1; count(); }
  }
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

// What fills the board under the clock: the notes, the move map, a spotlit note, the harvest.
function viewFor(state) {
  const c = state.cafe;
  const running = c.status === 'running' && c.phase;
  if (!running && c.status !== 'harvest' && c.status !== 'closed') return 'lobby';
  if (spotlitNote(state)) return 'spotlight';
  if (c.status === 'harvest' || c.status === 'closed') return 'harvest';
  if (c.phase === 'move') return 'map';
  return (state.notes || []).some((n) => !n.hidden) ? 'notes' : 'clock';
}

function renderClockText(state) {
  const c = state.cafe;
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
}

function render(state) {
  performance.mark('board-render-start');
  const c = state.cafe;
  setText('cafe-title', c.title);
  const shortUrl = c.join_url.replace(/^https?:\/\//, '');
  setText('join-url', shortUrl);
  setText('run-join-url', shortUrl);
  const a = c.announcement;
  $('announcement').hidden = !(a && a.text);
  setText('announcement', a && a.text ? a.text : '');
  const view = viewFor(state);
  const body = document.body;
  body.dataset.view = view;
  body.dataset.phase = c.status === 'running' ? (c.phase || '') : c.status;
  body.dataset.notes = view === 'notes' ? 'yes' : 'no';
  $('lobby').hidden = view !== 'lobby';
  $('run').hidden = view === 'lobby';
  if (view === 'lobby') renderLobby(state);
  else renderClockText(state);
  // Show the view's box and the clock first, then draw into the box: what fits is measured in
  // the final layout.
  tick();
  $('run-map').hidden = view !== 'map';
  $('run-notes').hidden = view !== 'notes';
  $('run-spotlight').hidden = view !== 'spotlight';
  $('run-harvest').hidden = view !== 'harvest';
  if (view === 'map') renderMap(state);
  if (view === 'notes') columns.render(state, notesShown);
  else columns.markSeen(state.notes);
  if (view === 'spotlight') renderSpotlight($('run-spotlight'), state, spotlitNote(state));
  if (view === 'harvest') renderHarvest($('run-harvest'), state);
  performance.measure('board-render', 'board-render-start');
  // The measures are for bench/board.py; a café of hours must not pile them up.
  if (performance.getEntriesByName('board-render').length > 2000) performance.clearMeasures('board-render');
}

// Events can come in bursts (a sync after a reconnect): draw once per frame, not once per event.
let frame = 0;
function scheduleRender() {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; if (live && live.state) render(live.state); });
}

function tick() {
  const state = live && live.state;
  if (!state) return;
  const node = $('countdown');
  const ms = remainingMs(state, live);
  // Write only what changed: a text node replaced four times a second costs a layout each time.
  const text = formatMs(ms);
  if (node.textContent !== text) node.textContent = text;
  node.hidden = ms === null;
  node.dataset.remainingMs = ms === null ? '' : String(Math.round(ms));
  const mode = isPaused(state) ? 'paused' : (ms === 0 ? 'up' : 'running');
  if (node.dataset.state !== mode) node.dataset.state = mode;
  if (state.cafe.status === 'running' && state.cafe.phase) {
    const label = phaseLabel(state, live);
    if ($('phase-label').textContent !== label) setText('phase-label', label);
  }
}

live = connectLive({
  auth: { cafe: code, role: 'board' },
  reducers: baseReducers,
  onState: (state) => {
    // What is already on the tablecloths shows at once; only later arrivals fade in.
    columns.markSeen(state.notes);
    notesShown = true;
    render(state);
  },
  onChange: scheduleRender,
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
// When a box changes size (a resize, the question or a banner wrapping to another line), what
// fits in it is measured again.
window.addEventListener('resize', scheduleRender);
const refit = new ResizeObserver(() => { columns.invalidate(); scheduleRender(); });
refit.observe($('run-notes'));
refit.observe($('run-harvest'));
