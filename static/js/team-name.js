// A team link (a co-facilitator, the theme team, a helper) connects with its user's name: the
// activity log shows who did what. The server refuses the connection with `name_required`
// until it has one; the name is kept for this tab only.
import { $ } from './dom.js';

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
