// prevention.js: the console's panel of prevention work (预防警务): the
// anti-fraud figures (pushed, reached, dissuaded, losses avoided, time to
// reach) beside the seeds' reference reach rate; the warnings no resident
// matched, to send to a police grid; a warning ledger to import; targeted
// publicity proposed where one kind of incident clusters; the joint
// analysis of property crime and the mutual evaluation of a service
// station and its stations.

import { escapeHTML as h } from './api.js';
import { t, has, pick, fmtDateTime } from './i18n.js';

/** fraud names a fraud type: its words when known, else as the platform wrote it. */
function fraud(code) {
  return has(`fraud.${code}`) ? h(t(`fraud.${code}`)) : `<span translate="no">${h(code || '—')}</span>`;
}

const pct = (v) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`);
const num = (v) => (v == null ? '—' : Math.round(v * 10) / 10);

/** PreventionPanel fills the console's side panel; name turns IDs into names. */
export class PreventionPanel {
  constructor(client, { name, toast }) {
    this.client = client;
    this.name = name;
    this.toast = toast || (() => {});
  }

  async open(panel, onClose) {
    this.panel = panel;
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="prev-h">${h(t('prev.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <h3>${h(t('prev.figures'))}</h3><div id="prev-figures" aria-busy="true"></div>
      <h3>${h(t('prev.triage'))}</h3><ol class="tasks" id="prev-triage" aria-busy="true"></ol>
      <h3>${h(t('prev.upload'))}</h3>
      <p><input type="file" id="prev-file" accept=".xlsx,.csv,text/csv"> <span id="prev-upload-result" role="status"></span></p>
      <h3>${h(t('prev.proposals'))}</h3><ol class="tasks" id="prev-proposals" aria-busy="true"></ol>
      <h3>${h(t('prev.joint'))}</h3><div id="prev-joint" aria-busy="true"></div>
      <h3>${h(t('prev.evaluation'))}</h3><div id="prev-eval" aria-busy="true"></div>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    panel.querySelector('#prev-file').addEventListener('change', (e) => this.upload(e.target.files[0]));
    await Promise.all([this.figures(), this.triage(), this.proposals(), this.joint()]);
  }

  async figures() {
    const el = this.panel.querySelector('#prev-figures');
    const f = await this.client.get('/api/v1/stats/warnings').catch(() => null);
    el.removeAttribute('aria-busy');
    if (!f) {
      el.innerHTML = `<p class="muted">${h(t('prev.none'))}</p>`;
      return;
    }
    const tot = f.total;
    const rows = (gs, label) =>
      gs.length
        ? `<table class="figures"><tbody>${gs
            .map((g) => `<tr><th scope="row">${label(g)}</th><td>${g.pushed}</td><td>${g.reached}</td><td>${pct(g.reach_rate)}</td><td>${g.dissuaded}</td></tr>`)
            .join('')}</tbody></table>`
        : `<p class="muted">${h(t('prev.none'))}</p>`;
    el.innerHTML = `
      <dl class="figures" id="prev-total">
        <dt>${h(t('prev.pushed'))}</dt><dd>${tot.pushed} <small class="muted">${h(t('prev.last_year', { n: f.last_year.pushed }))}</small></dd>
        <dt>${h(t('prev.reached'))}</dt><dd>${tot.reached}</dd>
        <dt>${h(t('prev.reach_rate'))}</dt><dd id="prev-rate">${pct(tot.reach_rate)} <small class="muted">${h(t('prev.reference', { r: pct(f.reference.reach_rate) }))}</small></dd>
        <dt>${h(t('prev.dissuaded'))}</dt><dd>${tot.dissuaded}</dd>
        <dt>${h(t('prev.avoided'))}</dt><dd>${Math.round(tot.losses_avoided)}</dd>
        <dt>${h(t('prev.minutes'))}</dt><dd>${num(tot.minutes_to_reach)}</dd>
      </dl>
      <h4>${h(t('prev.by_station'))}</h4>${rows(f.by_station, (g) => `<span translate="no">${h(g.label || this.name(g.key) || '—')}</span>`)}
      <h4>${h(t('prev.by_type'))}</h4>${rows(f.by_fraud_type, (g) => fraud(g.key))}`;
  }

  async triage() {
    const el = this.panel.querySelector('#prev-triage');
    const [ws, grids] = await Promise.all([
      this.client.get('/api/v1/warnings?status=triage&limit=100').catch(() => ({ items: [] })),
      this.client.get('/api/v1/police-grids?limit=1000').catch(() => ({ items: [] })),
    ]);
    el.removeAttribute('aria-busy');
    const items = ws.items || [];
    if (!items.length) {
      el.innerHTML = `<li class="muted">${h(t('prev.none'))}</li>`;
      return;
    }
    const options = (grids.items || []).map((g) => `<option value="${h(g.id)}" translate="no">${h(g.name)}</option>`).join('');
    el.innerHTML = items
      .map((w) => `<li data-warning-id="${h(w.id)}"><span><strong>${fraud(w.fraud_type)}</strong> <span translate="no">${h(w.name || '')} ${h(w.phone || '')}</span><br>
        <small class="muted">${h(fmtDateTime(w.issued_at))} · ${h(pick(w.reason, w.reason_en))}</small></span>
        <span><select aria-label="${h(t('prev.place'))}">${options}</select> <button type="button" class="prev-place">${h(t('prev.place'))}</button></span></li>`)
      .join('');
    for (const li of el.querySelectorAll('li[data-warning-id]')) {
      li.querySelector('button').addEventListener('click', async () => {
        const w = items.find((x) => x.id === li.dataset.warningId);
        try {
          await this.client.post(`/api/v1/warnings/${encodeURIComponent(w.id)}/place`, { police_grid_id: li.querySelector('select').value, version: w.version });
          li.remove();
        } catch (e) {
          this.toast(pick(e.message, e.messageEN || e.message), true);
        }
      });
    }
  }

  async upload(file) {
    if (!file) return;
    const out = this.panel.querySelector('#prev-upload-result');
    const format = file.name.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx';
    const resp = await fetch(`/api/v1/warnings/import?format=${format}`, { method: 'POST', headers: { Authorization: `Bearer ${this.client.token}` }, body: file });
    const body = await resp.json().catch(() => ({}));
    if (resp.ok) {
      out.textContent = t('prev.uploaded', { n: body.received + body.duplicates, p: body.pushed, t: body.triage, d: body.duplicates });
      this.figures();
      this.triage();
    } else {
      const errs = (body.errors || []).slice(0, 5).map((e) => pick(e.message, e.message_en));
      out.textContent = `${t('prev.refused')} ${errs.join('；') || pick(body.error && body.error.message, body.error && body.error.message_en)}`;
    }
  }

  async proposals() {
    const el = this.panel.querySelector('#prev-proposals');
    const ps = await this.client.get('/api/v1/publicity/proposals').catch(() => ({ items: [] }));
    el.removeAttribute('aria-busy');
    const items = ps.items || [];
    if (!items.length) {
      el.innerHTML = `<li class="muted">${h(t('prev.none'))}</li>`;
      return;
    }
    el.innerHTML = items
      .map((p, i) => `<li data-proposal="${i}"><span><strong>${h(p.title)}</strong><br><small>${h(p.what)}</small><br><small class="muted">${h(p.where)}</small></span>
        ${p.task_id ? `<span class="muted">${h(t('prev.assigned'))}</span>` : `<button type="button" class="prev-assign">${h(t('prev.assign'))}</button>`}</li>`)
      .join('');
    for (const b of el.querySelectorAll('button.prev-assign')) {
      b.addEventListener('click', async () => {
        const p = items[Number(b.closest('li').dataset.proposal)];
        try {
          await this.client.post('/api/v1/publicity-tasks', { police_grid_id: p.police_grid_id, title: p.title, what: p.what, where: p.where, cluster: p });
          b.replaceWith(Object.assign(document.createElement('span'), { className: 'muted', textContent: t('prev.assigned') }));
        } catch (e) {
          this.toast(pick(e.message, e.messageEN || e.message), true);
        }
      });
    }
  }

  async joint() {
    const el = this.panel.querySelector('#prev-joint');
    const ev = this.panel.querySelector('#prev-eval');
    const sss = await this.client.get('/api/v1/service-stations').catch(() => ({ items: [] }));
    el.removeAttribute('aria-busy');
    ev.removeAttribute('aria-busy');
    const ss = (sss.items || [])[0];
    if (!ss) {
      el.innerHTML = ev.innerHTML = `<p class="muted">${h(t('prev.none'))}</p>`;
      return;
    }
    const [a, e] = await Promise.all([
      this.client.get(`/api/v1/joint-analysis?service_station_id=${encodeURIComponent(ss.id)}`).catch(() => null),
      this.client.get(`/api/v1/mutual-evaluations?service_station_id=${encodeURIComponent(ss.id)}`).catch(() => null),
    ]);
    if (a) {
      const sts = ss.station_ids;
      el.innerHTML = `<p translate="no">${h(ss.name)}</p><table class="figures"><thead><tr><th></th>${sts
        .map((s) => `<th scope="col" translate="no">${h(a.stations[s] || this.name(s) || '—')}</th>`)
        .join('')}<th scope="col">${h(pick('合计', 'Total'))}</th></tr></thead><tbody>${a.groups
        .map((g) => `<tr><th scope="row">${h(pick(g.name, g.name_en || g.name))}</th>${sts.map((s) => `<td>${g.by_station[s] || 0}</td>`).join('')}<td>${g.total} <small class="muted">${h(t('prev.last_year', { n: g.last_year }))}</small></td></tr>`)
        .join('')}</tbody></table>`;
    }
    if (e) {
      ev.innerHTML = e.pairs.length
        ? `<ul>${e.pairs
            .map((p) => {
              const last = p.months[p.months.length - 1];
              const score = (x) => (x ? x.mean.toFixed(1) : '—');
              return `<li><span translate="no">${h(p.station_name || '—')}</span>：${last ? `${h(last.month)} ${score(last.by_station)} / ${score(last.by_service_station)}` : h(t('prev.none'))}</li>`;
            })
            .join('')}</ul>`
        : `<p class="muted">${h(t('prev.none'))}</p>`;
    }
  }
}
