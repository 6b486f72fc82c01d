// The queue of tables asking for help, as the panel and the door screen show it: "Table 7 needs:
// an interpreter — Haitian Creole", oldest first, with "On my way" (the table's phones then say
// someone is coming) and "Done". Words from the panel's catalogue.
import { el } from './dom.js';
import { t, tn, tableLabel } from './i18n.js';
import { languageName } from './seating-words.js';
import { sendFrom } from './ui.js';

export function helpLine(state, request) {
  const table = state.tables.find((x) => x.id === request.table_id);
  const label = table ? tableLabel(table.label) : t('A table');
  if (request.need === 'facilitator') return t('{table} needs: the facilitator', { table: label });
  return request.language
    ? t('{table} needs: an interpreter — {language}', { table: label, language: languageName(request.language) })
    : t('{table} needs: an interpreter', { table: label });
}

// Fill `list` with the open requests; `title` says how many. `send(command, payload)` returns the
// ack; `refused(ack)` says a refusal.
export function renderHelpQueue(state, { box, title, list }, send, refused) {
  const open = state.help || [];
  box.hidden = !open.length;
  title.textContent = tn(open.length, '{n} tables ask for help');
  list.replaceChildren(...open.map((request) => {
    const coming = request.status === 'on_the_way';
    const onWay = el('button', { type: 'button', class: coming ? 'btn btn-small' : 'btn btn-small btn-primary',
      text: coming ? t('Someone is on the way') : t('On my way') });
    onWay.disabled = coming;
    onWay.addEventListener('click', () => sendFrom(onWay, () => send('acknowledge_help', { help_id: request.id }), { refused }));
    const done = el('button', { type: 'button', class: 'btn btn-small btn-quiet', text: t('Done') });
    done.addEventListener('click', () => sendFrom(done, () => send('close_help', { help_id: request.id }), { refused }));
    return el('li', { class: coming ? 'help-item is-coming' : 'help-item', 'data-id': String(request.id) },
      el('span', { class: 'help-line', text: helpLine(state, request) }), onWay, done);
  }));
}
