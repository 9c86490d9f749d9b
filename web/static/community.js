// community.js: the console's panel of community policing (社区警务): the
// monthly performance list (绩效清单) of the officers the user may see, with
// the month before and the same month a year before and an Excel download;
// the accuracy of the registry (一标三实准确率) and the two-way familiarity
// (双向熟悉) of each community grid, with the contact cards issued.

import { ApiError, escapeHTML as h } from './api.js';
import { t, pick, lang } from './i18n.js';

/** thisMonth is the month in China Standard Time, YYYY-MM. */
function thisMonth() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v) => (v == null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(2));
const share = (n, of) => (of ? n / of : null);

/** delta shows a change of a figure against an earlier one. */
function delta(cur, old) {
  if (cur == null || old == null) return '';
  const d = cur - old;
  const cls = d > 0 ? 'up' : d < 0 ? 'down' : 'same';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return `<span class="delta ${cls}">${sign}${num(Math.abs(d))}</span>`;
}

/**
 * CommunityPanel fills the console's side panel; name turns grid and
 * station IDs into names.
 */
export class CommunityPanel {
  constructor(client, { name }) {
    this.client = client;
    this.name = name;
  }

  async open(panel, onClose) {
    panel.innerHTML = `
      <div class="panel-head">
        <h2 id="community-h">${h(t('community.title'))}</h2>
        <button type="button" class="link" id="panel-close" aria-label="${h(t('panel.close'))}">✕ <kbd>Esc</kbd></button>
      </div>
      <section aria-labelledby="perf-h">
        <h3 id="perf-h">${h(t('perf.title'))}</h3>
        <form id="perf" class="form" aria-labelledby="perf-h">
          <label>${h(t('perf.month'))}<input type="month" name="month" value="${thisMonth()}" required></label>
          <button type="button" id="perf-xlsx">${h(t('perf.xlsx'))}</button>
        </form>
        <div id="perf-out" aria-live="polite" aria-busy="true"></div>
      </section>
      <section aria-labelledby="acc-h">
        <h3 id="acc-h">${h(t('acc.title'))}</h3>
        <form id="acc" class="form"><label>${h(t('acc.months'))}<select name="months">${[3, 6, 12, 24]
          .map((m) => `<option value="${m}" ${m === 12 ? 'selected' : ''}>${m}</option>`)
          .join('')}</select></label></form>
        <div id="acc-out" aria-live="polite" aria-busy="true"></div>
      </section>
      <section aria-labelledby="fam-h">
        <h3 id="fam-h">${h(t('fam.title'))}</h3>
        <div id="fam-out" aria-busy="true"></div>
      </section>`;
    panel.querySelector('#panel-close').addEventListener('click', onClose);
    const perf = panel.querySelector('#perf');
    perf.addEventListener('submit', (e) => e.preventDefault());
    perf.addEventListener('change', () => this.showPerformance(perf.month.value, panel.querySelector('#perf-out')));
    panel.querySelector('#perf-xlsx').addEventListener('click', () =>
      this.download(perf.month.value).catch((e) => panel.querySelector('#perf-out').insertAdjacentHTML('afterbegin', `<p class="error">${h(String(e))}</p>`)));
    const acc = panel.querySelector('#acc');
    acc.addEventListener('change', () => this.showAccuracy(acc.months.value, panel.querySelector('#acc-out')));
    await Promise.all([
      this.showPerformance(perf.month.value, panel.querySelector('#perf-out')),
      this.showAccuracy(acc.months.value, panel.querySelector('#acc-out')),
      this.showFamiliarity(panel.querySelector('#fam-out')),
    ]);
  }

  /** load runs fetch into out, showing the error in words when it fails. */
  async load(out, fetch, render) {
    out.setAttribute('aria-busy', 'true');
    try {
      out.innerHTML = render(await fetch());
    } catch (e) {
      out.innerHTML = `<p class="error">${h(e instanceof ApiError ? e.text() : String(e))}</p>`;
    } finally {
      out.removeAttribute('aria-busy');
    }
  }

  showPerformance(month, out) {
    this.month = month;
    return this.load(out, () => this.client.get(`/api/v1/performance?month=${encodeURIComponent(month)}`), (l) => {
      if (!l.entries.length) return `<p class="muted">${h(t('perf.none'))}</p>`;
      const metrics = l.metrics;
      const head = `<tr><th scope="col">${h(t('perf.officer'))}</th>${metrics
        .map((m) => `<th scope="col" data-metric="${h(m.metric)}">${h(pick(m.name, m.name_en))}</th>`)
        .join('')}</tr>`;
      const rows = l.entries
        .map((e) => {
          const o = e.officer;
          const cells = metrics
            .map((m) => {
              const cur = e.current[m.metric];
              const pm = e.previous_month[m.metric];
              const py = e.previous_year[m.metric];
              const title = `${t('perf.prevmonth')} ${num(pm)} · ${t('perf.prevyear')} ${num(py)}`;
              return `<td data-metric="${h(m.metric)}" title="${h(title)}"><strong>${h(num(cur))}</strong><br><small>${delta(cur, pm)} ${delta(cur, py)}</small></td>`;
            })
            .join('');
          return `<tr data-officer="${h(o.user_id)}"><th scope="row"><span translate="no">${h(o.name || o.username)}</span><br><small class="muted">${h(t('perf.role.' + o.role))}</small></th>${cells}</tr>`;
        })
        .join('');
      return `<p class="muted">${h(t('perf.compare', { m: l.month, pm: l.previous_month, py: l.previous_year }))}</p>
        <div class="table-scroll"><table class="perf">${head}${rows}</table></div>`;
    });
  }

  showAccuracy(months, out) {
    return this.load(out, () => this.client.get(`/api/v1/registry/accuracy?months=${encodeURIComponent(months)}`), (rep) => {
      const row = (g, label) => `<tr data-grid="${h(g.jurisdiction.community_grid_id || '')}"><th scope="row" translate="no">${h(label)}</th>
        <td>${g.records}</td><td>${g.verified}</td><td>${pct(share(g.verified, g.records))}</td><td>${pct(share(g.correct, g.verified))}</td></tr>`;
      return `<table class="grid-figures"><tr><th scope="col">${h(t('acc.grid'))}</th><th scope="col">${h(t('acc.records'))}</th><th scope="col">${h(t('acc.verified'))}</th>
        <th scope="col">${h(t('acc.verifiedShare'))}</th><th scope="col">${h(t('acc.correctShare'))}</th></tr>
        ${rep.grids.map((g) => row(g, this.gridName(g.jurisdiction))).join('')}
        ${row(rep.total, t('acc.total'))}</table>`;
    });
  }

  showFamiliarity(out) {
    return this.load(out, () => this.client.get('/api/v1/registry/familiarity'), (rep) => {
      const row = (g, label) => `<tr data-grid="${h(g.jurisdiction.community_grid_id || '')}"><th scope="row" translate="no">${h(label)}</th>
        <td>${g.residents}</td><td>${g.surveyed}</td><td>${g.two_way}</td><td>${pct(share(g.two_way, g.surveyed))}</td><td>${g.cards}</td></tr>`;
      return `<table class="grid-figures"><tr><th scope="col">${h(t('acc.grid'))}</th><th scope="col">${h(t('fam.residents'))}</th><th scope="col">${h(t('fam.surveyed'))}</th>
        <th scope="col">${h(t('fam.twoway'))}</th><th scope="col">${h(t('fam.share'))}</th><th scope="col">${h(t('fam.cards'))}</th></tr>
        ${rep.grids.map((g) => row(g, this.gridName(g.jurisdiction))).join('')}
        ${row(rep.total, t('acc.total'))}</table>`;
    });
  }

  gridName(loc) {
    return [this.name(loc.police_grid_id), this.name(loc.community_grid_id)].filter(Boolean).join(' · ') || '—';
  }

  /** download fetches the month's list as the server builds it (.xlsx) and saves it. */
  async download(month) {
    const q = new URLSearchParams({ month, format: 'xlsx', lang: lang() });
    const resp = await fetch(`/api/v1/performance?${q}`, { headers: { Authorization: `Bearer ${this.client.token}` } });
    if (!resp.ok) throw new Error(pick('无法导出绩效清单', 'Cannot export the performance list'));
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `${pick('绩效清单', 'performance-list')}-${month}.xlsx`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}
