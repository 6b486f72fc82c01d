// The board's big views: the notes columns of a discussion, the spotlit note, the harvest.
// A projector must never scroll: every list is trimmed to what fits and says "+ N more".
// Words go through t()/tn() in the board's language; table labels through tableLabel(). The
// facilitator's own words (area names, questions) in the board's language through said().
import { el, inkFor } from './dom.js';
import { t, tn, tableLabel, lang } from './i18n.js';

const MAX_NOTES_PER_COLUMN = 24;   // built at most; then trimmed to what fits
export const MAX_COLUMNS = 8;      // more areas than this: only those with something to show
const FULL_NOTES = 3;              // the newest notes of a column in full; older ones compact
const MAX_TOP_NOTES = 8;
const MAX_SUMMARIES = 6;
const MAX_PHOTOS = 3;       // an area's latest photos of its tablecloths, in the harvest
const LONG_SPOTLIGHT = 140;        // characters: above this the spotlit text is set smaller

function topicOfNote(tables, note) { return (tables.get(note.table_id) || {}).topic_id; }

// --- the facilitator's words in the board's language ------------------------------------------

// The board's language as the facilitator's versions are keyed: "zh" for the page's "zh-Hans".
export function boardLanguage() { return String(lang || 'en').split('-')[0]; }

// A topic's or a round's field in the board's language when the facilitator gave one, else the
// original: said(topic, 'name'), said(round, 'question').
export function said(item, field) {
  if (!item) return '';
  const own = item.translations && item.translations[boardLanguage()];
  return (own && typeof own === 'object' && own[field]) || item[field] || '';
}

// --- an area's name with its number (colour is never the only cue) -----------------------------

// Each area's number: its place in state.topics, from 1 (the same on the phones).
export function areaNumbers(state) { return new Map(state.topics.map((topic, i) => [topic.id, i + 1])); }

// The areas given a column: every area while they fit; with more than MAX_COLUMNS, those with
// something to show (`activity`: area id -> when it last had something), the most recent ones,
// in the café's order. `left`: areas with something to show that found no room.
export function columnsFor(topics, activity) {
  if (topics.length <= MAX_COLUMNS) return { shown: topics, left: 0 };
  const active = topics.filter((topic) => activity.has(topic.id));
  if (!active.length) return { shown: topics.slice(0, MAX_COLUMNS), left: 0 };
  const chosen = new Set([...active].sort((a, b) => activity.get(b.id) - activity.get(a.id))
    .slice(0, MAX_COLUMNS).map((topic) => topic.id));
  return { shown: topics.filter((topic) => chosen.has(topic.id)), left: active.length - chosen.size };
}

// The columns' grid: one column per area shown, and a last, narrow one saying how many areas
// found no room.
function layColumns(wrap, cols, left) {
  const more = left ? el('p', { class: 'areas-more', text: tn(left, '+ {n} more areas') }) : null;
  wrap.replaceChildren(...cols, ...(more ? [more] : []));
  wrap.style.setProperty('--cols', String(Math.max(1, cols.length)));
  wrap.classList.toggle('has-more-areas', !!more);
}

// [badge, name]: the parts of an area's heading, for el(tag, attrs, ...areaLabel(...)). A name
// may break after a slash ("Community Land Trusts/<wbr>Affordable Housing"), as people read it.
export function areaLabel(topic, number) {
  const parts = said(topic, 'name').split('/');
  return [el('span', { class: 'area-n', text: String(number) }),
    el('span', { class: 'area-name' }, ...parts.flatMap((part, i) => (i ? ['/', el('wbr'), part] : [part])))];
}

const NAME_MIN_VH = 1.8;   // the smallest an area name is set (13 px at 720p): readable, never cut
const NAME_LINES = 3;      // lines an area name may take before its type shrinks (the move map)
const HEAD_LINES = 2;      // above the notes and the harvest, where every line is a note's room

function linesOf(node) {
  const rects = node.getClientRects();
  if (getComputedStyle(node).display === 'inline') return rects.length;
  const line = parseFloat(getComputedStyle(node).lineHeight) || 1;
  return Math.round(node.getBoundingClientRect().height / line);
}

// Area names are shown whole: they wrap, then their type shrinks (to NAME_MIN_VH) until they
// take at most `lines` lines, and a name longer still keeps every line (never an ellipsis).
// With `level`, every heading of the row takes the tallest one's height, so the lists below
// start level across the columns.
export function fitNames(heads, { lines = NAME_LINES, level = true } = {}) {
  const floor = (NAME_MIN_VH * window.innerHeight) / 100;
  for (const head of heads) {
    head.style.removeProperty('font-size');
    head.style.removeProperty('min-height');
    // While fitting, a word does not break inside: one that does not fit its line makes the
    // type smaller first; only at the smallest size may it break (.is-fitting goes at the end).
    head.classList.add('is-fitting');
  }
  for (const head of heads) {
    const name = head.querySelector('.area-name');
    if (!name || !head.getClientRects().length) continue;
    let size = parseFloat(getComputedStyle(head).fontSize);
    const tooBig = () => linesOf(name) > lines || name.scrollWidth > name.clientWidth + 1;
    while (size > floor && tooBig()) {
      size = Math.max(floor, size * 0.92);
      head.style.fontSize = `${size}px`;
    }
  }
  for (const head of heads) head.classList.remove('is-fitting');
  if (level && heads.length > 1) {
    const tallest = Math.max(...heads.map((h) => h.getBoundingClientRect().height));
    for (const head of heads) head.style.minHeight = `${tallest}px`;
  }
}

// Trim a list's last items until what stays fits its box, reading the layout once.
export function fitList(list, more, total) {
  const limit = list.clientHeight + 1;
  const items = [...list.children];
  let keep = items.length;
  for (let i = 0; i < items.length; i += 1) {
    if (items[i].offsetTop + items[i].offsetHeight > limit) { keep = i; break; }
  }
  for (const item of items.slice(keep)) item.remove();
  const hidden = total - keep;
  if (more) more.textContent = hidden > 0 ? tn(hidden, '+ {n} more') : '';
}

// A new note fades in once; the class goes when the animation ends, so moving it does not replay it.
function dropNewClass(event) { event.currentTarget.classList.remove('sticky-new'); }

// --- discussion: one column per topic, its tables' notes newest first ------------------------

export class NotesColumns {
  constructor(wrap) {
    this.wrap = wrap;
    this.topicsKey = '';
    this.columns = new Map();   // topic id -> {col, count, list, more, nodes, total}
    this.nodes = new Map();     // note id -> {node, sig}
    this.seen = new Set();      // notes already on screen once: only later arrivals fade in
  }

  // Measure every column again on the next render (its box changed size).
  invalidate() { for (const c of this.columns.values()) c.nodes = null; }

  // Notes already on the tablecloths when the board (re)connects do not fade in.
  markSeen(notes) { for (const n of notes || []) this.seen.add(n.id); }

  // Build everything again on the next render (the board's language changed).
  forget() { this.nodes.clear(); this.topicsKey = ''; }

  build(topics, numbers, left) {
    this.columns.clear();
    this.fitKey = '';
    const cols = topics.map((topic) => {
      const count = el('span', { class: 'notes-col-count' });
      const list = el('ul', { class: 'notes-col-list' });
      const more = el('p', { class: 'notes-more' });
      const col = el('section', { class: 'notes-col', 'data-topic': topic.id },
        el('h2', { class: 'notes-col-name area-head', style: { background: topic.colour, color: inkFor(topic.colour) } },
          ...areaLabel(topic, numbers.get(topic.id)), count),
        list, more);
      this.columns.set(topic.id, { col, count, list, more, nodes: null, total: 0 });
      return col;
    });
    layColumns(this.wrap, cols, left);
  }

  node(note, table, index, animate) {
    const compact = index >= FULL_NOTES;
    const sig = `${note.text}|${note.colour}|${note.votes}|${note.pinned}|${table ? table.label : ''}|${compact}`;
    const known = this.nodes.get(note.id);
    if (known && known.sig === sig) return known.node;
    const fresh = animate && !this.seen.has(note.id);
    const node = el('li', {
      class: `board-note sticky-${note.colour}${fresh ? ' sticky-new' : ''}${note.pinned ? ' is-pinned' : ''}${compact ? ' is-compact' : ''}`,
      'data-id': note.id,
    },
    el('p', { class: 'board-note-text', text: note.text }),
    el('p', { class: 'board-note-meta' },
      note.pinned ? el('span', { class: 'board-note-pin', text: `★ ${t('key insight')}` }) : null,
      el('span', { text: table ? tableLabel(table.label) : '' }),
      note.votes ? el('span', { class: 'board-note-dots', text: `● ${note.votes}` }) : null));
    if (fresh) node.addEventListener('animationend', dropNewClass, { once: true });
    this.nodes.set(note.id, { node, sig });
    return node;
  }

  render(state, animate) {
    const tables = new Map(state.tables.map((t) => [t.id, t]));
    const byTopic = new Map(state.topics.map((topic) => [topic.id, []]));
    for (const n of state.notes || []) {
      if (n.hidden) continue;
      const own = byTopic.get(topicOfNote(tables, n));
      if (own) own.push(n);
    }
    // Notes are newest first: an area's first note is its latest.
    const latest = new Map([...byTopic].filter(([, own]) => own.length).map(([id, own]) => [id, own[0].created_at]));
    const { shown, left } = columnsFor(state.topics, latest);
    const numbers = areaNumbers(state);
    const topicsKey = `${shown.map((t) => `${t.id}:${numbers.get(t.id)}:${said(t, 'name')}:${t.colour}`).join('|')}|+${left}`;
    if (topicsKey !== this.topicsKey) { this.build(shown, numbers, left); this.topicsKey = topicsKey; }
    // The names first (their height is the lists' loss), again whenever the columns' width changes.
    const fitKey = `${this.wrap.clientWidth}x${window.innerHeight}`;
    if (fitKey !== this.fitKey) {
      fitNames([...this.wrap.querySelectorAll('.area-head')], { lines: HEAD_LINES });
      this.fitKey = fitKey;
      for (const c of this.columns.values()) c.nodes = null;
    }
    // Write every changed column, then read the layout once per column, then trim.
    const changed = [];
    for (const [topicId, c] of this.columns) {
      const own = byTopic.get(topicId);
      const nodes = own.slice(0, MAX_NOTES_PER_COLUMN)
        .map((n, i) => this.node(n, tables.get(n.table_id), i, animate));
      c.count.textContent = own.length ? String(own.length) : '';
      const same = c.total === own.length && c.nodes && c.nodes.length === nodes.length
        && nodes.every((x, i) => c.nodes[i] === x);
      if (same) continue;
      c.nodes = nodes;
      c.total = own.length;
      c.list.replaceChildren(...nodes);
      changed.push(c);
    }
    for (const c of changed) fitList(c.list, c.more, c.total);
    // Forget nodes of notes that are gone (hidden, deleted) or far down the columns.
    if (this.nodes.size > MAX_NOTES_PER_COLUMN * this.columns.size * 2) {
      for (const [id, { node }] of this.nodes) if (!node.isConnected) this.nodes.delete(id);
    }
    for (const n of state.notes || []) this.seen.add(n.id);
  }
}

// --- the spotlight: one note, large -----------------------------------------------------------

export function spotlitNote(state) {
  const id = state.cafe.spotlight;
  if (!id) return null;
  return (state.notes || []).find((n) => n.id === id && !n.hidden) || null;
}

export function renderSpotlight(box, state, note) {
  const table = state.tables.find((t) => t.id === note.table_id);
  const index = table ? state.topics.findIndex((t) => t.id === table.topic_id) : -1;
  const topic = index >= 0 ? state.topics[index] : null;
  // Drawn again only when something on it changed; it fades in only when the note changes.
  const sig = [note.id, note.text, note.colour, note.votes, note.harvest_votes, note.pinned,
    topic ? `${index}:${said(topic, 'name')}:${topic.colour}` : ''].join('|');
  if (box.dataset.sig === sig && box.firstChild) return;
  const fresh = box.dataset.noteId !== note.id;
  box.dataset.sig = sig;
  box.dataset.noteId = note.id;
  const who = note.from_tablecloth ? t('From the tablecloth') : (note.author_name || t('Anonymous'));
  const where = [table ? tableLabel(table.label) : '', note.round ? t('round {round}', { round: note.round }) : '']
    .filter(Boolean).join(', ');
  const dots = note.votes + (note.harvest_votes || 0);
  const head = topic ? el('p', { class: 'spot-topic area-head', style: { background: topic.colour, color: inkFor(topic.colour) } },
    ...areaLabel(topic, index + 1)) : null;
  box.replaceChildren(
    head,
    el('figure', { class: `spot-card sticky-${note.colour}${note.text.length > LONG_SPOTLIGHT ? ' is-long' : ''}${fresh ? ' spot-new' : ''}`, 'data-id': note.id },
      el('blockquote', { class: 'spot-text', text: note.text }),
      el('figcaption', { class: 'spot-meta' },
        el('span', { text: `— ${who}${where ? ` · ${where}` : ''}` }),
        dots ? el('span', { class: 'spot-dots', text: `● ${dots}` }) : null,
        note.pinned ? el('span', { text: `★ ${t('key insight')}` }) : null)));
  if (head) fitNames([head], { lines: 2, level: false });
}

// --- the harvest: per topic, its notes (dotted first), sign-ups and the hosts' summaries -------

const dotsOf = (n) => n.votes + (n.harvest_votes || 0);

// "3 people in the working group" with the number set large, wherever the language puts it.
function withBigNumber(n, text) {
  const number = n.toLocaleString(lang);
  const at = text.indexOf(number);
  const big = el('strong', { class: 'harvest-signups-n', text: number });
  if (at < 0) return [big, ` ${text}`];
  return [text.slice(0, at), big, text.slice(at + number.length)].filter((part) => part !== '');
}

// An area's notes for the harvest: those with dots first, most dots first, then the rest;
// newest first within each.
export function harvestOrder(notes) {
  const newest = (a, b) => (b.created_at - a.created_at) || (a.id < b.id ? -1 : 1);
  const dotted = notes.filter((n) => dotsOf(n) > 0).sort((a, b) => (dotsOf(b) - dotsOf(a)) || newest(a, b));
  const rest = notes.filter((n) => dotsOf(n) === 0).sort(newest);
  return { dotted, rest, all: [...dotted, ...rest] };
}

const MAX_THEMES_IN_HARVEST = 3;

// An area's themes (its own, and those across areas holding its notes) with their dots and size,
// most dots first.
function rankThemes(state, topicId, notes) {
  const themes = state.themes || [];
  const known = new Set(themes.map((x) => x.id));
  const dotsOn = new Map();
  const sizes = new Map();
  for (const n of notes) {
    if (!known.has(n.theme_id)) continue;
    sizes.set(n.theme_id, (sizes.get(n.theme_id) || 0) + 1);
    dotsOn.set(n.theme_id, (dotsOn.get(n.theme_id) || 0) + dotsOf(n));
  }
  return themes.filter((x) => x.topic_id === topicId || (x.topic_id === null && sizes.has(x.id)))
    .map((theme) => ({ theme, dots: (theme.votes || 0) + (dotsOn.get(theme.id) || 0), size: sizes.get(theme.id) || 0 }))
    .sort((a, b) => (b.dots - a.dots) || (b.size - a.size) || (a.theme.id - b.theme.id));
}

export function renderHarvest(wrap, state) {
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const lists = [];
  // With many areas, those with notes, sign-ups or summaries (the latest notes first).
  const activity = new Map();
  for (const n of notes) {
    const id = topicOfNote(tables, n);
    if (id !== undefined) activity.set(id, Math.max(activity.get(id) || 1, n.created_at));
  }
  for (const s of state.signups || []) if (!activity.has(s.topic_id)) activity.set(s.topic_id, 0);
  for (const s of state.summaries || []) {
    const id = (tables.get(s.table_id) || {}).topic_id;
    if (id !== undefined && !activity.has(id)) activity.set(id, 0);
  }
  const { shown, left } = columnsFor(state.topics, activity);
  const numbers = areaNumbers(state);
  const cols = shown.map((topic) => {
    const own = notes.filter((n) => topicOfNote(tables, n) === topic.id);
    const { dotted, all } = harvestOrder(own);
    const signed = (state.signups || []).filter((s) => s.topic_id === topic.id).length;
    const summaries = (state.summaries || [])
      .filter((s) => (tables.get(s.table_id) || {}).topic_id === topic.id)
      .sort((a, b) => (b.round - a.round) || (a.table_id - b.table_id));
    const top = el('ol', { class: 'harvest-list harvest-top' }, ...all.slice(0, MAX_TOP_NOTES).map((n) => el('li', {
      class: `board-note sticky-${n.colour}${dotsOf(n) ? '' : ' is-undotted'}`, 'data-id': n.id,
    },
    el('p', { class: 'board-note-text', text: n.text }),
    el('p', { class: 'board-note-meta' },
      dotsOf(n) ? el('span', { class: 'board-note-dots', text: `● ${dotsOf(n)}` }) : null,
      el('span', { text: tableLabel((tables.get(n.table_id) || {}).label || '') })))));
    const topMore = el('p', { class: 'notes-more' });
    const sums = el('ul', { class: 'harvest-list harvest-summaries' }, ...summaries.slice(0, MAX_SUMMARIES).map((s) => el('li', {
      class: 'harvest-summary',
    },
    el('p', { class: 'harvest-summary-meta', text: [tableLabel((tables.get(s.table_id) || {}).label || ''),
      t('round {round}', { round: s.round }), s.author_name].filter(Boolean).join(' · ') }),
    el('p', { class: 'harvest-summary-text', text: s.text }))));
    const sumMore = el('p', { class: 'notes-more' });
    const pictures = (state.photos || []).filter((p) => (tables.get(p.table_id) || {}).topic_id === topic.id).slice(-MAX_PHOTOS);
    const photos = pictures.length ? el('div', { class: 'harvest-photos' }, ...pictures.map((p) => el('img', {
      src: p.url, loading: 'lazy', 'data-id': p.id,
      alt: t('The tablecloth of {table}', { table: tableLabel((tables.get(p.table_id) || {}).label || '') }),
    }))) : null;
    // The theme team's themes of this area, ranked by their dots (on the theme and on its notes).
    const ranked = rankThemes(state, topic.id, own);
    const themeList = el('ol', { class: 'harvest-list harvest-themes' }, ...ranked.slice(0, MAX_THEMES_IN_HARVEST).map(({ theme, dots, size }) => el('li', {
      class: 'theme-tile', 'data-theme-id': String(theme.id),
    }, el('p', { class: 'theme-tile-head' },
      el('span', { class: 'theme-tile-name', text: theme.name }),
      el('span', { class: 'theme-tile-size', text: `${dots ? `● ${dots} · ` : ''}${tn(size, '{n} notes')}` })))));
    const themeMore = el('p', { class: 'notes-more' });
    lists.push([top, topMore, all.length], [sums, sumMore, summaries.length], [themeList, themeMore, ranked.length]);
    // "No dots yet" heads an area's notes when nobody has dotted them; it never stands alone.
    let head = t('No notes yet');
    if (dotted.length) head = t('Top ideas');
    else if (all.length) head = t('No dots yet');
    return el('section', { class: 'harvest-col', 'data-topic': topic.id },
      el('h2', { class: 'notes-col-name area-head', style: { background: topic.colour, color: inkFor(topic.colour) } },
        ...areaLabel(topic, numbers.get(topic.id))),
      el('p', { class: 'harvest-signups', 'data-count': signed },
        ...withBigNumber(signed, tn(signed, '{n} people in the working group'))),
      photos,
      ranked.length ? el('h3', { class: 'harvest-head', text: t('Themes') }) : null,
      ranked.length ? themeList : null, ranked.length ? themeMore : null,
      el('h3', { class: 'harvest-head', text: head }),
      all.length ? top : null, all.length ? topMore : null,
      summaries.length ? el('h3', { class: 'harvest-head', text: t('From the hosts') }) : null,
      summaries.length ? sums : null, summaries.length ? sumMore : null);
  });
  layColumns(wrap, cols, left);
  fitNames([...wrap.querySelectorAll('.area-head')], { lines: HEAD_LINES });
  for (const [list, more, total] of lists) if (list.isConnected) fitList(list, more, total);
}

// --- emerging themes: the theme team's themes per area, largest first, with their top notes ----

const MAX_THEME_NOTES = 2;   // a theme's best notes shown under its name

export function renderThemes(wrap, state) {
  wrap.setAttribute('aria-label', t('Emerging themes'));
  const tables = new Map(state.tables.map((x) => [x.id, x]));
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const themes = state.themes || [];
  const known = new Set(themes.map((x) => x.id));
  const members = new Map(themes.map((x) => [x.id, []]));
  for (const n of notes) if (known.has(n.theme_id)) members.get(n.theme_id).push(n);
  const activity = new Map();
  for (const theme of themes) {
    if (theme.topic_id !== null) activity.set(theme.topic_id, Math.max(activity.get(theme.topic_id) || 0, theme.created_at));
  }
  const { shown, left } = columnsFor(state.topics, activity);
  const numbers = areaNumbers(state);
  const lists = [];
  const bySize = (a, b) => (members.get(b.id).length - members.get(a.id).length) || (a.id - b.id);
  const column = (head, own, unsorted, key) => {
    const list = el('ol', { class: 'harvest-list theme-tiles' }, ...own.sort(bySize).map((theme) => {
      const { all } = harvestOrder(members.get(theme.id));
      return el('li', { class: 'theme-tile', 'data-theme-id': String(theme.id) },
        el('p', { class: 'theme-tile-head' },
          el('span', { class: 'theme-tile-name', text: theme.name }),
          el('span', { class: 'theme-tile-size', text: tn(members.get(theme.id).length, '{n} notes') })),
        ...all.slice(0, MAX_THEME_NOTES).map((n) => el('p', { class: `theme-tile-note sticky-${n.colour}`, text: n.text })));
    }));
    const more = el('p', { class: 'notes-more' });
    lists.push([list, more, own.length]);
    return el('section', { class: 'harvest-col', 'data-topic': key },
      head,
      el('p', { class: 'harvest-head', text: [tn(own.length, '{n} themes'),
        unsorted ? tn(unsorted, '{n} notes not yet in a theme') : ''].filter(Boolean).join(' · ') }),
      own.length ? list : el('p', { class: 'notes-empty', text: t('The theme team is reading the notes…') }),
      more);
  };
  const cols = shown.map((topic) => {
    const own = themes.filter((x) => x.topic_id === topic.id);
    const unsorted = notes.filter((n) => topicOfNote(tables, n) === topic.id && !known.has(n.theme_id)).length;
    return column(el('h2', { class: 'notes-col-name area-head', style: { background: topic.colour, color: inkFor(topic.colour) } },
      ...areaLabel(topic, numbers.get(topic.id))), own, unsorted, topic.id);
  });
  const across = themes.filter((x) => x.topic_id === null);
  if (across.length) {
    cols.unshift(column(el('h2', { class: 'notes-col-name area-head across-head' },
      el('span', { class: 'area-name', text: t('Across areas') })), across, 0, 'across'));
  }
  layColumns(wrap, cols, left);
  fitNames([...wrap.querySelectorAll('.area-head')], { lines: HEAD_LINES });
  for (const [list, more, total] of lists) if (list.isConnected) fitList(list, more, total);
}
