// The facilitator's next seating in plain words. Pure: a `plan_preview` result and the panel's
// state in, sentences out; the panel puts them on the page (and tests can read them as text).
import { plural } from './dom.js';

// The app's own language codes; anything else a person typed is shown as they typed it.
const LANGUAGE_NAMES = { en: 'English', es: 'Spanish', pt: 'Portuguese', ht: 'Haitian Creole', zh: 'Chinese' };
const NAMES_SHOWN = 6;        // longer lists of names end in "and N more"
const BELOW_SHOWN = 6;        // tables below the minimum listed one by one, the rest counted

export function languageName(code) { return LANGUAGE_NAMES[code] || code; }

// What the seating compares a typed language by (as the server's `language_key`, without its
// list of names): the preview's misses carry these keys, the person's list keeps their spelling.
function languageKey(text) { return text.toLowerCase().split(/\s+/).filter(Boolean).join(' '); }

// "Arabic" as the person typed it, for the key "arabic" the preview reports.
function spokenAs(person, key) {
  if (LANGUAGE_NAMES[key]) return LANGUAGE_NAMES[key];
  const typed = ((person && person.languages) || []).find((l) => languageKey(l) === key);
  return typed || key;
}

function languageList(person, keys) { return keys.map((k) => spokenAs(person, k)).join(' or '); }

export function nameList(names, shown = NAMES_SHOWN) {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function personOf(state, id) { return (state.participants || []).find((x) => x.id === id); }

function nameOf(state, id) {
  const p = personOf(state, id);
  return p ? p.name : 'someone who left';
}

function labelOf(state, id) {
  const t = state.tables.find((x) => x.id === id);
  return t ? t.label : null;
}

// "1 repeated topic", "3 repeated topics".
function count(n, one, many) { return `${n} ${plural(n, one, many)}`; }

function tablesLine(state, p) {
  const total = p.tables_used + p.unused_tables.length;
  const inRound = `in round ${p.round}`;
  const who = `${count(p.people, 'person', 'people')}, at least ${p.min_table_size} a table`;
  if (!p.unused_tables.length) return `All ${total} tables used ${inRound} (${who}).`;
  // Listed in the room's order (the tables' positions), not by id.
  const unused = new Set(p.unused_tables);
  const labels = state.tables.filter((t) => unused.has(t.id)).map((t) => t.label);
  return `${p.tables_used} of ${total} tables used ${inRound} (${who}). Not used: ${labels.join(', ')}.`;
}

function revisitLine(p) {
  const n = p.topic_revisits;
  const what = count(n, 'repeated topic', 'repeated topics');
  if (n === p.fewest_revisits) {
    return `${what} — the fewest these areas allow (some areas have more seats than others).`;
  }
  return `${what} (the fewest possible: ${p.fewest_revisits}).`;
}

// "round 2", "rounds 1 and 4", "rounds 1, 2 and 4".
function roundList(rounds) {
  if (rounds.length === 1) return `round ${rounds[0]}`;
  return `rounds ${rounds.slice(0, -1).join(', ')} and ${rounds[rounds.length - 1]}`;
}

// Someone nobody else present can talk with is named once. The others are grouped by language
// and by who they are, across rounds, so a long evening reads as a few lines, not one per
// person per round.
function languageLines(state, misses) {
  const lines = [];
  const alone = new Map();
  const perRound = new Map();   // round|languages -> the people
  for (const m of misses) {
    if (m.alone) { if (!alone.has(m.participant_id)) alone.set(m.participant_id, m.languages); continue; }
    const key = `${m.round}|${m.languages.join('|')}`;
    if (!perRound.has(key)) perRound.set(key, { round: m.round, languages: m.languages, ids: new Set() });
    perRound.get(key).ids.add(m.participant_id);
  }
  for (const [id, langs] of alone) {
    lines.push(`${nameOf(state, id)}: nobody else here speaks ${languageList(personOf(state, id), langs)}.`);
  }
  const groups = new Map();     // languages|the people -> the rounds
  for (const g of perRound.values()) {
    const ids = [...g.ids].sort((a, b) => a - b);
    const key = `${g.languages.join('|')}#${ids.join(',')}`;
    if (!groups.has(key)) groups.set(key, { languages: g.languages, ids, rounds: [] });
    groups.get(key).rounds.push(g.round);
  }
  const ordered = [...groups.values()].map((g) => ({ ...g, rounds: g.rounds.sort((a, b) => a - b) }))
    .sort((a, b) => a.rounds[0] - b.rounds[0]);
  for (const g of ordered) {
    const lang = languageList(personOf(state, g.ids[0]), g.languages);
    const when = roundList(g.rounds);
    const names = g.ids.map((id) => nameOf(state, id));
    lines.push(g.ids.length === 1
      ? `In ${when}, nobody at ${names[0]}’s table speaks ${lang}.`
      : `In ${when}, ${g.ids.length} ${lang} speakers have nobody at their table who speaks it (${nameList(names)}).`);
  }
  return lines;
}

function belowLines(state, below, min) {
  const lines = below.slice(0, BELOW_SHOWN).map((b) => `${labelOf(state, b.table_id) || 'A table'} would have `
    + `${count(b.people, 'person', 'people')} in round ${b.round}.`);
  if (below.length > BELOW_SHOWN) {
    const rest = below.length - BELOW_SHOWN;
    lines.push(`${count(rest, 'more table', 'more tables')} would have fewer than ${min} people in some round.`);
  }
  return lines;
}

function hasCompanions(state) {
  return (state.participants || []).some((p) => p.companion_group !== null && p.companion_group !== undefined);
}

// {lead, items: [{text, kind: 'info' | 'warn'}]}: the lead says what is fine in one sentence,
// each item one thing to know (the tables) or to look at (a problem).
export function describePreview(state, p) {
  const more = p.rounds > 1 ? ` (and ${count(p.rounds - 1, 'more round', 'more rounds')})` : '';
  const head = `Round ${p.round}${more}`;
  if (!p.people) return { lead: `${head}: nobody to seat yet.`, items: [] };
  const goods = [];
  if (!p.topic_revisits) goods.push('no repeated topics');
  if (!p.pairs_meeting_again) goods.push('no one meets someone again');
  if (!p.language_misses.length) goods.push('everyone shares a language with someone at their table');
  if (!p.companions_split && hasCompanions(state)) goods.push('people who come together sit together');
  if (!p.below_minimum.length) goods.push(`no table has fewer than ${p.min_table_size} people`);

  const items = [{ kind: 'info', text: tablesLine(state, p) }];
  const warn = (text) => items.push({ kind: 'warn', text });
  if (p.topic_revisits) warn(revisitLine(p));
  if (p.pairs_meeting_again) warn(`${count(p.pairs_meeting_again, 'pair meets', 'pairs meet')} again.`);
  for (const line of languageLines(state, p.language_misses)) warn(line);
  if (p.companions_split) {
    const groups = count(p.companions_split, 'group who sit together', 'groups who sit together');
    warn(`${groups} could not be kept together.`);
  }
  for (const line of belowLines(state, p.below_minimum, p.min_table_size)) warn(line);
  const lead = goods.length ? `${head}: ${goods.join(', ')}.` : `${head}:`;
  return { lead, items };
}
