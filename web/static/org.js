// org.js: the organisation administrator's panel (组织机构): the stations,
// police grids, community offices and service stations of the
// administrator's jurisdiction, each editable or retirable, and a form that
// creates or edits any kind of entity (a grid's polygon uploaded as a
// GeoJSON file). Edits go through PUT/DELETE /api/v1/org/{kind}/{id}; the
// server checks the whole jurisdiction and every node follows.

import { escapeHTML as h, ApiError } from './api.js';
import { t, pick } from './i18n.js';

const kinds = ['stations', 'service-stations', 'community-offices', 'police-grids', 'community-grids', 'people', 'units', 'users'];

/** OrgPanel fills the console's side panel. */
export class OrgPanel {
  constructor(client, { toast, onChanged }) {
    this.client = client;
    this.toast = toast;
    this.onChanged = onChanged || (() => {});
    this.items = new Map(); // "kind/id" → entity
  }

  async open(panel, onClose) {
    this.panel = panel;
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="org-h">${h(t('org.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <form id="org-form" class="org-form">
        <label>${h(t('org.kind'))} <select id="org-kind">${kinds.map((k) => `<option value="${k}">${h(t('org.kind.' + k))}</option>`).join('')}</select></label>
        <label>${h(t('org.id'))} <input id="org-id" required autocomplete="off"></label>
        <label>${h(t('org.body'))} <textarea id="org-body" rows="8" spellcheck="false" translate="no"></textarea></label>
        <label>${h(t('org.polygon'))} <input type="file" id="org-file" accept=".geojson,.json,application/geo+json"></label>
        <p><button type="submit" class="primary" id="org-save">${h(t('org.save'))}</button> <span id="org-result" role="status"></span></p>
      </form>
      <h3>${h(t('org.kind.stations'))}</h3><ul class="tasks" id="org-stations" aria-busy="true"></ul>
      <h3>${h(t('org.kind.police-grids'))}</h3><ul class="tasks" id="org-grids" aria-busy="true"></ul>
      <h3>${h(t('org.kind.community-offices'))}</h3><ul class="tasks" id="org-offices" aria-busy="true"></ul>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    panel.querySelector('#org-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    panel.querySelector('#org-file').addEventListener('change', (e) => this.polygon(e.target.files[0]));
    panel.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-org]');
      if (!b) return;
      const [act, kind, id] = [b.dataset.org, b.dataset.kind, b.dataset.id];
      if (act === 'edit') this.edit(kind, id);
      if (act === 'retire') this.retire(kind, id);
    });
    await this.load();
  }

  async load() {
    const list = async (path) => (await this.client.list(path, 5000).catch(() => [])) || [];
    const [stations, grids, offices] = await Promise.all([list('/api/v1/stations'), list('/api/v1/police-grids'), list('/api/v1/community-offices')]);
    this.fill('#org-stations', 'stations', stations, (s) => `${s.name} · ${t('station.kind.' + s.kind)}`);
    this.fill('#org-grids', 'police-grids', grids, (g) => g.name + (g.derived ? ` · ${t('org.derived')}` : ''));
    this.fill('#org-offices', 'community-offices', offices, (o) => o.name);
  }

  fill(sel, kind, items, label) {
    const ul = this.panel.querySelector(sel);
    for (const x of items) this.items.set(`${kind}/${x.id}`, x);
    ul.innerHTML = items.length
      ? items
          .slice(0, 300)
          .map((x) => `<li data-org-id="${h(x.id)}"><span translate="no">${h(label(x))}</span>
            <button type="button" class="link" data-org="edit" data-kind="${kind}" data-id="${h(x.id)}">${h(t('org.edit'))}</button>
            <button type="button" class="link" data-org="retire" data-kind="${kind}" data-id="${h(x.id)}">${h(t('org.retire'))}</button></li>`)
          .join('')
      : `<li class="muted">${h(t('grid.none'))}</li>`;
    ul.removeAttribute('aria-busy');
  }

  edit(kind, id) {
    const x = { ...(this.items.get(`${kind}/${id}`) || {}) };
    delete x.id;
    this.panel.querySelector('#org-kind').value = kind;
    this.panel.querySelector('#org-id').value = id;
    this.panel.querySelector('#org-body').value = JSON.stringify(x, null, 2);
  }

  /** polygon reads a GeoJSON file and puts its (first) polygon in the body. */
  async polygon(file) {
    if (!file) return;
    try {
      let g = JSON.parse(await file.text());
      if (g.type === 'FeatureCollection') g = g.features[0];
      if (g.type === 'Feature') g = g.geometry;
      const body = JSON.parse(this.panel.querySelector('#org-body').value || '{}');
      body.boundary = g;
      this.panel.querySelector('#org-body').value = JSON.stringify(body, null, 2);
    } catch (e) {
      this.result(pick('不是有效的 GeoJSON 文件', 'Not a valid GeoJSON file'), true);
    }
  }

  async save() {
    const kind = this.panel.querySelector('#org-kind').value;
    const id = this.panel.querySelector('#org-id').value.trim();
    let body;
    try {
      body = JSON.parse(this.panel.querySelector('#org-body').value || '{}');
    } catch (e) {
      this.result(pick('内容不是有效的 JSON', 'The content is not valid JSON'), true);
      return;
    }
    try {
      const d = await this.client.request('PUT', `/api/v1/org/${kind}/${encodeURIComponent(id)}`, body);
      this.result(this.summary(d), false);
      this.onChanged();
      await this.load();
    } catch (e) {
      this.result(e instanceof ApiError ? `${e.text()}${e.field ? ` (${e.field})` : ''}` : String(e), true);
    }
  }

  async retire(kind, id) {
    if (!confirm(pick(`撤销 ${id}？历史记录保留。`, `Retire ${id}? Its history is kept.`))) return;
    try {
      const d = await this.client.request('DELETE', `/api/v1/org/${kind}/${encodeURIComponent(id)}`);
      this.result(this.summary(d), false);
      this.onChanged();
      await this.load();
    } catch (e) {
      this.result(e instanceof ApiError ? e.text() : String(e), true);
    }
  }

  summary(d) {
    const n = (c) => Object.values(c || {}).reduce((a, b) => a + b, 0);
    return `${t('org.added')} ${n(d.added)} · ${t('org.changed')} ${n(d.changed)} · ${t('org.removed')} ${n(d.removed)}`;
  }

  result(text, bad) {
    const el = this.panel.querySelector('#org-result');
    el.textContent = text;
    el.className = bad ? 'error' : 'muted';
    if (this.toast) this.toast(text, bad);
  }
}
