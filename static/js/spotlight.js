// The facilitator's spotlight button for a note: shows it large on the board, or takes it off.
// facilitator.js can put one in each row of its notes table: spotlightButton(live, state, note).
import { el } from './dom.js';

export function spotlightButton(live, state, note) {
  const on = state.cafe.spotlight === note.id;
  const button = el('button', {
    type: 'button', class: `btn btn-small${on ? ' btn-primary' : ''}`, id: `spotlight-${note.id}`,
    'aria-pressed': on ? 'true' : 'false', disabled: note.hidden || null,
    text: on ? 'On the board' : 'Spotlight',
    'aria-label': `${on ? 'Take off the board' : 'Show large on the board'}: “${note.text.slice(0, 40)}”`,
  });
  button.addEventListener('click', async () => {
    button.disabled = true;
    await live.send('spotlight', { note_id: on ? null : note.id });
    button.disabled = false;  // the list is drawn again from the note_spotlighted event
  });
  return button;
}
