// duty.js: duty in the command console (勤务看板): today's shifts, who is on,
// units short of crew, roll calls and their answers, the week's roster with
// leave, cover and swaps, .xlsx import and export, and the day's check-in
// ledger; the emergency units of an incident's police grid, called out from
// the incident panel; and the on-duty strength the big screen shows.

import { ApiError, escapeHTML as h } from './api.js';
import { t, fmtTime } from './i18n.js';

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** ymd writes a date as 2026-11-23 in the browser's time (China Standard Time in use). */
function ymd(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** mondayOf returns the Monday of a date's week. */
function mondayOf(d) {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
  return m;
}

const hm = (v) => fmtTime(v).slice(0, 5);

/** errText is an error's words for a toast. */
const errText = (e) => (e instanceof ApiError ? e.text() : String(e));

/** download fetches a workbook with the client's token and saves it. */
async function download(client, path, name) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${client.token}` } });
  if (!resp.ok) throw new ApiError(resp.status, await resp.json().catch(() => null));
  const url = URL.createObjectURL(await resp.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** shiftState is a shift's state at now: on, ahead or over. */
function shiftState(sh, now) {
  if (sh.on) return 'on';
  return new Date(sh.start) > now ? 'ahead' : 'over';
}

/**
 * DutyBoard fills the console's side panel with duty: the board (B), the
 * roster and the ledger. names turns IDs into names; showPlace moves the
 * map; toast reports.
 */
export class DutyBoard {
  constructor(client, { names, showPlace, toast }) {
    this.client = client;
    this.names = names;
    this.showPlace = showPlace;
    this.toast = toast;
    this.view = 'board';
    this.board = null;
    this.timer = 0;
  }

  name(id) {
    return (this.board && this.board.names && this.board.names[id]) || this.names(id) || id;
  }

  /** open draws the panel and loads the board; onClose is the close button. */
  open(panel, onClose) {
    this.panel = panel;
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="duty-h">${h(t('duty.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <div class="tabs" role="group" id="duty-tabs">
        <button type="button" class="tab" data-view="board" aria-pressed="true">${h(t('duty.board'))}</button>
        <button type="button" class="tab" data-view="roster" aria-pressed="false">${h(t('duty.roster'))}</button>
        <button type="button" class="tab" data-view="ledger" aria-pressed="false">${h(t('duty.ledger'))}</button>
      </div>
      <div id="duty-body" aria-live="polite" aria-labelledby="duty-h"><p class="muted">${h(t('loading'))}</p></div>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    for (const b of panel.querySelectorAll('#duty-tabs .tab')) {
      b.addEventListener('click', () => this.show(b.dataset.view));
    }
    this.show('board');
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (!document.body.contains(panel.querySelector('#duty-body'))) return clearInterval(this.timer);
      if (this.view === 'board') this.loadBoard();
    }, 10000);
  }

  /** onEvent reloads the board when a duty event arrives on the stream. */
  onEvent(type) {
    if (this.view === 'board' && (type.startsWith('duty.') || type.startsWith('checkin.'))) {
      clearTimeout(this.soon);
      this.soon = setTimeout(() => this.loadBoard(), 300);
    }
  }

  show(view) {
    this.view = view;
    for (const b of this.panel.querySelectorAll('#duty-tabs .tab')) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    if (view === 'board') this.loadBoard();
    else if (view === 'roster') this.openRoster();
    else this.openLedger();
  }

  body() {
    return this.panel.querySelector('#duty-body');
  }

  // The board.

  async loadBoard() {
    try {
      this.board = await this.client.get('/api/v1/duty/board');
      if (this.view === 'board') this.renderBoard();
    } catch (e) {
      this.body().innerHTML = `<p class="error">${h(errText(e))}</p>`;
    }
  }

  renderBoard() {
    const b = this.board;
    const now = new Date(b.at);
    const open = this.body().querySelector('details[open][data-rc]');
    const keep = open ? open.dataset.rc : '';
    const strength = (b.strength || [])
      .filter((s) => s.units_on + s.units_off > 0 || s.on_duty > 0)
      .map(
        (s) => `<tr data-id="${h(s.id)}"><th scope="row">${h(s.name)}</th><td>${s.on_duty}</td><td>${s.total}${s.seconded ? ` <small>(${h(t('duty.seconded.n', { n: s.seconded }))})</small>` : ''}</td>
          <td>${s.units_on}/${s.units_on + s.units_off}${s.units_short ? ` <span class="badge-short">${h(t('duty.short.n', { n: s.units_short }))}</span>` : ''}</td></tr>`,
      )
      .join('');
    const shifts = (b.shifts || [])
      .map((sh) => {
        const st = shiftState(sh, now);
        const crew = (sh.crew || []).map((m) => h(this.name(m.person_id)) + (m.for ? `<small>（${h(t('duty.for', { n: this.name(m.for) }))}）</small>` : '')).join('、');
        const where = [sh.unit_id && this.name(sh.unit_id), sh.post_id && this.name(sh.post_id)].filter(Boolean).join(' · ');
        return `<li data-shift="${h(sh.id)}" data-state="${st}" class="duty-shift ${st}">
          <span class="time">${h(hm(sh.start))}–${h(hm(sh.end))}</span>
          <span><strong>${h(sh.name)}</strong> <small class="muted">${h(this.name(sh.owner))}${where ? ' · ' + h(where) : ''}</small><br>${crew || `<em>${h(t('duty.nocrew'))}</em>`}</span>
          <span class="state">${h(t('duty.shift.' + st))}${sh.short ? ` <span class="badge-short">${h(t('duty.short'))}</span>` : ''}</span></li>`;
      })
      .join('');
    const units = (b.units || [])
      .map(
        (u) => `<li data-unit="${h(u.unit_id)}" data-on="${u.on_shift}" data-short="${u.short}"><strong>${h(this.name(u.unit_id))}</strong>
          <span class="status ${u.on_shift ? 's-available' : 's-off_duty'}">${h(t(u.on_shift ? 'duty.onshift' : 'duty.offshift'))}</span>
          ${u.short ? `<span class="badge-short">${h(t('duty.short.crew', { n: u.crew.length, m: u.min_crew }))}</span>` : ''}
          <small class="muted">${(u.crew || []).map((p) => h(this.name(p))).join('、')}${u.until ? ` · ${h(t('duty.until', { t: hm(u.until) }))}` : ''}</small></li>`,
      )
      .join('');
    const options = (b.units || []).map((u) => `<option value="${h(u.unit_id)}">${h(this.name(u.unit_id))}</option>`).join('');
    const stations = (b.strength || []).filter((s) => s.kind === 'station').map((s) => `<option value="${h(s.id)}">${h(s.name)}</option>`).join('');
    this.body().innerHTML = `
      <p class="muted">${h(t('duty.date', { d: b.date }))}</p>
      <h3>${h(t('duty.strength'))}</h3>
      <table class="stats-table" id="duty-strength"><thead><tr><th>${h(t('duty.unitname'))}</th><th>${h(t('duty.onduty'))}</th><th>${h(t('duty.total'))}</th><th>${h(t('duty.units'))}</th></tr></thead>
        <tbody>${strength || `<tr><td colspan="4" class="muted">${h(t('duty.none'))}</td></tr>`}</tbody></table>
      <h3>${h(t('duty.shifts'))}</h3>
      <ol class="duty-list" id="duty-shifts">${shifts || `<li class="muted">${h(t('duty.noshifts'))}</li>`}</ol>
      <h3>${h(t('duty.unitstates'))}</h3>
      <ul class="duty-list" id="duty-units">${units || `<li class="muted">${h(t('duty.nounits'))}</li>`}</ul>
      <h3>${h(t('duty.rollcall'))}</h3>
      <form id="rollcall-form" class="form">
        <label>${h(t('duty.rc.title'))}<input name="title" value="${h(t('duty.rc.default'))}" maxlength="100"></label>
        <label>${h(t('duty.rc.units'))}<select name="units" multiple size="4">${options}</select></label>
        <label>${h(t('duty.rc.station'))}<select name="station"><option value="">—</option>${stations}</select></label>
        <label>${h(t('duty.rc.deadline'))}<select name="deadline"><option value="60">1 ${h(t('duty.min'))}</option><option value="180">3 ${h(t('duty.min'))}</option>
          <option value="300" selected>5 ${h(t('duty.min'))}</option><option value="600">10 ${h(t('duty.min'))}</option></select></label>
        <button type="submit" class="primary">${h(t('duty.rc.call'))}</button>
      </form>
      <ol class="duty-list" id="rollcalls">${(b.roll_calls || []).map((rc) => this.renderRollCall(rc, now)).join('') || `<li class="muted">${h(t('duty.rc.none'))}</li>`}</ol>`;
    if (keep) {
      const d = this.body().querySelector(`details[data-rc="${CSS.escape(keep)}"]`);
      if (d) d.open = true;
    }
    this.body().querySelector('#rollcall-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.callRoll(e.target);
    });
    for (const a of this.body().querySelectorAll('a[data-lon]')) {
      a.addEventListener('click', (e) => {
        e.preventDefault();
        this.showPlace(parseFloat(a.dataset.lon), parseFloat(a.dataset.lat));
      });
    }
  }

  renderRollCall(rc, now) {
    const m = rc.members || [];
    const n = (s) => m.filter((x) => x.status === s).length;
    const over = rc.status === 'closed' || new Date(rc.deadline) <= now;
    const rows = m
      .map((x) => {
        const where = x.point ? `<a href="#" data-lon="${x.point.lon}" data-lat="${x.point.lat}">${x.point.lon.toFixed(4)}, ${x.point.lat.toFixed(4)}</a>` : x.status === 'answered' ? h(t('duty.nopos')) : '';
        return `<li data-person="${h(x.person_id)}" data-status="${h(x.status)}"><strong>${h(x.name)}</strong> <span class="status rc-${h(x.status)}">${h(t('duty.rc.' + x.status))}</span>
          <small class="muted">${x.answered_at ? h(hm(x.answered_at)) : ''} ${where} ${x.user_id ? '' : h(t('duty.noapp'))}</small></li>`;
      })
      .join('');
    return `<li data-id="${h(rc.id)}" data-status="${over ? 'closed' : 'open'}"><details data-rc="${h(rc.id)}"><summary><strong>${h(rc.title)}</strong> ${h(hm(rc.called_at))}
      <span class="muted">${h(over ? t('duty.rc.over') : t('duty.rc.until', { t: hm(rc.deadline) }))}</span>
      · ${h(t('duty.rc.count', { a: n('answered'), n: m.length, x: n('missed') }))}</summary><ul class="rc-members">${rows}</ul></details></li>`;
  }

  async callRoll(form) {
    const units = [...form.units.selectedOptions].map((o) => o.value);
    const body = { title: form.title.value, targets: { unit_ids: units, station_id: form.station.value }, deadline_s: parseInt(form.deadline.value, 10) };
    try {
      const rc = await this.client.post('/api/v1/roll-calls', body);
      this.toast(t('duty.rc.called', { n: (rc.members || []).length }));
      await this.loadBoard();
      const d = this.body().querySelector(`details[data-rc="${CSS.escape(rc.id)}"]`);
      if (d) d.open = true;
    } catch (e) {
      this.toast(errText(e), true);
    }
  }

  // The roster of a week.

  async openRoster() {
    const owners = ((this.board && this.board.strength) || []).map((s) => `<option value="${h(s.id)}">${h(s.name)}</option>`).join('');
    this.body().innerHTML = `
      <form id="roster-pick" class="form">
        <label>${h(t('duty.owner'))}<select name="owner">${owners}</select></label>
        <label>${h(t('duty.week'))}<input type="date" name="week" value="${ymd(mondayOf(new Date()))}"></label>
      </form>
      <div id="roster"></div>`;
    const form = this.body().querySelector('#roster-pick');
    form.addEventListener('change', () => this.loadRoster(form));
    if (!this.board) await this.loadBoard().then(() => this.openRoster());
    else this.loadRoster(form);
  }

  async loadRoster(form) {
    const week = ymd(mondayOf(new Date(`${form.week.value}T00:00:00`)));
    const id = `${form.owner.value}@${week}`;
    const out = this.body().querySelector('#roster');
    try {
      this.roster = await this.client.get(`/api/v1/rosters/${encodeURIComponent(id)}`);
      this.renderRoster(out);
    } catch (e) {
      out.innerHTML = `<p class="error">${h(errText(e))}</p>`;
    }
  }

  renderRoster(out) {
    const r = this.roster;
    const nm = (id) => (r.names && r.names[id]) || this.name(id);
    const byDay = new Map();
    for (const sh of r.shifts || []) {
      const d = ymd(new Date(sh.start));
      if (!byDay.has(d)) byDay.set(d, []);
      byDay.get(d).push(sh);
    }
    const days = [...byDay.entries()]
      .map(([d, shs]) => `<li><strong>${h(d)}</strong><ul>${shs
        .map((sh) => `<li data-shift="${h(sh.id)}">${h(hm(sh.start))}–${h(hm(sh.end))} ${h(sh.name)}${sh.unit_id ? ` <small class="muted">${h(nm(sh.unit_id))}</small>` : ''}：${(sh.crew || []).map((m) => h(nm(m.person_id)) + (m.for ? `<small>（${h(t('duty.for', { n: nm(m.for) }))}）</small>` : '')).join('、') || `<em>${h(t('duty.nocrew'))}</em>`}${(sh.crew || []).length < sh.min_crew ? ` <span class="badge-short">${h(t('duty.short'))}</span>` : ''}</li>`)
        .join('')}</ul></li>`)
      .join('');
    const people = Object.keys(r.names || {}).filter((id) => !(r.shifts || []).some((s) => s.unit_id === id || s.post_id === id));
    const personOpts = people.map((id) => `<option value="${h(id)}">${h(nm(id))}</option>`).join('');
    const shiftOpts = (r.shifts || []).map((s) => `<option value="${h(s.id)}">${h(ymd(new Date(s.start)))} ${h(hm(s.start))} ${h(s.name)}</option>`).join('');
    const seconded = (r.seconded || []).map((s) => `<li>${h(s.name)} <small class="muted">${h(s.home_unit)} · ${h(s.start)}–${h(s.end)} · ${h(t('duty.cycle', { n: s.cycle_years }))}</small></li>`).join('');
    out.innerHTML = `
      <p class="muted" id="roster-meta" data-version="${r.version}">${h(t(r.version ? 'duty.version' : 'duty.generated', { v: r.version }))}</p>
      <div class="actions"><button type="button" id="roster-export">${h(t('duty.export'))}</button>
        <label class="button">${h(t('duty.import'))}<input type="file" id="roster-import" accept=".xlsx,${xlsxType}" hidden></label></div>
      <ol class="duty-list" id="roster-days">${days || `<li class="muted">${h(t('duty.noshifts'))}</li>`}</ol>
      ${seconded ? `<h3>${h(t('duty.seconded'))}</h3><ul class="duty-list">${seconded}</ul>` : ''}
      <h3>${h(t('duty.edit'))}</h3>
      <form id="leave-form" class="form"><strong>${h(t('duty.leave'))}</strong>
        <label>${h(t('duty.person'))}<select name="person">${personOpts}</select></label>
        <label>${h(t('duty.from'))}<input type="datetime-local" name="from" required></label>
        <label>${h(t('duty.to'))}<input type="datetime-local" name="to" required></label>
        <label>${h(t('duty.cover'))}<select name="cover"><option value="">—</option>${personOpts}</select></label>
        <label>${h(t('duty.reason'))}<input name="reason" maxlength="200"></label>
        <button type="submit">${h(t('duty.leave'))}</button></form>
      <form id="cover-form" class="form"><strong>${h(t('duty.coverit'))}</strong>
        <label>${h(t('duty.shift'))}<select name="shift">${shiftOpts}</select></label>
        <label>${h(t('duty.absent'))}<select name="person"><option value="">—</option>${personOpts}</select></label>
        <label>${h(t('duty.cover'))}<select name="cover">${personOpts}</select></label>
        <button type="submit">${h(t('duty.coverit'))}</button></form>
      <form id="swap-form" class="form"><strong>${h(t('duty.swap'))}</strong>
        <label>A<select name="sa">${shiftOpts}</select><select name="pa">${personOpts}</select></label>
        <label>B<select name="sb">${shiftOpts}</select><select name="pb">${personOpts}</select></label>
        <button type="submit">${h(t('duty.swap'))}</button></form>`;
    const edit = async (path, body) => {
      try {
        this.roster = await this.client.post(`/api/v1/rosters/${encodeURIComponent(r.id)}/${path}`, { version: r.version, ...body });
        this.toast(t('duty.saved'));
        this.renderRoster(out);
      } catch (e) {
        this.toast(errText(e), true);
      }
    };
    const when = (v) => new Date(v).toISOString();
    out.querySelector('#leave-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.target;
      edit('leaves', { leave: { person_id: f.person.value, from: when(f.from.value), to: when(f.to.value), cover_id: f.cover.value, reason: f.reason.value } });
    });
    out.querySelector('#cover-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.target;
      edit('covers', { shift_id: f.shift.value, person_id: f.person.value, cover_id: f.cover.value });
    });
    out.querySelector('#swap-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.target;
      edit('swaps', { a: { shift_id: f.sa.value, person_id: f.pa.value }, b: { shift_id: f.sb.value, person_id: f.pb.value } });
    });
    out.querySelector('#roster-export').addEventListener('click', () =>
      download(this.client, `/api/v1/rosters/${encodeURIComponent(r.id)}?format=xlsx`, `排班表-${r.id}.xlsx`).catch((e) => this.toast(errText(e), true)),
    );
    out.querySelector('#roster-import').addEventListener('change', async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      try {
        const resp = await fetch('/api/v1/rosters/import', { method: 'POST', headers: { Authorization: `Bearer ${this.client.token}`, 'Content-Type': xlsxType }, body: file });
        const data = await resp.json().catch(() => null);
        if (!resp.ok) throw new ApiError(resp.status, data);
        this.toast(t('duty.imported', { n: ((data && data.items) || []).length }));
        this.loadRoster(this.body().querySelector('#roster-pick'));
      } catch (err) {
        this.toast(errText(err), true);
      }
    });
  }

  // The day's check-in ledger of a station.

  openLedger() {
    const stations = ((this.board && this.board.strength) || []).filter((s) => s.kind === 'station').map((s) => `<option value="${h(s.id)}">${h(s.name)}</option>`).join('');
    this.body().innerHTML = `
      <form id="ledger-pick" class="form">
        <label>${h(t('duty.station'))}<select name="station">${stations}</select></label>
        <label>${h(t('duty.day'))}<input type="date" name="date" value="${ymd(new Date())}"></label>
        <button type="button" id="ledger-export">${h(t('duty.export'))}</button>
      </form>
      <div id="ledger"></div>`;
    const form = this.body().querySelector('#ledger-pick');
    const q = () => `date=${encodeURIComponent(form.date.value)}&station_id=${encodeURIComponent(form.station.value)}`;
    const load = async () => {
      const out = this.body().querySelector('#ledger');
      try {
        const l = await this.client.get(`/api/v1/checkins/ledger?${q()}`);
        out.innerHTML = `<p>${h(t('duty.ledger.sum', { v: l.valid, o: l.outside, p: l.no_position, m: l.missing }))}</p>
          <table class="stats-table" id="ledger-rows"><thead><tr><th>${h(t('duty.community'))}</th><th>${h(t('duty.person'))}</th><th>${h(t('duty.first'))}</th><th>${h(t('duty.result'))}</th></tr></thead><tbody>
          ${(l.rows || [])
            .map((r) => `<tr data-person="${h(r.person_id)}" data-verdict="${h(r.verdict || 'missing')}"><th scope="row">${h(r.community)}</th><td>${h(r.name)}</td><td>${r.first ? h(hm(r.first)) : '—'}</td>
              <td>${h(r.count ? t('verdict.' + (r.verdict || 'inside')) : t('duty.missing'))}</td></tr>`)
            .join('')}</tbody></table>`;
      } catch (e) {
        out.innerHTML = `<p class="error">${h(errText(e))}</p>`;
      }
    };
    form.addEventListener('change', load);
    form.querySelector('#ledger-export').addEventListener('click', () =>
      download(this.client, `/api/v1/checkins/ledger?format=xlsx&${q()}`, `打卡台账-${form.date.value}.xlsx`).catch((e) => this.toast(errText(e), true)),
    );
    load();
  }
}

/**
 * EmergencyCallout shows, in an incident's panel, the minimal emergency
 * units of its police grid with a button to call one out, and the calls
 * made for it: each member's answer, and for members without the app a
 * form to record the phone call.
 */
export class EmergencyCallout {
  constructor(client, { toast }) {
    this.client = client;
    this.toast = toast;
    this.cache = new Map(); // incident → {at, units, calls}
  }

  async render(el, inc) {
    if (!el || !inc) return;
    const grid = inc.jurisdiction && inc.jurisdiction.police_grid_id;
    let c = this.cache.get(inc.id);
    if (!c || Date.now() - c.at > 5000) {
      try {
        const [units, calls] = await Promise.all([
          grid ? this.client.get(`/api/v1/emergency-units?police_grid_id=${encodeURIComponent(grid)}`) : { items: [] },
          this.client.get(`/api/v1/emergency-calls?incident_id=${encodeURIComponent(inc.id)}`),
        ]);
        c = { at: Date.now(), units: units.items || [], calls: calls.items || [] };
        this.cache.set(inc.id, c);
      } catch (e) {
        el.innerHTML = '';
        return;
      }
    }
    if (!document.body.contains(el)) return;
    const units = c.units
      .map(
        (u) => `<li data-eu="${h(u.id)}"><strong>${h(u.name)}</strong> <small class="muted">${(u.members || []).map((m) => `${h(m.name)}（${h(t('erole.' + m.role))}）`).join('、')}</small>
          <button type="button" data-call="${h(u.id)}">${h(t('eu.call'))}</button></li>`,
      )
      .join('');
    const calls = c.calls
      .map(
        (call) => `<li data-call-id="${h(call.id)}"><strong>${h(call.name)}</strong> ${h(hm(call.at))}<ul>${(call.members || [])
          .map(
            (m) => `<li data-person="${h(m.person_id)}" data-status="${h(m.status)}">${h(m.name)} <span class="status eu-${h(m.status)}">${h(t('eu.' + m.status))}</span>
              <small class="muted">${h(t('eu.' + m.channel))}${m.phone_note ? ' · ' + h(m.phone_note) : ''}</small>
              ${m.channel === 'phone' && m.status !== 'acknowledged' ? `<form class="phone-note" data-call="${h(call.id)}" data-person="${h(m.person_id)}"><input name="note" placeholder="${h(t('eu.note'))}" required maxlength="200"><label><input type="checkbox" name="reached" checked>${h(t('eu.reached'))}</label><button type="submit">${h(t('eu.record'))}</button></form>` : ''}</li>`,
          )
          .join('')}</ul></li>`,
      )
      .join('');
    el.innerHTML = units || calls ? `<h3>${h(t('eu.title'))}</h3><ul class="duty-list">${units}</ul><ol class="duty-list" id="eu-calls">${calls}</ol>` : '';
    for (const b of el.querySelectorAll('button[data-call]')) {
      b.addEventListener('click', async () => {
        try {
          const call = await this.client.post(`/api/v1/emergency-units/${encodeURIComponent(b.dataset.call)}/call`, { incident_id: inc.id });
          this.toast(t('eu.called', { n: (call.members || []).length }));
          this.cache.delete(inc.id);
          this.render(el, inc);
        } catch (e) {
          this.toast(errText(e), true);
        }
      });
    }
    for (const f of el.querySelectorAll('form.phone-note')) {
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await this.client.post(`/api/v1/emergency-calls/${encodeURIComponent(f.dataset.call)}/phone-notes`, { person_id: f.dataset.person, note: f.note.value, reached: f.reached.checked });
          this.cache.delete(inc.id);
          this.render(el, inc);
        } catch (err) {
          this.toast(errText(err), true);
        }
      });
    }
  }
}

/** renderStrength draws the on-duty strength per station for the big screen. */
export function renderStrength(el, items) {
  const list = (items || []).filter((s) => s.units_on + s.units_off > 0 || s.on_duty > 0 || s.seconded > 0);
  if (!list.length) {
    el.innerHTML = `<li class="muted">${h(t('screen.nodata'))}</li>`;
    return;
  }
  const max = Math.max(1, ...list.map((s) => s.total || s.on_duty));
  el.innerHTML = list
    .sort((a, b) => b.on_duty - a.on_duty)
    .map(
      (s) => `<li data-id="${h(s.id)}" data-on-duty="${s.on_duty}"><span class="name" translate="no" title="${h(t('screen.strength.title', { n: s.on_duty, m: s.total }))}">${h(s.name)}</span>
        <span class="bar" style="width:${Math.round((100 * s.on_duty) / max)}%"></span><span class="n">${s.on_duty}/${s.total}${s.units_short ? ` <small class="badge-short">${h(t('duty.short.n', { n: s.units_short }))}</small>` : ''}</span></li>`,
    )
    .join('');
}
