// A refused command in words, on the facilitator's side (the panel, the door, the themes screen):
// the server's own sentence in the page's language, or what a lost answer means.
import { t } from './i18n.js';

export function refusal(ack) {
  const error = ack && ack.error;
  if (error && error.code === 'timeout') return t('No answer from the server. Check the network and try again.');
  return (error && error.message) || t('That did not work. Please try again.');
}
