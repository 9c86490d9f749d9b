// app-visits.js: a visit (走访) captured on the spot in the officer app:
// whom the officer met (a resident of their grid), what they found of the
// record (correct, corrected, gone), the two-way familiarity survey and a
// contact card handed out. The visit gets its ID on the phone and goes
// through the outbox (outbox.js) with an Idempotency-Key, so that one
// recorded with no signal is sent when the connection returns and stored
// exactly once, even when an answer is lost. The grid's residents are kept
// for use offline (masked, as the server lists them).

import { escapeHTML as h, uuid } from './api.js';
import { t } from './i18n.js';

const cacheKey = 'precinct.visit-residents';

/** AppVisits is the visit card of the officer app. */
export class AppVisits {
  constructor(app) {
    this.app = app;
    this.residents = [];
    this.sent = []; // this session's visits: {id, name, state}
  }

  /** restore shows the visits still waiting in the outbox. */
  async restore(outbox) {
    for (const e of await outbox.entries()) if (e.kind === 'visit') this.sent.push({ id: e.visitId, name: e.name, state: 'queued' });
  }

  /** load reads the residents of the officer's grid, or the kept list offline. */
  async load() {
    if (this.off) return;
    try {
      const out = await this.app.client.get('/api/v1/residents?limit=100');
      this.residents = (out && out.items) || [];
      localStorage.setItem(cacheKey, JSON.stringify(this.residents.map((r) => ({ id: r.id, name: r.name, address: r.address }))));
    } catch (e) {
      if (e.code !== 'ENETWORK') return;
      this.residents = JSON.parse(localStorage.getItem(cacheKey) || '[]');
    }
  }

  /** mount adds the card to the app's main element. */
  mount(main) {
    const card = document.createElement('section');
    card.className = 'app-card';
    card.id = 'visit';
    card.setAttribute('aria-labelledby', 'visit-h');
    main.appendChild(card);
    this.card = card;
  }

  render() {
    if (!this.card) return;
    const options = this.residents
      .map((r) => `<option value="${h(r.id)}" translate="no">${h(r.name)} · ${h(r.address || '')}</option>`)
      .join('');
    this.card.innerHTML = `
      <h2 id="visit-h">${h(t('visit.title'))}</h2>
      <form id="visit-form" class="form">
        <label>${h(t('visit.resident'))}<select name="resident" required>${options}</select></label>
        <label>${h(t('visit.result'))}<select name="result">
          <option value="correct">${h(t('visit.result.correct'))}</option>
          <option value="corrected">${h(t('visit.result.corrected'))}</option>
          <option value="gone">${h(t('visit.result.gone'))}</option></select></label>
        <label><input type="checkbox" name="knows_officer"> ${h(t('visit.knowsOfficer'))}</label>
        <label><input type="checkbox" name="officer_knows"> ${h(t('visit.officerKnows'))}</label>
        <label><input type="checkbox" name="card"> ${h(t('visit.card'))}</label>
        <label>${h(t('visit.note'))}<textarea name="note" rows="2" maxlength="1000"></textarea></label>
        <button type="submit" class="primary" ${this.residents.length ? '' : 'disabled'}>${h(t('visit.record'))}</button>
      </form>
      <ol class="tasks" id="visits">${this.sent
        .map((v) => `<li data-visit-id="${h(v.id)}" data-state="${h(v.state)}"><span translate="no">${h(v.name || '')}</span> <small class="muted">${h(t('visit.state.' + v.state))}</small></li>`)
        .join('')}</ol>`;
    this.card.querySelector('#visit-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.record(e.target);
    });
  }

  /** record queues the visit with an ID made on the phone. */
  async record(form) {
    const rid = form.resident.value;
    const r = this.residents.find((x) => x.id === rid);
    if (!r) return;
    const pos = await this.app.locate();
    const id = `vis_${uuid()}`;
    const body = {
      id,
      at: new Date().toISOString(),
      resident_ids: [rid],
      purpose: 'routine',
      note: form.note.value.trim(),
      verifications: [{ entity_type: 'resident', entity_id: rid, result: form.result.value }],
      familiarity: [{ resident_id: rid, knows_officer: form.knows_officer.checked, officer_knows: form.officer_knows.checked }],
      cards: form.card.checked ? [{ resident_id: rid }] : [],
    };
    if (pos) body.point = { lon: pos.lon, lat: pos.lat };
    this.sent.unshift({ id, name: r.name, state: 'queued' });
    this.render();
    await this.app.outbox.add({ method: 'POST', path: '/api/v1/visits', body, label: 'visit.record', kind: 'visit', visitId: id, name: r.name });
    if (!navigator.onLine) this.app.message(t('act.queued', { a: t('visit.record') }));
  }

  mark(id, state) {
    const v = this.sent.find((x) => x.id === id);
    if (v) v.state = state;
    this.render();
  }

  applied(entry) {
    if (entry.kind !== 'visit') return;
    this.mark(entry.visitId, 'recorded');
    this.app.message(t('act.done', { a: t('visit.record') }));
  }

  failed(entry) {
    if (entry.kind === 'visit') this.mark(entry.visitId, 'failed');
  }
}
