// gridloop.js: the console's panel of the "one network" (一张网): today's
// tasks of each police grid (网格吹哨 reports to triage or check on,
// dispute follow-ups), the open grid reports with their handler and
// deadline, and the evaluation (考核评价) as an Excel workbook.

import { escapeHTML as h } from './api.js';
import { t, pick, fmtDateTime } from './i18n.js';

/** today is the date in China Standard Time, YYYY-MM-DD. */
function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** GridPanel fills the console's side panel; name turns IDs into names. */
export class GridPanel {
  constructor(client, { name }) {
    this.client = client;
    this.name = name;
  }

  async open(panel, onClose) {
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="grid-h">${h(t('grid.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <p><button type="button" id="grid-xlsx">${h(t('grid.evaluation'))}</button></p>
      <h3>${h(t('grid.tasks'))}</h3><div id="grid-tasks" aria-busy="true"></div>
      <h3>${h(t('grid.reports'))}</h3><ol class="tasks" id="grid-reports" aria-busy="true"></ol>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    panel.querySelector('#grid-xlsx').addEventListener('click', () => this.download());
    const [tasks, reports] = await Promise.all([
      this.client.get(`/api/v1/tasks?date=${today()}`).catch(() => ({ items: [] })),
      this.client.get('/api/v1/grid-reports?open=true&limit=200').catch(() => ({ items: [] })),
    ]);
    const byGrid = new Map();
    for (const x of tasks.items || []) {
      const g = (x.jurisdiction && x.jurisdiction.police_grid_id) || '';
      if (!byGrid.has(g)) byGrid.set(g, []);
      byGrid.get(g).push(x);
    }
    const tl = panel.querySelector('#grid-tasks');
    tl.innerHTML = byGrid.size
      ? [...byGrid]
          .map(([g, xs]) => `<section data-police-grid="${h(g)}"><h4>${h(this.name(g) || g || '—')} · ${xs.length}</h4><ul>${xs
            .map((x) => `<li data-task-id="${h(x.id)}" data-overdue="${!!x.overdue}">${h(x.title)}${x.overdue ? ` <strong>${h(t('task.overdue'))}</strong>` : ''}</li>`)
            .join('')}</ul></section>`)
          .join('')
      : `<p class="muted">${h(t('grid.none'))}</p>`;
    tl.removeAttribute('aria-busy');
    const rl = panel.querySelector('#grid-reports');
    const items = reports.items || [];
    rl.innerHTML = items.length
      ? items
          .map((r) => `<li data-report-id="${h(r.id)}" data-state="${h(r.state)}"><span><strong>${h(r.title)}</strong><br><small class="muted">${h(this.name(r.assignee) || r.assignee || '')}
            ${r.due_at ? ' · ' + h(fmtDateTime(r.due_at)) : ''}${r.tier > 0 ? ' · ' + h(t('grid.escalated')) : ''}</small></span></li>`)
          .join('')
      : `<li class="muted">${h(t('grid.none'))}</li>`;
    rl.removeAttribute('aria-busy');
  }

  /** download fetches the evaluation workbook with the token and saves it. */
  async download() {
    const resp = await fetch('/api/v1/evaluation/grid-reports?format=xlsx', { headers: { Authorization: `Bearer ${this.client.token}` } });
    if (!resp.ok) {
      alert(pick('无法导出考核评价', 'Cannot export the evaluation'));
      return;
    }
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `evaluation-${today()}.xlsx`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}
