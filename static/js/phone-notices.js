// Notices: what the facilitator did to my seat or my notes, in one calm sentence, until tapped
// away or the next phase. They are made by the phone's reducers, once per event as it is applied
// (a reload starts from a fresh snapshot, and an event already noticed on this phone, remembered
// in its storage, is never noticed again).
import { baseReducers } from './live.js';
import { $, setText } from './dom.js';
import { t, tn, tableLabel } from './i18n.js';
import { getItem, setItem } from './storage.js';

const notices = {};   // kind ('moved', 'hidden') -> {phase, ...}: the notice now, or null

function phaseOf(state) {
  const c = state.cafe;
  return `${c.status}:${c.current_round}:${c.phase}`;
}

// The shared reducers (live.js), and the notices two of them make on this phone. `noticedKey`:
// where the last event noticed is kept; `mine()`: the ids of the notes written on this phone.
export function phoneReducers(noticedKey, mine) {
  function notice(state, ev, kind, change) {
    if (ev.seq <= Number(getItem(noticedKey) || 0)) return;
    setItem(noticedKey, String(ev.seq));
    const before = notices[kind] && notices[kind].phase === phaseOf(state) ? notices[kind] : {};
    notices[kind] = { ...change(before), phase: phaseOf(state) };
  }
  return {
    ...baseReducers,
    participant_seated(state, data, ev) {
      baseReducers.participant_seated(state, data, ev);
      if (data.reason === 'moved' && state.me && data.participant_id === state.me.id
          && data.table_id !== null && data.round === state.cafe.current_round) {
        notice(state, ev, 'moved', () => ({ table_id: data.table_id }));
      }
    },
    note_hidden(state, data, ev) {
      // The note leaves the state with this event: whose it was is known only before.
      const note = (state.notes || []).find((n) => n.id === data.note_id);
      const own = mine().has(data.note_id) || !!(note && state.me && note.author_id === state.me.id);
      baseReducers.note_hidden(state, data, ev);
      if (own) notice(state, ev, 'hidden', (before) => ({ count: (before.count || 0) + 1 }));
    },
  };
}

export function renderNotices(state) {
  const phase = phaseOf(state);
  const moved = notices.moved && notices.moved.phase === phase ? notices.moved : null;
  const table = moved && state.tables.find((x) => x.id === moved.table_id);
  $('notice-moved').hidden = !table;
  if (table) setText('notice-moved-text', t('The facilitator moved you to {table}.', { table: tableLabel(table.label) }));
  const hidden = notices.hidden && notices.hidden.phase === phase ? notices.hidden : null;
  $('notice-hidden').hidden = !hidden;
  if (hidden) setText('notice-hidden-text', tn(hidden.count, 'The facilitator hid {n} of your notes.'));
  // On the move screen (over the whole page) the notice goes under "Round 2 of 4".
  const box = $('notices');
  const spot = document.body.dataset.screen === 'move' ? $('move-round').nextElementSibling
    : document.querySelector('.phone-main').firstElementChild;
  if (box !== spot && box.nextSibling !== spot) spot.parentNode.insertBefore(box, spot);
}

for (const kind of ['moved', 'hidden']) {
  $(`notice-${kind}-close`).addEventListener('click', () => { notices[kind] = null; $(`notice-${kind}`).hidden = true; });
}
