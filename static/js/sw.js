// Placeholder service worker: replaced by the phone outbox work.
self.addEventListener("install", () => self.skipWaiting());
