// A team link (a co-facilitator, the theme team, a helper) connects with its user's name: the
// activity log shows who did what. The server refuses the connection with `name_required`
// until it has one; the name is kept for this tab only.
import { $ } from './dom.js';
import { t } from './i18n.js';
import { showDeleted } from './live.js';

const KEY = 'cafe-team-name';

// The name this tab was given, if any.
export function savedName() {
  try { return sessionStorage.getItem(KEY) || ''; } catch (e) { return ''; }
}

// Ask for the name (the page's own form), keep it, then `connect()` again with it.
export function askName(auth, hide, connect) {
  hide();
  const form = $('team-name');
  form.hidden = false;
  $('team-name-input').focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('team-name-input').value.trim();
    if (!name) return;
    try { sessionStorage.setItem(KEY, name); } catch (err) { /* storage blocked: this visit only */ }
    auth.name = name;
    form.hidden = true;
    connect();
  }, { once: true });
}

// What a team link's page (the door, the themes screen) does when its socket is refused, its link
// is closed or the café is deleted: ask for the name when the server wants one, else say why it
// stopped in place of the page (`main`), on its alert line (`problem`). `live()` is the page's
// connection. Returns connectLive's onRefused and onDeleted, and `watch(live)` for the closed link.
export function teamLinkPage(live, auth, main, problem) {
  const stop = (text) => { main.hidden = true; problem.hidden = false; problem.textContent = text; };
  return {
    onRefused(error) {
      if (error && error.code === 'name_required') {
        live().socket.disconnect();
        askName(auth, () => { main.hidden = true; }, () => live().socket.connect());
        return;
      }
      stop((error && error.message) || t('That did not work. Please try again.'));
    },
    onDeleted: () => showDeleted(
      t('Everything in it is gone: notes, summaries, names, sign-ups and contacts. Phones and the board have stopped.'),
      t('This café has been deleted')),
    // The facilitator closed this link: say so, and stop.
    watch(connection) {
      connection.socket.on('team_link_revoked', () => {
        connection.socket.disconnect();
        stop(t('The facilitator has closed this link. Ask them for a new one.'));
      });
    },
  };
}
