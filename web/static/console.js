// console.js: the command console (综合指挥室): the incident queue, the map
// with live units, the incident panel with recommendations and actions, the
// call-taking form, officers' trajectories and the statistics (stats.js).
// Everything works from the
// keyboard; the shortcuts are listed in the footer and under "?".

import { Client, ApiError, uuid, startOfToday, escapeHTML as h } from './api.js';
import { t, applyI18n, lang, setLang, pick, fmtDuration, fmtTime, fmtDateTime } from './i18n.js';
import { MapView, loadMapLayers, tileURLSetting, unitColors, incidentColors, unitShapes, keepNewerPositions, applyPositions } from './map.js';
import { currentUser } from './login.js';
import { eventLabel, eventDetailHTML, placeTypes, sources, openStatuses, ruleName, routerName, setDispositions, dispositionName } from './words.js';
import { UnitBoard } from './board.js';
import { StatsPanel } from './stats.js';
import { DutyBoard, EmergencyCallout } from './duty.js';
import { Draft } from './draft.js';
import { Alert, fmtReceived, elapsedText, overdue, matches, setLimits } from './queue.js';
import { HeatLayer } from './heat.js';
import { StreetTiles } from './tiles.js';
import { attachGeocoder } from './geocode.js';
import { GridPanel } from './gridloop.js';
import { OrgPanel } from './org.js';
import { CommunityPanel } from './community.js';
import { PreventionPanel } from './prevention.js';

const shortcuts = [
  ['N', 'key.new'],
  ['J / ↓', 'key.next'],
  ['K / ↑', 'key.prev'],
  ['Enter', 'key.open'],
  ['/', 'key.search'],
  ['D', 'key.dispatch'],
  ['R', 'key.reinforce'],
  ['P', 'key.push'],
  ['T', 'key.traj'],
  ['S', 'key.stats'],
  ['B', 'key.duty'],
  ['U', 'key.board'],
  ['Esc', 'key.close'],
  ['?', 'key.help'],
];

/** Console is the state and behaviour of the command console page. */
class Console {
  constructor() {
    this.client = new Client(sessionStorage);
    this.client.onUnauthorized = () => {
      sessionStorage.removeItem('precinct.token');
      location.reload();
    };
    this.user = null;
    this.incidents = new Map();
    this.order = [];
    this.filter = 'open';
    this.cursor = 0;
    this.openId = '';
    this.panelMode = '';
    this.recs = null;
    this.categories = new Map();
    this.units = new Map();
    this.names = new Map(); // id → name of stations and grids
    this.intakeKey = '';
    this.refreshTimer = 0;
    this.map = null;
    this.readyAt = 0;
    this.alert = new Alert();
    this.qf = { priority: '', station: '', search: '' }; // the queue's filters
    this.stations = []; // [{id, name}] of the user's jurisdiction
    this.busy = new Set(); // actions in flight, "incident/action"
  }

  async start() {
    applyI18n(document);
    this.user = await currentUser(this.client, 'console.title');
    this.draft = new Draft(this.user.id);
    document.getElementById('topbar').hidden = false;
    document.getElementById('console').hidden = false;
    document.getElementById('shortcuts').hidden = false;
    this.map = new MapView(document.getElementById('map'), { tileURL: tileURLSetting() });
    this.map.onSelect = (hit) => this.mapSelect(hit);
    this.map.streets = new StreetTiles(this.client, this.map);
    window.precinct = { console: this, map: this.map };
    this.map.visible.heat = false; // drawn on demand, from the statistics
    this.heat = new HeatLayer(this.client, this.map, (e) => this.toast(e instanceof ApiError ? e.text() : String(e), true));
    this.bindChrome();
    this.renderUser();
    this.renderShortcuts();
    this.renderLegend();
    this.renderHeatLabel();
    const layers = loadMapLayers(this.client, this.map).then(() => {
      this.collectNames();
      this.fitOwnArea();
    });
    this.loadServiceStations();
    await Promise.all([this.loadCategories(), this.loadIncidents(), this.loadUnits(), this.loadStations(), this.loadDesk()]);
    this.renderFilters();
    this.readyAt = performance.now();
    document.body.dataset.ready = 'true';
    if (this.draft.exists()) this.openIntake();
    this.renderDraftBadge();
    await layers;
    this.mapAt = performance.now();
    this.client.stream((type, ev) => this.onEvent(type, ev), (s) => this.setConn(s), { positions: true });
    setInterval(() => this.loadUnits(), 5000);
    setInterval(() => this.loadIncidents(), 15000);
    setInterval(() => this.tickQueue(), 1000);
    if (this.panelMode !== 'intake') document.getElementById('queue-list').focus({ preventScroll: true });
  }

  /**
   * fitOwnArea starts the map on the user's own area: their police grid,
   * their station, or the whole sub-bureau.
   */
  fitOwnArea() {
    const sc = (this.user && this.user.scope) || {};
    const own = (layer, id) => {
      const l = this.map.layers.get(layer);
      const p = l && id && l.paths.find((x) => x.id === id);
      return p && p.bbox;
    };
    const b = own('police-grids', sc.police_grid_id) || own('stations', sc.station_id);
    if (b) {
      this.map.home = b;
      this.map.fit(b);
    }
  }

  /** loadStations learns the stations of the user's jurisdiction, for the filters and statistics. */
  async loadStations() {
    try {
      const list = await this.client.list('/api/v1/stations', 2000);
      this.stations = list.map((s) => ({ id: s.id, name: s.name })).sort((a, b) => a.name.localeCompare(b.name, 'zh'));
      for (const s of this.stations) this.names.set(s.id, s.name);
    } catch (e) {
      console.warn('stations', e);
    }
  }

  // Data.

  async loadCategories() {
    try {
      const out = await this.client.get('/api/v1/categories');
      for (const c of (out && out.items) || out || []) this.categories.set(c.code, c);
    } catch (e) {
      console.warn('categories', e);
    }
  }

  /** loadServiceStations learns the names of the police service stations (警务站). */
  async loadServiceStations() {
    try {
      for (const s of await this.client.list('/api/v1/service-stations', 1000)) this.names.set(s.id, s.name);
    } catch (e) {
      console.warn('service stations', e);
    }
  }

  async loadIncidents() {
    const since = encodeURIComponent(startOfToday());
    const reqs = [this.client.list(`/api/v1/incidents?since=${since}`, 3000)];
    for (const s of openStatuses) reqs.push(this.client.list(`/api/v1/incidents?status=${s}`, 1000).catch(() => []));
    try {
      const lists = await Promise.all(reqs);
      const seen = new Map();
      for (const list of lists) for (const i of list) seen.set(i.id, i);
      this.incidents = seen;
      this.renderQueue();
      this.map.setIncidents(this.visibleIncidents());
    } catch (e) {
      this.toast(e instanceof ApiError ? e.text() : String(e), true);
    }
  }

  /**
   * loadDesk reads the sub-bureau's desk settings from its rules: the
   * closing codes and the overdue times by priority.
   */
  async loadDesk() {
    try {
      const doc = await this.client.get('/api/v1/rules');
      const rules = typeof doc.rules === 'string' ? JSON.parse(doc.rules) : doc.rules;
      this.desk = (rules && rules.desk) || null;
    } catch (e) {
      console.warn('rules', e);
    }
    if (this.desk) {
      setDispositions(this.desk.dispositions);
      setLimits(this.desk);
    }
  }

  async loadUnits() {
    try {
      const list = keepNewerPositions(await this.client.list('/api/v1/units', 20000), (id) => this.units.get(id));
      this.units = new Map(list.map((u) => [u.id, u]));
      this.map.setUnits(list);
      this.renderUnitCount();
      if (this.panelMode === 'board' && this.board) this.board.render();
    } catch (e) {
      console.warn('units', e);
    }
  }

  renderUnitCount() {
    const on = [...this.units.values()].filter((u) => u.status !== 'off_duty').length;
    document.getElementById('unit-count').textContent = t('units.count', { n: on });
  }

  async reloadIncident(id) {
    try {
      const inc = await this.client.get(`/api/v1/incidents/${encodeURIComponent(id)}`);
      this.incidents.set(inc.id, inc);
      this.renderQueue();
      this.map.setIncidents(this.visibleIncidents());
      if (id === this.openId) this.renderIncident(true);
    } catch (e) {
      if (e.status === 404 || e.status === 403) this.incidents.delete(id);
    }
  }

  collectNames() {
    for (const l of this.map.layers.values()) {
      for (const p of l.paths) if (p.id) this.names.set(p.id, p.name);
      for (const p of l.points) if (p.id) this.names.set(p.id, p.name);
    }
  }

  /** onEvent applies one event of the live stream. */
  onEvent(type, ev) {
    if (!ev || typeof ev !== 'object') return;
    if (this.panelMode === 'duty' && this.duty) this.duty.onEvent(type);
    if (type === 'positions') {
      // Every second, the units of the jurisdiction that moved.
      applyPositions(ev.positions, (id) => this.units.get(id), this.map);
      return;
    }
    if (type.startsWith('incident.') || ev.entity_type === 'incident') {
      const after = parse(ev.after);
      if (after && after.id && after.status && after.received_at) {
        this.incidents.set(after.id, after);
        this.renderQueue();
        this.map.setIncidents(this.visibleIncidents());
        if (after.id === this.openId) this.renderIncident(true);
      } else if (ev.entity_id) {
        this.scheduleReload(ev.entity_id);
      }
      if (type === 'incident.created' && ev.entity_id) {
        this.flash(ev.entity_id);
        // A call taken by someone else is news: sound the alert.
        if (ev.actor !== (this.user && this.user.id)) this.alert.ring();
        // The call being taken may repeat the one just registered elsewhere.
        const form = this.panelMode === 'intake' && document.querySelector('#intake');
        if (form) this.checkCallDuplicates(form);
      }
      return;
    }
    if (type.startsWith('unit.') || ev.entity_type === 'unit' || type.startsWith('position')) {
      const after = parse(ev.after);
      if (after && after.id && after.kind) {
        this.units.set(after.id, after);
        this.map.updateUnit(after);
      }
      const data = parse(ev.data);
      const positions = (data && (data.positions || (data.point && [data]))) || [];
      for (const p of positions) if (p.unit_id && p.point) this.map.moveUnit(p.unit_id, p.point.lon, p.point.lat);
    }
  }

  scheduleReload(id) {
    this.pendingReload = this.pendingReload || new Set();
    this.pendingReload.add(id);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      const ids = [...this.pendingReload];
      this.pendingReload.clear();
      for (const i of ids) this.reloadIncident(i);
    }, 150);
  }

  visibleIncidents() {
    return [...this.incidents.values()].filter((i) => openStatuses.includes(i.status) || i.id === this.openId);
  }

  // Queue.

  sortedQueue() {
    const rank = { received: 0, dispatched: 1, en_route: 1, on_scene: 1, resolved: 2, handed_over: 2, closed: 3, callback_done: 3 };
    const today = new Date(startOfToday());
    const words = { category: (c) => this.categoryName(c), name: (id) => (id && this.names.get(id)) || '' };
    return [...this.incidents.values()]
      .filter((i) => (this.filter === 'open' ? !['closed', 'callback_done'].includes(i.status) : new Date(i.received_at) >= today))
      .filter((i) => matches(i, this.qf, words))
      .sort((a, b) => rank[a.status] - rank[b.status] || a.priority - b.priority || (a.received_at < b.received_at ? 1 : -1));
  }

  renderQueue() {
    const list = document.getElementById('queue-list');
    const selectedId = this.order[this.cursor];
    this.order = this.sortedQueue().map((i) => i.id);
    const i = this.order.indexOf(selectedId);
    this.cursor = i >= 0 ? i : Math.min(this.cursor, Math.max(0, this.order.length - 1));
    if (!this.order.length) {
      list.innerHTML = `<li class="muted empty">${h(t(this.qf.search || this.qf.priority || this.qf.station ? 'queue.nomatch' : 'queue.empty'))}</li>`;
      return;
    }
    const now = Date.now();
    list.innerHTML = this.order
      .map((id, n) => {
        const inc = this.incidents.get(id);
        const where = inc.address || this.names.get(inc.jurisdiction && inc.jurisdiction.police_grid_id) || '';
        const late = overdue(inc, now);
        return `<li role="option" id="q-${h(id)}" data-incident-id="${h(id)}" data-status="${h(inc.status)}" data-priority="${inc.priority}" data-overdue="${late}"
            aria-selected="${n === this.cursor}" class="${id === this.openId ? 'open' : ''} ${late ? `overdue od-p${inc.priority}` : ''}">
          <span class="prio p${inc.priority}" title="${h(t('incident.priority'))}">${inc.priority}</span>
          <span class="what">${h(this.categoryName(inc.category))}<small translate="no">${h(where)}</small></span>
          <span class="status s-${h(inc.status)}">${h(t('status.' + inc.status))}</span>
          <time datetime="${h(inc.received_at)}">${h(fmtReceived(inc.received_at))}</time>
          <span class="elapsed" data-elapsed-for="${h(id)}">${h(elapsedText(inc, now))}</span>
        </li>`;
      })
      .join('');
    list.setAttribute('aria-activedescendant', `q-${this.order[this.cursor]}`);
    for (const li of list.querySelectorAll('li[data-incident-id]')) {
      li.addEventListener('click', () => {
        this.cursor = this.order.indexOf(li.dataset.incidentId);
        this.openIncident(li.dataset.incidentId);
      });
    }
  }

  /** tickQueue updates the waiting times and overdue marks every second, without redrawing the queue. */
  tickQueue() {
    if (this.panelMode === 'board' && this.board) this.board.tick();
    const now = Date.now();
    for (const el of document.querySelectorAll('#queue-list [data-elapsed-for]')) {
      const inc = this.incidents.get(el.dataset.elapsedFor);
      if (!inc) continue;
      el.textContent = elapsedText(inc, now);
      const li = el.closest('li');
      const late = overdue(inc, now);
      if (li.dataset.overdue !== String(late)) {
        li.dataset.overdue = String(late);
        li.classList.toggle('overdue', late);
        li.classList.toggle(`od-p${inc.priority}`, late);
      }
    }
  }

  /** renderFilters fills the queue's priority and station filters and the mute button. */
  renderFilters() {
    const prio = document.getElementById('queue-prio');
    prio.innerHTML = `<option value="">${h(t('queue.allprio'))}</option>` + [1, 2, 3, 4].map((p) => `<option value="${p}">${h(t('prio.' + p))}</option>`).join('');
    prio.value = this.qf.priority;
    const st = document.getElementById('queue-station');
    st.innerHTML = `<option value="">${h(t('stats.allstations'))}</option>` + this.stations.map((s) => `<option value="${h(s.id)}" translate="no">${h(s.name)}</option>`).join('');
    st.value = this.qf.station;
    st.hidden = this.stations.length < 2;
    const mute = document.getElementById('btn-mute');
    mute.setAttribute('aria-pressed', String(this.alert.muted));
    mute.textContent = this.alert.muted ? `✕ ${t("queue.muted")}` : `♪ ${t("queue.sound")}`;
  }

  renderDraftBadge() {
    document.getElementById('draft-badge').hidden = !(this.draft && this.draft.exists()) || this.panelMode === 'intake';
  }

  moveCursor(d) {
    if (!this.order.length) return;
    this.cursor = Math.max(0, Math.min(this.order.length - 1, this.cursor + d));
    const list = document.getElementById('queue-list');
    for (const li of list.querySelectorAll('li[data-incident-id]')) {
      li.setAttribute('aria-selected', String(li.dataset.incidentId === this.order[this.cursor]));
    }
    list.setAttribute('aria-activedescendant', `q-${this.order[this.cursor]}`);
    const cur = list.querySelector('li[aria-selected=true]');
    if (cur) cur.scrollIntoView({ block: 'nearest' });
  }

  flash(id) {
    requestAnimationFrame(() => {
      const li = document.querySelector(`li[data-incident-id="${CSS.escape(id)}"]`);
      if (li) li.classList.add('new');
    });
  }

  categoryName(code) {
    const c = this.categories.get(code);
    if (!c) return code || '—';
    const name = pick(c.name, c.name_en);
    const parent = c.parent && this.categories.get(c.parent);
    return parent ? `${pick(parent.name, parent.name_en)} · ${name}` : name;
  }

  // Incident panel.

  async openIncident(id) {
    if (!id) return;
    this.openId = id;
    this.panelMode = 'incident';
    this.map.pickMode = false;
    this.map.setMarkers([]);
    document.getElementById('pick-hint').hidden = true;
    this.renderDraftBadge();
    this.recs = null;
    this.timeline = null;
    this.renderQueue();
    const inc = this.incidents.get(id);
    this.map.selectedIncident = id;
    this.map.setIncidents(this.visibleIncidents());
    // Street level (about 1.5 km across the map), unless closer already.
    if (inc && inc.location) this.map.centerOn(inc.location.lon, inc.location.lat, 1 / 2);
    this.renderIncident(false);
    await this.loadIncidentDetail(id);
  }

  async loadIncidentDetail(id) {
    const [tl, recs, dups] = await Promise.all([
      this.client.get(`/api/v1/incidents/${encodeURIComponent(id)}/timeline`).catch(() => null),
      this.client.get(`/api/v1/incidents/${encodeURIComponent(id)}/recommendations`).catch((e) => ({ error: e })),
      this.client.get(`/api/v1/incidents/${encodeURIComponent(id)}/duplicates`).catch(() => null),
    ]);
    if (id !== this.openId) return;
    this.timeline = (tl && tl.items) || [];
    this.recs = recs;
    this.dups = (dups && dups.items) || [];
    this.renderIncident(false);
  }

  renderIncident(reloadDetail) {
    const inc = this.incidents.get(this.openId);
    const panel = document.getElementById('panel');
    if (!inc || this.panelMode !== 'incident') return;
    if (reloadDetail) {
      clearTimeout(this.detailTimer);
      this.detailTimer = setTimeout(() => this.loadIncidentDetail(inc.id), 200);
    }
    const loc = inc.jurisdiction || {};
    const st = inc.status;
    const can = {
      dispatch: st === 'received',
      // A push to the service station happens once.
      push: st === 'received' && !this.pushed(inc),
      reinforce: ['dispatched', 'en_route', 'on_scene'].includes(st),
      handover: st === 'on_scene',
      close: st === 'resolved' || st === 'handed_over',
      callback: st === 'closed',
      note: true,
      correct: !['closed', 'callback_done'].includes(st),
    };
    const flow = inc.dispatched_at ? (new Date(inc.dispatched_at) - new Date(inc.received_at)) / 1000 : null;
    const resp = inc.arrived_at ? (new Date(inc.arrived_at) - new Date(inc.received_at)) / 1000 : null;
    const route = inc.route || {};
    panel.innerHTML = `
      <div class="panel-head">
        <h2 data-i18n="incident.details">${h(t('incident.details'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <p class="incident-title"><span class="prio p${inc.priority}">${inc.priority}</span>
        <strong>${h(this.categoryName(inc.category))}</strong>
        <span id="incident-status" class="status s-${h(st)}" data-status="${h(st)}">${h(t('status.' + st))}</span></p>
      <dl class="facts">
        <dt>${h(t('incident.received'))}</dt><dd>${h(fmtDateTime(inc.received_at))} · ${h(t('source.' + inc.source))}</dd>
        <dt>${h(t('incident.address'))}</dt><dd><span translate="no">${h(inc.address || '—')}</span> <small class="muted">${inc.location ? `${inc.location.lon.toFixed(5)}, ${inc.location.lat.toFixed(5)}` : ''}</small></dd>
        <dt>${h(t('incident.placetype'))}</dt><dd>${h(t('place.' + inc.place_type))}</dd>
        <dt>${h(t('incident.station'))}</dt><dd translate="no">${h(this.names.get(loc.station_id) || '—')}</dd>
        <dt>${h(t('incident.grid'))}</dt><dd translate="no">${h(this.names.get(loc.police_grid_id) || '—')} / ${h(this.names.get(loc.community_grid_id) || '—')}</dd>
        <dt>${h(t('incident.reporter'))}</dt><dd><span translate="no" id="reporter">${h(inc.reporter && inc.reporter.name)} <span id="reporter-phone">${h(inc.reporter && inc.reporter.phone)}</span></span>
          ${inc.reporter && inc.reporter.phone ? `<button type="button" class="link" id="reveal-phone">${h(t('incident.reveal'))}</button>` : ''}</dd>
        <dt>${h(t('incident.description'))}</dt><dd translate="no">${h(inc.description || '—')}</dd>
        <dt>${h(t('incident.handler'))}</dt><dd>${h(t('handler.' + route.handler))}</dd>
        <dt>${h(t('incident.units'))}</dt><dd id="incident-units">${this.renderUnitsOnBehalf(inc)}</dd>
        ${inc.disposition ? `<dt>${h(t('close.disposition'))}</dt><dd id="disposition" data-code="${h(inc.disposition)}">${h(dispositionName(inc.disposition))}</dd>` : ''}
        <dt>${h(t('incident.kpis'))}</dt><dd>${h(t('incident.flow'))} ${h(fmtDuration(flow))} · ${h(t('incident.response'))} ${h(fmtDuration(resp))}</dd>
      </dl>
      <div class="actions" role="group">
        ${this.actionButton('dispatch', 'D', can.dispatch)}
        ${this.actionButton('reinforce', 'R', can.reinforce)}
        ${this.actionButton('push', 'P', can.push)}
        ${this.actionButton('handover', '', can.handover)}
        ${this.actionButton('close', '', can.close)}
        ${this.actionButton('callback', '', can.callback)}
        ${this.actionButton('note', '', can.note)}
        ${this.actionButton('correct', '', can.correct)}
      </div>
      <div id="dups">${this.renderDuplicates(inc)}</div>
      <h3>${h(t('incident.recs'))}</h3>
      <div id="recs">${this.renderRecs(inc)}</div>
      <div id="emergency"></div>
      <h3>${h(t('incident.timeline'))}</h3>
      <ol class="timeline" id="timeline">${this.renderTimeline()}</ol>`;
    this.emergency ||= new EmergencyCallout(this.client, { toast: (m, e) => this.toast(m, e) });
    this.emergency.render(panel.querySelector('#emergency'), inc);
    panel.querySelector('#panel-close').addEventListener('click', () => this.closePanel());
    const reveal = panel.querySelector('#reveal-phone');
    if (reveal) {
      // For the callback (回访): an audited read of the reporter's number.
      reveal.addEventListener('click', async () => {
        try {
          const full = await this.client.get(`/api/v1/incidents/${encodeURIComponent(inc.id)}?unmasked=true&reason=${encodeURIComponent(t('app.call.reason'))}`);
          panel.querySelector('#reporter-phone').textContent = (full.reporter && full.reporter.phone) || '';
          reveal.remove();
        } catch (e) {
          this.toast(e instanceof ApiError ? e.text() : String(e), true);
        }
      });
    }
    for (const b of panel.querySelectorAll('button[data-action]')) {
      b.addEventListener('click', () => this.act(b.dataset.action, b.dataset.unit ? [b.dataset.unit] : undefined));
    }
    for (const b of panel.querySelectorAll('button[data-unit-act]')) b.addEventListener('click', () => this.act(b.dataset.unitAct, [b.dataset.unit]));
    for (const b of panel.querySelectorAll('button[data-link]')) b.addEventListener('click', () => this.link(inc, b.dataset.link));
    for (const b of panel.querySelectorAll('button[data-open-incident]')) b.addEventListener('click', () => this.openIncident(b.dataset.openIncident));
    for (const b of panel.querySelectorAll('button[data-behalf]')) {
      // Resolve ends the incident's work on scene for every unit on it.
      b.addEventListener('click', () => this.act(b.dataset.behalf, b.dataset.behalf === 'resolve' ? undefined : [b.dataset.unit]));
    }
  }

  /**
   * renderUnitsOnBehalf lists the units on the incident, each with the
   * steps a crew reports by radio (在途, 到达现场, 处置完毕), which the
   * dispatcher records for it; the timeline names the dispatcher.
   */
  renderUnitsOnBehalf(inc) {
    const units = inc.units || [];
    if (!units.length) return '—';
    const st = inc.status;
    return `<ul class="onbehalf">${units
      .map((uid) => {
        const steps = [
          ['en-route', st === 'dispatched'],
          ['arrive', st === 'dispatched' || st === 'en_route'],
          ['resolve', st === 'on_scene'],
        ];
        const working = ['dispatched', 'en_route', 'on_scene'].includes(st);
        return `<li data-unit-id="${h(uid)}"><span translate="no">${h(this.unitName(uid))}</span>
          ${steps.map(([a, ok]) => `<button type="button" class="small" data-behalf="${a}" data-unit="${h(uid)}" ${ok ? '' : 'disabled'}>${h(t('act.' + a))}</button>`).join('')}
          <button type="button" class="small" data-unit-act="cancel" data-unit="${h(uid)}" ${working ? '' : 'disabled'}>${h(t('act.cancel'))}</button>
          <button type="button" class="small" data-unit-act="reassign" data-unit="${h(uid)}" ${working ? '' : 'disabled'}>${h(t('act.reassign'))}</button></li>`;
      })
      .join('')}</ul><small class="muted">${h(t('incident.onbehalf'))}</small>`;
  }

  actionButton(action, key, enabled) {
    return `<button type="button" data-action="${action}" id="act-${action}" class="${action === 'dispatch' ? 'primary' : ''}" ${enabled ? '' : 'disabled'}>
      ${h(t('act.' + action))}${key ? ` <kbd>${key}</kbd>` : ''}</button>`;
  }

  /**
   * renderDuplicates warns of calls that may repeat this one (the same
   * category family near the same place within the desk's window), each
   * with 关联 to link it; a linked call names its original.
   */
  renderDuplicates(inc) {
    if (inc.duplicate_of) {
      return `<p class="dup-linked" id="dup-linked">${h(t('dup.linked'))} <button type="button" class="link" data-open-incident="${h(inc.duplicate_of)}">${h(t('dup.open'))}</button></p>`;
    }
    const list = this.dups || [];
    if (!list.length) return '';
    return `<div class="dup-warn" role="alert"><strong>${h(t('dup.title', { n: list.length }))}</strong><ul>${list
      .map((d) => `<li data-dup-id="${h(d.id)}">${h(fmtReceived(d.received_at))} <strong>${h(this.categoryName(d.category))}</strong> <span translate="no">${h(d.address || '')}</span>
        <span class="status s-${h(d.status)}">${h(t('status.' + d.status))}</span>
        <button type="button" class="small" data-open-incident="${h(d.id)}">${h(t('dup.open'))}</button>
        <button type="button" class="small primary" data-link="${h(d.id)}">${h(t('act.link'))}</button></li>`)
      .join('')}</ul></div>`;
  }

  /** link marks the open incident a repeat of another (the original). */
  async link(inc, original) {
    await this.post(inc, 'link', { duplicate_of: original });
  }

  /** post sends one action on an incident and shows the result. */
  async post(inc, action, body) {
    const busyKey = `${inc.id}/${action}`;
    if (this.busy.has(busyKey)) return;
    this.busy.add(busyKey);
    try {
      const out = await this.client.post(`/api/v1/incidents/${encodeURIComponent(inc.id)}/${action}`, body, { 'Idempotency-Key': uuid() });
      if (out && out.id) this.incidents.set(out.id, out);
      this.toast(t('act.done', { a: t('act.' + action) }));
      this.renderQueue();
      this.map.setIncidents(this.visibleIncidents());
      this.renderIncident(false);
      await this.loadIncidentDetail(inc.id);
      this.loadUnits();
    } catch (e) {
      this.toast(e instanceof ApiError ? e.text() : String(e), true);
      this.reloadIncident(inc.id);
    } finally {
      this.busy.delete(busyKey);
    }
  }

  renderRecs(inc) {
    const r = this.recs;
    if (!r) return `<p class="muted">${h(t('loading'))}</p>`;
    if (r.error) return `<p class="error">${h(r.error instanceof ApiError ? r.error.text() : String(r.error))}</p>`;
    const route = r.route || {};
    const rule = `<p class="rule" data-rule-id="${h(route.rule_id || '')}"><strong>${h(t('incident.rule'))}</strong> <strong class="rule-name">${h(ruleName(route.rule_id))}</strong> <span translate="no">${h(pick(route.reason, route.reason_en))}</span>
      ${r.router ? `<small class="muted">（${h(routerName(r.router))}）</small>` : ''}</p>`;
    const cands = r.candidates || [];
    if (!cands.length) return `${rule}<p class="muted">${h(t('recs.none'))}</p>`;
    const assigned = new Set(inc.units || []);
    const rows = cands
      .slice(0, 8)
      .map((c, n) => {
        const u = c.unit || {};
        const enabled = (inc.status === 'received' && n >= 0) || ['dispatched', 'en_route', 'on_scene'].includes(inc.status);
        const action = inc.status === 'received' ? 'dispatch' : 'reinforce';
        return `<li class="rec" data-unit-id="${h(u.id)}">
          <span class="swatch" style="background:${unitColors[u.status] || '#999'}" aria-hidden="true"></span>
          <span class="what"><strong translate="no">${h(u.callsign || this.unitName(u.id))}</strong> <small>${h(t('kind.' + u.kind))} · <span translate="no">${h(this.names.get(u.service_station_id) || this.names.get(c.station_id) || '')}</span></small>
            <small>${h(t('recs.eta'))} ${h(fmtDuration(c.eta_s))} · ${h(t('recs.distance'))} ${(c.distance_m / 1000).toFixed(1)} ${h(t('unit.km'))} · ${h(t('recs.wave', { n: c.wave || 1 }))}${c.position_stale ? ` · <em>${h(t('recs.stale'))}</em>` : ''}</small></span>
          ${assigned.has(u.id) ? `<span class="status s-dispatched">${h(t('ustatus.dispatched'))}</span>` : `<button type="button" data-action="${action}" data-unit="${h(u.id)}" ${enabled ? '' : 'disabled'}>${h(t('act.' + action))}</button>`}
        </li>`;
      })
      .join('');
    const excl = (r.excluded || []).length
      ? `<details><summary>${h(t('recs.excluded'))} (${r.excluded.length})</summary><ul class="excluded">${r.excluded
          .slice(0, 30)
          .map((x) => `<li><span translate="no">${h(this.unitName(x.unit_id))}</span>: ${h(pick(x.reason, x.reason_en))}</li>`)
          .join('')}</ul></details>`
      : '';
    return `${rule}<ol class="recs">${rows}</ol>${excl}`;
  }

  renderTimeline() {
    if (!this.timeline) return `<li class="muted">${h(t('loading'))}</li>`;
    return this.timeline
      .map((ev) => `<li data-type="${h(ev.type)}"><time>${h(fmtTime(ev.at))}</time> <strong>${h(eventLabel(ev))}</strong>
        <small>${eventDetailHTML(ev, (id) => this.unitName(id), h)}</small> <small class="muted actor" translate="no">${h(this.actorName(ev))}</small></li>`)
      .join('');
  }

  unitName(id) {
    const u = this.units.get(id);
    return (u && u.callsign) || (this.unitNames && this.unitNames.get(id)) || t('unit.unknown');
  }

  /** actorName names who recorded an event: a user's name, or the system. */
  actorName(ev) {
    if (ev.actor_name) return ev.actor_name;
    if (this.user && ev.actor === this.user.id) return this.user.name || this.user.username;
    return ev.actor === 'system' ? t('actor.system') : t('actor.user');
  }

  closePanel() {
    this.openId = '';
    this.panelMode = '';
    this.map.setMarkers([]);
    this.map.selectedIncident = '';
    this.map.selectedUnit = '';
    this.map.pickMode = false;
    this.map.setTrack(null);
    document.getElementById('pick-hint').hidden = true;
    document.getElementById('panel').innerHTML = `<p class="muted empty" data-i18n="incident.none">${h(t('incident.none'))}</p>`;
    this.map.setIncidents(this.visibleIncidents());
    this.renderQueue();
    this.renderDraftBadge();
    document.getElementById('queue-list').focus({ preventScroll: true });
  }

  /**
   * act performs an action on the open incident. Dispatch without units takes
   * the first recommendation; handover and callback ask for their details.
   */
  async act(action, units, viaKey) {
    const inc = this.incidents.get(this.openId);
    if (!inc) return;
    const busyKey = `${inc.id}/${action}`;
    if (this.busy.has(busyKey)) return; // the same action is on its way
    if (action === 'push' && (inc.status !== 'received' || this.pushed(inc))) return;
    const body = {};
    if (action === 'dispatch') {
      if (inc.status !== 'received') return;
      const first = this.recs && this.recs.candidates && this.recs.candidates[0];
      const chosen = units || (first ? [first.unit.id] : null);
      if (!chosen) return this.toast(t('recs.none'), true);
      if (viaKey && !(await this.confirmDispatch(first))) return;
      body.units = chosen;
    } else if (action === 'reinforce') {
      // The best recommended unit not yet on the incident, recorded in the
      // wave it is listed in; with none left, the server records a request
      // for the next wave.
      const spare = units || (this.spareCandidate(inc) ? [this.spareCandidate(inc)] : null);
      if (spare) {
        body.units = spare;
        const c = ((this.recs && this.recs.candidates) || []).find((x) => x.unit && x.unit.id === spare[0]);
        if (c && c.wave) body.wave = c.wave;
      }
    } else if (action === 'cancel') {
      if (!units || !(await this.confirmHTML(tNamed('cancel.confirm', { unit: this.unitName(units[0]) }, ['unit'])))) return;
      body.units = units;
      body.note = t('cancel.note');
    } else if (['reassign', 'note', 'correct', 'close'].includes(action)) {
      const r = await this.ask(action, inc, units);
      if (!r) return;
      Object.assign(body, r);
    } else if (action === 'en-route' || action === 'arrive') {
      body.units = units || inc.units;
    } else if (action === 'handover') {
      const r = await this.ask('handover');
      if (!r) return;
      Object.assign(body, r);
    } else if (action === 'callback') {
      const r = await this.ask('callback');
      if (!r) return;
      Object.assign(body, r);
    }
    this.busy.add(busyKey);
    try {
      const out = await this.client.post(`/api/v1/incidents/${encodeURIComponent(inc.id)}/${action}`, body, { 'Idempotency-Key': uuid() });
      if (out && out.id) this.incidents.set(out.id, out);
      this.toast(t('act.done', { a: t('act.' + action) }));
      this.renderQueue();
      this.map.setIncidents(this.visibleIncidents());
      this.renderIncident(false);
      await this.loadIncidentDetail(inc.id);
      this.loadUnits();
    } catch (e) {
      this.toast(e instanceof ApiError ? e.text() : String(e), true);
      this.reloadIncident(inc.id);
    } finally {
      this.busy.delete(busyKey);
    }
  }

  /** pushed reports whether the incident was pushed to a service station already. */
  pushed(inc) {
    return (inc.route && inc.route.rule_id === 'push') || (this.timeline || []).some((e) => e.type === 'incident.pushed');
  }

  /**
   * confirmDispatch asks before the "D" key sends the first recommended unit:
   * one key must not send a unit by mistake.
   */
  confirmDispatch(c) {
    const d = document.getElementById('ask');
    const u = c.unit || {};
    d.innerHTML = `<form method="dialog" class="form" id="confirm-dispatch">
        <h2>${h(t('act.dispatch'))}</h2>
        <p>${tNamed('dispatch.confirm', { unit: u.callsign || this.unitName(u.id), eta: fmtDuration(c.eta_s) }, ['unit'])}</p>
        <div class="row"><button value="ok" class="primary" autofocus>${h(t('confirm'))} <kbd>Enter</kbd></button><button value="cancel" formnovalidate>${h(t('cancel'))} <kbd>Esc</kbd></button></div>
      </form>`;
    d.returnValue = '';
    d.showModal();
    d.querySelector('button[value=ok]').focus();
    return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
  }

  spareCandidate(inc) {
    const assigned = new Set(inc.units || []);
    const c = ((this.recs && this.recs.candidates) || []).find((x) => x.unit && !assigned.has(x.unit.id));
    return c && c.unit.id;
  }

  /** confirmText asks a yes/no question in the dialog. */
  confirmText(text) {
    return this.confirmHTML(h(text));
  }

  /** confirmHTML asks a yes/no question, given as HTML, in the dialog. */
  confirmHTML(html) {
    const d = document.getElementById('ask');
    d.innerHTML = `<form method="dialog" class="form"><p>${html}</p>
      <div class="row"><button value="ok" class="primary">${h(t('confirm'))}</button><button value="cancel" formnovalidate>${h(t('cancel'))}</button></div></form>`;
    d.returnValue = '';
    d.showModal();
    return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
  }

  /** ask shows a small dialog for an action's details and resolves with its fields, or null. */
  ask(kind, inc, units) {
    const d = document.getElementById('ask');
    const row = `<div class="row"><button value="ok" class="primary">${h(t('confirm'))}</button><button value="cancel" formnovalidate>${h(t('cancel'))}</button></div>`;
    const forms = {
      reassign: () => {
        const on = new Set((inc && inc.units) || []);
        const cands = ((this.recs && this.recs.candidates) || []).filter((c) => c.unit && !on.has(c.unit.id));
        return `<form method="dialog" class="form" id="ask-reassign"><h2>${h(t('act.reassign'))}</h2>
          <p>${tNamed('reassign.from', { unit: this.unitName(units[0]) }, ['unit'])}</p>
          <label>${h(t('reassign.to'))}<select name="new_unit" required>${cands
            .map((c) => `<option value="${h(c.unit.id)}" translate="no">${h(c.unit.callsign || this.unitName(c.unit.id))} · ${h(fmtDuration(c.eta_s))}</option>`)
            .join('')}</select></label>
          <label>${h(t('handover.note'))}<input name="note" value="${h(t('reassign.note'))}"></label>${row}</form>`;
      },
      note: () => `<form method="dialog" class="form" id="ask-note"><h2>${h(t('act.note'))}</h2>
          <label>${h(t('note.text'))}<textarea name="note" rows="4" required></textarea></label>${row}</form>`,
      correct: () => `<form method="dialog" class="form" id="ask-correct"><h2>${h(t('act.correct'))}</h2>
          <label>${h(t('correct.address'))}<input name="address" value="${h(inc.address || '')}"></label>
          <label>${h(t('correct.description'))}<textarea name="description" rows="3">${h(inc.description || '')}</textarea></label>
          <label>${h(t('correct.priority'))}<select name="priority">${[1, 2, 3, 4].map((p) => `<option value="${p}" ${p === inc.priority ? 'selected' : ''}>${p}</option>`).join('')}</select></label>
          <label>${h(t('correct.reason'))}<input name="note" required></label>${row}</form>`,
      close: () => `<form method="dialog" class="form" id="ask-close"><h2>${h(t('act.close'))}</h2>
          <label>${h(t('close.disposition'))}<select name="disposition" required>${((this.desk && this.desk.dispositions) || [])
            .map((x) => `<option value="${h(x.code)}">${h(pick(x.name, x.name_en))}</option>`)
            .join('')}</select></label>${row}</form>`,
    };
    if (forms[kind]) {
      d.innerHTML = forms[kind]();
      d.returnValue = '';
      d.showModal();
      return new Promise((resolve) => {
        d.addEventListener(
          'close',
          () => {
            if (d.returnValue !== 'ok') return resolve(null);
            const f = d.querySelector('form');
            if (kind === 'reassign') return resolve(f.new_unit.value ? { units, new_unit: f.new_unit.value, note: f.note.value } : null);
            if (kind === 'note') return resolve(f.note.value.trim() ? { note: f.note.value.trim() } : null);
            if (kind === 'close') return resolve({ disposition: f.disposition.value });
            // correct: only what changed, with the reason.
            const c = {};
            if (f.address.value !== (inc.address || '')) c.address = f.address.value;
            if (f.description.value !== (inc.description || '')) c.description = f.description.value;
            if (Number(f.priority.value) !== inc.priority) c.priority = Number(f.priority.value);
            resolve(Object.keys(c).length && f.note.value.trim() ? { correction: c, note: f.note.value.trim() } : null);
          },
          { once: true },
        );
      });
    }
    d.innerHTML =
      kind === 'handover'
        ? `<form method="dialog" class="form">
            <h2>${h(t('act.handover'))}</h2>
            <label>${h(t('handover.to'))}<select name="to">
              <option value="station">${h(t('handover.station'))}</option>
              <option value="case_team">${h(t('handover.case_team'))}</option>
              <option value="department">${h(t('handover.department'))}</option></select></label>
            <label>${h(t('handover.note'))}<textarea name="note" rows="3"></textarea></label>
            <div class="row"><button value="ok" class="primary">${h(t('confirm'))}</button><button value="cancel" formnovalidate>${h(t('cancel'))}</button></div>
          </form>`
        : `<form method="dialog" class="form">
            <h2>${h(t('act.callback'))}</h2>
            <label>${h(t('callback.satisfaction'))}<input name="satisfaction" type="number" min="1" max="5" value="5" required></label>
            <label>${h(t('callback.comment'))}<textarea name="comment" rows="3"></textarea></label>
            <div class="row"><button value="ok" class="primary">${h(t('confirm'))}</button><button value="cancel" formnovalidate>${h(t('cancel'))}</button></div>
          </form>`;
    d.showModal();
    return new Promise((resolve) => {
      d.addEventListener(
        'close',
        () => {
          if (d.returnValue !== 'ok') return resolve(null);
          const f = d.querySelector('form');
          if (kind === 'handover') resolve({ to: f.to.value, note: f.note.value });
          else resolve({ satisfaction: Number(f.satisfaction.value), comment: f.comment.value });
        },
        { once: true },
      );
    });
  }

  // Intake.

  openIntake(lon, lat) {
    this.panelMode = 'intake';
    this.openId = '';
    this.map.selectedIncident = '';
    // A call being taken is a draft until it is registered: it comes back
    // after Esc, another incident or a reload, with its Idempotency-Key.
    const saved = this.draft.load();
    this.intakeKey = (saved && saved.key) || uuid();
    this.renderDraftBadge();
    const cats = [...this.categories.values()];
    const top = cats.filter((c) => !c.parent);
    const catOptions = top
      .map((c) => {
        const kids = cats.filter((k) => k.parent === c.code);
        const own = `<option value="${h(c.code)}">${h(pick(c.name, c.name_en))}</option>`;
        if (!kids.length) return own;
        return `<optgroup label="${h(pick(c.name, c.name_en))}">${own}${kids
          .map((k) => `<option value="${h(k.code)}">${h(pick(k.name, k.name_en))}</option>`)
          .join('')}</optgroup>`;
      })
      .join('');
    const panel = document.getElementById('panel');
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="intake-h">${h(t('intake.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <form id="intake" class="form" aria-labelledby="intake-h" novalidate>
        <div class="grid2">
          <label>${h(t('intake.source'))}<select name="source">${sources.map((s) => `<option value="${s}">${h(t('source.' + s))}</option>`).join('')}</select></label>
          <label>${h(t('intake.priority'))}<select name="priority">${[1, 2, 3, 4].map((p) => `<option value="${p}" ${p === 2 ? 'selected' : ''}>${h(t('prio.' + p))}</option>`).join('')}</select></label>
        </div>
        <label>${h(t('intake.category'))}<select name="category" required>${catOptions}</select></label>
        <label>${h(t('intake.placetype'))}<select name="place_type">${placeTypes.map((p) => `<option value="${p}">${h(t('place.' + p))}</option>`).join('')}</select></label>
        <div class="grid3">
          <label>${h(t('intake.lon'))}<input name="lon" inputmode="decimal" required value="${lon != null ? lon.toFixed(6) : ''}"></label>
          <label>${h(t('intake.lat'))}<input name="lat" inputmode="decimal" required value="${lat != null ? lat.toFixed(6) : ''}"></label>
          <button type="button" id="intake-pick" aria-pressed="true">${h(t('intake.pick'))}</button>
        </div>
        <p id="intake-where" class="muted" aria-live="polite"></p>
        <input type="hidden" name="duplicate_of">
        <div id="intake-dups" aria-live="polite"></div>
        <label class="geocode">${h(t('intake.address'))}<input name="address" autocomplete="off" placeholder="${h(t('intake.address.hint'))}">
          <ol id="geocode-list" class="geocode-list" role="listbox" hidden></ol></label>
        <div id="proposal" class="proposal" hidden role="status">
          <span id="proposal-text"></span>
          <button type="button" class="primary" id="proposal-ok">${h(t('intake.confirm'))}</button>
          <button type="button" id="proposal-no">${h(t('cancel'))}</button>
        </div>
        <label>${h(t('intake.description'))}<textarea name="description" rows="3"></textarea></label>
        <div class="grid2">
          <label>${h(t('intake.reporter'))}<input name="reporter_name" autocomplete="off"></label>
          <label>${h(t('intake.phone'))}<input name="reporter_phone" type="tel" autocomplete="off"></label>
        </div>
        <p class="error" role="alert"></p>
        <div class="row">
          <button type="submit" class="primary" id="intake-submit">${h(t('intake.submit'))} <kbd>Ctrl+Enter</kbd></button>
          <button type="button" id="intake-discard">${h(t('intake.discard'))}</button>
          <small id="intake-saved" class="muted" aria-live="polite"></small>
        </div>
      </form>`;
    const form = panel.querySelector('#intake');
    panel.querySelector('#panel-close').addEventListener('click', () => this.closePanel());
    const touched = new Set((saved && saved.touched) || []);
    if (saved) {
      Draft.fill(form, saved);
      form.querySelector('#intake-saved').textContent = t('intake.restored');
    }
    if (lon != null && lat != null) {
      form.lon.value = lon.toFixed(6);
      form.lat.value = lat.toFixed(6);
    }
    const keep = () => {
      this.draft.save(form, this.intakeKey, touched);
      form.querySelector('#intake-saved').textContent = t('intake.kept');
    };
    form.addEventListener('input', (e) => {
      if (e.target.name) touched.add(e.target.name);
      keep();
    });
    form.addEventListener('change', keep);
    // The category suggests a priority until the dispatcher picks one.
    form.category.addEventListener('change', () => {
      const c = this.categories.get(form.category.value);
      const p = c && (c.priority || (c.parent && (this.categories.get(c.parent) || {}).priority));
      if (p && !touched.has('priority')) {
        form.priority.value = String(p);
        keep();
      }
      this.checkCallDuplicates(form);
    });
    panel.querySelector('#intake-discard').addEventListener('click', async () => {
      if (!(await this.confirmText(t('intake.discard.confirm')))) return;
      this.draft.clear();
      this.map.setMarkers([]);
      this.closePanel();
    });
    if (form.lon.value && form.lat.value) this.resolveWhere(form);
    this.intakeKeep = keep;
    // A typed address proposes a point; it is the incident's place only once confirmed.
    const proposal = panel.querySelector('#proposal');
    // Enter on a proposal (the list closed) confirms it; registered before
    // the list's own keys, so that the Enter that chooses does not confirm.
    form.address.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !proposal.hidden && panel.querySelector('#geocode-list').hidden) {
        e.preventDefault();
        panel.querySelector('#proposal-ok').click();
      }
    });
    const propose = (p) => {
      this.proposed = p;
      if (/^[a-z0-9 ]+$/i.test(form.address.value.trim())) form.address.value = p.name;
      panel.querySelector('#proposal-text').textContent = t('intake.proposed', { name: p.name, kind: t('place.kind.' + p.kind) });
      proposal.hidden = false;
      this.map.setMarkers([{ lon: p.location.lon, lat: p.location.lat, color: '#f59e0b', label: p.name }]);
      this.map.centerOn(p.location.lon, p.location.lat, 1 / 2);
      keep();
    };
    attachGeocoder(this.client, form.address, panel.querySelector('#geocode-list'), propose);
    // A proposal not yet confirmed or refused outlives the form being drawn
    // again (a language change); a new call starts without one.
    if (saved && this.proposed) propose(this.proposed);
    else this.proposed = null;
    panel.querySelector('#proposal-ok').addEventListener('click', () => {
      const p = this.proposed;
      if (!p) return;
      form.lon.value = p.location.lon.toFixed(6);
      form.lat.value = p.location.lat.toFixed(6);
      proposal.hidden = true;
      this.proposed = null;
      keep();
      this.resolveWhere(form);
      form.description.focus();
    });
    panel.querySelector('#proposal-no').addEventListener('click', () => {
      proposal.hidden = true;
      this.proposed = null;
      this.map.setMarkers([]);
      if (form.lon.value && form.lat.value) this.resolveWhere(form);
      form.address.focus();
    });
    this.map.pickMode = true;
    document.getElementById('pick-hint').hidden = false;
    this.map.onPick = (plon, plat) => {
      form.lon.value = plon.toFixed(6);
      form.lat.value = plat.toFixed(6);
      this.map.setMarkers([{ lon: plon, lat: plat, color: '#dc2626' }]);
      keep();
      this.resolveWhere(form);
    };
    panel.querySelector('#intake-pick').addEventListener('click', (e) => {
      this.map.pickMode = !this.map.pickMode;
      e.currentTarget.setAttribute('aria-pressed', String(this.map.pickMode));
      document.getElementById('pick-hint').hidden = !this.map.pickMode;
    });
    for (const n of ['lon', 'lat']) form[n].addEventListener('change', () => this.resolveWhere(form));
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitIntake(form);
    });
    form.category.focus();
  }

  async resolveWhere(form) {
    const lon = Number(form.lon.value);
    const lat = Number(form.lat.value);
    const out = form.querySelector('#intake-where');
    if (!isFinite(lon) || !isFinite(lat) || !form.lon.value || !form.lat.value) return;
    this.map.setMarkers([{ lon, lat, color: '#dc2626' }]);
    try {
      const loc = await this.client.get(`/api/v1/resolve?lon=${lon}&lat=${lat}`);
      const parts = [loc.station_id, loc.police_grid_id, loc.community_grid_id].filter(Boolean).map((id) => this.names.get(id) || id);
      // Names of places are proper names (translate="no").
      out.innerHTML = tNamed('intake.where', { where: parts.join(' / ') }, ['where']);
      out.classList.remove('error');
    } catch (e) {
      out.textContent = e instanceof ApiError ? e.text() : String(e);
      out.classList.add('error');
    }
    this.checkCallDuplicates(form);
  }

  /**
   * checkCallDuplicates warns, while the call is being taken, of incidents
   * it may repeat (the same category family near the place, within the
   * desk's window), as soon as the place and the category are known. The
   * dispatcher registers the call linked to one (关联登记: the link is on
   * the new incident's timeline) or adds it to that incident instead
   * (仅追加到该警情: a note on its timeline, no new incident).
   */
  async checkCallDuplicates(form) {
    const box = form.querySelector('#intake-dups');
    const lon = Number(form.lon.value);
    const lat = Number(form.lat.value);
    const category = form.category.value;
    if (!box || !form.lon.value || !form.lat.value || !isFinite(lon) || !isFinite(lat) || !category) {
      if (box) box.innerHTML = '';
      return;
    }
    const asked = `${lon},${lat},${category}`;
    this.dupAsked = asked;
    let items = [];
    try {
      const out = await this.client.get(`/api/v1/incidents/duplicates?lon=${lon}&lat=${lat}&category=${encodeURIComponent(category)}`);
      items = (out && out.items) || [];
    } catch (e) {
      items = []; // outside the dispatcher's area: intake itself says so
    }
    if (this.dupAsked !== asked || this.panelMode !== 'intake' || !document.body.contains(box)) return;
    this.callDups = items;
    // A link chosen before stays only while its incident is still offered.
    if (form.duplicate_of.value && !items.some((d) => d.id === form.duplicate_of.value)) {
      form.duplicate_of.value = '';
      if (this.intakeKeep) this.intakeKeep();
    }
    this.renderCallDuplicates(form);
  }

  renderCallDuplicates(form) {
    const box = form.querySelector('#intake-dups');
    const items = this.callDups || [];
    const chosen = form.duplicate_of.value;
    const submit = form.querySelector('#intake-submit');
    submit.firstChild.textContent = t(chosen ? 'intake.submit.linked' : 'intake.submit') + ' ';
    if (!items.length) {
      box.innerHTML = '';
      return;
    }
    box.innerHTML = `<div class="dup-warn" role="alert"><strong>${h(t('dup.call.title', { n: items.length }))}</strong><ul>${items
      .map((d) => `<li data-call-dup-id="${h(d.id)}" class="${d.id === chosen ? 'chosen' : ''}">${h(fmtReceived(d.received_at))} <strong>${h(this.categoryName(d.category))}</strong> <span translate="no">${h(d.address || '')}</span>
        <span class="status s-${h(d.status)}">${h(t('status.' + d.status))}</span>
        <span class="row">
        <button type="button" class="small" data-call-dup="open" data-id="${h(d.id)}">${h(t('dup.open'))}</button>
        <button type="button" class="small ${d.id === chosen ? 'primary' : ''}" data-call-dup="link" data-id="${h(d.id)}" aria-pressed="${d.id === chosen}">${h(t('dup.call.link'))}</button>
        <button type="button" class="small" data-call-dup="add" data-id="${h(d.id)}">${h(t('dup.call.add'))}</button></span></li>`)
      .join('')}</ul>${chosen ? `<p id="intake-linked" class="muted">${h(t('dup.call.chosen'))}</p>` : ''}</div>`;
    for (const b of box.querySelectorAll('button[data-call-dup]')) {
      b.addEventListener('click', () => {
        const id = b.dataset.id;
        if (b.dataset.callDup === 'open') this.openIncident(id);
        else if (b.dataset.callDup === 'add') this.addCallTo(form, id);
        else {
          form.duplicate_of.value = form.duplicate_of.value === id ? '' : id;
          if (this.intakeKeep) this.intakeKeep();
          this.renderCallDuplicates(form);
        }
      });
    }
  }

  /**
   * addCallTo records the call being taken on an incident it repeats, as
   * what a caller adds (追加警情), instead of registering a new incident;
   * the draft ends there. The caller's number is not written into the note
   * (notes are read unmasked): a call that needs its own callback is
   * registered linked instead.
   */
  async addCallTo(form, id) {
    const d = (this.callDups || []).find((x) => x.id === id);
    if (!d) return;
    const what = form.description.value.trim();
    const who = form.reporter_name.value.trim();
    const note = t('dup.call.note', { who: who || t('dup.call.anonymous'), what: what || t('dup.call.nothing') });
    if (!(await this.confirmHTML(tNamed('dup.call.add.confirm', { what: this.categoryName(d.category), where: d.address || '' }, ['where'])))) return;
    try {
      const out = await this.client.post(`/api/v1/incidents/${encodeURIComponent(id)}/note`, { note }, { 'Idempotency-Key': this.intakeKey });
      if (out && out.id) this.incidents.set(out.id, out);
      this.draft.clear();
      this.toast(t('dup.call.added'));
      this.map.pickMode = false;
      this.map.setMarkers([]);
      document.getElementById('pick-hint').hidden = true;
      await this.openIncident(id);
    } catch (e) {
      form.querySelector('.error').textContent = e instanceof ApiError ? e.text() : String(e);
    }
  }

  async submitIntake(form) {
    const err = form.querySelector('.error');
    err.textContent = '';
    const lon = parseFloat(form.lon.value);
    const lat = parseFloat(form.lat.value);
    if (!isFinite(lon) || !isFinite(lat)) {
      err.textContent = pick('请在地图上选点或输入经纬度', 'Pick a place on the map or enter longitude and latitude');
      form.lon.focus();
      return;
    }
    const body = {
      source: form.source.value,
      category: form.category.value,
      place_type: form.place_type.value,
      location: { lon, lat },
      address: form.address.value.trim(),
      description: form.description.value.trim(),
      priority: Number(form.priority.value),
      reporter: { name: form.reporter_name.value.trim(), phone: form.reporter_phone.value.trim() },
    };
    if (form.duplicate_of.value) body.duplicate_of = form.duplicate_of.value;
    const btn = form.querySelector('#intake-submit');
    btn.disabled = true;
    try {
      // The key is made when the form opens, so a retry of the same form
      // after a lost answer cannot register the call twice.
      const inc = await this.client.post('/api/v1/incidents', body, { 'Idempotency-Key': this.intakeKey });
      this.incidents.set(inc.id, inc);
      this.draft.clear();
      this.toast(t('intake.saved', { what: this.categoryName(inc.category), where: inc.address || this.names.get((inc.jurisdiction || {}).police_grid_id) || '' }));
      this.map.pickMode = false;
      this.map.setMarkers([]);
      document.getElementById('pick-hint').hidden = true;
      this.filter = 'open';
      this.renderQueue();
      this.cursor = Math.max(0, this.order.indexOf(inc.id));
      await this.openIncident(inc.id);
    } catch (e) {
      btn.disabled = false;
      err.textContent = e instanceof ApiError ? e.text() : String(e);
      const f = e.field && form.querySelector(`[name="${e.field === 'location' ? 'lon' : e.field}"]`);
      if (f) f.focus();
    }
  }

  // Statistics.

  /** renderHeatLabel names the period the heat layer shows. */
  renderHeatLabel() {
    const el = document.querySelector('input[data-layer=heat] + span');
    if (el) el.textContent = t('layer.heat.period', { p: this.heat.label() });
  }

  /** leavePanel switches the side panel to a tool: no incident open, no place being picked. */
  leavePanel(mode) {
    this.panelMode = mode;
    this.openId = '';
    this.map.selectedIncident = '';
    this.map.pickMode = false;
    this.map.setMarkers([]);
    document.getElementById('pick-hint').hidden = true;
    this.renderDraftBadge();
  }

  openStats() {
    this.leavePanel('stats');
    const scope = (this.user && this.user.scope) || {};
    this.stats = new StatsPanel(this.client, {
      // The police stations of the jurisdiction (the map's station layer
      // also holds service stations, which have no statistics of their own).
      stations: this.stations,
      onPeriod: (from, to, key) => {
        this.heat.setPeriod(from, to, key);
        this.renderHeatLabel();
      },
      scopeStation: scope.station_id || '',
      categoryName: (c) => this.categoryName(c),
      stationName: (id) => this.names.get(id) || id,
      placeName: (loc) => [this.names.get(loc.community_grid_id), this.names.get(loc.police_grid_id)].filter(Boolean).join(' · '),
      showPlace: (lon, lat) => this.map.centerOn(lon, lat, 1 / 8),
    });
    this.stats.open(document.getElementById('panel'), () => this.closePanel());
  }

  /** openDuty shows the duty board (duty.js) in the side panel. */
  openDuty() {
    this.leavePanel('duty');
    this.duty = new DutyBoard(this.client, {
      names: (id) => this.names.get(id) || (this.units.get(id) || {}).callsign,
      showPlace: (lon, lat) => this.map.centerOn(lon, lat, 1 / 8),
      toast: (m, e) => this.toast(m, e),
    });
    this.duty.open(document.getElementById('panel'), () => this.closePanel());
  }

  /** openOrg shows the organisation administrator's panel (org.js). */
  openOrg() {
    this.leavePanel('org');
    new OrgPanel(this.client, { toast: (m, e) => this.toast(m, e) }).open(document.getElementById('panel'), () => this.closePanel());
  }

  /** openBoard shows the unit status board (board.js) in the side panel. */
  openBoard() {
    this.leavePanel('board');
    this.board = new UnitBoard(this.client, {
      units: () => this.units,
      names: (id) => this.names.get(id),
      openIncident: (id) => this.openIncident(id),
      toast: (m, e) => this.toast(m, e),
      reload: () => this.loadUnits(),
    });
    this.board.open(document.getElementById('panel'), () => this.closePanel());
  }

  openGrid() {
    this.leavePanel('grid');
    new GridPanel(this.client, { name: (id) => this.names.get(id) }).open(document.getElementById('panel'), () => this.closePanel());
  }

  /** openCommunity shows the performance list, accuracy and familiarity (community.js). */
  openCommunity() {
    this.leavePanel('community');
    new CommunityPanel(this.client, { name: (id) => this.names.get(id) }).open(document.getElementById('panel'), () => this.closePanel());
  }

  /** openPrevention shows anti-fraud warnings and prevention work (prevention.js). */
  openPrevention() {
    this.leavePanel('prevention');
    new PreventionPanel(this.client, { name: (id) => this.names.get(id), toast: (m, e) => this.toast(m, e) }).open(document.getElementById('panel'), () => this.closePanel());
  }

  // Trajectories.

  openTrajectory(unitId) {
    this.leavePanel('traj');
    const units = [...this.units.values()].sort((a, b) => (a.callsign || '').localeCompare(b.callsign || ''));
    const today = new Date();
    const ymd = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    const panel = document.getElementById('panel');
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="traj-h">${h(t('traj.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <form id="traj" class="form" aria-labelledby="traj-h">
        <label>${h(t('traj.unit'))}<select name="unit">${units
          .map((u) => `<option value="${h(u.id)}" translate="no" ${u.id === unitId ? 'selected' : ''}>${h(u.callsign || u.id)} · ${h(t('kind.' + u.kind))}</option>`)
          .join('')}</select></label>
        <label>${h(t('traj.date'))}<input type="date" name="date" value="${ymd}"></label>
        <button type="submit" class="primary">${h(t('traj.show'))}</button>
        <p id="traj-info" class="muted" aria-live="polite"></p>
        <ol id="traj-checkins" class="timeline"></ol>
      </form>`;
    panel.querySelector('#panel-close').addEventListener('click', () => this.closePanel());
    const form = panel.querySelector('#traj');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.showTrajectory(form);
    });
    if (unitId) this.showTrajectory(form);
    else form.unit.focus();
  }

  async showTrajectory(form) {
    const id = form.unit.value;
    const day = new Date(`${form.date.value}T00:00:00`);
    const next = new Date(day.getTime() + 86400000);
    const info = form.querySelector('#traj-info');
    this.map.selectedUnit = id;
    try {
      // A day's track may take several pages; check-ins come with the first.
      const base = `/api/v1/units/${encodeURIComponent(id)}/trajectory?from=${encodeURIComponent(day.toISOString())}&to=${encodeURIComponent(next.toISOString())}`;
      const items = [];
      let checkins = [];
      for (let cursor = '', first = true; first || cursor; first = false) {
        const out = await this.client.get(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
        items.push(...((out && out.items) || []));
        if (first) checkins = (out && out.check_ins) || [];
        cursor = (out && out.next_cursor) || '';
      }
      const flagged = items.filter((p) => p.flag).length;
      this.map.setTrack(items, checkins);
      info.textContent = items.length || checkins.length ? t('traj.points', { n: items.length, c: checkins.length }) : t('traj.none');
      if (flagged) info.textContent += t('traj.flagged', { n: flagged });
      form.querySelector('#traj-checkins').innerHTML = checkins
        .map((c) => `<li><time>${h(fmtTime(c.at))}</time> <strong>${h(pick('打卡', 'Check-in'))}</strong> <small>${h(this.names.get(c.jurisdiction && c.jurisdiction.community_grid_id) || '')} ${h(c.note || '')}</small></li>`)
        .join('');
      const pts = items.filter((p) => !p.flag).map((p) => this.map.project(p.point.lon, p.point.lat));
      if (pts.length) {
        const xs = pts.map((p) => p[0]);
        const ys = pts.map((p) => p[1]);
        this.map.fit([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
      }
    } catch (e) {
      info.textContent = e instanceof ApiError ? e.text() : String(e);
    }
  }

  mapSelect(hit) {
    if (!hit) return;
    if (hit.kind === 'incident') {
      this.cursor = Math.max(0, this.order.indexOf(hit.id));
      this.openIncident(hit.id);
    } else if (hit.kind === 'unit') {
      this.openTrajectory(hit.id);
    }
  }

  // Chrome: header, keyboard, help, legend, toasts.

  bindChrome() {
    document.getElementById('btn-intake').addEventListener('click', () => this.openIntake());
    document.getElementById('btn-traj').addEventListener('click', () => this.openTrajectory(this.map.selectedUnit));
    document.getElementById('btn-stats').addEventListener('click', () => this.openStats());
    document.getElementById('btn-duty').addEventListener('click', () => this.openDuty());
    document.getElementById('btn-grid').addEventListener('click', () => this.openGrid());
    const orgButton = document.getElementById('btn-org');
    orgButton.hidden = !(this.user && this.user.role === 'admin');
    orgButton.addEventListener('click', () => this.openOrg());
    document.getElementById('btn-community').addEventListener('click', () => this.openCommunity());
    document.getElementById('btn-prevention').addEventListener('click', () => this.openPrevention());
    document.getElementById('btn-help').addEventListener('click', () => document.getElementById('help').showModal());
    document.getElementById('btn-lang').addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
    document.getElementById('btn-logout').addEventListener('click', async () => {
      await this.client.logout();
      location.reload();
    });
    document.getElementById('zoom-in').addEventListener('click', () => this.map.zoomAt(this.map.w / 2, this.map.h / 2, 1.5));
    document.getElementById('zoom-out').addEventListener('click', () => this.map.zoomAt(this.map.w / 2, this.map.h / 2, 1 / 1.5));
    document.getElementById('zoom-reset').addEventListener('click', () => this.map.reset());
    for (const cb of document.querySelectorAll('input[data-layer]')) {
      cb.addEventListener('change', () => {
        this.map.setVisible(cb.dataset.layer, cb.checked);
        if (cb.dataset.layer === 'heat' && cb.checked) this.heat.load();
      });
    }
    for (const b of document.querySelectorAll('.tab[data-filter]')) {
      b.addEventListener('click', () => {
        this.filter = b.dataset.filter;
        for (const x of document.querySelectorAll('.tab[data-filter]')) x.setAttribute('aria-pressed', String(x === b));
        this.renderQueue();
      });
    }
    document.addEventListener('langchange', () => {
      // A message shown in the other language is dropped, not left mixed in.
      clearTimeout(this.toastTimer);
      const toast = document.getElementById('toast');
      toast.className = 'toast';
      toast.textContent = '';
      this.renderUser();
      this.renderShortcuts();
      this.renderLegend();
      this.renderQueue();
      this.renderFilters();
      this.renderHeatLabel();
      if (this.connState) this.setConn(this.connState);
      this.renderUnitCount();
      if (this.panelMode === 'incident') this.renderIncident(false);
      // The call being taken is drawn again from its draft, in the new language.
      else if (this.panelMode === 'intake') this.openIntake();
    });
    document.getElementById('queue-search').addEventListener('input', (e) => {
      this.qf.search = e.target.value;
      this.renderQueue();
    });
    document.getElementById('queue-search').addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        e.preventDefault();
        e.target.value = '';
        this.qf.search = '';
        this.renderQueue();
        document.getElementById('queue-list').focus({ preventScroll: true });
      }
    });
    document.getElementById('queue-prio').addEventListener('change', (e) => {
      this.qf.priority = e.target.value;
      this.renderQueue();
    });
    document.getElementById('queue-station').addEventListener('change', (e) => {
      this.qf.station = e.target.value;
      this.renderQueue();
    });
    document.getElementById('btn-mute').addEventListener('click', () => {
      this.alert.muted = !this.alert.muted;
      this.renderFilters();
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  onKey(e) {
    const tag = (e.target && e.target.tagName) || '';
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) || (e.target && e.target.isContentEditable);
    if (document.querySelector('dialog[open]')) return; // the dialog handles its own keys
    if (e.key === 'Escape') {
      e.preventDefault();
      if (typing) e.target.blur();
      this.closePanel();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    const done = () => e.preventDefault();
    if (k === 'n' || k === 'N') { done(); this.openIntake(); }
    else if (k === 'j' || k === 'J' || k === 'ArrowDown') { done(); this.moveCursor(1); }
    else if (k === 'k' || k === 'K' || k === 'ArrowUp') { done(); this.moveCursor(-1); }
    else if (k === 'Enter') { if (e.target.tagName === 'BUTTON' || e.target.tagName === 'A') return; done(); this.openIncident(this.order[this.cursor]); }
    else if (k === 'd' || k === 'D') { done(); this.act('dispatch', undefined, true); }
    else if (k === '/') { done(); document.getElementById('queue-search').focus(); }
    else if (k === 'r' || k === 'R') { done(); this.act('reinforce'); }
    else if (k === 'p' || k === 'P') { done(); this.act('push'); }
    else if (k === 't' || k === 'T') { done(); this.openTrajectory(this.map.selectedUnit); }
    else if (k === 's' || k === 'S') { done(); this.openStats(); }
    else if (k === 'b' || k === 'B') { done(); this.openDuty(); }
    else if (k === 'u' || k === 'U') { done(); this.openBoard(); }
    else if (k === '?') { done(); document.getElementById('help').showModal(); }
  }

  renderUser() {
    const u = this.user || {};
    document.getElementById('user').textContent = `${u.name || u.username || ''}`;
    document.title = `${t('console.title')} · Precinct`;
  }

  renderShortcuts() {
    const html = shortcuts.map(([k, key]) => `<span><kbd>${h(k)}</kbd> ${h(t(key))}</span>`).join('');
    document.getElementById('shortcuts').innerHTML = html + `<span class="muted">${h(t('key.map'))}</span>`;
    document.getElementById('help-list').innerHTML = shortcuts.map(([k, key]) => `<dt><kbd>${h(k)}</kbd></dt><dd>${h(t(key))}</dd>`).join('') + `<dt><kbd>← → ↑ ↓ + − 0</kbd></dt><dd>${h(t('key.map'))}</dd>`;
  }

  renderLegend() {
    const statuses = Object.keys(unitColors)
      .map((s) => `<li><span class="swatch" style="background:${unitColors[s]}"></span>${h(t('ustatus.' + s))}</li>`)
      .join('');
    const kinds = Object.keys(unitShapes)
      .map((k) => `<li><span class="shape ${unitShapes[k]}"></span>${h(t('kind.' + k))}</li>`)
      .join('');
    const inc = ['received', 'dispatched', 'on_scene', 'resolved']
      .map((s) => `<li><span class="tri" style="border-bottom-color:${incidentColors[s]}"></span>${h(t('status.' + s))}</li>`)
      .join('');
    document.getElementById('legend').innerHTML = `<details open><summary>${h(t('legend.title'))}</summary><ul>${statuses}</ul><ul>${kinds}</ul><ul>${inc}</ul></details>`;
  }

  setConn(state) {
    // Once the stream is open, moves arrive on it; reload the units so that
    // none made before it opened is missed.
    if (state === 'live' && this.connState !== 'live') {
      this.loadUnits();
      // Nor a call registered meanwhile that the call being taken repeats.
      const form = this.panelMode === 'intake' && document.querySelector('#intake');
      if (form) this.checkCallDuplicates(form);
    }
    this.connState = state;
    const el = document.getElementById('conn');
    el.dataset.state = state;
    el.textContent = state === 'live' ? `● ${t('conn.live')}` : `○ ${t('conn.offline')}`;
  }

  toast(msg, isError) {
    const el = document.getElementById('toast');
    el.textContent = msg;
    el.className = `toast show ${isError ? 'error' : ''}`;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (el.className = 'toast'), 4000);
  }
}

/** parse decodes an event's JSON payload field (already decoded or a string). */
function parse(v) {
  if (!v) return null;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v);
    } catch (e) {
      return null;
    }
  }
  return v;
}

new Console().start().catch((e) => {
  console.error(e);
  document.getElementById('toast').textContent = String(e);
});

/**
 * tNamed is t(key, vars) as HTML, with the values of the vars named in
 * names (places, units, people: proper names) marked translate="no".
 */
function tNamed(key, vars, names) {
  const v = { ...vars };
  names.forEach((n, i) => {
    v[n] = `\u0000${i}\u0000`;
  });
  return h(t(key, v)).replace(/\u0000(\d+)\u0000/g, (m, i) => `<span translate="no">${h(vars[names[Number(i)]])}</span>`);
}
