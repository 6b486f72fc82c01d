// The board's big views: the notes columns of a discussion, the spotlit note, the harvest.
// A projector must never scroll: every list is trimmed to what fits and says "+ N more".
// Words go through t()/tn() in the board's language; table labels through tableLabel().
import { el, inkFor } from './dom.js';
import { t, tn, tableLabel, lang } from './i18n.js';

const MAX_NOTES_PER_COLUMN = 24;   // built at most; then trimmed to what fits
const FULL_NOTES = 3;              // the newest notes of a column in full; older ones compact
const MAX_TOP_NOTES = 8;
const MAX_SUMMARIES = 6;
const LONG_SPOTLIGHT = 140;        // characters: above this the spotlit text is set smaller

function topicOfNote(tables, note) { return (tables.get(note.table_id) || {}).topic_id; }

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

  build(state) {
    this.columns.clear();
    const cols = state.topics.map((topic) => {
      const title = el('span', { class: 'notes-col-title', text: topic.name });
      const count = el('span', { class: 'notes-col-count' });
      const list = el('ul', { class: 'notes-col-list' });
      const more = el('p', { class: 'notes-more' });
      const col = el('section', { class: 'notes-col', 'data-topic': topic.id },
        el('h2', { class: 'notes-col-name', style: { background: topic.colour, color: inkFor(topic.colour) } },
          title, count),
        list, more);
      this.columns.set(topic.id, { col, count, list, more, nodes: null, total: 0 });
      return col;
    });
    this.wrap.replaceChildren(...cols);
    this.wrap.style.setProperty('--cols', String(Math.max(1, state.topics.length)));
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
    const topicsKey = state.topics.map((t) => `${t.id}:${t.name}:${t.colour}`).join('|');
    if (topicsKey !== this.topicsKey) { this.build(state); this.topicsKey = topicsKey; }
    const tables = new Map(state.tables.map((t) => [t.id, t]));
    const byTopic = new Map([...this.columns.keys()].map((id) => [id, []]));
    for (const n of state.notes || []) {
      if (n.hidden) continue;
      const own = byTopic.get(topicOfNote(tables, n));
      if (own) own.push(n);
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
  // Drawn again only when something on it changed; it fades in only when the note changes.
  const sig = `${note.id}|${note.text}|${note.colour}|${note.votes}|${note.harvest_votes}|${note.pinned}`;
  if (box.dataset.sig === sig && box.firstChild) return;
  const fresh = box.dataset.noteId !== note.id;
  box.dataset.sig = sig;
  box.dataset.noteId = note.id;
  const table = state.tables.find((t) => t.id === note.table_id);
  const topic = table && state.topics.find((t) => t.id === table.topic_id);
  const who = note.author_name || t('Anonymous');
  const where = [table ? tableLabel(table.label) : '', note.round ? t('round {round}', { round: note.round }) : '']
    .filter(Boolean).join(', ');
  const dots = note.votes + (note.harvest_votes || 0);
  box.replaceChildren(
    topic ? el('p', { class: 'spot-topic', text: topic.name, style: { background: topic.colour, color: inkFor(topic.colour) } }) : null,
    el('figure', { class: `spot-card sticky-${note.colour}${note.text.length > LONG_SPOTLIGHT ? ' is-long' : ''}${fresh ? ' spot-new' : ''}`, 'data-id': note.id },
      el('blockquote', { class: 'spot-text', text: note.text }),
      el('figcaption', { class: 'spot-meta' },
        el('span', { text: `— ${who}${where ? ` · ${where}` : ''}` }),
        dots ? el('span', { class: 'spot-dots', text: `● ${dots}` }) : null,
        note.pinned ? el('span', { text: `★ ${t('key insight')}` }) : null)));
}

// --- the harvest: per topic, the top-voted notes, sign-ups and the hosts' summaries -----------

const dotsOf = (n) => n.votes + (n.harvest_votes || 0);

// "3 people in the working group" with the number set large, wherever the language puts it.
function withBigNumber(n, text) {
  const number = n.toLocaleString(lang);
  const at = text.indexOf(number);
  const big = el('strong', { class: 'harvest-signups-n', text: number });
  if (at < 0) return [big, ` ${text}`];
  return [text.slice(0, at), big, text.slice(at + number.length)].filter((part) => part !== '');
}

export function renderHarvest(wrap, state) {
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  const notes = (state.notes || []).filter((n) => !n.hidden);
  const lists = [];
  const cols = state.topics.map((topic) => {
    const own = notes.filter((n) => topicOfNote(tables, n) === topic.id);
    const ranked = own.filter((n) => dotsOf(n) > 0)
      .sort((a, b) => (dotsOf(b) - dotsOf(a)) || (b.created_at - a.created_at));
    const signed = (state.signups || []).filter((s) => s.topic_id === topic.id).length;
    const summaries = (state.summaries || [])
      .filter((s) => (tables.get(s.table_id) || {}).topic_id === topic.id)
      .sort((a, b) => (b.round - a.round) || (a.table_id - b.table_id));
    const top = el('ol', { class: 'harvest-list harvest-top' }, ...ranked.slice(0, MAX_TOP_NOTES).map((n) => el('li', {
      class: `board-note sticky-${n.colour}`, 'data-id': n.id,
    },
    el('p', { class: 'board-note-text', text: n.text }),
    el('p', { class: 'board-note-meta' },
      el('span', { class: 'board-note-dots', text: `● ${dotsOf(n)}` }),
      el('span', { text: tableLabel((tables.get(n.table_id) || {}).label || '') })))));
    const topMore = el('p', { class: 'notes-more' });
    const sums = el('ul', { class: 'harvest-list harvest-summaries' }, ...summaries.slice(0, MAX_SUMMARIES).map((s) => el('li', {
      class: 'harvest-summary',
    },
    el('p', { class: 'harvest-summary-meta', text: [tableLabel((tables.get(s.table_id) || {}).label || ''),
      t('round {round}', { round: s.round }), s.author_name].filter(Boolean).join(' · ') }),
    el('p', { class: 'harvest-summary-text', text: s.text }))));
    const sumMore = el('p', { class: 'notes-more' });
    lists.push([top, topMore, ranked.length], [sums, sumMore, summaries.length]);
    return el('section', { class: 'harvest-col', 'data-topic': topic.id },
      el('h2', { class: 'notes-col-name', style: { background: topic.colour, color: inkFor(topic.colour) } },
        el('span', { class: 'notes-col-title', text: topic.name })),
      el('p', { class: 'harvest-signups', 'data-count': signed },
        ...withBigNumber(signed, tn(signed, '{n} people in the working group'))),
      el('h3', { class: 'harvest-head', text: ranked.length ? t('Top ideas') : t('No dots yet') }),
      top, topMore,
      summaries.length ? el('h3', { class: 'harvest-head', text: t('From the hosts') }) : null,
      summaries.length ? sums : null, summaries.length ? sumMore : null);
  });
  wrap.replaceChildren(...cols);
  wrap.style.setProperty('--cols', String(Math.max(1, state.topics.length)));
  for (const [list, more, total] of lists) if (list.isConnected) fitList(list, more, total);
}
