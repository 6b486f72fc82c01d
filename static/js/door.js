// The helpers' screen at the door: people registered beforehand are ticked as they arrive
// (`check_in`), people not on the list are added (`add_walk_in`), phone or no phone; from then
// on they are counted and seated like everyone. The secret is the URL fragment, as on the panel:
// the facilitator's own, or a helper's link (whose user types their name first).
import { connectLive, baseReducers } from './live.js';
import { $, el, setText } from './dom.js';
import { t, tn } from './i18n.js';
import { showStatus, sendFrom } from './ui.js';
import { renderHelpQueue } from './help-queue.js';
import { savedName, teamLinkPage } from './team-name.js';
import { refusal } from './refusal.js';

const code = document.body.dataset.code;
const auth = {
  cafe: code, role: 'facilitator', secret: decodeURIComponent(window.location.hash.slice(1)), name: savedName() || undefined,
};
const SHOWN = 30;   // names listed at once: a search finds the rest
let live = null;

function fold(text) {
  return (text || '').normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

function render(state) {
  renderHelpQueue(state, { box: $('help-queue'), title: $('help-title'), list: $('help-list') },
    (command, payload) => live.send(command, payload), (ack) => setText('walk-in-msg', refusal(ack)));
  const people = (state.participants || []).filter((p) => p.admitted !== false);
  const expected = people.filter((p) => p.registered && !p.arrived).length;
  const here = people.filter((p) => p.arrived !== false).length;
  setText('door-counts', `${tn(here, '{n} here')} · ${tn(expected, '{n} expected')}`);
  const wanted = fold($('door-search').value.trim());
  // Those still expected first, then those here; each alphabetically.
  const found = people
    .filter((p) => !wanted || fold(p.name).includes(wanted) || fold(p.organisation).includes(wanted))
    .sort((a, b) => (Number(a.arrived !== false) - Number(b.arrived !== false)) || a.name.localeCompare(b.name));
  const list = $('door-list');
  list.replaceChildren(...found.slice(0, SHOWN).map((p) => {
    const arrived = p.arrived !== false;
    const button = el('button', {
      type: 'button', class: arrived ? 'btn' : 'btn btn-primary', text: arrived ? t('Here ✓') : t('Arrived'),
    });
    button.disabled = arrived;
    button.addEventListener('click', () => sendFrom(button, () => live.send('check_in', { participant_ids: [p.id] }), {
      refused: (ack) => setText('walk-in-msg', refusal(ack)),
    }));
    return el('li', { class: arrived ? 'door-person is-here' : 'door-person', 'data-id': String(p.id) },
      el('span', { class: 'door-name', text: p.name }),
      p.organisation ? el('span', { class: 'door-org', text: p.organisation }) : null,
      button);
  }));
  setText('door-more', found.length > SHOWN ? tn(found.length - SHOWN, '{n} more: type part of a name') : '');
  if (!found.length) setText('door-more', wanted ? t('Nobody by that name: add them below.') : t('Nobody is on the list yet.'));
}

$('door-search').addEventListener('input', () => { if (live && live.state) render(live.state); });

$('walk-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('walk-in-name').value.trim();
  if (!name) { setText('walk-in-msg', t('Type their name first.')); return; }
  const languages = $('walk-in-languages').value.split(/[,，、;]/).map((w) => w.trim()).filter(Boolean);
  const ack = await sendFrom($('walk-in-add'), () => live.send('add_walk_in', { name, languages }), {
    refused: (no) => setText('walk-in-msg', refusal(no)),
  });
  if (ack && ack.ok) {
    setText('walk-in-msg', t('{name} is in the café.', { name }));
    $('walk-in-name').value = '';
    $('walk-in-languages').value = '';
  }
});

const team = teamLinkPage(() => live, auth, $('door'), $('door-problem'));
live = connectLive({
  auth,
  reducers: baseReducers,
  onState: (state) => { $('door').hidden = false; render(state); },
  onChange: (state) => render(state),
  onStatus: (status) => showStatus($('conn'), status),
  onRefused: team.onRefused,
  onDeleted: team.onDeleted,
});
team.watch(live);
