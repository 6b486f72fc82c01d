// The words of the phone and the board in the page's language. The server puts the catalogue of
// the page's language (static/i18n/<lang>.json) in the body's data-words attribute (no inline
// script, no extra request); the English text is the key, and the fallback when a word is
// missing. Plurals follow the language's own rules (Intl.PluralRules).
let words = {};
try { words = JSON.parse(document.body.dataset.words || '{}'); } catch (e) { words = {}; }

// A live binding: the board changes it when the facilitator picks another language.
export let lang = document.documentElement.lang || 'en';

let rules = null;
function makeRules() {
  try { rules = new Intl.PluralRules(lang); } catch (e) { rules = null; }
}
makeRules();

// Speak another language from now on (the board, when the facilitator changes its language).
export function useLanguage(newWords, newLang) {
  words = newWords && typeof newWords === 'object' ? newWords : {};
  lang = newLang || 'en';
  makeRules();
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

// t('Go to {table}', {table: 'Table 7'})
export function t(key, vars = {}) {
  const word = words[key];
  return fill(typeof word === 'string' ? word : key, vars);
}

// tn(3, '{n} dots left'): the catalogue holds {one: ..., other: ...} (or only `other`).
export function tn(n, key, vars = {}) {
  const forms = words[key];
  let text = key;
  if (forms && typeof forms === 'object') {
    const kind = rules ? rules.select(n) : (n === 1 ? 'one' : 'other');
    text = forms[kind] || forms.other || key;
  }
  return fill(text, { ...vars, n: n.toLocaleString(lang) });
}

// Table labels are made by the server as "Table 7": say them in the page's language.
export function tableLabel(label) {
  const match = /^Table (\d+)$/.exec(label || '');
  return match ? t('Table {n}', { n: match[1] }) : label;
}
