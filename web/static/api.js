// api.js: a small client of the Precinct HTTP API v1: the bearer token,
// JSON requests with the API's error shape, paging, and the live event stream.

import { pick } from './i18n.js';

/** ApiError is an error answer of the API (or a network failure, code ENETWORK). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message_en || e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'ENETWORK' : 'EINTERNAL');
    this.messageZH = e.message || '';
    this.messageEN = e.message_en || '';
    this.field = e.field || '';
  }

  /** text is the message in the user's language. */
  text() {
    if (this.code === 'ENETWORK') return pick('网络不可用', 'Network unavailable');
    return pick(this.messageZH || this.message, this.messageEN || this.message);
  }
}

/**
 * Client calls the API with a token kept in the given storage
 * (sessionStorage for the console, localStorage for the officer app).
 */
export class Client {
  constructor(storage, base = '') {
    this.storage = storage;
    this.base = base;
    this.onUnauthorized = null;
  }

  get token() {
    return this.storage.getItem('precinct.token') || '';
  }

  /** login signs in and keeps the token; it returns the user. */
  async login(username, password) {
    const out = await this.request('POST', '/api/v1/auth/login', { username, password });
    this.storage.setItem('precinct.token', out.token);
    this.storage.setItem('precinct.user', JSON.stringify(out.user || {}));
    return out.user;
  }

  /** logout revokes the token (best effort) and forgets it. */
  async logout() {
    try {
      if (this.token) await this.request('POST', '/api/v1/auth/logout');
    } catch (e) {
      // The token is forgotten anyway.
    }
    this.storage.removeItem('precinct.token');
    this.storage.removeItem('precinct.user');
  }

  /** cachedUser is the user saved at login, or null. */
  cachedUser() {
    try {
      return JSON.parse(this.storage.getItem('precinct.user') || 'null');
    } catch (e) {
      return null;
    }
  }

  /**
   * request sends a JSON request and returns the decoded answer. It throws an
   * ApiError for an error status and ApiError code ENETWORK when the server
   * cannot be reached. headers adds request headers (Idempotency-Key).
   */
  async request(method, path, body, headers = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    let resp;
    try {
      resp = await fetch(this.base + path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, null);
    }
    const text = await resp.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!resp.ok) {
      const err = new ApiError(resp.status, data);
      if (resp.status === 401 && this.onUnauthorized && !path.endsWith('/auth/login')) this.onUnauthorized(err);
      throw err;
    }
    return data;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body, headers) {
    return this.request('POST', path, body, headers);
  }

  /** list pages through a list endpoint, up to max items. */
  async list(path, max = 5000) {
    const sep = path.includes('?') ? '&' : '?';
    const items = [];
    let cursor = '';
    for (;;) {
      const page = await this.get(`${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...((page && page.items) || []));
      cursor = (page && page.next_cursor) || '';
      if (!cursor || items.length >= max) return items;
    }
  }

  /**
   * stream follows /api/v1/stream and calls onEvent(type, event) for each
   * Server-Sent Event and onState("live"|"down") as the connection comes and
   * goes. It reads the stream with fetch rather than EventSource because an
   * EventSource delivers named events only to listeners registered for each
   * name in advance, and the API adds event types over time. It keeps the last
   * event id and sends it as Last-Event-ID when it reconnects, so no event is
   * lost across a drop. With opts.positions the server also sends, every
   * second, a "positions" message with the units that moved. It returns a
   * function that stops it.
   */
  stream(onEvent, onState, opts = {}) {
    let stopped = false;
    let lastId = '';
    let ctrl = null;
    let delay = 1000;
    const run = async () => {
      while (!stopped) {
        ctrl = new AbortController();
        try {
          const h = { Accept: 'text/event-stream', Authorization: `Bearer ${this.token}` };
          if (lastId) h['Last-Event-ID'] = lastId;
          const query = opts.positions ? '?positions=1' : '';
          const resp = await fetch(`${this.base}/api/v1/stream${query}`, { headers: h, signal: ctrl.signal, cache: 'no-store' });
          if (resp.status === 401 && this.onUnauthorized) {
            this.onUnauthorized(new ApiError(401, null));
            return;
          }
          if (!resp.ok || !resp.body) throw new Error(`stream ${resp.status}`);
          onState && onState('live');
          delay = 1000;
          await readSSE(resp.body, (ev) => {
            if (ev.id) lastId = ev.id;
            let data = ev.data;
            try {
              data = JSON.parse(ev.data);
            } catch (e) {
              // Not JSON: hand over the text.
            }
            onEvent(ev.event || (data && data.type) || 'message', data);
          });
        } catch (e) {
          if (stopped) return;
        }
        onState && onState('down');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 15000);
      }
    };
    run();
    return () => {
      stopped = true;
      if (ctrl) ctrl.abort();
    };
  }
}

/** readSSE parses a text/event-stream body and calls fn for each event. */
async function readSSE(body, fn) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let ev = { id: '', event: '', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (ev.data.length) fn({ id: ev.id, event: ev.event, data: ev.data.join('\n') });
        ev = { id: ev.id, event: '', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let v = i < 0 ? '' : line.slice(i + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'data') ev.data.push(v);
      else if (field === 'event') ev.event = v;
      else if (field === 'id') ev.id = v;
    }
  }
}

/** uuid returns a random UUID, also where crypto.randomUUID is missing (plain http). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** startOfToday returns local midnight as an RFC 3339 string. */
export function startOfToday() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

/** escapeHTML makes text safe to put in HTML. */
export function escapeHTML(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
