// The projected board: join QR and code, who is here, the strategy areas; once the café runs,
// the round, a big countdown, the question, the tables' notes, during a move who goes to which
// table, a note the facilitator spotlights, and the harvest.
// Every word goes through t()/tn() (static/js/i18n.js) in the language the facilitator chose for
// the board (the café's settings.board_language), else the projector browser's; the facilitator's
// own words (area names, questions, the announcement) in their version for that language.
// Everything drawn over the board has an owner and an end (docs/architecture.md): the
// announcement takes a row of its own and ends when cleared, at its `until` (on this board's
// clock, corrected by the server's) and when the café closes; a spotlight never hides the seat
// map of a move. Time cues: a "N minutes left" warning and a chime when a phase's time runs out.
import { connectLive, baseReducers, showDeleted, isPaused } from './live.js';
import { $, el, setText, inkFor } from './dom.js';
import { t, tn, tableLabel, useLanguage } from './i18n.js';
import { showCountdown, phaseLabel, showStatus } from './ui.js';
import {
  NotesColumns, renderHarvest, renderThemes, renderSpotlight, spotlitNote, said, areaLabel, fitNames, boardLanguage,
  areaNumbers, MAX_COLUMNS,
} from './board-views.js';
import { bell } from './board-bell.js';

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

const LONG_ANNOUNCEMENT = 120;         // characters: above this the announcement is set smaller

// The announcement on screen now, in the board's language, or null: none, cleared, past its
// `until` on the server's clock (this board stops showing it even before the server's
// announcement_cleared arrives), or the café has closed.
function announcementText(state) {
  const a = state.cafe.announcement;
  if (!a || !a.text || state.cafe.status === 'closed') return null;
  if (a.until && live && live.serverNow() >= a.until) return null;
  const own = a.translations && a.translations[boardLanguage()];
  return (typeof own === 'string' && own) || a.text;
}

// A draft or closed café shows no way to join (no QR code, no code, no address).
function joinable(state) { return !['draft', 'closed'].includes(state.cafe.status); }

function showConnection(status) {
  connection = status;
  showStatus($('conn'), status);
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

// The announcement: a row of its own, under the clock while the café runs, above the join code
// and the areas in the lobby; never over the code, the clock or the seat map.
function renderAnnouncement(state, view) {
  const node = $('announcement');
  const text = announcementText(state);
  const home = view === 'lobby' ? $('lobby') : $('run');
  if (node.parentElement !== home) home.prepend(node);
  node.hidden = !text;
  if (node.textContent !== (text || '')) node.textContent = text || '';
  node.classList.toggle('is-long', !!text && text.length > LONG_ANNOUNCEMENT);
}

function renderLobby(state) {
  const c = state.cafe;
  const draft = c.status === 'draft';
  $('board-state').hidden = !draft;
  $('lobby-join').hidden = !joinable(state);
  // Nobody is asked in yet: no head count either (the areas and the question may be shown).
  document.querySelector('#lobby .people').hidden = draft;
  $('names').hidden = draft;
  if (draft) {
    setText('board-state-head', t('This café is not open yet'));
    setText('board-state-text', t('The facilitator is still preparing it. The code to join appears here when the café opens.'));
  }
  const n = state.counts.present;
  setText('present-count', String(n));
  setText('present-label', tn(n, 'people are here'));
  $('topics').replaceChildren(...state.topics.map((topic, i) => el('li', {
    class: 'topic-chip area-head', style: { background: topic.colour, color: inkFor(topic.colour) },
  }, ...areaLabel(topic, i + 1))));
  fitNames([...$('topics').children], { lines: 2, level: false });
  const first = state.rounds[0];
  const question = said(first, 'question');
  setText('question', question ? quoted(question) : '');
  // The names last: they get the room the topics and the question leave.
  const present = (state.participants || []).filter((p) => p.present && p.admitted !== false);
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
  // Many areas: only those with tables (every table in use is always shown).
  const numbers = areaNumbers(state);
  const shown = state.topics.length > MAX_COLUMNS
    ? state.topics.filter((topic) => state.tables.some((t) => t.topic_id === topic.id)) : state.topics;
  const columns = shown.map((topic) => {
    const tables = state.tables.filter((t) => t.topic_id === topic.id);
    return el('section', { class: 'map-topic', 'data-topic': topic.id },
      el('h2', { class: 'map-topic-name area-head', style: { background: topic.colour, color: inkFor(topic.colour) } },
        ...areaLabel(topic, numbers.get(topic.id))),
      ...tables.map((table) => {
        const people = (byTable.get(table.id) || []).sort((a, b) => a.localeCompare(b));
        const unused = seated > 0 && !people.length;
        return el('div', { class: unused ? 'map-table is-unused' : 'map-table' },
          el('p', { class: 'map-table-label' }, el('strong', { text: tableLabel(table.label) }),
            el('span', { class: 'map-count', text: ` ${unused ? t('not used this round') : tn(people.length, '{n} people')}` })),
          // Each name whole on its line where it fits ("Person 9", not "Person / 9").
          showNames && people.length ? el('p', { class: 'map-names' },
            ...people.flatMap((name, k) => [k ? ' · ' : null, el('span', { class: 'map-name', text: name })])) : null);
      }));
  });
  const map = $('run-map');
  map.replaceChildren(...columns);
  map.style.setProperty('--cols', String(Math.max(1, shown.length)));
  map.classList.remove('tight', 'no-names');
  fitNames([...map.querySelectorAll('.area-head')]);
  // Names while they fit; tighter type, then counts only, when the room is big.
  if (!showNames) map.classList.add('no-names');
  if (map.scrollHeight > map.clientHeight + 1) map.classList.add('tight');
  if (map.scrollHeight > map.clientHeight + 1) map.classList.add('no-names');
}

// What fills the board under the clock: the notes, the move map, a spotlit note, the harvest.
// A move always shows where everyone goes: a spotlight (the server ends it with its phase) never
// takes the seat map's place.
function viewFor(state) {
  const c = state.cafe;
  const running = c.status === 'running' && c.phase;
  if (!running && c.status !== 'harvest' && c.status !== 'closed') return 'lobby';
  if (running && c.phase === 'move') return 'map';
  if (c.status !== 'closed' && spotlitNote(state)) return 'spotlight';
  // The facilitator shows the theme team's emerging themes between rounds and in the harvest.
  if (c.settings && c.settings.board_themes) return 'themes';
  if (c.status === 'harvest' || c.status === 'closed') return 'harvest';
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
    setText('run-question', t('This café has closed.'));
    setText('run-hint', '');
  } else {
    const round = state.rounds.find((r) => r.number === c.current_round);
    const q = said(round, 'question');
    setText('run-question', q ? quoted(q) : '');
    const ownQuestions = round && round.topic_questions && Object.values(round.topic_questions).some(Boolean);
    setText('run-hint', c.phase === 'move'
      ? t('Find your table — your phone shows where to go.')
      : (ownQuestions ? t('Some tables have their own question: look at your phone.') : ''));
  }
}

// --- time cues: the warning before a discussion ends, the chime when a phase's time runs out --

// The phase the board last drew: a change of phase redraws the main area from scratch and, from
// a discussion or a move, rings the bell (unless that phase's end has rung already).
let drawnPhase = null;
const rung = new Set();            // phases whose end has been rung
let lastTick = { key: '', ms: null };

function phaseKey(c) { return `${c.status}|${c.current_round || 0}|${c.phase || ''}`; }

function chimeOn(state) { return !(state.cafe.settings && state.cafe.settings.chime === false); }

function ring(state, key) {
  if (rung.has(key)) return;
  rung.add(key);
  if (chimeOn(state)) bell.chime();
}

function followPhase(state) {
  const c = state.cafe;
  const key = phaseKey(c);
  if (drawnPhase === null) { drawnPhase = { key, status: c.status, phase: c.phase }; return; }
  if (drawnPhase.key === key) return;
  const before = drawnPhase;
  drawnPhase = { key, status: c.status, phase: c.phase };
  // Whatever the last phase drew belongs to it.
  columns.forget();
  delete $('run-spotlight').dataset.sig;
  $('run-spotlight').replaceChildren();
  const ended = before.status === 'running' && (before.phase === 'discuss' || before.phase === 'move');
  const next = (c.status === 'running' && c.phase) || c.status === 'harvest';
  if (ended && next) ring(state, before.key);
}

function warningText(state, ms) {
  const c = state.cafe;
  if (c.status !== 'running' || c.phase !== 'discuss' || isPaused(state) || !ms) return '';
  const seconds = Number(c.settings.warning_seconds);   // 0: no warning
  if (seconds <= 0 || ms > seconds * 1000) return '';
  const minutes = Math.ceil(ms / 60000);
  return tn(minutes, '{n} minutes left');
}

// The bell offered once, in the header (never over the code, the clock or the map), while the
// café may still ring it and nobody has answered.
function renderBell(state) {
  const offer = bell.supported() && bell.choice() === null && chimeOn(state) && state.cafe.status !== 'closed';
  $('bell').hidden = !offer;
  setText('bell-on', t('Click to allow the bell'));
  setText('bell-off', t('No bell'));
}

function render(state) {
  performance.mark('board-render-start');
  const c = state.cafe;
  followLanguage(c.settings);
  followPhase(state);
  setText('cafe-title', c.title);
  const shortUrl = c.join_url.replace(/^https?:\/\//, '');
  setText('join-url', shortUrl);
  setText('run-join-url', shortUrl);
  renderBell(state);
  const view = viewFor(state);
  const body = document.body;
  body.dataset.view = view;
  body.dataset.phase = c.status === 'running' ? (c.phase || '') : c.status;
  body.dataset.notes = view === 'notes' ? 'yes' : 'no';
  $('lobby').hidden = view !== 'lobby';
  $('run').hidden = view === 'lobby';
  $('run-join').hidden = !joinable(state);
  renderAnnouncement(state, view);
  if (view === 'lobby') renderLobby(state);
  else renderClockText(state);
  // Show the view's box and the clock first, then draw into the box: what fits is measured in
  // the final layout.
  tick();
  $('run-map').hidden = view !== 'map';
  $('run-notes').hidden = view !== 'notes';
  $('run-spotlight').hidden = view !== 'spotlight';
  $('run-harvest').hidden = view !== 'harvest';
  $('run-themes').hidden = view !== 'themes';
  if (view === 'map') renderMap(state);
  if (view === 'notes') columns.render(state, notesShown);
  else columns.markSeen(state.notes);
  if (view === 'spotlight') renderSpotlight($('run-spotlight'), state, spotlitNote(state));
  if (view === 'harvest') renderHarvest($('run-harvest'), state);
  if (view === 'themes') renderThemes($('run-themes'), state);
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
  const ms = showCountdown([$('countdown')], state, live);
  if (state.cafe.status === 'running' && state.cafe.phase) {
    const label = phaseLabel(state, live);
    if ($('phase-label').textContent !== label) setText('phase-label', label);
  }
  const warning = warningText(state, ms);
  const box = $('run-warning');
  if (box.textContent !== warning) box.textContent = warning;
  if (box.hidden !== !warning) box.hidden = !warning;
  // The deadline, seen by this board: the chime rings once for the phase (the move or the
  // discussion that follows by itself does not ring it again). Time added after it may ring again.
  const key = phaseKey(state.cafe);
  if (state.cafe.status === 'running' && !isPaused(state)) {
    if (lastTick.key === key && lastTick.ms > 0 && ms === 0) ring(state, key);
    if (ms > 1000) rung.delete(key);
  }
  lastTick = { key, ms };
  // An announcement past its `until` leaves now, not when the server's word arrives.
  if (!$('announcement').hidden && !announcementText(state)) scheduleRender();
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
// The bell: one click allows the browser to play it (and is remembered); "No bell" too.
$('bell-on').addEventListener('click', () => { bell.allow(); scheduleRender(); });
$('bell-off').addEventListener('click', () => { bell.refuse(); scheduleRender(); });
// When a box changes size (a resize, the question or a banner wrapping to another line), what
// fits in it is measured again.
window.addEventListener('resize', scheduleRender);
const refit = new ResizeObserver(() => { columns.invalidate(); scheduleRender(); });
refit.observe($('run-notes'));
refit.observe($('run-harvest'));
refit.observe($('run-map'));
