// outbox.js: the officer app's queue of actions taken without a connection.
//
// Each action is stored in IndexedDB with an id made on the phone, in the
// order it was taken, and sent in that order when the connection returns,
// with the id as its Idempotency-Key header. An entry is removed only when the
// server's answer proves the action applied:
//
//   - a 2xx answer;
//   - ECONFLICT (409) on an incident action when the incident, read back, is
//     already in the state the action leads to or beyond it (the first send
//     reached the server but its answer was lost, so the action is done).
//
// A network failure, 429 or 5xx keeps the entry and stops the flush (order
// matters: "arrive" must not overtake "en route"); 401 keeps it until the
// officer signs in again. Any other 4xx, or ECONFLICT when the state has not
// advanced, removes the entry and reports it as failed, because sending it
// again cannot succeed. Flushes are serialised within a tab and, through the
// Web Locks API, across tabs, so no entry is sent by two senders at once.
//
// The server applies an incident action once per Idempotency-Key and answers
// a resend with 200, so a lost answer is normally harmless; the 409 check
// above still covers an action the lifecycle refuses because another device
// already took it. Check-ins rely on the key in the same way.

import { uuid } from './api.js';

const dbName = 'precinct-app';
const storeName = 'outbox';

/** rank orders incident states along the lifecycle. */
const rank = { received: 0, dispatched: 1, en_route: 2, on_scene: 3, resolved: 4, handed_over: 4, closed: 5, callback_done: 6 };

/** reached reports whether an incident already shows the effect of action. */
export function reached(action, inc) {
  const r = rank[inc.status] ?? -1;
  switch (action) {
    case 'accept':
      return r >= 1;
    case 'en-route':
      return r >= 2;
    case 'arrive':
      return r >= 3;
    case 'resolve':
      return inc.status === 'resolved' || (r >= 5 && !inc.handed_over_to);
    case 'handover':
      return inc.status === 'handed_over' || (r >= 5 && !!inc.handed_over_to);
    default:
      return false;
  }
}

/** targetStatus is the state an action leads to, for showing it before it is sent. */
export const targetStatus = { 'en-route': 'en_route', arrive: 'on_scene', resolve: 'resolved', handover: 'handed_over' };

/** Outbox is the persistent queue of actions. */
export class Outbox {
  /**
   * client is an api.Client. Callbacks: onChange(count), onApplied(entry,
   * result), onFailed(entry, error).
   */
  constructor(client, callbacks = {}) {
    this.client = client;
    this.cb = callbacks;
    this.db = null;
    this.running = null;
  }

  async open() {
    this.db = await new Promise((resolve, reject) => {
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(storeName, { keyPath: 'seq', autoIncrement: true });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    this.changed();
    return this;
  }

  tx(mode, fn) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(storeName, mode);
      const req = fn(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(req && req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  /** entries returns the queued entries, oldest first. */
  entries() {
    return this.tx('readonly', (s) => s.getAll());
  }

  /** count returns how many entries wait. */
  async count() {
    return (await this.tx('readonly', (s) => s.count())) || 0;
  }

  /**
   * add queues a request: {method, path, body, label, incidentId, action}.
   * It returns the stored entry (with its client id) and starts a flush.
   */
  async add(req) {
    const entry = { ...req, id: uuid(), createdAt: new Date().toISOString() };
    entry.seq = await this.tx('readwrite', (s) => s.add(entry));
    this.changed();
    this.flush();
    return entry;
  }

  remove(seq) {
    return this.tx('readwrite', (s) => s.delete(seq));
  }

  async changed() {
    if (this.cb.onChange) this.cb.onChange(await this.count());
  }

  /** flush sends what waits, in order; concurrent calls share one run. */
  flush() {
    if (this.running) return this.running;
    const run = () => this.drain();
    const p = navigator.locks ? navigator.locks.request('precinct-outbox', run) : run();
    this.running = p.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async drain() {
    for (const e of await this.entries()) {
      const outcome = await this.send(e);
      if (outcome === 'stop') break;
      await this.remove(e.seq);
      await this.changed();
    }
    await this.changed();
  }

  /** send sends one entry and returns "applied", "failed" or "stop". */
  async send(e) {
    try {
      const out = await this.client.request(e.method, e.path, e.body, { 'Idempotency-Key': e.id });
      if (this.cb.onApplied) this.cb.onApplied(e, out);
      return 'applied';
    } catch (err) {
      if (err.code === 'ENETWORK' || err.status === 0 || err.status === 429 || err.status >= 500 || err.status === 401) return 'stop';
      if (err.status === 409 && e.incidentId && e.action) {
        let inc;
        try {
          inc = await this.client.get(`/api/v1/incidents/${encodeURIComponent(e.incidentId)}`);
        } catch (err2) {
          return 'stop';
        }
        if (reached(e.action, inc)) {
          if (this.cb.onApplied) this.cb.onApplied(e, inc);
          return 'applied';
        }
      }
      if (this.cb.onFailed) this.cb.onFailed(e, err);
      return 'failed';
    }
  }
}
