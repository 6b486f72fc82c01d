// The facilitator's next seating in plain words. Pure: a `plan_preview` result and the panel's
// state in, sentences out; the panel puts them on the page (and tests can read them as text).
// Every sentence is whole in the panel's catalogue (static/i18n/panel/<lang>.json): languages
// put their words in their own order, and lists are joined the language's way.
import { t, tn, tableLabel } from './i18n.js';

// The app's own language codes, said in the panel's language (names the server also reads back
// when the facilitator edits someone's languages); anything else is shown as the person typed it.
const LANGUAGE_NAMES = {
  en: () => t('English'), es: () => t('Spanish'), pt: () => t('Portuguese'),
  ht: () => t('Haitian Creole'), zh: () => t('Chinese'),
};
const NAMES_SHOWN = 6;        // longer lists of names end in "and N more"
const BELOW_SHOWN = 6;        // tables below the minimum listed one by one, the rest counted

export function languageName(code) { return LANGUAGE_NAMES[code] ? LANGUAGE_NAMES[code]() : code; }

// "a, b and c" / "a, b or c", in the panel's language.
export function listOf(items, joiner = 'and') {
  if (items.length <= 1) return items.length ? String(items[0]) : '';
  const head = items.slice(0, -1).join(t(', '));
  const last = items[items.length - 1];
  return joiner === 'or' ? t('{list} or {last}', { list: head, last }) : t('{list} and {last}', { list: head, last });
}

// What the seating compares a typed language by (as the server's `language_key`, without its
// list of names): the preview's misses carry these keys, the person's list keeps their spelling.
function languageKey(text) { return text.toLowerCase().split(/\s+/).filter(Boolean).join(' '); }

// "Arabic" as the person typed it, for the key "arabic" the preview reports.
function spokenAs(person, key) {
  if (LANGUAGE_NAMES[key]) return languageName(key);
  const typed = ((person && person.languages) || []).find((l) => languageKey(l) === key);
  return typed || key;
}

function languageList(person, keys) { return listOf(keys.map((k) => spokenAs(person, k)), 'or'); }

export function nameList(names, shown = NAMES_SHOWN) {
  if (names.length <= shown) return names.join(t(', '));
  return tn(names.length - shown, '{names} and {n} more', { names: names.slice(0, shown).join(t(', ')) });
}

function personOf(state, id) { return (state.participants || []).find((x) => x.id === id); }

function nameOf(state, id) {
  const p = personOf(state, id);
  return p ? p.name : t('someone who left');
}

function labelOf(state, id) {
  const table = state.tables.find((x) => x.id === id);
  return table ? tableLabel(table.label) : null;
}

function tablesLine(state, p) {
  const total = p.tables_used + p.unused_tables.length;
  const who = tn(p.people, '{n} people, at least {min} a table', { min: p.min_table_size });
  if (!p.unused_tables.length) {
    return tn(total, 'All {n} tables used in round {round} ({who}).', { round: p.round, who });
  }
  // Listed in the room's order (the tables' positions), not by id.
  const unused = new Set(p.unused_tables);
  const labels = state.tables.filter((x) => unused.has(x.id)).map((x) => tableLabel(x.label));
  return `${tn(total, '{used} of {n} tables used in round {round} ({who}).', { used: p.tables_used, round: p.round, who })} ${
    t('Not used: {tables}.', { tables: labels.join(t(', ')) })}`;
}

function revisitLine(p) {
  const n = p.topic_revisits;
  if (n === p.fewest_revisits) {
    return tn(n, '{n} repeated topics — the fewest these areas allow (some areas have more seats than others).');
  }
  return tn(n, '{n} repeated topics (the fewest possible: {fewest}).', { fewest: p.fewest_revisits });
}

// "round 2", "rounds 1 and 4", "rounds 1, 2 and 4".
function roundList(rounds) {
  if (rounds.length === 1) return t('round {round}', { round: rounds[0] });
  return t('rounds {list}', { list: listOf(rounds) });
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
    lines.push(t('{name}: nobody else here speaks {languages}.',
      { name: nameOf(state, id), languages: languageList(personOf(state, id), langs) }));
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
    const languages = languageList(personOf(state, g.ids[0]), g.languages);
    const when = roundList(g.rounds);
    const names = g.ids.map((id) => nameOf(state, id));
    lines.push(g.ids.length === 1
      ? t('In {rounds}, nobody at {name}’s table speaks {languages}.', { rounds: when, name: names[0], languages })
      : tn(g.ids.length, 'In {rounds}, {n} {languages} speakers have nobody at their table who speaks it ({names}).',
        { rounds: when, languages, names: nameList(names) }));
  }
  return lines;
}

function belowLines(state, below, min) {
  const lines = below.slice(0, BELOW_SHOWN).map((b) => tn(b.people, '{table} would have {n} people in round {round}.',
    { table: labelOf(state, b.table_id) || t('A table'), round: b.round }));
  if (below.length > BELOW_SHOWN) {
    lines.push(tn(below.length - BELOW_SHOWN, '{n} more tables would have fewer than {min} people in some round.', { min }));
  }
  return lines;
}

function hasCompanions(state) {
  return (state.participants || []).some((p) => p.companion_group !== null && p.companion_group !== undefined);
}

// {lead, items: [{text, kind: 'info' | 'warn'}]}: the lead says what is fine in one sentence,
// each item one thing to know (the tables) or to look at (a problem).
export function describePreview(state, p) {
  const head = p.rounds > 1 ? tn(p.rounds - 1, 'Round {round} (and {n} more rounds)', { round: p.round })
    : t('Round {round}', { round: p.round });
  if (!p.people) return { lead: t('{head}: nobody to seat yet.', { head }), items: [] };
  const goods = [];
  if (!p.topic_revisits) goods.push(t('no repeated topics'));
  if (!p.pairs_meeting_again) goods.push(t('no one meets someone again'));
  if (!p.language_misses.length) goods.push(t('everyone shares a language with someone at their table'));
  if (!p.companions_split && hasCompanions(state)) goods.push(t('people who come together sit together'));
  if (!p.below_minimum.length) goods.push(tn(p.min_table_size, 'no table has fewer than {n} people'));

  const items = [{ kind: 'info', text: tablesLine(state, p) }];
  const warn = (text) => items.push({ kind: 'warn', text });
  if (p.topic_revisits) warn(revisitLine(p));
  if (p.pairs_meeting_again) warn(tn(p.pairs_meeting_again, '{n} pairs meet again.'));
  for (const line of languageLines(state, p.language_misses)) warn(line);
  if (p.companions_split) warn(tn(p.companions_split, '{n} groups who sit together could not be kept together.'));
  for (const line of belowLines(state, p.below_minimum, p.min_table_size)) warn(line);
  const lead = goods.length ? t('{head}: {list}.', { head, list: goods.join(t(', ')) }) : t('{head}:', { head });
  return { lead, items };
}
