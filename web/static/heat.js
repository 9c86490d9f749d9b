// heat.js: the heat layer of a map: incidents of a period counted in square
// cells by the statistics endpoint. The period is the one the statistics
// panel shows (the last 30 days until one is chosen); the cells get finer as
// the map zooms in, so that the layer keeps its detail at street level.

import { t } from './i18n.js';

/** cellFor returns the heat cell side in degrees for a map scale k. */
export function cellFor(k) {
  if (k >= 1 / 3) return 0.001; // street level: about 100 m
  if (k >= 1 / 12) return 0.002;
  return 0.005; // district: about 500 m
}

/** HeatLayer loads and draws the heat of a period on a MapView. */
export class HeatLayer {
  constructor(client, map, onError) {
    this.client = client;
    this.map = map;
    this.onError = onError || (() => {});
    this.period = null; // {from, to, label}; null = the last 30 days
    this.cell = 0;
    this.asked = '';
    map.onView = () => this.viewChanged();
  }

  /** label names the period shown. */
  label() {
    return this.period ? t('stats.period.' + this.period.key) : t('heat.last30');
  }

  /** setPeriod makes the layer follow a period (Date from, Date to, and the key of its name). */
  setPeriod(from, to, key) {
    this.period = { from, to, key };
    if (this.map.visible.heat) this.load();
  }

  range() {
    if (this.period) return [this.period.from, this.period.to];
    return [new Date(Date.now() - 30 * 86400000), new Date(Date.now() + 60000)];
  }

  /** load fetches the heat of the period at the cell size of the map's scale. */
  async load() {
    const [from, to] = this.range();
    const cell = cellFor(this.map.k);
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), heat_cell_deg: String(cell) });
    const asked = q.toString();
    this.asked = asked;
    try {
      const rep = await this.client.get(`/api/v1/stats/incidents?${q}`);
      if (this.asked !== asked) return;
      this.cell = cell;
      this.map.setHeat((rep && rep.current && rep.current.heat) || [], cell);
    } catch (e) {
      this.onError(e);
    }
  }

  /** viewChanged reloads finer or coarser cells when the zoom crosses a step. */
  viewChanged() {
    if (!this.map.visible.heat || !this.cell || cellFor(this.map.k) === this.cell) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 250);
  }
}
