// app.js: the officer app (民警端) for phones: check in at the start of duty,
// see the incident assigned to one's unit on a small map, report en route,
// arrival, resolution or hand-over, list one's tasks, and report position
// every 15 seconds while on duty. Actions taken without a connection wait in
// the outbox (outbox.js) and are sent in order when the connection returns.

import { Client, ApiError, startOfToday, escapeHTML as h } from './api.js';
import { t, applyI18n, lang, setLang, pick, fmtTime } from './i18n.js';
import { MapView, loadMapLayers } from './map.js';
import { currentUser } from './login.js';
import { StreetTiles } from './tiles.js';
import { Outbox, targetStatus } from './outbox.js';
import { activeStatuses } from './words.js';
import { AppDuty } from './app-duty.js';
import { DayTasks } from './app-tasks.js';
import { AppVisits } from './app-visits.js';

const positionEvery = 15000;
const rank = { received: 0, dispatched: 1, en_route: 2, on_scene: 3, resolved: 4, handed_over: 4, closed: 5, callback_done: 6 };

/** OfficerApp is the state of the officer app. */
class OfficerApp {
  constructor() {
    this.client = new Client(localStorage);
    this.client.onUnauthorized = () => this.signedOut();
    this.user = null;
    this.unit = null;
    this.incidents = new Map(); // my incidents by id
    this.pending = new Map(); // incident id → status shown while actions wait
    this.categories = new Map();
    this.position = null; // last known {lon, lat}
    this.geoWatch = null;
    this.timer = 0;
    this.queued = 0;
    this.accepted = new Map(); // incident id → when my unit accepted it (签收)
    // incident id → the reporter's number read in full for a callback: kept
    // in memory only, so that a re-render (a refresh, a stream event) keeps
    // the call button a telephone link.
    this.revealed = new Map();
  }

  async start() {
    applyI18n(document);
    this.registerServiceWorker();
    document.getElementById('btn-lang').addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
    document.addEventListener('langchange', () => {
      this.setOnline(navigator.onLine);
      this.showQueued(this.queued);
      this.render();
      if (this.visits) this.visits.render();
      if (this.duty) this.duty.relabel();
    });
    document.getElementById('btn-logout').addEventListener('click', async () => {
      await this.client.logout();
      localStorage.removeItem('precinct.duty');
      location.reload();
    });
    this.outbox = await new Outbox(this.client, {
      onChange: (n) => this.showQueued(n),
      onApplied: (e, out) => this.applied(e, out),
      onFailed: (e, err) => this.failed(e, err),
    }).open();
    this.dayTasks = new DayTasks(this);
    await this.dayTasks.restore(this.outbox);
    this.visits = new AppVisits(this);
    await this.visits.restore(this.outbox);
    // Actions still waiting from an earlier visit show their effect again.
    for (const e of await this.outbox.entries()) if (e.incidentId && targetStatus[e.action]) this.pending.set(e.incidentId, targetStatus[e.action]);
    window.precinct = { app: this, outbox: this.outbox };
    this.user = await currentUser(this.client, 'officer.title', true);
    localStorage.setItem('precinct.user', JSON.stringify(this.user));
    document.getElementById('app').hidden = false;
    this.map = new MapView(document.getElementById('mini-map'));
    this.map.streets = new StreetTiles(this.client, this.map);
    window.precinct.map = this.map;
    this.map.visible['community-grids'] = false;
    loadMapLayers(this.client, this.map, ['boundary', 'police-grids']).then(() => this.renderTask());
    this.bind();
    this.duty = new AppDuty(this.client, { user: this.user, position: () => this.position, message: (m, e) => this.message(m, e) });
    this.duty.mount(document.getElementById('app'));
    // Visits (走访) are community work: only a role that records them gets the card.
    const can = (p) => (this.user.permissions || []).includes(p);
    if (can('registry.read') && can('registry.edit')) this.visits.mount(document.getElementById('app'));
    else this.visits.off = true;
    this.duty.refresh();
    setInterval(() => this.duty.refresh(), 15000);
    this.setOnline(navigator.onLine);
    await Promise.all([this.loadUnit(), this.loadCategories()]);
    await Promise.all([this.loadIncidents(), this.dayTasks.load(), this.visits.load()]);
    this.render();
    this.visits.render();
    document.body.dataset.ready = 'true';
    if (this.onDuty()) this.startReporting();
    this.outbox.flush();
    setInterval(() => this.refresh(), 10000);
    setInterval(() => this.outbox.flush(), 5000); // retries after a failed send
    this.client.stream(
      (type) => {
        if (type.startsWith('incident.')) this.refreshSoon();
        this.duty.onEvent(type);
      },
      () => {},
    );
  }

  registerServiceWorker() {
    if (!('serviceWorker' in navigator)) return;
    // A worker at the root controls /app; where the server serves only
    // /static/, the one there still caches the scripts and styles.
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .catch(() => navigator.serviceWorker.register('/static/sw.js', { scope: '/static/' }))
      .catch((e) => console.warn('service worker', e));
  }

  bind() {
    window.addEventListener('online', () => {
      this.setOnline(true);
      this.outbox.flush().then(() => this.refresh());
      if (this.map && !this.map.layers.size) loadMapLayers(this.client, this.map, ['boundary', 'police-grids']).then(() => this.renderTask());
      this.sendPositions();
    });
    window.addEventListener('offline', () => this.setOnline(false));
    document.getElementById('btn-checkin').addEventListener('click', () => this.checkIn());
    for (const b of document.querySelectorAll('.steps button[data-action]')) {
      b.addEventListener('click', () => this.act(b.dataset.action));
    }
  }

  // Data.

  async loadUnit() {
    if (!this.user.unit_id) return;
    try {
      this.unit = await this.client.get(`/api/v1/units/${encodeURIComponent(this.user.unit_id)}`);
      localStorage.setItem('precinct.unit', JSON.stringify(this.unit));
    } catch (e) {
      this.unit = JSON.parse(localStorage.getItem('precinct.unit') || 'null');
    }
  }

  async loadCategories() {
    let list;
    try {
      const out = await this.client.get('/api/v1/categories');
      list = (out && out.items) || out || [];
      localStorage.setItem('precinct.categories', JSON.stringify(list));
    } catch (e) {
      list = JSON.parse(localStorage.getItem('precinct.categories') || '[]');
    }
    for (const c of list) this.categories.set(c.code, c);
  }

  /**
   * loadIncidents collects the incidents of my unit: today's, finished or
   * not, and active ones from before today.
   */
  async loadIncidents() {
    const uid = this.user.unit_id;
    if (!uid) return;
    const since = encodeURIComponent(startOfToday());
    const unit = encodeURIComponent(uid);
    try {
      const lists = await Promise.all([
        this.client.list(`/api/v1/incidents?unit_id=${unit}&since=${since}`, 500),
        this.client.list(`/api/v1/incidents?unit_id=${unit}&status=${activeStatuses.join(',')}`, 100),
      ]);
      const mine = new Map();
      for (const list of lists) for (const i of list) mine.set(i.id, i);
      if (this.unit && this.unit.incident_id && !mine.has(this.unit.incident_id)) {
        try {
          const i = await this.client.get(`/api/v1/incidents/${encodeURIComponent(this.unit.incident_id)}`);
          mine.set(i.id, i);
        } catch (e) {
          // Not visible: leave it out.
        }
      }
      this.incidents = mine;
      this.saveCache();
      await this.loadAccepted();
    } catch (e) {
      if (e.code === 'ENETWORK') this.loadCache();
    }
  }

  /** loadAccepted learns from the current incident's timeline whether my unit accepted it. */
  async loadAccepted() {
    const inc = this.current();
    if (!inc || this.accepted.has(inc.id)) return;
    try {
      const tl = await this.client.get(`/api/v1/incidents/${encodeURIComponent(inc.id)}/timeline`);
      for (const e of (tl && tl.items) || []) {
        let d = e.data;
        if (typeof d === 'string') d = JSON.parse(d);
        if (e.type === 'incident.accepted' && (!d || !d.units || d.units.includes(this.user.unit_id))) this.accepted.set(inc.id, e.at);
      }
    } catch (e) {
      // Offline or not readable: the step stays open.
    }
  }

  /**
   * callReporter reads the reporter's number in full (an audited read the
   * server allows the crew of a unit on the incident) and makes the button
   * a telephone link: the next tap calls.
   */
  async callReporter(inc) {
    try {
      const full = await this.client.get(`/api/v1/incidents/${encodeURIComponent(inc.id)}?unmasked=true&reason=${encodeURIComponent(t('app.call.reason'))}`);
      const phone = full && full.reporter && full.reporter.phone;
      if (!phone) return;
      this.revealed.set(inc.id, phone);
      this.render(); // the next tap calls
    } catch (e) {
      this.message(t('app.call.denied', { m: e instanceof ApiError ? e.text() : String(e) }), true);
    }
  }

  saveCache() {
    localStorage.setItem('precinct.incidents', JSON.stringify([...this.incidents.values()]));
  }

  loadCache() {
    try {
      for (const i of JSON.parse(localStorage.getItem('precinct.incidents') || '[]')) this.incidents.set(i.id, i);
    } catch (e) {
      // Nothing cached.
    }
  }

  async refresh() {
    if (!navigator.onLine) return;
    await this.loadUnit();
    await Promise.all([this.loadIncidents(), this.dayTasks.load()]);
    this.render();
  }

  refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 300);
  }

  /** current is the incident my unit works on now: the active one, newest first. */
  current() {
    const list = [...this.incidents.values()].filter((i) => activeStatuses.includes(this.statusOf(i)) || this.pending.has(i.id));
    list.sort((a, b) => (a.received_at < b.received_at ? 1 : -1));
    return list.find((i) => activeStatuses.includes(this.statusOf(i))) || list[0] || null;
  }

  /** statusOf is the incident's state, or the one its waiting actions lead to. */
  statusOf(inc) {
    const p = this.pending.get(inc.id);
    return p && rank[p] > rank[inc.status] ? p : inc.status;
  }

  // Duty: check-in and positions.

  onDuty() {
    const d = JSON.parse(localStorage.getItem('precinct.duty') || 'null');
    return d && d.day === startOfToday() && d.user === this.user.id ? d : null;
  }

  setManual(lon, lat) {
    this.position = { lon, lat };
    document.getElementById('pos-lon').value = lon.toFixed(6);
    document.getElementById('pos-lat').value = lat.toFixed(6);
  }

  /** locate returns the phone's position, or the entered/simulated one. */
  locate() {
    return new Promise((resolve) => {
      const manual = () => {
        const lon = parseFloat(document.getElementById('pos-lon').value);
        const lat = parseFloat(document.getElementById('pos-lat').value);
        if (isFinite(lon) && isFinite(lat)) {
          this.simulated = true;
          return resolve({ lon, lat, simulated: true });
        }
        document.getElementById('manual-pos').open = true;
        resolve(null);
      };
      if (!navigator.geolocation) return manual();
      navigator.geolocation.getCurrentPosition(
        (p) => {
          this.simulated = false;
          this.setManual(p.coords.longitude, p.coords.latitude);
          resolve({ lon: p.coords.longitude, lat: p.coords.latitude });
        },
        () => manual(),
        { enableHighAccuracy: true, timeout: 6000, maximumAge: 10000 },
      );
    });
  }

  /**
   * checkIn records a check-in with the phone's position, or an entered
   * one; with neither it is recorded without a position, and says so — it
   * never borrows a position the server had from before.
   */
  async checkIn() {
    const btn = document.getElementById('btn-checkin');
    btn.disabled = true;
    const pos = await this.locate();
    btn.disabled = false;
    const body = { note: pos && pos.simulated ? 'manual' : '' };
    if (pos) {
      this.position = { lon: pos.lon, lat: pos.lat };
      body.point = this.position;
    }
    const at = new Date().toISOString();
    await this.outbox.add({ method: 'POST', path: '/api/v1/checkins', body, label: 'app.checkin', kind: 'checkin' });
    if (!pos) this.duty.say(t('app.checkin.nopos'), true);
    localStorage.setItem('precinct.duty', JSON.stringify({ day: startOfToday(), user: this.user.id, at }));
    this.startReporting();
    this.render();
  }

  startReporting() {
    if (this.timer) return;
    if (navigator.geolocation) {
      this.geoWatch = navigator.geolocation.watchPosition(
        (p) => {
          this.simulated = false;
          this.setManual(p.coords.longitude, p.coords.latitude);
        },
        () => {},
        { enableHighAccuracy: true, maximumAge: 10000 },
      );
    }
    this.timer = setInterval(() => this.reportPosition(), positionEvery);
    this.reportPosition();
  }

  /**
   * reportPosition keeps the current position for sending. Positions taken
   * offline are kept (the last 240, an hour) and sent as one batch later.
   */
  reportPosition() {
    if (!this.position || !this.user.unit_id) return;
    if (this.simulated) this.simulateStep();
    const buf = JSON.parse(localStorage.getItem('precinct.positions') || '[]');
    buf.push({ unit_id: this.user.unit_id, point: this.position, at: new Date().toISOString() });
    localStorage.setItem('precinct.positions', JSON.stringify(buf.slice(-240)));
    this.sendPositions();
  }

  /**
   * simulateStep moves a simulated position (no GPS on the device) about
   * 150 m towards the incident while the unit is en route, so that the
   * command office sees it travel.
   */
  simulateStep() {
    const inc = this.current();
    if (!inc || this.statusOf(inc) !== 'en_route' || !inc.location) return;
    const dLon = inc.location.lon - this.position.lon;
    const dLat = inc.location.lat - this.position.lat;
    const metres = Math.hypot(dLon * 111320 * Math.cos((this.position.lat * Math.PI) / 180), dLat * 110540);
    const f = metres <= 150 ? 1 : 150 / metres;
    this.setManual(this.position.lon + dLon * f, this.position.lat + dLat * f);
  }

  async sendPositions() {
    const buf = JSON.parse(localStorage.getItem('precinct.positions') || '[]');
    if (!buf.length || this.sendingPositions) return;
    this.sendingPositions = true;
    try {
      await this.client.post('/api/v1/positions', { positions: buf });
      const now = JSON.parse(localStorage.getItem('precinct.positions') || '[]');
      localStorage.setItem('precinct.positions', JSON.stringify(now.slice(buf.length)));
    } catch (e) {
      if (e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429) localStorage.setItem('precinct.positions', '[]');
    } finally {
      this.sendingPositions = false;
    }
  }

  // Actions.

  async act(action) {
    const inc = this.current();
    if (!inc) return;
    const body = {};
    if (action === 'en-route' || action === 'arrive' || action === 'accept') body.units = [this.user.unit_id];
    if (action === 'accept') this.accepted.set(inc.id, new Date().toISOString());
    if (action === 'handover') {
      body.to = 'station';
      body.note = pick('现场无法处置完毕，移交派出所', 'Could not be finished on scene; handed over to the station');
    }
    if (targetStatus[action]) this.pending.set(inc.id, targetStatus[action]);
    this.render();
    await this.outbox.add({
      method: 'POST',
      path: `/api/v1/incidents/${encodeURIComponent(inc.id)}/${action}`,
      body,
      label: `act.${action}`,
      incidentId: inc.id,
      action,
    });
    if (this.queued > 0 && !navigator.onLine) this.message(t('act.queued', { a: t('act.' + action) }));
  }

  applied(entry, out) {
    this.dayTasks.applied(entry);
    this.visits.applied(entry);
    if (entry.kind === 'checkin' && this.duty) this.duty.checkedIn(out);
    if (out && out.id && out.status && entry.incidentId) {
      this.incidents.set(out.id, out);
      this.saveCache();
    }
    if (entry.action) this.message(t('act.done', { a: t('act.' + entry.action) }));
    this.render();
  }

  failed(entry, err) {
    this.dayTasks.failed(entry);
    this.visits.failed(entry);
    this.message(t('app.failed', { a: t(entry.label), m: err instanceof ApiError ? err.text() : String(err) }), true);
    if (entry.incidentId) this.pending.delete(entry.incidentId);
    this.refreshSoon();
  }

  // View.

  setOnline(on) {
    const bar = document.getElementById('netbar');
    bar.dataset.online = String(on);
    document.getElementById('net').textContent = on ? `● ${pick('在线', 'Online')}` : `○ ${t('app.offline')}`;
  }

  showQueued(n) {
    this.queued = n;
    const el = document.getElementById('queued');
    el.dataset.count = String(n);
    el.textContent = n ? t('app.queued', { n }) : t('app.synced');
    if (n === 0) {
      // Everything sent: the server's state is the truth again.
      if (this.pending.size) {
        this.pending.clear();
        this.refreshSoon();
      }
    }
  }

  message(text, isError) {
    const el = document.getElementById('task-msg');
    el.textContent = text;
    el.classList.toggle('error', !!isError);
  }

  signedOut() {
    localStorage.removeItem('precinct.token');
    location.reload();
  }

  render() {
    applyI18n(document);
    const u = this.unit;
    document.getElementById('unit-name').innerHTML = u ? `<span translate="no">${h(u.callsign || '')}</span> · ${h(t('kind.' + u.kind))}` : h(this.user && !this.user.unit_id ? t('app.nounit') : '—');
    const duty = this.onDuty();
    const ds = document.getElementById('duty-state');
    ds.dataset.state = duty ? 'on' : 'off';
    ds.textContent = duty ? `${t('app.checkedin', { t: fmtTime(duty.at) })} · ${t('app.onduty')}` : t('app.offduty');
    this.renderTask();
    this.renderTasks();
    this.dayTasks.render();
  }

  renderTask() {
    const inc = this.current();
    const body = document.getElementById('task-body');
    const buttons = document.querySelectorAll('.steps button[data-action]');
    if (!inc) {
      body.innerHTML = `<p class="muted">${h(t('app.noassigned'))}</p>`;
      for (const b of buttons) b.disabled = true;
      this.map && this.map.setMarkers((this.position ? [{ ...this.position, color: '#1d4ed8', label: pick('我', 'me') }] : []).concat(this.dayTasks.markers()));
      return;
    }
    const st = this.statusOf(inc);
    const cat = this.categories.get(inc.category);
    body.innerHTML = `
      <p class="incident-title"><span class="prio p${inc.priority}">${inc.priority}</span>
        <strong>${h(cat ? pick(cat.name, cat.name_en) : inc.category)}</strong>
        <span id="task-status" class="status s-${h(st)}" data-status="${h(st)}" data-incident-id="${h(inc.id)}">${h(t('status.' + st))}</span></p>
      <dl class="facts">
        <dt>${h(t('incident.address'))}</dt><dd translate="no">${h(inc.address || `${inc.location.lon.toFixed(5)}, ${inc.location.lat.toFixed(5)}`)}</dd>
        <dt>${h(t('incident.description'))}</dt><dd translate="no">${h(inc.description || '—')}</dd>
        <dt>${h(t('incident.reporter'))}</dt><dd><span translate="no">${h((inc.reporter && inc.reporter.name) || '')}</span>
          ${inc.reporter && inc.reporter.phone ? callLink(inc.reporter.phone, this.revealed.get(inc.id)) : ''}</dd>
        <dt>${h(t('incident.received'))}</dt><dd>${h(fmtTime(inc.received_at))}</dd>
      </dl>
      ${this.accepted.has(inc.id) ? `<p class="accepted" id="accepted">✔ ${h(t('app.accepted', { t: fmtTime(this.accepted.get(inc.id)) }))}</p>` : ''}`;
    const call = body.querySelector('#call-reporter');
    if (call) {
      call.addEventListener('click', (e) => {
        if (call.dataset.revealed === 'true') return; // the tel: link calls
        e.preventDefault();
        this.callReporter(inc);
      });
    }
    const accepted = this.accepted.has(inc.id);
    const next = { dispatched: accepted ? 'en-route' : 'accept', en_route: 'arrive', on_scene: 'resolve' }[st];
    for (const b of buttons) {
      const a = b.dataset.action;
      const ok =
        (a === 'accept' && st === 'dispatched' && !accepted) ||
        (a === 'en-route' && st === 'dispatched') ||
        (a === 'arrive' && (st === 'dispatched' || st === 'en_route')) ||
        ((a === 'resolve' || a === 'handover') && st === 'on_scene');
      b.disabled = !ok;
      b.classList.toggle('next', a === next);
    }
    if (this.map && inc.location) {
      const marks = [{ lon: inc.location.lon, lat: inc.location.lat, color: '#dc2626', label: inc.address || '' }];
      if (this.position) marks.push({ ...this.position, color: '#1d4ed8', label: pick('我', 'me') });
      this.map.setMarkers(marks.concat(this.dayTasks.markers()));
      if (this.mapFor !== inc.id) {
        this.mapFor = inc.id;
        if (this.position) {
          const a = this.map.project(inc.location.lon, inc.location.lat);
          const b = this.map.project(this.position.lon, this.position.lat);
          const pad = 300;
          this.map.fit([Math.min(a[0], b[0]) - pad, Math.min(a[1], b[1]) - pad, Math.max(a[0], b[0]) + pad, Math.max(a[1], b[1]) + pad]);
          this.map.zoomAt(this.map.w / 2, this.map.h / 2 + 20, 0.8); // room for the pins above their points
        } else {
          this.map.centerOn(inc.location.lon, inc.location.lat, 1 / 4);
        }
      }
    }
  }

  renderTasks() {
    const list = [...this.incidents.values()].sort((a, b) => (a.received_at < b.received_at ? 1 : -1));
    const el = document.getElementById('tasks');
    if (!list.length) {
      el.innerHTML = `<li class="muted">${h(t('app.notasks'))}</li>`;
      return;
    }
    el.innerHTML = list
      .map((i) => {
        const cat = this.categories.get(i.category);
        const st = this.statusOf(i);
        return `<li data-incident-id="${h(i.id)}"><span><strong>${h(cat ? pick(cat.name, cat.name_en) : i.category)}</strong><br><small class="muted">${h(fmtTime(i.received_at))} <span translate="no">${h(i.address || '')}</span></small></span>
          <span class="status s-${h(st)}" data-status="${h(st)}">${h(t('status.' + st))}</span></li>`;
      })
      .join('');
  }
}

/** callLink is the reporter's call button: masked until revealed, then a telephone link. */
function callLink(masked, full) {
  const label = `☎ ${h(t('app.call'))}`;
  if (!full) return `<a id="call-reporter" class="call" href="#" role="button">${label} <span class="num" translate="no">${h(masked)}</span></a>`;
  return `<a id="call-reporter" class="call" href="tel:${h(full.replace(/[^0-9+]/g, ''))}" data-revealed="true">${label} <span class="num" translate="no">${h(full)}</span></a>`;
}

new OfficerApp().start().catch((e) => console.error(e));
