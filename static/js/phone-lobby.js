// Before the café starts: joining it (the form, its refusals, the languages spoken) and, when
// the facilitator lets them, hosts choosing their own table before round 1. phone.js passes what
// it shares (`ctx`, once, through useLobby).
import { $, el, sayLine } from './dom.js';
import { t, tableLabel, lang } from './i18n.js';

// The languages ticked, then the ones typed ("Arabic, French"; Chinese and Japanese commas too),
// each once. The limits are the server's (cafe/services/participants.py), said here in the
// phone's language rather than refused later in English.
const SPOKEN_MAX = 8;
const SPOKEN_LENGTH = 30;
let ctx = null;

function spokenLanguages() {
  const ticked = [...document.querySelectorAll('input[name=speaks]:checked')].map((box) => box.value);
  const typed = $('other-languages').value.split(/[,，、;；\n]/).map((word) => word.trim()).filter(Boolean);
  const seen = new Set();
  return [...ticked, ...typed].filter((word) => {
    const key = word.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Why the café said no to joining, as the server said it (in the page's language).
function joinRefusal(why) {
  return why.message || t('That did not work. Please try again.');
}

export function showJoin(message) {
  if (!$('join')) { ctx.show('problem'); return; }   // a closed café takes nobody new
  sayLine($('join-error'), message);
  ctx.show('join');
  $('cloth').hidden = true;
  $('note-bar').hidden = true;
  ctx.renderOffline();
}

async function join(event) {
  event.preventDefault();
  const anonymous = $('anonymous').checked;
  const name = $('name').value.trim();
  if (!anonymous && !name) { showJoin(t('Please type your name, or choose to stay anonymous.')); $('name').focus(); return; }
  const passcode = $('passcode').value.trim();
  if (!$('passcode-row').hidden && !passcode) {
    showJoin(t('Type the passcode the facilitator gave the room.'));
    $('passcode').focus();
    return;
  }
  const spoken = spokenLanguages();
  const tooLong = spoken.length > SPOKEN_MAX || spoken.some((word) => word.length > SPOKEN_LENGTH);
  if (tooLong) {
    showJoin(spoken.length > SPOKEN_MAX
      ? t('You can list at most {max} languages.', { max: SPOKEN_MAX })
      : t('A language has at most {max} characters.', { max: SPOKEN_LENGTH }));
    $('other-languages').focus();
    return;
  }
  const button = $('join-button');
  button.disabled = true;
  try {
    const payload = {
      name, anonymous,
      organisation: $('organisation').value.trim() || null,
      language: lang,
      languages: spoken,
      stays_seated: $('stays-seated').checked,
      with_companion: $('with-companion').checked,
    };
    if (passcode) payload.passcode = passcode;
    const res = await fetch(`/api/cafes/${encodeURIComponent(ctx.code)}/participants`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = await res.json();
    if (!body.ok) {
      const why = body.error || {};
      // A café with a passcode asks for it; the message says whether it was missing or wrong.
      if (why.code === 'passcode_required' || why.code === 'wrong_passcode') {
        $('passcode-row').hidden = false;
        showJoin(joinRefusal(why));
        $('passcode').select();
        $('passcode').focus();
      } else {
        showJoin(joinRefusal(why));
      }
      return;
    }
    ctx.joined(body.token);
  } catch (e) {
    showJoin(t('No connection to the café. Check the Wi-Fi and try again.'));
  } finally {
    button.disabled = false;
  }
}

// --- hosts who pick their own table (when the facilitator allows it, before round 1) ---------

export function renderHostPick(state) {
  const box = $('host-pick');
  const open = !!(state.cafe.settings && state.cafe.settings.hosts_choose) && !state.cafe.current_round
    && !!state.me;
  box.hidden = !open;
  if (!open) return;
  const topics = new Map((state.topics || []).map((x) => [x.id, x]));
  const named = (table) => {
    const topic = topics.get(table.topic_id);
    return `${tableLabel(table.label)}${topic ? ` — ${ctx.topicName(topic)}` : ''}`;
  };
  const mine = (state.tables || []).find((x) => x.host_id === state.me.id);
  const mineLine = $('host-pick-mine');
  mineLine.hidden = !mine;
  if (mine) mineLine.textContent = t('You host {table}. Stay there and welcome the newcomers.', { table: named(mine) });
  $('host-pick-h').textContent = mine ? t('You are hosting') : t('Are you hosting a table?');
  $('host-pick-hint').hidden = !!mine;
  $('host-pick-stop').hidden = !mine;
  const select = $('host-pick-select');
  const free = (state.tables || []).filter((x) => x.host_id === null || x.host_id === undefined);
  const wanted = select.value;
  select.replaceChildren(el('option', { value: '', text: free.length ? t('Choose a table…') : t('Every table has a host') }),
    ...free.map((x) => el('option', { value: String(x.id), text: named(x) })));
  if (free.some((x) => String(x.id) === wanted)) select.value = wanted;
  select.hidden = !!mine && !free.length;
  $('host-pick-save').hidden = !free.length;
  $('host-pick-save').textContent = mine ? t('Host this table instead') : t('I host this table');
}

function hostPickError(text) { sayLine($('host-pick-error'), text); }

async function chooseHostTable(tableId) {
  hostPickError('');
  if (!ctx.online()) { hostPickError(t("You're offline — try again when you're back.")); return; }
  const ack = await ctx.send('choose_host_table', { table_id: tableId });
  if (!ack || !ack.ok) hostPickError(ctx.refusal(ack));
  ctx.rerender();
}

// What phone.js shares: code, show(screen), renderOffline(), joined(token), online(),
// send(command, payload), refusal(ack), rerender(), topicName(topic).
export function useLobby(context) {
  ctx = context;
  $('anonymous')?.addEventListener('change', () => { $('name').disabled = $('anonymous').checked; });
  $('join-form')?.addEventListener('submit', join);
  $('host-pick-save').addEventListener('click', () => {
    const value = $('host-pick-select').value;
    if (!value) { hostPickError(t('Choose the table you host first.')); return; }
    chooseHostTable(Number(value));
  });
  $('host-pick-stop').addEventListener('click', () => chooseHostTable(null));
}
