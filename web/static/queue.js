// queue.js: what the console's incident queue shows besides the incident
// itself: when it was received (with the date when not today), how long it
// has waited, whether it is overdue for its priority, the new-call alert and
// the queue's filters and search.

import { t, lang } from './i18n.js';

/**
 * limits are how long, in seconds, an incident of each priority (1–4) may
 * wait for its first dispatch (received) and then for the first arrival
 * (dispatched, en route) before the queue marks it overdue.
 */
export const limits = {
  received: [60, 180, 600, 1800],
  travel: [600, 900, 1800, 3600],
};

/**
 * setLimits takes the overdue times of the sub-bureau's desk settings
 * (minutes by priority: dispatch_min, arrive_min) in place of the defaults.
 */
export function setLimits(desk) {
  const ok = (a) => Array.isArray(a) && a.length === 4 && a.every((m) => m > 0);
  if (desk && ok(desk.dispatch_min)) limits.received = desk.dispatch_min.map((m) => m * 60);
  if (desk && ok(desk.arrive_min)) limits.travel = desk.arrive_min.map((m) => m * 60);
}

const pad = (n) => String(n).padStart(2, '0');

/**
 * fmtReceived formats when an incident was received: the time alone today,
 * the month and day with the time earlier this year, the full date before.
 */
export function fmtReceived(v, now = new Date()) {
  if (!v) return '—';
  const d = new Date(v);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === now.toDateString()) return time;
  const md = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  if (d.getFullYear() === now.getFullYear()) return `${md} ${time.slice(0, 5)}`;
  return `${d.getFullYear()}-${md} ${time.slice(0, 5)}`;
}

/** waited returns how long an open incident has waited at its stage, in seconds, and the stage's limit. */
export function waited(inc, now = Date.now()) {
  const p = Math.min(4, Math.max(1, inc.priority || 4)) - 1;
  if (inc.status === 'received') return { s: (now - Date.parse(inc.received_at)) / 1000, limit: limits.received[p] };
  if (inc.status === 'dispatched' || inc.status === 'en_route') {
    const from = Date.parse(inc.dispatched_at || inc.received_at);
    return { s: (now - from) / 1000, limit: limits.travel[p] };
  }
  return null;
}

/** overdue reports whether an incident waits longer than its priority allows. */
export function overdue(inc, now = Date.now()) {
  const w = waited(inc, now);
  return !!w && w.s > w.limit;
}

/** fmtElapsed formats seconds compactly: 45秒, 3分12秒, 2时05分, 3天. */
export function fmtElapsed(s) {
  if (s == null || !isFinite(s) || s < 0) return '';
  s = Math.floor(s);
  const en = lang() === 'en';
  if (s < 60) return en ? `${s}s` : `${s}秒`;
  if (s < 3600) return en ? `${Math.floor(s / 60)}m ${pad(s % 60)}s` : `${Math.floor(s / 60)}分${pad(s % 60)}秒`;
  if (s < 86400) return en ? `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m` : `${Math.floor(s / 3600)}时${pad(Math.floor(s / 60) % 60)}分`;
  return en ? `${Math.floor(s / 86400)}d` : `${Math.floor(s / 86400)}天`;
}

/** elapsedText says how long ago an incident was received, for the queue. */
export function elapsedText(inc, now = Date.now()) {
  const w = waited(inc, now);
  if (!w) return '';
  return t(inc.status === 'received' ? 'queue.waiting' : 'queue.travelling', { d: fmtElapsed(w.s) });
}

/**
 * matches reports whether an incident matches the queue's filters: a
 * priority ("" for any), a station ("" for any) and words to search for in
 * its category, address, description, reporter, grid and station names.
 */
export function matches(inc, f, words) {
  if (f.priority && String(inc.priority) !== f.priority) return false;
  const j = inc.jurisdiction || {};
  if (f.station && j.station_id !== f.station && !(inc.shared_with || []).includes(f.station)) return false;
  const q = (f.search || '').trim().toLowerCase();
  if (!q) return true;
  const hay = [words.category(inc.category), inc.address, inc.description, inc.reporter && inc.reporter.name, words.name(j.station_id), words.name(j.police_grid_id), words.name(j.community_grid_id), inc.id]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
}

const muteKey = 'precinct.alert.muted';

/**
 * Alert sounds two short tones when a new call arrives, unless muted. The
 * choice is remembered in the browser. played counts the alerts sounded and
 * silenced those that arrived muted, for the page's tests and its status.
 */
export class Alert {
  constructor() {
    this.played = 0;
    this.silenced = 0;
    this.ctx = null;
  }

  get muted() {
    return localStorage.getItem(muteKey) === 'true';
  }

  set muted(v) {
    localStorage.setItem(muteKey, String(!!v));
  }

  /** ring sounds the alert (or counts it as silenced when muted). */
  ring() {
    if (this.muted) {
      this.silenced++;
      return false;
    }
    this.played++;
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return true;
      this.ctx = this.ctx || new AC();
      if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
      const now = this.ctx.currentTime;
      for (const [at, f] of [[0, 880], [0.25, 660]]) {
        const o = this.ctx.createOscillator();
        const g = this.ctx.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, now + at);
        g.gain.exponentialRampToValueAtTime(0.3, now + at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.2);
        o.connect(g).connect(this.ctx.destination);
        o.start(now + at);
        o.stop(now + at + 0.22);
      }
    } catch (e) {
      // No audio device: the visual flash remains.
    }
    return true;
  }
}
