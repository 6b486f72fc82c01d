// The projected board: join QR and code, who is here, the strategy areas; once the café runs,
// the round, a big countdown, the question, the tables' notes, during a move who goes to which
// table, a note the facilitator spotlights, and the harvest.
// Every word goes through t()/tn() (static/js/i18n.js) in the language the facilitator chose for
// the board (the café's settings.board_language), else the projector browser's.
import {
  connectLive, baseReducers, showDeleted, remainingMs, formatMs, isPaused,
} from './live.js';
import { $, el, setText, inkFor } from './dom.js';
import { t, tn, tableLabel, useLanguage } from './i18n.js';
import { NotesColumns, renderHarvest, renderSpotlight, spotlitNote } from './board-views.js';

const code = document.body.dataset.code;
const MAX_NAMES = 40;
const MAX_NAMED_SEATS = 60;   // above this many people the move map shows counts, not names
const TICK_MS = 250;
let live = null;
let notesShown = false;           // after the first state: later notes fade in
let connection = 'connecting';    // the last status, said again when the language changes
const columns = new NotesColumns($('run-notes'));

// A typed question in the language's quotation marks.
function quoted(text) { return t('“{question}”', { question: text }); }

// "Round 2 of 4 · Discussion" in the board's language.
function phaseText(state) {
  const c = state.cafe;
  const head = t('Round {round} of {rounds}',
    { round: c.current_round, rounds: Math.max(state.rounds.length, c.current_round || 0) });
  let part = c.phase === 'move' ? t('Moving') : t('Discussion');
  if (isPaused(state)) part = t('Paused');
  else if (c.phase === 'discuss' && remainingMs(state, live) === 0) part = t("Time's up");
  return `${head} · ${part}`;
}

function showConnection(status) {
  connection = status;
  const node = $('conn');
  node.hidden = status === 'online';
  node.textContent = status === 'online' ? '' : t('Reconnecting…');
  node.dataset.status = status;
}

// --- the facilitator changes the board's language ----------------------------------------------

let askedFor = document.body.dataset.boardLanguage || '';   // the setting last fetched a page for
let switching = false;

// When the café's setting differs from the one this page was drawn for, fetch the page again
// (the server draws it in the new language) and swap its words in: the template's (every
// [data-l10n] element, in the same order on both pages) and the scripts' catalogue. A reload
// would do the same but drop the projector out of full screen, and lose the light/dark choice.
function followLanguage(settings) {
  const wanted = String((settings && settings.board_language) || '');
  // askedFor: one fetch per change, even if the page that came back disagrees.
  if (switching || wanted === (document.body.dataset.boardLanguage || '') || wanted === askedFor) return;
  askedFor = wanted;
  switching = true;
  fetch(location.pathname + location.search, { cache: 'no-store' })
    .then((response) => {
      if (!response.ok) throw new Error(`board page: ${response.status}`);
      return response.text();
    })
    .then((html) => {
      const fresh = new DOMParser().parseFromString(html, 'text/html');
      const mine = document.querySelectorAll('[data-l10n]');
      const theirs = fresh.querySelectorAll('[data-l10n]');
      if (mine.length !== theirs.length) throw new Error('the board page changed shape');
      mine.forEach((node, i) => {
        const other = theirs[i];
        for (const name of ['aria-label', 'alt']) {
          if (other.hasAttribute(name)) node.setAttribute(name, other.getAttribute(name));
        }
        // Containers the scripts fill are empty on a fresh page: keep what they hold.
        if (other.textContent.trim()) node.textContent = other.textContent;
      });
      document.documentElement.lang = fresh.documentElement.lang || 'en';
      document.title = fresh.title;
      let words = {};
      try { words = JSON.parse(fresh.body.dataset.words || '{}'); } catch (e) { words = {}; }
      useLanguage(words, document.documentElement.lang);
      document.body.dataset.boardLanguage = fresh.body.dataset.boardLanguage || '';
      // What is drawn carries the old words: draw it all again.
      columns.forget();
      delete $('run-spotlight').dataset.sig;
      showConnection(connection);
      switching = false;
      scheduleRender();
    })
    .catch(() => { location.reload(); });
}

function renderLobby(state) {
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', tn(n, 'people are here'));
  $('topics').replaceChildren(...state.topics.map((t) => el('li', {
    class: 'topic-chip', text: t.name, style: { background: t.colour, color: inkFor(t.colour) },
  })));
  const first = state.rounds[0];
  setText('question', first && first.question ? quoted(first.question) : '');
  // The names last: they get the room the topics and the question leave.
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
    const count = () => { more.textContent = tn(present.length - kept, '+ {n} others'); };
    count();
    while (kept > 0 && !fits()) { more.previousElementSibling.remove(); kept -= 1; count(); }
    // Not even room for the count: no names rather than a sliver of them.
    if (!fits()) names.replaceChildren();
  }
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
  // A thin room leaves tables empty this round (settings.min_table_size): say so, rather than
  // "0 people", once the round's seats are known.
  const columns = state.topics.map((topic) => {
    const tables = state.tables.filter((t) => t.topic_id === topic.id);
    return el('section', { class: 'map-topic' },
      el('h2', { class: 'map-topic-name', text: topic.name, style: { background: topic.colour, color: inkFor(topic.colour) } }),
      ...tables.map((table) => {
        const people = (byTable.get(table.id) || []).sort((a, b) => a.localeCompare(b));
        const unused = seated > 0 && !people.length;
        return el('div', { class: unused ? 'map-table is-unused' : 'map-table' },
          el('p', { class: 'map-table-label' }, el('strong', { text: tableLabel(table.label) }),
            el('span', { class: 'map-count', text: ` ${unused ? t('not used this round') : tn(people.length, '{n} people')}` })),
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
    setText('phase-label', t('Harvest'));
    setText('run-question', t('What patterns do you see across the tables? What surprised you?'));
    setText('run-hint', t('Share what came up at your tables with the whole room.'));
  } else if (c.status === 'closed') {
    setText('phase-label', t('Thank you for coming!'));
    setText('run-question', '');
    setText('run-hint', '');
  } else {
    const round = state.rounds.find((r) => r.number === c.current_round);
    const q = round && round.question;
    setText('run-question', q ? quoted(q) : '');
    const ownQuestions = round && round.topic_questions && Object.values(round.topic_questions).some(Boolean);
    setText('run-hint', c.phase === 'move'
      ? t('Find your table — your phone shows where to go.')
      : (ownQuestions ? t('Some tables have their own question: look at your phone.') : ''));
  }
}

function render(state) {
  performance.mark('board-render-start');
  const c = state.cafe;
  followLanguage(c.settings);
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
    const label = phaseText(state);
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
  onStatus: showConnection,
  onDeleted: () => {
    showDeleted(t('Everything in it, notes and names included, has been removed.'),
      t('This café has been deleted'));
  },
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
