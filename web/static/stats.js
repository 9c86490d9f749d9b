// stats.js: the statistics panel of the command console (警情统计): a
// period's figures beside the same period a year before (同比), the
// categories and stations with the most incidents, and the hours of the day.

import { ApiError, escapeHTML as h } from './api.js';
import { t, fmtDuration, lang } from './i18n.js';
import { dispositionName } from './words.js';

/** periods are the periods one may pick, as [key, from(now), to(now)]. */
const periods = [
  ['today', (n) => dayStart(n), (n) => n],
  ['week', (n) => new Date(dayStart(n).getTime() - 6 * 86400000), (n) => n],
  ['month', (n) => new Date(n.getFullYear(), n.getMonth(), 1), (n) => n],
  ['lastmonth', (n) => new Date(n.getFullYear(), n.getMonth() - 1, 1), (n) => new Date(n.getFullYear(), n.getMonth(), 1)],
  ['year', (n) => new Date(n.getFullYear(), 0, 1), (n) => n],
];

function dayStart(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
const signed = (v, fmt) => (v == null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${fmt(Math.abs(v))}`);

/**
 * StatsPanel fills the console's side panel with the statistics form and
 * its results. stations are [{id, name}]; categoryName and stationName turn
 * codes into words.
 */
export class StatsPanel {
  constructor(client, { stations, categoryName, stationName, scopeStation, placeName, showPlace, onPeriod }) {
    this.onPeriod = onPeriod; // told the period shown, for the map's heat layer
    this.client = client;
    this.stations = stations;
    this.categoryName = categoryName;
    this.stationName = stationName;
    this.placeName = placeName; // words for a resolved location
    this.showPlace = showPlace; // moves the map to a place
    this.scopeStation = scopeStation; // a station user sees only their own
  }

  /** open draws the form in panel and shows today's figures. */
  open(panel, onClose) {
    const stationSelect = this.scopeStation
      ? ''
      : `<label>${h(t('stats.station'))}<select name="station"><option value="">${h(t('stats.allstations'))}</option>${this.stations
          .map((s) => `<option value="${h(s.id)}" translate="no">${h(s.name)}</option>`)
          .join('')}</select></label>`;
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="stats-h">${h(t('stats.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <form id="stats" class="form" aria-labelledby="stats-h">
        <label>${h(t('stats.period'))}<select name="period">${periods
          .map(([k]) => `<option value="${k}">${h(t('stats.period.' + k))}</option>`)
          .join('')}</select></label>
        ${stationSelect}
      </form>
      <div id="stats-out" aria-live="polite"><p class="muted">${h(t('stats.loading'))}</p></div>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    const form = panel.querySelector('#stats');
    form.addEventListener('change', () => this.show(form, panel.querySelector('#stats-out')));
    form.addEventListener('submit', (e) => e.preventDefault());
    this.show(form, panel.querySelector('#stats-out'));
    form.period.focus();
  }

  async show(form, out) {
    const [key, from, to] = periods.find(([k]) => k === form.period.value) || periods[0];
    this.periodLabel = t('stats.period.' + key);
    const now = new Date();
    const q = new URLSearchParams({ from: from(now).toISOString(), to: new Date(to(now).getTime() + 1000).toISOString(), compare: 'year', heat_cell_deg: '0.005' });
    if (this.onPeriod) this.onPeriod(from(now), new Date(to(now).getTime() + 1000), key);
    if (form.station && form.station.value) q.set('station_id', form.station.value);
    const asked = q.toString();
    this.asked = asked;
    out.setAttribute('aria-busy', 'true');
    try {
      const rep = await this.client.get(`/api/v1/stats/incidents?${asked}`);
      if (this.asked !== asked) return; // a later choice is on its way
      out.innerHTML = this.render(rep);
      this.bindHotspots(out);
      for (const f of ['xlsx', 'csv']) {
        out.querySelector(`#stats-${f}`).addEventListener('click', () => this.download(f).catch((e) => {
          out.insertAdjacentHTML('afterbegin', `<p class="error">${h(String(e))}</p>`);
        }));
      }
    } catch (e) {
      out.innerHTML = `<p class="error">${h(e instanceof ApiError ? e.text() : String(e))}</p>`;
    } finally {
      out.removeAttribute('aria-busy');
    }
  }

  /**
   * download fetches the statistics file the server builds (.xlsx or CSV,
   * in the page's language, with hot spots) and saves it.
   */
  async download(format) {
    const q = new URLSearchParams(this.asked);
    q.delete('heat_cell_deg');
    q.set('format', format);
    q.set('lang', lang());
    const resp = await fetch(`/api/v1/stats/incidents/export?${q}`, { headers: { Authorization: `Bearer ${this.client.token}` } });
    if (!resp.ok) throw new Error(`export ${resp.status}`);
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*=utf-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
    const name = m ? decodeURIComponent(m[1] || m[2]) : `statistics.${format}`;
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /**
   * bindHotspots names the hot spots (the community and police grid each
   * lies in) and lets a click show one on the map.
   */
  bindHotspots(out) {
    for (const b of out.querySelectorAll('#stats-hotspots button')) {
      const lon = Number(b.dataset.lon);
      const lat = Number(b.dataset.lat);
      b.addEventListener('click', () => this.showPlace && this.showPlace(lon, lat));
      this.client
        .get(`/api/v1/resolve?lon=${lon}&lat=${lat}`)
        .then((loc) => {
          const name = this.placeName && this.placeName(loc);
          if (name) {
            b.textContent = name;
            b.setAttribute('translate', 'no');
          }
        })
        .catch(() => {}); // outside every grid: the coordinates stay
    }
  }

  render(rep) {
    const cur = rep.current;
    const prev = rep.previous_year || {};
    const ch = rep.change || {};
    const mean = (d) => (d && d.mean_s != null ? d.mean_s : null);
    const rows = [
      ['stats.total', cur.total, prev.total ?? '—', ch.total_pct == null ? '—' : signed(ch.total_pct, (v) => `${v.toFixed(1)}%`)],
      ['stats.open', cur.open, '', ''],
      ['kpi.flow', fmtDuration(mean(cur.flow_time)), fmtDuration(mean(prev.flow_time)), signed(ch.flow_time_mean_s, fmtDuration)],
      ['kpi.response', fmtDuration(mean(cur.response_time)), fmtDuration(mean(prev.response_time)), signed(ch.response_time_mean_s, fmtDuration)],
      ['stats.p90response', fmtDuration(cur.response_time.p90_s), fmtDuration(prev.response_time && prev.response_time.p90_s), ''],
      ['kpi.onscene', pct(cur.on_scene_rate), pct(prev.on_scene_rate), signed(ch.on_scene_rate, (v) => `${(v * 100).toFixed(1)} ${t('stats.points')}`)],
      ['kpi.satisfaction', pct(cur.satisfied_rate), pct(prev.satisfied_rate), signed(ch.satisfied_rate, (v) => `${(v * 100).toFixed(1)} ${t('stats.points')}`)],
      ['stats.patrol', pct(cur.patrol_share), pct(prev.patrol_share), signed(ch.patrol_share, (v) => `${(v * 100).toFixed(1)} ${t('stats.points')}`)],
    ];
    const table = `<div class="row"><button type="button" id="stats-xlsx" class="link">${h(t('stats.export.xlsx'))}</button>
      <button type="button" id="stats-csv" class="link">${h(t('stats.export'))}</button></div>
      <table class="stats-table" id="stats-table">
      <thead><tr><th scope="col">${h(t('stats.metric'))}</th><th scope="col">${h(t('stats.current'))}</th><th scope="col">${h(t('stats.previous'))}</th><th scope="col">${h(t('stats.yoy'))}</th></tr></thead>
      <tbody>${rows
        .map(([k, a, b, c]) => `<tr data-metric="${k}"><th scope="row">${h(t(k))}</th><td>${h(a)}</td><td>${h(b)}</td><td>${h(c)}</td></tr>`)
        .join('')}</tbody></table>`;
    const bars = (title, counts, name, names) => {
      if (!counts.length) return '';
      const most = counts[0].n;
      return `<h3>${h(title)}</h3><ul class="bars">${counts
        .slice(0, 10)
        .map((c) => `<li><span class="name" ${names ? 'translate="no"' : ''} title="${h(name(c.key))}">${h(name(c.key))}</span><span class="bar" style="width:${(100 * c.n) / most}%"></span><span class="n">${c.n}</span></li>`)
        .join('')}</ul>`;
    };
    const most = Math.max(1, ...cur.by_hour);
    const hours = `<h3>${h(t('stats.byhour'))}</h3><div class="hours" role="img" aria-label="${h(t('stats.byhour'))}">${cur.by_hour
      .map((n, i) => `<span title="${i}:00 · ${n}" style="height:${Math.round((100 * n) / most)}%"></span>`)
      .join('')}</div><div class="hours-axis"><span>0</span><span>6</span><span>12</span><span>18</span><span>23</span></div>`;
    const spots = (cur.heat || []).slice(0, 5);
    const hotspots = spots.length
      ? `<h3>${h(t('stats.hotspots'))}</h3><ol class="hotspots" id="stats-hotspots">${spots
          .map((c) => `<li><button type="button" class="link" data-lon="${c.lon}" data-lat="${c.lat}">${h(t('stats.hotspot.at', { lon: c.lon.toFixed(3), lat: c.lat.toFixed(3) }))}</button> <span class="n">${h(t('stats.hotspot.n', { n: c.n }))}</span></li>`)
          .join('')}</ol>`
      : '';
    return (
      table +
      hotspots +
      (cur.total ? bars(t('stats.bycategory'), cur.by_category, this.categoryName) : `<p class="muted">${h(t('stats.none'))}</p>`) +
      bars(t('stats.byhandler'), cur.by_handler || [], (k) => t('handler.' + k)) +
      ((cur.by_disposition || []).length ? `<div id="stats-disposition">${bars(t('stats.bydisposition'), cur.by_disposition, dispositionName)}</div>` : '') +
      (this.scopeStation || rep.station_id ? '' : bars(t('stats.bystation'), cur.by_station, this.stationName, true)) +
      (cur.total ? hours : '')
    );
  }
}
