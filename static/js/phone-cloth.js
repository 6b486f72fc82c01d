// The tablecloth on the phone: the notes of my table (mine still in the outbox first, as
// "sending…"), dots, pins, the host's summary, and the composer that writes a note into the
// outbox (static/js/outbox.js). The lobby does not need it, so phone.js loads it with this
// phone's first seat, not with the page (the cheapest phone's first load stays small), and passes
// what it shares (`ctx`, once, through useCloth).
import { $, el, setText, sayLine } from './dom.js';
import { t, tn, tableLabel } from './i18n.js';
import { getItem, setItem, removeItem } from './storage.js';
import { uuid } from './outbox.js';
import { sendFrom } from './ui.js';

const NOTE_MAX = 280;
const SUMMARY_MAX = 1000;
const CONFIRM_MS = 4000;           // a first tap on Delete asks; a second within this deletes

const cloth = {
  seen: new Set(),                 // notes drawn once: only later arrivals are marked new
  confirming: new Map(),           // note id -> timer: the second tap deletes
  composing: null,                 // null | {mode: 'new', replaces?: id} | {mode: 'edit', id}
};
let ctx = null;

export function composing() { return cloth.composing; }

// My round dots: how many there are, how many are left, which notes have one.
function dotsInfo(state) {
  const budget = Number(state.cafe.settings.dots_per_round);   // every setting comes with its default
  const round = state.cafe.current_round;
  const votes = (state.my_votes || []).filter((v) => v.phase === 'round');
  const used = votes.filter((v) => v.round === round).length;
  return { budget, left: Math.max(0, budget - used), voted: new Set(votes.map((v) => v.note_id)) };
}

export function renderCloth(state, seat) {
  const c = state.cafe;
  const tableId = seat.table.id;
  const round = c.current_round;
  setText('cloth-table', `· ${tableLabel(seat.table.label)}`);

  const dots = dotsInfo(state);
  const dotsNode = $('dots-left');
  dotsNode.hidden = dots.budget <= 0;
  dotsNode.textContent = dots.left > 0
    ? `● ${tn(dots.left, '{n} dots left')}`
    : t('No dots left — tap one of your dots to take it back');
  dotsNode.dataset.left = String(dots.left);

  renderSummaries(state, seat, tableId, round);

  const notes = (state.notes || []).filter((n) => n.table_id === tableId && !n.hidden
    && (n.round === null || n.round === undefined || n.round <= round));
  const known = new Set((state.notes || []).map((n) => n.id));
  const outbox = ctx.outbox.read().filter((item) => !known.has(item.id)).reverse();
  const drawing = { state, seat, dots, mine: ctx.outbox.mine(), round, tableId };

  const active = document.activeElement && document.activeElement.id;
  const pinned = notes.filter((n) => n.pinned);
  $('pinned-box').hidden = pinned.length === 0;
  $('pinned').replaceChildren(...pinned.map((n) => noteItem(n, drawing)));
  const rest = notes.filter((n) => !n.pinned);
  $('notes').replaceChildren(...outbox.map((item) => pendingItem(item, drawing)), ...rest.map((n) => noteItem(n, drawing)));
  $('notes-empty').hidden = notes.length + outbox.length > 0;
  if (active && $(active) && document.activeElement !== $(active)) $(active).focus();
  for (const n of notes) cloth.seen.add(n.id);
}

// --- dots from the paper: the host gives them for the people at the table without a phone ------

const paper = { people: [], table: null };

function fillPaperNotes(state, tableId) {
  const select = $('paper-note');
  const chosen = select.value;
  const notes = (state.notes || []).filter((n) => n.table_id === tableId && !n.hidden);
  select.replaceChildren(...notes.map((n) => el('option', { value: n.id, text: n.text.length > 60 ? `${n.text.slice(0, 59)}…` : n.text })));
  if (chosen) select.value = chosen;
}

async function loadPaperPeople() {
  const ack = await ctx.send('paper_people', {});
  paper.people = ack && ack.ok ? ack.people : [];
  const select = $('paper-who');
  const chosen = select.value;
  select.replaceChildren(...paper.people.map((p) => el('option', { value: String(p.id),
    text: tn(p.dots_left, '{name}: {n} dots left', { name: p.name }) })));
  if (chosen) select.value = chosen;
  $('paper-give').disabled = !paper.people.length;
  if (!paper.people.length) setText('paper-msg', t('Nobody at your table is without a phone this round.'));
}

async function givePaperDot() {
  const id = Number($('paper-who').value);
  const noteId = $('paper-note').value;
  const person = paper.people.find((p) => p.id === id);
  if (!person || !noteId) return;
  const ack = await sendFrom($('paper-give'), () => ctx.send('vote_for', { participant_id: id, note_id: noteId }),
    { refused: (no) => setText('paper-msg', ctx.refusal(no)) });
  if (ack && ack.ok) {
    setText('paper-msg', t('Dot given for {name}.', { name: person.name }));
    loadPaperPeople();
  }
}

function renderPaperDots(state, seat, tableId) {
  const box = $('paper-dots');
  box.hidden = !seat.hosting || state.cafe.status !== 'running';
  paper.table = tableId;
  // The notes are listed only while the box is open (the tablecloth says them already).
  if (box.hidden || !box.open) { $('paper-note').replaceChildren(); return; }
  fillPaperNotes(state, tableId);
}

// The host writes this round's summary; everyone sees the earlier rounds' summaries.
function renderSummaries(state, seat, tableId, round) {
  renderPaperDots(state, seat, tableId);
  $('host-box').hidden = !seat.hosting;
  if (seat.hosting) {
    setText('summary-h', t('Summary of round {round} (you host)', { round }));
    setText('summary-label', t('Summary of round {round}', { round }));
    const own = (state.summaries || []).find((s) => s.table_id === tableId && s.round === round);
    const area = $('summary-text');
    if (area.dataset.round !== String(round)) {
      // A new round: a fresh, folded summary box.
      $('host-box').open = false;
      setText('summary-msg', '');
      delete area.dataset.dirty;
    }
    if (area.dataset.round !== String(round) || (area.dataset.dirty !== '1' && document.activeElement !== area)) {
      area.value = own ? own.text : '';
      area.dataset.round = String(round);
      delete area.dataset.dirty;
      setText('summary-count', `${area.value.length} / ${SUMMARY_MAX}`);
    }
  }
  const before = (state.summaries || []).filter((s) => s.table_id === tableId && s.round < round);
  $('summaries-box').hidden = before.length === 0;
  $('summaries').replaceChildren(...before.map((s) => el('li', { class: 'summary' },
    el('p', { class: 'summary-meta', text: s.author_name ? t('Round {round} · by {name}', { round: s.round, name: s.author_name }) : t('Round {round}', { round: s.round }) }),
    el('p', { class: 'summary-text', text: s.text }))));
}

function isMine(note, drawing) {
  return drawing.mine.has(note.id) || (note.author_id !== null && drawing.state.me && note.author_id === drawing.state.me.id);
}

function noteItem(note, drawing) {
  const own = isMine(note, drawing);
  const earlier = note.round !== null && note.round !== undefined && note.round < drawing.round;
  const voted = drawing.dots.voted.has(note.id);
  const meta = el('p', { class: 'note-meta' },
    el('span', { class: 'note-author', text: note.from_tablecloth ? t('From the tablecloth')
      : `${note.author_name || t('Anonymous')}${own ? ` ${t('(you)')}` : ''}` }),
    earlier ? el('span', { class: 'tag tag-round', text: t('Round {round}', { round: note.round }) }) : null);
  const actions = el('div', { class: 'note-actions' });
  if (drawing.dots.budget > 0) {
    const dot = el('button', {
      type: 'button', class: 'dot-btn', id: `dot-${note.id}`, 'aria-pressed': voted ? 'true' : 'false',
      disabled: ctx.busy.has(note.id),
    }, el('span', { class: 'dot', 'aria-hidden': 'true' }),
    // The name is the button's own text (what it does, then the count people see), so a voice
    // user saying the visible number still reaches it.
    el('span', { class: 'visually-hidden', text: `${voted ? t('Take your dot back:') : t('Give a dot:')} ` }),
    el('span', { class: 'dot-n', text: String(note.votes) }),
    el('span', { class: 'visually-hidden', text: ` ${tn(note.votes, 'dots')}` }));
    dot.addEventListener('click', () => ctx.act(note.id, voted ? 'unvote' : 'vote', { note_id: note.id }));
    actions.append(dot);
  } else {
    actions.append(el('span', { class: 'dot-count', text: `● ${note.votes}` }));
  }
  if (drawing.seat.hosting) {
    const pin = el('button', { type: 'button', class: 'btn-note', id: `pin-${note.id}`,
      text: note.pinned ? `★ ${t('Unpin')}` : `☆ ${t('Pin')}`, disabled: ctx.busy.has(note.id),
      'aria-label': note.pinned ? t('Unpin this key insight') : t('Pin as a key insight') });
    pin.addEventListener('click', () => ctx.act(note.id, 'pin_note', { id: note.id, pinned: !note.pinned }));
    actions.append(pin);
  }
  if (own) {
    const edit = el('button', { type: 'button', class: 'btn-note', id: `edit-${note.id}`, text: t('Edit') });
    edit.addEventListener('click', () => openComposer({ mode: 'edit', id: note.id }, note));
    const sure = cloth.confirming.has(note.id);
    const del = el('button', { type: 'button', class: `btn-note btn-note-danger${sure ? ' sure' : ''}`,
      id: `del-${note.id}`, text: sure ? t('Tap again to delete') : t('Delete'), disabled: ctx.busy.has(note.id) });
    del.addEventListener('click', () => deleteNote(note.id));
    actions.append(edit, del);
  }
  const item = el('li', {
    class: `sticky sticky-${note.colour}${earlier ? ' sticky-earlier' : ''}${note.pinned ? ' sticky-pinned' : ''}`,
    'data-id': note.id,
  }, el('p', { class: 'note-text', text: note.text }), meta, actions);
  if (!cloth.seen.has(note.id) && cloth.seen.size) item.classList.add('sticky-new');
  return item;
}

function pendingItem(item, drawing) {
  const table = drawing.state.tables.find((x) => x.id === item.table_id);
  const elsewhere = item.table_id !== drawing.tableId;
  const li = el('li', { class: `sticky sticky-${item.colour || 'yellow'} sticky-pending`, 'data-id': item.id,
    'data-pending': item.error ? 'failed' : 'sending' },
  el('p', { class: 'note-text', text: item.text }),
  el('p', { class: 'note-meta' },
    el('span', { class: 'note-author', text: item.from_tablecloth ? t('From the tablecloth')
      : item.anonymous ? `${t('Anonymous')} ${t('(you)')}` : `${(drawing.state.me || {}).name || ''} ${t('(you)')}` }),
    elsewhere ? el('span', { class: 'tag', text: t('for {table}', { table: table ? tableLabel(table.label) : t('another table') }) }) : null,
    item.error ? null : el('span', { class: 'sending', text: t('sending…') })));
  if (item.error) {
    const edit = el('button', { type: 'button', class: 'btn-note', id: `fix-${item.id}`, text: t('Edit') });
    edit.addEventListener('click', () => openComposer({ mode: 'new', replaces: item.id }, item));
    const discard = el('button', { type: 'button', class: 'btn-note btn-note-danger', id: `discard-${item.id}`, text: t('Discard') });
    discard.addEventListener('click', () => { ctx.outbox.discard(item.id); ctx.rerender(); });
    li.append(el('p', { class: 'note-error', role: 'alert', text: t('Not sent: {why}', { why: item.error.message }) }),
      el('div', { class: 'note-actions' }, edit, discard));
  }
  return li;
}

function deleteNote(id) {
  if (!cloth.confirming.has(id)) {
    cloth.confirming.set(id, setTimeout(() => { cloth.confirming.delete(id); ctx.rerender(); }, CONFIRM_MS));
    ctx.rerender();
    return;
  }
  clearTimeout(cloth.confirming.get(id));
  cloth.confirming.delete(id);
  ctx.act(id, 'delete_note', { id }).then((ack) => { if (ack && ack.ok) ctx.outbox.forgetMine(id); });
}

// --- the composer -----------------------------------------------------------------------------

function chosenColour() {
  const picked = document.querySelector('input[name=colour]:checked');
  return picked ? picked.value : 'yellow';
}

function setColour(colour) {
  for (const input of document.querySelectorAll('input[name=colour]')) input.checked = input.value === colour;
}

function countNote() {
  const n = $('note-text').value.length;
  const counter = $('note-count');
  counter.textContent = `${n} / ${NOTE_MAX}`;
  counter.dataset.near = n > NOTE_MAX - 20 ? 'yes' : 'no';
}

function openComposer(mode, from) {
  cloth.composing = mode;
  const editing = mode.mode === 'edit';
  setText('composer-h', editing ? t('Edit your note') : t('New note'));
  setText('post', editing ? t('Save') : t('Post'));
  $('note-anon-row').hidden = editing;
  const state = ctx.current();
  const seat = state && ctx.mySeat(state);
  $('note-paper-row').hidden = editing || !(seat && seat.hosting);
  $('composer-error').hidden = true;
  if (from) {
    $('note-text').value = from.text;
    setColour(from.colour || 'yellow');
    $('note-anon').checked = !!from.anonymous;
    $('note-paper').checked = !!from.from_tablecloth;
  } else {
    $('note-paper').checked = false;
    $('note-text').value = getItem(ctx.draftKey) || '';
  }
  countNote();
  $('composer').hidden = false;
  $('note-bar').hidden = true;
  document.body.dataset.composer = 'open';
  $('note-text').focus();
}

export function closeComposer() {
  cloth.composing = null;
  $('composer').hidden = true;
  document.body.dataset.composer = 'closed';
  $('note-bar').hidden = !(ctx.current() && document.body.dataset.cloth === 'open');
}

function composerError(text) { sayLine($('composer-error'), text); }

async function submitNote(event) {
  event.preventDefault();
  const state = ctx.current();
  const text = $('note-text').value.trim();
  if (!text) { composerError(t('Type your note first.')); $('note-text').focus(); return; }
  if (text.length > NOTE_MAX) { composerError(t('A note has at most {max} characters.', { max: NOTE_MAX })); return; }
  const colour = chosenColour();
  const mode = cloth.composing;
  if (mode && mode.mode === 'edit') {
    if (!ctx.online()) { composerError(t("You're offline: your change is not saved yet. Try again when you're back.")); return; }
    const ack = await sendFrom($('post'), () => ctx.send('edit_note', { id: mode.id, text, colour }),
      { refused: (no) => composerError(ctx.refusal(no)) });
    if (ack && ack.ok) closeComposer();
    return;
  }
  const seat = state && ctx.mySeat(state);
  if (!seat) { composerError(t('You have no seat right now, so there is no tablecloth to write on.')); return; }
  const item = {
    id: uuid(), table_id: seat.table.id, round: state.seating.round, text, colour,
    anonymous: $('note-anon').checked, typed_at: Date.now(),
    from_tablecloth: seat.hosting && $('note-paper').checked,
  };
  if (!ctx.outbox.add(item, mode && mode.replaces)) {
    composerError(t('This phone has no room left to keep the note. Please try again.'));
    return;
  }
  removeItem(ctx.draftKey);
  $('note-text').value = '';
  closeComposer();
  ctx.render(state);
  ctx.outbox.flush();
}

// --- the host's summary ------------------------------------------------------------------------

async function saveSummary(event) {
  event.preventDefault();
  const state = ctx.current();
  const seat = state && ctx.mySeat(state);
  const text = $('summary-text').value.trim();
  const msg = $('summary-msg');
  msg.dataset.kind = 'error';
  if (!seat || !seat.hosting) { msg.textContent = t('Only the host of this table writes its summary.'); return; }
  if (!text) { msg.textContent = t('Type the summary first.'); return; }
  if (!ctx.online()) { msg.textContent = t("You're offline: the summary is not saved yet. Try again when you're back."); return; }
  const ack = await sendFrom($('summary-save'),
    () => ctx.send('write_summary', { table_id: seat.table.id, round: state.cafe.current_round, text }),
    { refused: (no) => { msg.textContent = ctx.refusal(no); } });
  if (ack && ack.ok) {
    delete $('summary-text').dataset.dirty;
    msg.dataset.kind = 'ok';
    msg.textContent = t('Saved. The next round’s newcomers will read it.');
  }
}

// What phone.js shares: send(command, payload), act(noteId, command, payload), busy (note ids
// with a command on its way), current(), render(state), rerender(), online(), refusal(ack),
// mySeat(state), outbox (outbox.js), draftKey.
export function useCloth(context) {
  ctx = context;
  $('write').addEventListener('click', () => openComposer({ mode: 'new' }));
  $('composer-close').addEventListener('click', closeComposer);
  $('composer-form').addEventListener('submit', submitNote);
  $('note-text').addEventListener('input', () => {
    countNote();
    composerError('');
    const mode = cloth.composing;
    if (mode && mode.mode === 'new' && !mode.replaces) setItem(ctx.draftKey, $('note-text').value);
  });
  $('summary-text').addEventListener('input', () => {
    $('summary-text').dataset.dirty = '1';
    setText('summary-count', `${$('summary-text').value.length} / ${SUMMARY_MAX}`);
    setText('summary-msg', '');
  });
  $('summary-form').addEventListener('submit', saveSummary);
  $('paper-dots').addEventListener('toggle', () => {
    const state = ctx.current();
    if (!$('paper-dots').open || !state) { $('paper-note').replaceChildren(); return; }
    fillPaperNotes(state, paper.table);
    loadPaperPeople();
  });
  $('paper-give').addEventListener('click', givePaperDot);
}
