// The harvest on the phone: every table's notes by topic, café-wide dots, working groups.
// It comes at the end of a café, so phone.js loads it then, not with the page: the cheapest
// phone's first load stays small. phone.js passes what it shares (`ctx`).
import { $, el, sayLine } from './dom.js';
import { t, tn, tableLabel } from './i18n.js';
import { noteOrder } from './live.js';
import { sendFrom } from './ui.js';

const harvestParts = new Map();    // topic id -> its harvest section (kept, so typing survives)
let ctx = null;

// Key insights first, then the rounds' dots, then newest: an order that stays put while the
// room gives its harvest dots, so a note never jumps away from a finger.
function harvestOrder(a, b) {
  return (Number(!!b.pinned) - Number(!!a.pinned)) || ((b.votes || 0) - (a.votes || 0)) || noteOrder(a, b);
}

export function renderHarvest(state, context) {
  ctx = context;
  const dots = ctx.dots(state);
  const bar = $('harvest-dots');
  bar.textContent = dots.left > 0
    ? `● ${tn(dots.budget, '{left} of {n} dots left', { left: dots.left })}`
    : tn(dots.budget, 'All {n} dots given — tap one of yours to take it back');
  bar.dataset.left = String(dots.left);

  const active = document.activeElement && document.activeElement.id;
  const tables = new Map(state.tables.map((t) => [t.id, t]));
  $('harvest-jump').replaceChildren(...state.topics.map((topic) => {
    const chip = el('button', { type: 'button', class: 'jump-chip', id: `jump-${topic.id}` }, ...ctx.areaName(state, topic));
    ctx.paint(chip, topic.colour);
    chip.addEventListener('click', () => {
      const parts = harvestParts.get(topic.id);
      if (parts) parts.section.scrollIntoView({ block: 'start' });
    });
    return el('li', {}, chip);
  }));
  const list = $('harvest-topics');
  const seen = new Set();
  state.topics.forEach((topic, index) => {
    seen.add(topic.id);
    let parts = harvestParts.get(topic.id);
    if (!parts) { parts = makeHarvestTopic(topic.id); harvestParts.set(topic.id, parts); }
    fillHarvestTopic(state, topic, parts, dots, tables);
    if (list.children[index] !== parts.section) list.insertBefore(parts.section, list.children[index] || null);
  });
  for (const [id, parts] of harvestParts) if (!seen.has(id)) { parts.section.remove(); harvestParts.delete(id); }
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
}

function makeHarvestTopic(topicId) {
  const id = (k) => `harvest-${topicId}-${k}`;
  const p = {
    name: el('h2', { class: 'harvest-name', id: id('h') }),
    count: el('p', { class: 'harvest-count' }),
    summaries: el('ul', { class: 'summaries' }),
    notes: el('ul', { class: 'notes' }),
    themes: el('ul', { class: 'harvest-themes' }),
    empty: el('p', { class: 'empty', text: t('No notes from these tables yet.') }),
    nameInput: el('input', { id: id('name'), maxlength: 40, autocomplete: 'name', enterkeyhint: 'next' }),
    contact: el('input', { id: id('contact'), maxlength: 120, autocomplete: 'email', enterkeyhint: 'go' }),
    // Asked, never assumed: without a yes the convener gets no way to reach this person.
    consent: el('input', { type: 'checkbox', id: id('consent') }),
    privacy: el('p', { class: 'hint', id: id('privacy') }),
    why: el('p', { class: 'group-why' }),
    error: el('p', { class: 'error', role: 'alert', hidden: true }),
    join: el('button', { type: 'submit', class: 'btn btn-primary btn-big', id: id('join'), text: t('Join this working group') }),
    inText: el('p', { class: 'group-in-text' }),
    leave: el('button', { type: 'button', class: 'btn btn-quiet', id: id('leave'), text: t('Leave this working group') }),
    people: el('p', { class: 'group-people' }),
  };
  p.band = el('div', { class: 'harvest-band' },
    el('p', { class: 'harvest-kicker', text: t('Topic') }), p.name, p.count);
  p.summariesBox = el('div', { class: 'harvest-summaries' },
    el('h3', { text: t("The hosts' summaries") }), p.summaries);
  p.form = el('form', { class: 'stack group-form', id: id('form'), novalidate: true },
    el('h3', { text: t('Join this working group') }), p.why,
    el('label', { for: id('name'), text: t('Your name') }), p.nameInput,
    el('label', { class: 'check', for: id('consent') }, p.consent, ` ${t('The convener may contact me')}`),
    p.contactBox = el('div', { class: 'stack', hidden: true },
      el('label', { for: id('contact'), text: t('Email or phone for the convener') }), p.contact),
    p.privacy,
    p.error, p.join);
  p.inBox = el('div', { class: 'group-in', id: id('in') },
    el('p', { class: 'badge-ok', text: `✓ ${t('You’re in')}` }), p.inText, p.leave);
  p.section = el('section', { class: 'harvest-topic', id: `harvest-topic-${topicId}`, 'aria-labelledby': id('h') },
    p.band, p.summariesBox,
    p.themesBox = el('div', { class: 'harvest-themes-box', hidden: true }, el('h3', { text: t('Themes') }), p.themes),
    el('h3', { text: t('Notes') }), p.notes, p.empty,
    el('div', { class: 'group-box' }, p.form, p.inBox, p.people));

  const fail = (text) => sayLine(p.error, text);
  p.nameInput.addEventListener('input', () => { p.nameInput.dataset.dirty = '1'; fail(''); });
  p.contact.addEventListener('input', () => fail(''));
  p.consent.addEventListener('change', () => {
    p.contactBox.hidden = !p.consent.checked;
    if (p.consent.checked) p.contact.focus(); else p.contact.value = '';
    fail('');
  });
  p.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = p.nameInput.value.trim();
    const contact = p.consent.checked ? p.contact.value.trim() : '';
    if (!name) { fail(t('Type your name, so the working group can find you.')); p.nameInput.focus(); return; }
    if (p.consent.checked && !contact) { fail(t('Write the email or phone number the convener may use.')); p.contact.focus(); return; }
    if (!ctx.online()) { fail(t("You're offline — try again when you're back.")); return; }
    const payload = { topic_id: topicId, name };
    if (contact) { payload.contact = contact; payload.consent = true; }
    const ack = await sendFrom(p.join, () => ctx.send('sign_up', payload), { refused: (no) => fail(ctx.refusal(no)) });
    if (!ack || !ack.ok) return;
    // The contact goes to the facilitator only; this phone does not keep it on screen.
    p.contact.value = '';
    p.consent.checked = false;
    p.contactBox.hidden = true;
    delete p.nameInput.dataset.dirty;
    fail('');
    ctx.rerender();
  });
  p.leave.addEventListener('click', async () => {
    if (!ctx.online()) { ctx.toast(t("You're offline — try again when you're back.")); return; }
    await sendFrom(p.leave, () => ctx.send('withdraw_signup', { topic_id: topicId }),
      { refused: (no) => ctx.toast(ctx.refusal(no)) });
    ctx.rerender();
  });
  return p;
}

function fillHarvestTopic(state, topic, p, dots, tables) {
  ctx.paint(p.band, topic.colour);
  p.name.replaceChildren(...ctx.areaName(state, topic));
  const own = new Set(state.tables.filter((t) => t.topic_id === topic.id).map((t) => t.id));
  const notes = (state.notes || []).filter((n) => own.has(n.table_id) && !n.hidden).sort(harvestOrder);
  p.count.textContent = `${tn(notes.length, '{n} notes')} · ${tn(own.size, '{n} tables')}`;

  const summaries = (state.summaries || []).filter((s) => own.has(s.table_id));
  p.summariesBox.hidden = summaries.length === 0;
  p.summaries.replaceChildren(...summaries.map((s) => {
    const table = tables.get(s.table_id);
    return el('li', { class: 'summary' },
      el('p', { class: 'summary-meta', text: [table ? tableLabel(table.label) : t('A table'), t('round {round}', { round: s.round }),
        s.author_name ? t('by {name}', { name: s.author_name }) : null].filter(Boolean).join(' · ') }),
      el('p', { class: 'summary-text', text: s.text }));
  }));
  p.notes.replaceChildren(...notes.map((n) => harvestNote(n, tables, dots)));
  // The theme team's themes of this area (and those across areas holding its notes): a dot each.
  const known = new Set((state.themes || []).map((x) => x.id));
  const sizes = new Map();
  for (const n of notes) if (known.has(n.theme_id)) sizes.set(n.theme_id, (sizes.get(n.theme_id) || 0) + 1);
  const themes = (state.themes || []).filter((x) => x.topic_id === topic.id || (x.topic_id === null && sizes.has(x.id)))
    .sort((a, b) => ((b.votes || 0) - (a.votes || 0)) || ((sizes.get(b.id) || 0) - (sizes.get(a.id) || 0)) || (a.id - b.id));
  p.themesBox.hidden = themes.length === 0;
  p.themes.replaceChildren(...themes.map((x) => harvestTheme(x, sizes.get(x.id) || 0, dots)));
  p.empty.hidden = notes.length > 0;

  // The working group: a form, or "You're in" with a way out.
  const signups = (state.signups || []).filter((s) => s.topic_id === topic.id);
  const mine = state.me ? signups.find((s) => s.participant_id === state.me.id) : null;
  p.form.hidden = !!mine;
  p.inBox.hidden = !mine;
  const name = ctx.topicName(topic);
  p.why.textContent = t('Carry “{topic}” forward after today, with the others who care about it.', { topic: name });
  p.privacy.textContent = t('Only the facilitator and this group’s convener get your contact, and only if you tick the box. It is deleted {n} days after you sign up.',
    { n: state.cafe.settings.contact_days });
  if (mine) p.inText.textContent = t('You’re in the “{topic}” working group as {name}.', { topic: name, name: mine.name });
  if (p.nameInput.dataset.dirty !== '1' && document.activeElement !== p.nameInput) {
    p.nameInput.value = state.me && !state.me.anonymous ? state.me.name : '';
  }
  const n = signups.length;
  p.people.textContent = n ? tn(n, '{n} people have joined so far.') : t('Nobody has joined yet.');
}

// A dot button, as on a note: pressed when it is this phone's.
function dotButton(id, busy, given, voted, onClick) {
  const dot = el('button', {
    type: 'button', class: 'dot-btn', id, 'aria-pressed': voted ? 'true' : 'false', disabled: busy,
  }, el('span', { class: 'dot', 'aria-hidden': 'true' }),
  el('span', { class: 'visually-hidden', text: `${voted ? t('Take your harvest dot back:') : t('Give a harvest dot:')} ` }),
  el('span', { class: 'dot-n', text: String(given) }),
  el('span', { class: 'visually-hidden', text: ` ${tn(given, 'dots')}` }));
  dot.addEventListener('click', onClick);
  return dot;
}

function harvestTheme(theme, size, dots) {
  const voted = dots.themes.has(theme.id);
  const key = `tdot-${theme.id}`;
  const actions = el('div', { class: 'note-actions' });
  if (dots.budget > 0) {
    actions.append(dotButton(key, ctx.busy.has(key), theme.votes || 0, voted,
      () => ctx.act(key, voted ? 'unvote_theme' : 'vote_theme', { theme_id: theme.id })),
    el('span', { class: 'dot-hint', 'aria-hidden': 'true', text: voted ? t('your dot') : (dots.left > 0 ? t('give a dot') : '') }));
  } else {
    actions.append(el('span', { class: 'dot-count', text: `● ${theme.votes || 0}` }));
  }
  return el('li', { class: 'sticky harvest-theme', 'data-theme-id': String(theme.id) },
    el('p', { class: 'note-text', text: theme.name }),
    el('p', { class: 'note-meta' }, el('span', { class: 'tag', text: tn(size, '{n} notes') }),
      theme.topic_id === null ? el('span', { class: 'tag', text: t('Across areas') }) : null),
    actions);
}

function harvestNote(note, tables, dots) {
  const table = tables.get(note.table_id);
  const given = note.harvest_votes || 0;
  const voted = dots.voted.has(note.id);
  const meta = el('p', { class: 'note-meta' },
    el('span', { class: 'note-author', text: note.author_name || t('Anonymous') }),
    el('span', { class: 'tag', text: `${table ? tableLabel(table.label) : t('A table')}${note.round ? ` · ${t('round {round}', { round: note.round })}` : ''}` }),
    note.pinned ? el('span', { class: 'tag', text: `★ ${t('key insight')}` }) : null,
    note.votes ? el('span', { class: 'tag', text: tn(note.votes, '{n} dots at the table') }) : null);
  const actions = el('div', { class: 'note-actions' });
  if (dots.budget > 0) {
    const dot = dotButton(`hdot-${note.id}`, ctx.busy.has(note.id), given, voted,
      () => ctx.act(note.id, voted ? 'unvote' : 'vote', { note_id: note.id, phase: 'harvest' }));
    const hint = voted ? t('your dot') : (dots.left > 0 ? t('give a dot') : '');
    actions.append(dot, el('span', { class: 'dot-hint', 'aria-hidden': 'true', text: hint }));
  } else {
    actions.append(el('span', { class: 'dot-count', text: `● ${given}` }));
  }
  return el('li', { class: `sticky sticky-${note.colour}${note.pinned ? ' sticky-pinned' : ''}`, 'data-id': note.id },
    el('p', { class: 'note-text', text: note.text }), meta, actions);
}
