// board.js: the unit status board (警力状态板) of the console: every unit of
// the user's jurisdiction with its status and how long it has held it,
// grouped by status, the incident it serves, and the status the dispatcher
// records for it when a crew reports by radio (on duty, busy, off duty).

import { ApiError, escapeHTML as h } from './api.js';
import { t, fmtDuration } from './i18n.js';

/** The order of statuses on the board: the units at work first. */
const order = ['dispatched', 'en_route', 'on_scene', 'available', 'busy', 'off_duty'];

/** The statuses the dispatcher may set for a unit serving no incident. */
const settable = ['available', 'busy', 'off_duty'];

/**
 * UnitBoard renders the board into a panel. units() returns the console's
 * units (a Map), names(id) a station's or grid's name, openIncident(id)
 * opens an incident, toast(message, isError) reports, reload() reloads the
 * units after a change.
 */
export class UnitBoard {
  constructor(client, { units, names, openIncident, toast, reload }) {
    Object.assign(this, { client, units, names, openIncident, toast, reload });
    this.filter = '';
  }

  open(panel, close) {
    this.panel = panel;
    this.close = close;
    this.render();
  }

  /** since is how long a unit has held its status, or '' when unknown. */
  since(u, now = Date.now()) {
    if (!u.status_since) return '—';
    return fmtDuration(Math.max(0, (now - Date.parse(u.status_since)) / 1000));
  }

  render() {
    const p = this.panel;
    if (!p || !p.isConnected) return;
    const all = [...this.units().values()];
    const q = this.filter.trim().toLowerCase();
    const list = all
      .filter((u) => !q || (u.callsign || '').toLowerCase().includes(q) || (this.names(u.station_id || u.service_station_id) || '').includes(q))
      .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || (a.callsign || '').localeCompare(b.callsign || '', 'zh'));
    const counts = order.map((s) => `<span class="status s-${s}">${h(t('ustatus.' + s))} ${all.filter((u) => u.status === s).length}</span>`).join(' ');
    const rows = list
      .map((u) => {
        const home = this.names(u.station_id || u.service_station_id) || '';
        const onInc = u.incident_id
          ? `<button type="button" class="link" data-open="${h(u.incident_id)}">${h(t('board.incident'))}</button>`
          : `<select data-set="${h(u.id)}" aria-label="${h(t('board.set'))}">${settable
              .map((s) => `<option value="${s}" ${s === u.status ? 'selected' : ''}>${h(t('ustatus.' + s))}</option>`)
              .join('')}</select>`;
        return `<tr data-unit-id="${h(u.id)}" data-status="${h(u.status)}">
          <td><strong translate="no">${h(u.callsign || '')}</strong><br><small class="muted">${h(t('kind.' + u.kind))}</small></td>
          <td translate="no">${h(home)}</td>
          <td><span class="status s-${h(u.status)}">${h(t('ustatus.' + u.status))}</span></td>
          <td class="since" data-since="${h(u.status_since || '')}">${h(this.since(u))}</td>
          <td>${onInc}</td></tr>`;
      })
      .join('');
    p.innerHTML = `
      <div class="panel-head"><h2>${h(t('board.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button></div>
      <p class="board-counts">${counts}</p>
      <input type="search" id="board-search" placeholder="${h(t('board.search'))}" value="${h(this.filter)}">
      <table class="board" id="unit-board"><thead><tr><th>${h(t('board.callsign'))}</th><th>${h(t('board.home'))}</th>
        <th>${h(t('board.status'))}</th><th>${h(t('board.since'))}</th><th></th></tr></thead><tbody>${rows || `<tr><td colspan="5" class="muted">${h(t('board.none'))}</td></tr>`}</tbody></table>`;
    p.querySelector('#panel-close').addEventListener('click', () => this.close());
    const search = p.querySelector('#board-search');
    search.addEventListener('input', () => {
      this.filter = search.value;
      const at = search.selectionStart;
      this.render();
      const again = this.panel.querySelector('#board-search');
      again.focus();
      again.setSelectionRange(at, at);
    });
    for (const b of p.querySelectorAll('button[data-open]')) b.addEventListener('click', () => this.openIncident(b.dataset.open));
    for (const s of p.querySelectorAll('select[data-set]')) s.addEventListener('change', () => this.set(s.dataset.set, s.value, s));
  }

  /** tick updates the times in status every second without redrawing. */
  tick() {
    if (!this.panel || !this.panel.isConnected) return;
    const now = Date.now();
    for (const td of this.panel.querySelectorAll('#unit-board td.since')) {
      const since = td.dataset.since;
      td.textContent = since ? fmtDuration(Math.max(0, (now - Date.parse(since)) / 1000)) : '—';
    }
  }

  /** set records a unit's status on its behalf (a crew reporting by radio). */
  async set(id, status, select) {
    select.disabled = true;
    try {
      await this.client.post(`/api/v1/units/${encodeURIComponent(id)}/status`, { status });
      this.toast(t('board.set.done', { s: t('ustatus.' + status) }));
      await this.reload();
    } catch (e) {
      this.toast(e instanceof ApiError ? e.text() : String(e), true);
    }
    this.render();
  }
}
