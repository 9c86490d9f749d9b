// screen.js: the big screen (大屏) for the command office's LED wall: today's
// KPIs, check-ins per community, incidents by category and state, units with
// their recent tracks, a rolling list of the active incidents, and a heat
// layer of the last 30 days' incidents. Incidents and check-ins arrive on the
// event stream and update the wall at once; nothing on it needs a click.

import { Client, startOfToday, escapeHTML as h } from './api.js';
import { t, applyI18n, lang, setLang, pick, fmtDuration, fmtTime } from './i18n.js';
import { MapView, loadMapLayers, tileURLSetting, unitColors, keepNewerPositions, applyPositions } from './map.js';
import { currentUser } from './login.js';
import { renderStrength } from './duty.js';
import { StreetTiles } from './tiles.js';
import { openStatuses, activeStatuses } from './words.js';
import { fmtElapsed, waited, overdue } from './queue.js';

const stateOrder = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'handed_over', 'closed', 'callback_done'];

/** Screen is the state of the big screen. */
class Screen {
  constructor() {
    this.client = new Client(localStorage);
    this.client.onUnauthorized = () => {
      localStorage.removeItem('precinct.token');
      location.reload();
    };
    this.categories = new Map();
    this.names = new Map();
    this.units = [];
    this.unitsById = new Map(); // the same units, by id
    this.open = []; // open incidents, on the map
    this.checkins = [];
    this.strength = []; // on-duty strength per station (duty.js)
    this.stats = null; // today's statistics with the change from a year before
  }

  async start() {
    applyI18n(document);
    document.getElementById('btn-lang').addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
    document.addEventListener('langchange', () => this.render());
    this.tick();
    setInterval(() => this.tick(), 1000);
    await currentUser(this.client, 'screen.title');
    this.map = new MapView(document.getElementById('map'), { theme: 'dark', tileURL: tileURLSetting() });
    this.map.streets = new StreetTiles(this.client, this.map, 'dark');
    window.precinct = { screen: this, map: this.map };
    this.map.visible['community-grids'] = false;
    const layers = loadMapLayers(this.client, this.map).then(() => {
      for (const l of this.map.layers.values()) {
        for (const p of l.paths) if (p.id) this.names.set(p.id, p.name);
        for (const p of l.points) if (p.id) this.names.set(p.id, p.name);
      }
    });
    try {
      const cats = await this.client.get('/api/v1/categories');
      for (const c of (cats && cats.items) || cats || []) this.categories.set(c.code, c);
    } catch (e) {
      console.warn(e);
    }
    await layers;
    await Promise.all([this.loadToday(), this.loadUnits(), this.loadHeat()]);
    this.loadTracks();
    document.body.dataset.ready = 'true';
    // Units move on the wall as their positions arrive on the event stream;
    // the list is reloaded when the stream opens, so that no earlier move is
    // missed, and now and then for their states.
    const onState = (state) => {
      this.live = state === 'live';
      if (this.live) this.loadUnits();
    };
    this.client.stream((type, ev) => this.onEvent(type, ev), onState, { positions: true });
    setInterval(() => this.loadUnits(), 15000);
    // The stream brings changes; a slow reload catches anything a broken
    // connection lost (the stream resumes from the last event it saw).
    setInterval(() => this.loadToday(), 300000);
    setInterval(() => this.roll(), 4000);
    setInterval(() => this.loadTracks(), 60000);
    setInterval(() => this.loadHeat(), 600000);
  }

  tick() {
    document.getElementById('clock').textContent = new Date().toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
    const now = Date.now();
    for (const el of document.querySelectorAll('#active [data-wait-for]')) {
      const inc = this.open.find((i) => i.id === el.dataset.waitFor);
      const w = inc && waited(inc, now);
      if (w) el.textContent = fmtElapsed(w.s);
    }
  }

  /** todaySoon reloads today's figures shortly after events, several events at once. */
  todaySoon() {
    clearTimeout(this.todayTimer);
    this.todayTimer = setTimeout(() => this.loadToday(), 300);
  }

  /** renderActive lists the active incidents, most urgent first. */
  renderActive() {
    const list = this.open
      .filter((i) => activeStatuses.includes(i.status) || i.status === 'received')
      .sort((a, b) => a.priority - b.priority || (a.received_at < b.received_at ? -1 : 1));
    document.getElementById('active-n').textContent = String(list.length);
    const el = document.getElementById('active');
    if (!list.length) {
      el.innerHTML = `<li class="muted">${h(t('screen.noactive'))}</li>`;
      return;
    }
    const now = Date.now();
    el.innerHTML = list
      .map((i) => {
        const j = i.jurisdiction || {};
        const where = i.address || this.names.get(j.community_grid_id) || this.names.get(j.police_grid_id) || '';
        const w = waited(i, now);
        return `<li data-incident-id="${h(i.id)}" class="${overdue(i, now) ? 'overdue' : ''}">
          <span class="prio p${i.priority}">${i.priority}</span>
          <span class="what">${h(this.categoryName(i.category))}</span>
          <span class="status s-${h(i.status)}">${h(t('status.' + i.status))}</span>
          <span class="where" translate="no">${h(where)}</span>
          ${w ? `<span class="wait" data-wait-for="${h(i.id)}">${h(fmtElapsed(w.s))}</span>` : ''}
        </li>`;
      })
      .join('');
  }

  /** roll moves the first active incident to the end when the list is longer than its card. */
  roll() {
    const box = document.getElementById('active-box');
    const el = document.getElementById('active');
    const rolling = el.scrollHeight > box.clientHeight + 2 && el.children.length > 1;
    box.dataset.rolling = String(rolling);
    if (rolling) el.appendChild(el.firstElementChild);
  }

  async loadToday() {
    const since = encodeURIComponent(startOfToday());
    // Up to now: the year-on-year figures compare the same hours.
    const until = encodeURIComponent(new Date(Date.now() + 1000).toISOString());
    const [incs, cks, stats, strength] = await Promise.all([
      this.client.list(`/api/v1/incidents?status=${openStatuses.join(',')}`, 5000).catch(() => this.open),
      this.client.list(`/api/v1/checkins?since=${since}`, 5000).catch(() => this.checkins),
      this.client.get(`/api/v1/stats/incidents?from=${since}&to=${until}&compare=year`).catch(() => this.stats),
      this.client.get('/api/v1/duty/strength').catch(() => null),
    ]);
    if (strength) this.strength = strength.items || [];
    this.open = incs;
    this.checkins = cks;
    this.stats = stats;
    this.map.setIncidents(incs);
    this.render();
  }

  /**
   * onEvent moves the units that moved; a new or changed incident or a
   * check-in updates today's figures and the lists at once.
   */
  onEvent(type, ev) {
    if (!ev) return;
    if (type === 'positions') {
      applyPositions(ev.positions, (id) => this.unitsById.get(id), this.map);
      return;
    }
    if (type.startsWith('incident.') || type.startsWith('checkin.') || ev.entity_type === 'incident') this.todaySoon();
  }

  async loadUnits() {
    try {
      const list = await this.client.list('/api/v1/units', 20000);
      // Positions that arrived on the stream meanwhile are newer than the list's.
      this.units = keepNewerPositions(list, (id) => this.unitsById.get(id));
      this.unitsById = new Map(this.units.map((u) => [u.id, u]));
      this.map.setUnits(this.units);
      this.renderKPIs();
    } catch (e) {
      console.warn(e);
    }
  }

  /** loadHeat draws the last 30 days' incidents, counted in cells of about 500 m. */
  async loadHeat() {
    const from = new Date(Date.now() - 30 * 86400000).toISOString();
    const to = new Date(Date.now() + 60000).toISOString();
    try {
      const rep = await this.client.get(`/api/v1/stats/incidents?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&heat_cell_deg=0.005`);
      this.map.setHeat((rep && rep.current && rep.current.heat) || []);
    } catch (e) {
      console.warn(e);
    }
  }

  /** loadTracks draws the last two hours of the busiest units on duty. */
  async loadTracks() {
    const from = new Date(Date.now() - 2 * 3600000).toISOString();
    const to = new Date(Date.now() + 60000).toISOString();
    const busy = this.units
      .filter((u) => u.status !== 'off_duty' && u.position_at && Date.parse(u.position_at) > Date.now() - 2 * 3600000)
      .sort((a, b) => (a.incident_id ? -1 : 0) - (b.incident_id ? -1 : 0))
      .slice(0, 24);
    const tracks = await Promise.all(
      busy.map((u) =>
        this.client
          .get(`/api/v1/units/${encodeURIComponent(u.id)}/trajectory?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)
          .then((r) => ((r && r.items) || []).filter((p) => !p.flag).map((p) => p.point))
          .catch(() => []),
      ),
    );
    this.map.setTracks(tracks.filter((tr) => tr.length > 1));
  }

  render() {
    applyI18n(document);
    this.renderKPIs();
    this.renderBars('checkins', this.countBy(this.checkins, (c) => {
      const j = c.jurisdiction || {};
      return this.names.get(j.community_grid_id) || this.names.get(j.police_grid_id) || '—';
    }), true);
    const cur = this.stats && this.stats.current;
    renderStrength(document.getElementById('strength'), this.strength);
    this.renderActive();
    this.renderBars('bycat', cur ? cur.by_category.map((c) => [this.categoryName(c.key), c.n]) : []);
    const states = cur ? cur.by_status.map((c) => [c.key, c.n]) : [];
    this.renderBars('bystate', stateOrder.filter((s) => states.some(([k]) => k === s)).map((s) => [t('status.' + s), states.find(([k]) => k === s)[1]]));
    document.getElementById('updated').textContent = t('screen.updated', { t: fmtTime(new Date()) });
    this.renderLegend();
  }

  renderKPIs() {
    const s = this.summary();
    const onDuty = this.units.filter((u) => u.status && u.status !== 'off_duty').length;
    const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
    const kpis = [
      ['kpi.today', s.count, this.yearOnYear()],
      ['kpi.open', s.open],
      ['kpi.flow', fmtDuration(s.flowS)],
      ['kpi.response', fmtDuration(s.responseS)],
      ['kpi.onscene', pct(s.onSceneRate)],
      ['kpi.satisfaction', pct(s.satisfactionRate)],
      ['kpi.checkins', this.checkins.length],
      ['kpi.onduty', onDuty],
    ];
    document.getElementById('kpis').innerHTML = kpis
      .map(
        ([k, v, sub]) =>
          `<div class="kpi" data-kpi="${k}"><div class="v">${h(v)}</div><div class="l">${h(t(k))}</div>${sub ? `<div class="yoy">${h(sub)}</div>` : ''}</div>`,
      )
      .join('');
  }

  /** summary is today's figures from the statistics endpoint ("—" until it answers). */
  summary() {
    const cur = this.stats && this.stats.current;
    if (!cur) return { count: '—', open: this.open.length, flowS: null, responseS: null, onSceneRate: null, satisfactionRate: null };
    return {
      count: cur.total,
      open: cur.open,
      flowS: cur.flow_time.mean_s,
      responseS: cur.response_time.mean_s,
      onSceneRate: cur.on_scene_rate,
      satisfactionRate: cur.satisfied_rate,
    };
  }

  /** yearOnYear says how today's count compares with the same day a year before (同比). */
  yearOnYear() {
    const c = this.stats && this.stats.change;
    if (!c) return '';
    if (c.total_pct == null) return t('kpi.yoy.none');
    const v = c.total_pct;
    return t('kpi.yoy', { v: `${v > 0 ? '+' : ''}${v.toFixed(1)}%` });
  }

  countBy(list, key) {
    const m = new Map();
    for (const x of list) {
      const k = key(x);
      m.set(k, (m.get(k) || 0) + 1);
    }
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }

  renderBars(id, rows, names) {
    const el = document.getElementById(id);
    if (!rows.length) {
      el.innerHTML = `<li class="muted">${h(t('screen.nodata'))}</li>`;
      return;
    }
    const max = Math.max(...rows.map((r) => r[1]));
    el.innerHTML = rows
      .slice(0, 30)
      .map(([name, n]) => `<li><span class="name" ${names ? 'translate="no"' : ''} title="${h(name)}">${h(name)}</span><span class="bar" style="width:${(100 * n) / max}%"></span><span class="n">${n}</span></li>`)
      .join('');
  }

  categoryName(code) {
    const c = this.categories.get(code);
    return c ? pick(c.name, c.name_en) : code;
  }

  renderLegend() {
    document.getElementById('legend').innerHTML = `<ul>${Object.keys(unitColors)
      .map((s) => `<li><span class="swatch" style="background:${unitColors[s]}"></span>${h(t('ustatus.' + s))}</li>`)
      .join('')}<li><span class="swatch" style="background:#dc2626;border-radius:0"></span>${h(t('layer.heat'))}</li></ul>`;
  }
}

new Screen().start().catch((e) => console.error(e));
