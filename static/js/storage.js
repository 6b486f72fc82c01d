// This device's storage (localStorage), guarded: private browsing, a full quota or storage turned
// off make it throw (even reading `window.localStorage` can), and a page must work without it.
// A read that fails gives the fallback; a write that fails says so (false) and changes nothing.

export function getItem(key) {
  try { return window.localStorage.getItem(key); } catch (e) { return null; }
}

export function setItem(key, value) {
  try { window.localStorage.setItem(key, String(value)); return true; } catch (e) { return false; }
}

export function removeItem(key) {
  try { window.localStorage.removeItem(key); } catch (e) { /* nothing kept: nothing to remove */ }
}

export function readJSON(key, fallback) {
  try {
    const raw = getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch (e) { return fallback; }
}

export function writeJSON(key, value) {
  try { return setItem(key, JSON.stringify(value)); } catch (e) { return false; }
}
