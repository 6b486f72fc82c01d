// The theme team's screen: an area's unsorted notes on the left, as they are written; its themes
// (and those across areas) on the right. Choose notes with a click and press a theme's number,
// or drag them onto a theme. Two members at once: the last one to move a note wins, and each
// screen says whose move replaced whose (`seen` in `assign_notes`, `by` in `notes_themed`).
import { connectLive, baseReducers } from './live.js';
import { $, el, setText } from './dom.js';
import { t, tn, tableLabel } from './i18n.js';
import { showStatus, sendFrom } from './ui.js';
import { savedName, teamLinkPage } from './team-name.js';
import { refusal } from './refusal.js';

const code = document.body.dataset.code;
const auth = {
  cafe: code, role: 'facilitator', secret: decodeURIComponent(window.location.hash.slice(1)), name: savedName() || undefined,
};
const SHOWN = 120;          // unsorted notes drawn at once: the newest; the rest say "+ N more"
const IN_THEME = 30;        // a theme's notes drawn in its card before "+ N more"
const MOVED_MS = 10000;     // how long a note moved by someone else says so
const AREA_KEY = `cafe-themes-area-${code}`;

let live = null;
let area = Number(sessionStorage.getItem(AREA_KEY)) || null;
const selected = new Set();         // note ids chosen for the next move
const movedBy = new Map();          // note id -> {by, at}: moved by another member just now
let suggestions = [];               // the last "suggest" answer for this area, minus what was used
let editing = null;                 // {id, value}: a theme being renamed
// The pile's order as last drawn: oldest first, newcomers at the end, so nothing moves under
// the pointer while notes stream in. A note another member takes away leaves its place empty
// for a few seconds (a "ghost" saying who moved it) instead of shifting the rest at once.
let pileOrder = [];

function say(text) { setText('themes-msg', text); }
function me(state) { const you = state.you || {}; return you.name || you.rights || 'facilitator'; }

function areaOf(state, note) { const table = state.tables.find((x) => x.id === note.table_id); return table ? table.topic_id : null; }
function visibleNotes(state) { return (state.notes || []).filter((n) => !n.hidden); }
function themeIds(state) { return new Set((state.themes || []).map((x) => x.id)); }
// The themes this area's screen shows, numbered from 1: the area's own, then those across areas.
function shownThemes(state) {
  const themes = state.themes || [];
  return [...themes.filter((x) => x.topic_id === area), ...themes.filter((x) => x.topic_id === null)];
}
function themeName(state, id) { const found = (state.themes || []).find((x) => x.id === id); return found ? found.name : ''; }

// --- moving notes ----------------------------------------------------------------------------

async function assign(ids, themeId) {
  const state = live.state;
  if (!ids.length) { say(t('Choose the notes first.')); return; }
  const notes = new Map(state.notes.map((n) => [n.id, n]));
  const seen = Object.fromEntries(ids.map((id) => [id, (notes.get(id) || {}).theme_id ?? null]));
  const ack = await live.send('assign_notes', { note_ids: ids, theme_id: themeId, seen });
  if (!ack || !ack.ok) { say(refusal(ack)); return; }
  selected.clear();
  const conflict = (ack.conflicts || [])[0];
  if (conflict) {
    const before = conflict.theme_id === null ? t('unsorted') : (themeName(live.state, conflict.theme_id) || '?');
    say(t('{who} had just moved “{note}” (to “{theme}”); your move replaced theirs.', {
      who: conflict.by || '?', theme: before, note: ((notes.get(conflict.note_id) || {}).text || '').slice(0, 40),
    }));
  } else {
    say(themeId === null ? tn(ids.length, '{n} notes back to unsorted.') : tn(ids.length, '{n} notes put in “{theme}”.', {
      theme: themeName(live.state, themeId),
    }));
  }
  render(live.state);
}

function dragged(id) { return selected.has(id) ? [...selected] : [id]; }

function dropTarget(node, themeId) {
  node.addEventListener('dragover', (e) => { e.preventDefault(); node.classList.add('drop-here'); });
  node.addEventListener('dragleave', () => node.classList.remove('drop-here'));
  node.addEventListener('drop', (e) => {
    e.preventDefault();
    node.classList.remove('drop-here');
    const ids = (e.dataTransfer.getData('text/plain') || '').split(',').filter(Boolean);
    if (ids.length) assign(ids, themeId);
  });
}

// --- drawing ---------------------------------------------------------------------------------

function noteCard(state, note, { compact = false } = {}) {
  const table = state.tables.find((x) => x.id === note.table_id);
  const moved = movedBy.get(note.id);
  const chosen = selected.has(note.id);
  const button = el('button', {
    type: 'button',
    class: `theme-note sticky-${note.colour}${chosen ? ' is-chosen' : ''}${moved ? ' is-moved' : ''}${compact ? ' compact' : ''}`,
    'data-note-id': note.id,
    'aria-pressed': chosen ? 'true' : 'false',
    title: compact ? note.text : undefined,
    draggable: 'true',
  },
  el('span', { class: 'theme-note-text', text: note.text }),
  el('span', { class: 'theme-note-meta' },
    table ? tableLabel(table.label) : '',
    note.round ? ` · ${t('R{n}', { n: note.round })}` : '',
    note.votes + note.harvest_votes ? ` · ● ${note.votes + note.harvest_votes}` : ''),
  moved ? el('span', { class: 'theme-note-moved', text: t('moved by {who}', { who: moved.by }) }) : null);
  button.addEventListener('click', () => {
    if (selected.has(note.id)) selected.delete(note.id); else selected.add(note.id);
    render(live.state);
  });
  button.addEventListener('dragstart', (e) => {
    e.dataTransfer.setData('text/plain', dragged(note.id).join(','));
    e.dataTransfer.effectAllowed = 'move';
  });
  return el('li', {}, button);
}

// The area tabs are built again only when the areas change; otherwise their counts and the
// current one are updated in place, so a tab never changes under the pointer as notes move.
let tabsKey = '';
function renderAreas(state, notes) {
  const nav = $('themes-areas');
  const known = themeIds(state);
  const key = JSON.stringify(state.topics.map((topic) => [topic.id, topic.name, topic.colour]));
  if (key !== tabsKey) {
    tabsKey = key;
    nav.replaceChildren(...state.topics.map((topic, i) => {
      const button = el('button', { type: 'button', class: 'area-tab', 'data-topic': String(topic.id), style: `--area: ${topic.colour}` },
        el('span', { class: 'area-n', text: String(i + 1) }),
        el('span', { class: 'area-tab-name', text: topic.name }),
        el('span', { class: 'area-tab-count' }));
      button.addEventListener('click', () => {
        area = topic.id;
        sessionStorage.setItem(AREA_KEY, String(area));
        selected.clear();
        suggestions = [];
        pileOrder = [];
        render(live.state);
      });
      return button;
    }));
  }
  for (const button of nav.children) {
    const id = Number(button.dataset.topic);
    const unsorted = notes.filter((n) => areaOf(state, n) === id && !known.has(n.theme_id)).length;
    button.setAttribute('aria-current', id === area ? 'true' : 'false');
    button.querySelector('.area-tab-count').textContent = tn(unsorted, '{n} unsorted');
  }
}

function ghostCard(state, note) {
  const moved = movedBy.get(note.id);
  return el('li', {}, el('div', { class: 'theme-note is-ghost', 'data-ghost-id': note.id },
    el('span', { class: 'theme-note-text', text: note.text }),
    el('span', { class: 'theme-note-moved', text: t('moved by {who}', { who: moved.by }) })));
}

function renderPile(state, notes) {
  const known = themeIds(state);
  const byId = new Map(notes.map((n) => [n.id, n]));
  const pile = notes.filter((n) => areaOf(state, n) === area && !known.has(n.theme_id))
    .sort((a, b) => (a.created_at - b.created_at) || (a.id < b.id ? -1 : 1));
  const here = new Set(pile.map((n) => n.id));
  const kept = pileOrder.filter((id) => byId.has(id) && (here.has(id) || movedBy.has(id)));
  const placed = new Set(kept);
  pileOrder = [...kept, ...pile.filter((n) => !placed.has(n.id)).map((n) => n.id)];
  const topic = state.topics.find((x) => x.id === area);
  setText('pile-h', topic ? tn(pile.length, '{area}: {n} unsorted notes', { area: topic.name }) : '');
  $('pile-notes').replaceChildren(...pileOrder.slice(0, SHOWN).map((id) => (here.has(id)
    ? noteCard(state, byId.get(id)) : ghostCard(state, byId.get(id)))));
  setText('pile-more', pileOrder.length > SHOWN ? tn(pileOrder.length - SHOWN, '+ {n} newer notes') : (pile.length ? '' : t('Every note of this area is in a theme.')));
}

function themeActions(state, theme, others, inTheme) {
  const actions = el('div', { class: 'theme-actions' });
  const rename = el('button', { type: 'button', class: 'btn btn-small', text: t('Rename') });
  rename.addEventListener('click', () => { editing = { id: theme.id, value: theme.name }; render(live.state); });
  actions.append(rename);
  const mine = inTheme.filter((n) => selected.has(n.id)).map((n) => n.id);
  if (mine.length && mine.length < inTheme.length) {
    const split = el('button', { type: 'button', class: 'btn btn-small', text: tn(mine.length, 'Split off {n} notes') });
    split.addEventListener('click', () => sendFrom(split, () => live.send('split_theme', {
      theme_id: theme.id, note_ids: mine, name: `${theme.name} (2)`,
    }), { refused: (ack) => say(refusal(ack)) }).then((ack) => { if (ack && ack.ok) { selected.clear(); render(live.state); } }));
    actions.append(split);
  }
  if (others.length) {
    const label = `merge-${theme.id}`;
    const select = el('select', { id: label, 'aria-label': t('Merge into…') },
      el('option', { value: '', text: t('Merge into…') }),
      ...others.map((o) => el('option', { value: String(o.id), text: o.name })));
    select.addEventListener('change', () => {
      if (!select.value) return;
      live.send('merge_themes', { theme_id: theme.id, into_id: Number(select.value) }).then((ack) => {
        if (!ack || !ack.ok) say(refusal(ack));
      });
    });
    actions.append(select);
  }
  const span = el('button', {
    type: 'button', class: 'btn btn-small', text: theme.topic_id === null ? t('This area only') : t('Across areas'),
  });
  span.addEventListener('click', () => sendFrom(span, () => live.send('update_theme', theme.topic_id === null
    ? { theme_id: theme.id, topic_id: area } : { theme_id: theme.id, spans_areas: true }), { refused: (ack) => say(refusal(ack)) }));
  const remove = el('button', { type: 'button', class: 'btn btn-small btn-danger', text: t('Remove') });
  remove.addEventListener('click', () => sendFrom(remove, () => live.send('remove_theme', { theme_id: theme.id }), {
    refused: (ack) => say(refusal(ack)),
  }));
  actions.append(span, remove);
  return actions;
}

function themeTitle(theme) {
  if (!editing || editing.id !== theme.id) return el('h3', { class: 'theme-name', text: theme.name });
  const input = el('input', { value: editing.value, maxlength: '60', 'aria-label': t('Theme name'), class: 'theme-rename' });
  input.addEventListener('input', () => { editing.value = input.value; });
  const form = el('form', { class: 'inline-form' }, input, el('button', { type: 'submit', class: 'btn btn-small btn-primary', text: t('Save') }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    live.send('update_theme', { theme_id: theme.id, name: input.value }).then((ack) => {
      if (!ack || !ack.ok) { say(refusal(ack)); return; }
      editing = null;
      render(live.state);
    });
  });
  queueMicrotask(() => { if (document.activeElement === document.body) input.focus(); });
  return form;
}

function renderThemes(state, notes) {
  const shown = shownThemes(state);
  const list = $('theme-list');
  list.replaceChildren(...shown.map((theme, i) => {
    const inTheme = notes.filter((n) => n.theme_id === theme.id);
    const others = shown.filter((o) => o.id !== theme.id && (o.topic_id === null || o.topic_id === theme.topic_id));
    const card = el('li', { class: `theme-card${theme.topic_id === null ? ' spans' : ''}`, 'data-theme-id': String(theme.id) },
      el('div', { class: 'theme-head' },
        i < 9 ? el('kbd', { class: 'theme-key', text: String(i + 1) }) : null,
        themeTitle(theme),
        el('span', { class: 'theme-size', text: tn(inTheme.length, '{n} notes') }),
        theme.topic_id === null ? el('span', { class: 'theme-spans', text: t('across areas') }) : null),
      el('ul', { class: 'theme-notes' }, ...inTheme.slice(0, IN_THEME).map((n) => noteCard(state, n, { compact: true }))),
      inTheme.length > IN_THEME ? el('p', { class: 'muted', text: tn(inTheme.length - IN_THEME, '+ {n} more') }) : null,
      themeActions(state, theme, others, inTheme));
    dropTarget(card, theme.id);
    return card;
  }));
  if (!shown.length) list.replaceChildren(el('li', { class: 'muted', text: t('No theme yet: add one, or ask for suggestions.') }));
}

function renderSuggestions(state) {
  const box = $('suggestions');
  const known = themeIds(state);
  const unsorted = new Set(visibleNotes(state).filter((n) => !known.has(n.theme_id)).map((n) => n.id));
  suggestions = suggestions.map((s) => ({ ...s, note_ids: s.note_ids.filter((id) => unsorted.has(id)) }))
    .filter((s) => s.note_ids.length);
  box.hidden = !suggestions.length;
  const texts = new Map(state.notes.map((n) => [n.id, n.text]));
  $('suggestion-list').replaceChildren(...suggestions.map((s) => {
    const name = el('input', { value: s.name, maxlength: '60', 'aria-label': t('Theme name') });
    name.addEventListener('input', () => { s.name = name.value; });
    const accept = el('button', { type: 'button', class: 'btn btn-small btn-primary', text: tn(s.note_ids.length, 'Accept ({n} notes)') });
    accept.addEventListener('click', () => sendFrom(accept, () => live.send('create_theme', {
      name: name.value.trim() || s.label, topic_id: area, note_ids: s.note_ids,
    }), { refused: (ack) => say(refusal(ack)) }).then((ack) => {
      if (ack && ack.ok) { suggestions = suggestions.filter((x) => x !== s); render(live.state); }
    }));
    const ignore = el('button', { type: 'button', class: 'btn btn-small', text: t('Ignore') });
    ignore.addEventListener('click', () => { suggestions = suggestions.filter((x) => x !== s); render(live.state); });
    return el('li', { class: 'suggestion' },
      el('div', { class: 'inline-form' }, name, accept, ignore),
      el('p', { class: 'muted suggestion-words', text: s.words.join(' · ') }),
      el('ul', { class: 'suggestion-notes' }, ...s.note_ids.slice(0, 3).map((id) => el('li', { text: texts.get(id) || '' }))));
  }));
}

function render(state) {
  if (!state) return;
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.noteId : null;
  if (!state.topics.some((x) => x.id === area)) area = state.topics.length ? state.topics[0].id : null;
  const now = Date.now();
  for (const [id, mark] of movedBy) if (now - mark.at > MOVED_MS) movedBy.delete(id);
  const notes = visibleNotes(state);
  const you = state.you || {};
  setText('themes-who', you.name ? t('Signed in as {name}', { name: you.name }) : '');
  renderAreas(state, notes);
  renderPile(state, notes);
  renderSuggestions(state);
  renderThemes(state, notes);
  if (focused) {
    const again = document.querySelector(`[data-note-id="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// --- the page's own controls -------------------------------------------------------------------

$('pile').addEventListener('dragover', (e) => e.preventDefault());
dropTarget($('pile-notes'), null);

$('new-theme').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('new-theme-name').value.trim();
  if (!name) { say(t('Type the theme’s name first.')); return; }
  const spans = $('new-theme-spans').checked;
  const ids = [...selected];
  const ack = await live.send('create_theme', { name, topic_id: spans ? null : area, note_ids: ids.length ? ids : null });
  if (!ack || !ack.ok) { say(refusal(ack)); return; }
  $('new-theme-name').value = '';
  selected.clear();
  render(live.state);
});

$('suggest').addEventListener('click', () => sendFrom($('suggest'), () => live.send('suggest_themes', { topic_id: area }), {
  refused: (ack) => say(refusal(ack)),
}).then((ack) => {
  if (!ack || !ack.ok) return;
  suggestions = ack.suggestions.map((s) => ({ ...s, name: s.label }));
  if (!suggestions.length) say(t('No suggestion: the notes are too few, or share no words.'));
  render(live.state);
}));
$('suggest-close').addEventListener('click', () => { suggestions = []; render(live.state); });

// Number keys: the chosen notes into the theme with that number; 0 back to unsorted.
document.addEventListener('keydown', (e) => {
  if (!live || !live.state || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target.closest && e.target.closest('input, textarea, select')) return;
  if (e.key === 'Escape') { selected.clear(); render(live.state); return; }
  if (!/^[0-9]$/.test(e.key) || !selected.size) return;
  e.preventDefault();
  if (e.key === '0') { assign([...selected], null); return; }
  const theme = shownThemes(live.state)[Number(e.key) - 1];
  if (theme) assign([...selected], theme.id);
});

function noticeMoves(state, changed) {
  const mine = me(state);
  for (const ev of changed) {
    if (ev.type !== 'notes_themed' || !ev.data.by || ev.data.by === mine) continue;
    let lost = 0;
    for (const id of ev.data.note_ids) {
      movedBy.set(id, { by: ev.data.by, at: Date.now() });
      if (selected.delete(id)) lost += 1;
    }
    if (lost) say(tn(lost, '{who} just moved {n} notes you had chosen.', { who: ev.data.by }));
  }
  if (changed.some((ev) => ev.type === 'notes_themed')) setTimeout(() => render(live.state), MOVED_MS + 50);
}

const team = teamLinkPage(() => live, auth, $('themes'), $('themes-problem'));
live = connectLive({
  auth,
  reducers: baseReducers,
  onState: (state) => { $('themes').hidden = false; render(state); },
  onChange: (state, changed) => { noticeMoves(state, changed); render(state); },
  onStatus: (status) => showStatus($('conn'), status),
  onRefused: team.onRefused,
  onDeleted: team.onDeleted,
});
team.watch(live);
