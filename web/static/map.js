// map.js: the jurisdiction map drawn on a <canvas> from the API's own GeoJSON,
// with live units, incidents, a heat layer and trajectories. It needs no tile
// server; a tile URL template may be set where one exists.
//
// Coordinates are projected with Web Mercator into "local" units: pixels at
// zoom 16 relative to an origin near the jurisdiction, so that canvas paths
// (single precision in the browser) stay exact at street level. Polygons are
// built once into Path2D objects and drawn through the canvas transform;
// units are drawn each frame in a few batched paths (one per status colour),
// skipping those outside the view. Redraws are batched with
// requestAnimationFrame: any change only marks the map dirty.

const TILE = 256;
const LOCAL_ZOOM = 16;
const LOCAL_SCALE = 2 ** LOCAL_ZOOM;

/** mercator returns the Web Mercator pixel of lon/lat at zoom 0. */
export function mercator(lon, lat) {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [((lon + 180) / 360) * TILE, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * TILE];
}

/** inverseMercator returns lon/lat of a Web Mercator pixel at zoom 0. */
export function inverseMercator(x, y) {
  const lon = (x / TILE) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / TILE;
  const lat = (180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)));
  return [lon, lat];
}

/** Colours of unit statuses, shared by the map and its legends. */
export const unitColors = {
  available: '#16a34a',
  dispatched: '#d97706',
  en_route: '#ea580c',
  on_scene: '#dc2626',
  busy: '#7c3aed',
  off_duty: '#94a3b8',
};

/** Colours of incident statuses. */
export const incidentColors = {
  received: '#dc2626',
  dispatched: '#d97706',
  en_route: '#ea580c',
  on_scene: '#b91c1c',
  resolved: '#0891b2',
  handed_over: '#0891b2',
  closed: '#64748b',
  callback_done: '#64748b',
};

/** Shapes of unit kinds: how a unit's marker is drawn. */
export const unitShapes = {
  patrol_car: 'square',
  armed_vehicle: 'diamond',
  motorcycle: 'triangle',
  foot_patrol: 'circle',
  community: 'circle',
  case_team: 'square',
  volunteer: 'dot',
};

const themes = {
  light: {
    background: '#eef2f5',
    boundary: ['#1d4ed8', 2.5, 'rgba(29,78,216,0.04)'],
    stations: ['#0f766e', 1.5, 'rgba(15,118,110,0.05)'],
    'police-grids': ['#64748b', 1, null],
    'community-grids': ['#a3b1c2', 0.6, null],
    label: '#1e293b',
    labelHalo: 'rgba(255,255,255,0.85)',
    track: '#2563eb',
    selection: '#111827',
  },
  dark: {
    background: '#05101f',
    boundary: ['#38bdf8', 2.5, 'rgba(56,189,248,0.06)'],
    stations: ['#2dd4bf', 1.5, 'rgba(45,212,191,0.04)'],
    'police-grids': ['#3b5878', 1, null],
    'community-grids': ['#1e3550', 0.6, null],
    label: '#cbd5e1',
    labelHalo: 'rgba(5,16,31,0.85)',
    track: '#facc15',
    selection: '#f8fafc',
  },
};

/** MapView draws the map on a canvas and handles pan and zoom. */
export class MapView {
  /**
   * canvas is the element to draw on. opts.theme is "light" or "dark";
   * opts.tileURL a template like ".../{z}/{x}/{y}.png" (none by default).
   */
  constructor(canvas, opts = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.theme = themes[opts.theme] || themes.light;
    this.tileURL = opts.tileURL || '';
    this.tiles = new Map();
    this.origin = null;
    this.cx = 0;
    this.cy = 0;
    this.k = 1 / 64;
    this.home = null;
    this.layers = new Map(); // name → {paths: [{path, bbox, name, lx, ly}], points: [...]}
    this.layerOrder = ['community-grids', 'police-grids', 'stations', 'boundary'];
    this.layersVersion = 0;
    this.tilesVersion = 0;
    this.base = null; // offscreen canvas of the background and layers
    this.baseKey = '';
    this.visible = { boundary: true, stations: true, 'police-grids': true, 'community-grids': true, units: true, incidents: true, heat: true, track: true };
    this.units = new Map(); // id → {id, x, y, kind, status, callsign}
    this.incidents = [];
    this.heatPoints = [];
    this.heatCanvas = null;
    this.heatKey = '';
    this.track = null;
    this.markers = [];
    this.selectedIncident = '';
    this.selectedUnit = '';
    this.pickMode = false;
    this.onPick = null;
    this.onSelect = null;
    this.dirty = true;
    this.frame = 0;
    this.stats = { frames: 0, drawMs: 0, lastDrawMs: 0, drawn: 0 };
    this.dpr = window.devicePixelRatio || 1;
    this.bind();
    this.resize();
    new ResizeObserver(() => this.resize()).observe(canvas);
  }

  // Projection.

  /** project returns local coordinates of lon/lat. */
  project(lon, lat) {
    const [x, y] = mercator(lon, lat);
    if (!this.origin) this.origin = [x, y];
    return [(x - this.origin[0]) * LOCAL_SCALE, (y - this.origin[1]) * LOCAL_SCALE];
  }

  /** unproject returns lon/lat of local coordinates. */
  unproject(x, y) {
    const o = this.origin || [0, 0];
    return inverseMercator(x / LOCAL_SCALE + o[0], y / LOCAL_SCALE + o[1]);
  }

  /** toScreen returns CSS pixel coordinates of local coordinates. */
  toScreen(x, y) {
    return [(x - this.cx) * this.k + this.w / 2, (y - this.cy) * this.k + this.h / 2];
  }

  /** toLocal returns local coordinates of a CSS pixel. */
  toLocal(sx, sy) {
    return [(sx - this.w / 2) / this.k + this.cx, (sy - this.h / 2) / this.k + this.cy];
  }

  /** lonLatAt returns [lon, lat] under a CSS pixel. */
  lonLatAt(sx, sy) {
    const [x, y] = this.toLocal(sx, sy);
    return this.unproject(x, y);
  }

  resize() {
    const r = this.canvas.getBoundingClientRect();
    this.w = Math.max(1, r.width);
    this.h = Math.max(1, r.height);
    const cw = Math.round(this.w * this.dpr);
    const ch = Math.round(this.h * this.dpr);
    if (cw === this.canvas.width && ch === this.canvas.height && this.base) return; // setting them would clear the canvas
    this.canvas.width = cw;
    this.canvas.height = ch;
    this.heatKey = '';
    this.invalidate();
  }

  // Data.

  /**
   * setLayer sets a GeoJSON FeatureCollection as the named layer: polygons are
   * outlined, points drawn as small squares with their name.
   */
  setLayer(name, fc) {
    const layer = { paths: [], points: [] };
    for (const f of (fc && fc.features) || []) {
      const g = f.geometry;
      const p = f.properties || {};
      if (!g) continue;
      if (g.type === 'Point') {
        const [x, y] = this.project(g.coordinates[0], g.coordinates[1]);
        layer.points.push({ x, y, name: p.name || '', id: p.id || '' });
        continue;
      }
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : null;
      const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : null;
      const path = new Path2D();
      const bbox = [Infinity, Infinity, -Infinity, -Infinity];
      const addRing = (ring, close) => {
        ring.forEach((c, i) => {
          const [x, y] = this.project(c[0], c[1]);
          if (i === 0) path.moveTo(x, y);
          else path.lineTo(x, y);
          if (x < bbox[0]) bbox[0] = x;
          if (y < bbox[1]) bbox[1] = y;
          if (x > bbox[2]) bbox[2] = x;
          if (y > bbox[3]) bbox[3] = y;
        });
        if (close) path.closePath();
      };
      if (polys) for (const poly of polys) for (const ring of poly) addRing(ring, true);
      else if (lines) for (const line of lines) addRing(line, false);
      else continue;
      let lx = (bbox[0] + bbox[2]) / 2;
      let ly = (bbox[1] + bbox[3]) / 2;
      if (p.location && typeof p.location.lon === 'number') [lx, ly] = this.project(p.location.lon, p.location.lat);
      layer.paths.push({ path, bbox, name: p.name || '', id: p.id || '', lx, ly, fill: !!polys });
    }
    this.layers.set(name, layer);
    this.layersVersion++;
    if (name === 'boundary' && !this.home) this.fitLayer('boundary');
    this.invalidate();
  }

  /** fitLayer zooms to the extent of a layer. */
  fitLayer(name) {
    const l = this.layers.get(name);
    if (!l) return;
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const p of l.paths) {
      b[0] = Math.min(b[0], p.bbox[0]);
      b[1] = Math.min(b[1], p.bbox[1]);
      b[2] = Math.max(b[2], p.bbox[2]);
      b[3] = Math.max(b[3], p.bbox[3]);
    }
    for (const p of l.points) {
      b[0] = Math.min(b[0], p.x);
      b[1] = Math.min(b[1], p.y);
      b[2] = Math.max(b[2], p.x);
      b[3] = Math.max(b[3], p.y);
    }
    if (!isFinite(b[0])) return;
    this.home = b;
    this.fit(b);
  }

  /** fit shows a local bounding box [minX, minY, maxX, maxY]. */
  fit(b) {
    this.cx = (b[0] + b[2]) / 2;
    this.cy = (b[1] + b[3]) / 2;
    // At least about 2 km across, so that a single point is shown in context.
    const bw = Math.max(b[2] - b[0], 1000);
    const bh = Math.max(b[3] - b[1], 1000);
    this.k = Math.min(this.w / bw, this.h / bh) * 0.92;
    this.heatKey = '';
    this.invalidate();
  }

  /** reset shows the whole jurisdiction again. */
  reset() {
    if (this.home) this.fit(this.home);
  }

  /** centerOn moves the view to lon/lat, zooming in to at least minK. */
  centerOn(lon, lat, minK) {
    [this.cx, this.cy] = this.project(lon, lat);
    if (minK && this.k < minK) this.k = minK;
    this.heatKey = '';
    this.invalidate();
  }

  /** setUnits replaces every unit (precinct.Unit objects). */
  setUnits(list) {
    const next = new Map();
    for (const u of list) next.set(u.id, this.unitRecord(u, this.units.get(u.id)));
    this.units = next;
    this.invalidate();
  }

  /** updateUnit adds or changes one unit. */
  updateUnit(u) {
    if (!u || !u.id) return;
    this.units.set(u.id, this.unitRecord(u, this.units.get(u.id)));
    this.invalidate();
  }

  unitRecord(u, prev) {
    const r = prev || { id: u.id, x: NaN, y: NaN };
    r.kind = u.kind || r.kind;
    r.status = u.status || r.status;
    r.callsign = u.callsign || r.callsign || u.id;
    r.incident = u.incident_id || '';
    const p = u.position;
    if (p && !(p.lon === 0 && p.lat === 0)) [r.x, r.y] = this.project(p.lon, p.lat);
    return r;
  }

  /** moveUnit sets the position of a unit. */
  moveUnit(id, lon, lat) {
    const r = this.units.get(id);
    if (!r) return;
    [r.x, r.y] = this.project(lon, lat);
    this.invalidate();
  }

  /** setIncidents sets the incidents shown (precinct.Incident objects). */
  setIncidents(list) {
    this.incidents = list
      .filter((i) => i.location && !(i.location.lon === 0 && i.location.lat === 0))
      .map((i) => {
        const [x, y] = this.project(i.location.lon, i.location.lat);
        return { id: i.id, x, y, status: i.status, priority: i.priority };
      });
    this.invalidate();
  }

  /**
   * setHeat sets the points of the heat layer: [{lon, lat, n}], where n (the
   * number of incidents at the point, 1 if absent) weighs it.
   */
  setHeat(points, cellDeg) {
    this.heatPoints = points.map((p) => [...this.project(p.lon, p.lat), p.n || 1]);
    this.heatCellDeg = cellDeg || 0.005;
    this.heatKey = '';
    this.invalidate();
  }

  /**
   * setTrack draws a trajectory: positions [{point, at, flag}] joined in time
   * order, those the server did not believe (flag set) as crosses off the
   * line, and check-ins [{point, at}] as flags. null clears it.
   */
  setTrack(positions, checkins) {
    if (!positions) {
      this.track = null;
    } else {
      this.track = {
        line: positions.filter((p) => !p.flag).map((p) => this.project(p.point.lon, p.point.lat)),
        flagged: positions.filter((p) => p.flag).map((p) => this.project(p.point.lon, p.point.lat)),
        checkins: (checkins || []).map((c) => this.project(c.point.lon, c.point.lat)),
      };
    }
    this.invalidate();
  }

  /** setTracks draws several thin trajectories (big screen): arrays of {lon,lat}. */
  setTracks(tracks) {
    this.tracks = tracks.map((t) => t.map((p) => this.project(p.lon, p.lat)));
    this.invalidate();
  }

  /** setMarkers sets extra labelled markers: [{lon, lat, color, label}]. */
  setMarkers(list) {
    this.markers = list.map((m) => {
      const [x, y] = this.project(m.lon, m.lat);
      return { x, y, color: m.color || '#111', label: m.label || '' };
    });
    this.invalidate();
  }

  /** setVisible shows or hides a layer by name. */
  setVisible(name, on) {
    this.visible[name] = on;
    this.invalidate();
  }

  /** invalidate asks for a redraw on the next animation frame. */
  invalidate() {
    if (this.onView && this.k !== this.lastK) {
      this.lastK = this.k;
      this.onView();
    }
    this.dirty = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  // Input.

  bind() {
    const c = this.canvas;
    if (!c.hasAttribute('tabindex')) c.tabIndex = 0;
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      c.focus({ preventScroll: true });
      drag = { x: e.clientX, y: e.clientY, cx: this.cx, cy: this.cy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        this.cx = drag.cx - dx / this.k;
        this.cy = drag.cy - dy / this.k;
        this.heatKey = '';
        this.invalidate();
      }
    });
    c.addEventListener('pointerup', (e) => {
      const d = drag;
      drag = null;
      if (!d || d.moved) return;
      const r = c.getBoundingClientRect();
      this.click(e.clientX - r.left, e.clientY - r.top);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        this.zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
      },
      { passive: false },
    );
    c.addEventListener('keydown', (e) => {
      const step = 80 / this.k;
      let used = true;
      switch (e.key) {
        case 'ArrowLeft': this.cx -= step; break;
        case 'ArrowRight': this.cx += step; break;
        case 'ArrowUp': this.cy -= step; break;
        case 'ArrowDown': this.cy += step; break;
        case '+': case '=': this.zoomAt(this.w / 2, this.h / 2, 1.5); break;
        case '-': case '_': this.zoomAt(this.w / 2, this.h / 2, 1 / 1.5); break;
        case '0': this.reset(); break;
        default: used = false;
      }
      if (used) {
        e.preventDefault();
        e.stopPropagation();
        this.heatKey = '';
        this.invalidate();
      }
    });
  }

  /** zoomAt zooms by factor f keeping the point under (sx, sy) in place. */
  zoomAt(sx, sy, f) {
    const [x, y] = this.toLocal(sx, sy);
    this.k = Math.max(1 / 2048, Math.min(16, this.k * f));
    this.cx = x - (sx - this.w / 2) / this.k;
    this.cy = y - (sy - this.h / 2) / this.k;
    this.heatKey = '';
    this.invalidate();
  }

  click(sx, sy) {
    const [lon, lat] = this.lonLatAt(sx, sy);
    if (this.pickMode && this.onPick) {
      this.onPick(lon, lat);
      return;
    }
    const hit = this.hit(sx, sy);
    if (this.onSelect) this.onSelect(hit, lon, lat);
  }

  /** hit returns the incident or unit nearest to a CSS pixel within 10 px. */
  hit(sx, sy) {
    let best = null;
    let bestD = 100;
    const test = (kind, o) => {
      const [x, y] = this.toScreen(o.x, o.y);
      const d = (x - sx) ** 2 + (y - sy) ** 2;
      if (d < bestD) {
        bestD = d;
        best = { kind, id: o.id };
      }
    };
    if (this.visible.incidents) for (const i of this.incidents) test('incident', i);
    if (best) return best;
    if (this.visible.units) for (const u of this.units.values()) if (!isNaN(u.x)) test('unit', u);
    return best;
  }

  // Drawing.

  draw() {
    this.frame = 0;
    if (!this.dirty) return;
    this.dirty = false;
    const t0 = performance.now();
    const ctx = this.ctx;
    const th = this.theme;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.drawBase();
    ctx.drawImage(this.base, 0, 0, this.w, this.h);
    if (this.visible.heat && this.heatPoints.length) this.drawHeat();
    if (this.visible.track) this.drawTracks();
    if (this.visible.incidents) this.drawIncidents();
    if (this.visible.units) this.drawUnits();
    this.drawMarkers();
    const ms = performance.now() - t0;
    this.stats.frames++;
    this.stats.drawMs += ms;
    this.stats.lastDrawMs = ms;
  }

  /**
   * drawBase renders the background, tiles and jurisdiction layers into an
   * offscreen canvas, again only when the view or the layers changed: frames
   * in which only units move just copy it.
   */
  drawBase() {
    const vis = this.layerOrder.map((n) => (this.visible[n] ? 1 : 0)).join('');
    const sv = this.streets ? this.streets.version : 0;
    const key = `${this.cx},${this.cy},${this.k},${this.canvas.width},${this.canvas.height},${vis},${this.layersVersion},${this.tilesVersion},${sv},${this.visible.streets}`;
    if (this.base && key === this.baseKey) return;
    this.baseKey = key;
    if (!this.base) this.base = document.createElement('canvas');
    this.base.width = this.canvas.width;
    this.base.height = this.canvas.height;
    const ctx = this.base.getContext('2d');
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, this.w, this.h);
    if (this.tileURL) this.drawTiles(ctx);
    // Streets of imported road data (tiles.js) lie under the polygons,
    // their names above.
    const streets = this.streets && this.visible.streets !== false;
    if (streets) this.streets.drawLines(ctx);
    this.drawLayers(ctx);
    if (streets) this.streets.drawLabels(ctx);
  }

  /** view returns the visible local bounding box with a margin in pixels. */
  view(marginPx = 0) {
    const [x0, y0] = this.toLocal(-marginPx, -marginPx);
    const [x1, y1] = this.toLocal(this.w + marginPx, this.h + marginPx);
    return [x0, y0, x1, y1];
  }

  drawLayers(ctx) {
    const v = this.view(20);
    const k = this.k;
    ctx.save();
    ctx.setTransform(this.dpr * k, 0, 0, this.dpr * k, this.dpr * (this.w / 2 - this.cx * k), this.dpr * (this.h / 2 - this.cy * k));
    for (const name of this.layerOrder) {
      const l = this.layers.get(name);
      if (!l || !this.visible[name]) continue;
      if (name === 'community-grids' && k < 1 / 24) continue; // too small to read
      const [stroke, width, fill] = this.theme[name] || this.theme.boundary;
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width / k;
      ctx.fillStyle = fill || 'transparent';
      ctx.setLineDash(name === 'police-grids' ? [4 / k, 3 / k] : []);
      for (const p of l.paths) {
        const b = p.bbox;
        if (b[2] < v[0] || b[0] > v[2] || b[3] < v[1] || b[1] > v[3]) continue;
        if (fill && p.fill) ctx.fill(p.path, 'evenodd');
        ctx.stroke(p.path);
      }
    }
    ctx.restore();
    // Labels in screen space.
    ctx.font = '12px system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 3;
    ctx.strokeStyle = this.theme.labelHalo;
    ctx.fillStyle = this.theme.label;
    const label = (x, y, text) => {
      const [sx, sy] = this.toScreen(x, y);
      if (sx < -50 || sy < -20 || sx > this.w + 50 || sy > this.h + 20) return;
      ctx.strokeText(text, sx, sy);
      ctx.fillText(text, sx, sy);
    };
    const st = this.layers.get('stations');
    if (st && this.visible.stations) {
      for (const p of st.points) {
        const [sx, sy] = this.toScreen(p.x, p.y);
        ctx.fillStyle = this.theme.stations[0];
        ctx.fillRect(sx - 5, sy - 5, 10, 10);
        ctx.fillStyle = this.theme.label;
        label(p.x, p.y - 14 / this.k, p.name);
      }
      if (k > 1 / 80) for (const p of st.paths) label(p.lx, p.ly, p.name);
    }
    const pg = this.layers.get('police-grids');
    if (pg && this.visible['police-grids'] && k > 1 / 10) for (const p of pg.paths) label(p.lx, p.ly, p.name);
  }

  drawHeat() {
    const key = `${this.cx},${this.cy},${this.k},${this.w},${this.h},${this.heatPoints.length}`;
    if (key !== this.heatKey) {
      this.heatKey = key;
      this.heatCanvas = renderHeat(this, 2);
    }
    if (this.heatCanvas) {
      this.ctx.save();
      this.ctx.globalAlpha = 0.75;
      this.ctx.imageSmoothingEnabled = true;
      this.ctx.drawImage(this.heatCanvas, 0, 0, this.w, this.h);
      this.ctx.restore();
    }
  }

  drawTracks() {
    const ctx = this.ctx;
    if (this.tracks) {
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = this.theme.track;
      ctx.globalAlpha = 0.6;
      ctx.beginPath();
      for (const tr of this.tracks) {
        tr.forEach(([x, y], i) => {
          const [sx, sy] = this.toScreen(x, y);
          if (i === 0) ctx.moveTo(sx, sy);
          else ctx.lineTo(sx, sy);
        });
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    if (!this.track) return;
    ctx.lineWidth = 3;
    ctx.strokeStyle = this.theme.track;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    this.track.line.forEach(([x, y], i) => {
      const [sx, sy] = this.toScreen(x, y);
      if (i === 0) ctx.moveTo(sx, sy);
      else ctx.lineTo(sx, sy);
    });
    ctx.stroke();
    const ends = this.track.line;
    if (ends.length) {
      const [ax, ay] = this.toScreen(...ends[0]);
      const [bx, by] = this.toScreen(...ends[ends.length - 1]);
      ctx.fillStyle = '#16a34a';
      ctx.beginPath();
      ctx.arc(ax, ay, 5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#dc2626';
      ctx.beginPath();
      ctx.arc(bx, by, 5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 2;
    for (const [x, y] of this.track.flagged) {
      const [sx, sy] = this.toScreen(x, y);
      ctx.beginPath();
      ctx.moveTo(sx - 5, sy - 5);
      ctx.lineTo(sx + 5, sy + 5);
      ctx.moveTo(sx + 5, sy - 5);
      ctx.lineTo(sx - 5, sy + 5);
      ctx.stroke();
    }
    for (const [x, y] of this.track.checkins) {
      const [sx, sy] = this.toScreen(x, y);
      ctx.fillStyle = '#7c3aed';
      ctx.beginPath();
      ctx.moveTo(sx, sy);
      ctx.lineTo(sx, sy - 18);
      ctx.lineTo(sx + 12, sy - 13);
      ctx.lineTo(sx + 1.5, sy - 8);
      ctx.lineTo(sx + 1.5, sy);
      ctx.closePath();
      ctx.fill();
    }
  }

  drawIncidents() {
    const ctx = this.ctx;
    for (const i of this.incidents) {
      const [sx, sy] = this.toScreen(i.x, i.y);
      if (sx < -20 || sy < -20 || sx > this.w + 20 || sy > this.h + 20) continue;
      const r = i.priority === 1 ? 9 : 7;
      ctx.fillStyle = incidentColors[i.status] || '#dc2626';
      ctx.beginPath();
      ctx.moveTo(sx, sy - r - 2);
      ctx.lineTo(sx + r, sy + r - 2);
      ctx.lineTo(sx - r, sy + r - 2);
      ctx.closePath();
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
      if (i.id === this.selectedIncident) {
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = this.theme.selection;
        ctx.beginPath();
        ctx.arc(sx, sy, r + 8, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }

  drawUnits() {
    const ctx = this.ctx;
    const [x0, y0, x1, y1] = this.view(10);
    const byStatus = new Map();
    let drawn = 0;
    for (const u of this.units.values()) {
      if (!(u.x >= x0 && u.x <= x1 && u.y >= y0 && u.y <= y1)) continue; // culls NaN too
      let list = byStatus.get(u.status);
      if (!list) byStatus.set(u.status, (list = []));
      list.push(u);
    }
    const small = this.k < 1 / 40;
    const s = small ? 3 : 5;
    for (const [status, list] of byStatus) {
      ctx.beginPath();
      for (const u of list) {
        const sx = (u.x - this.cx) * this.k + this.w / 2;
        const sy = (u.y - this.cy) * this.k + this.h / 2;
        addShape(ctx, small ? 'square' : unitShapes[u.kind] || 'circle', sx, sy, s);
        drawn++;
      }
      ctx.fillStyle = unitColors[status] || '#334155';
      ctx.fill();
      if (!small) {
        ctx.lineWidth = 1;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.stroke();
      }
    }
    this.stats.drawn = drawn;
    if (this.selectedUnit) {
      const u = this.units.get(this.selectedUnit);
      if (u && !isNaN(u.x)) {
        const [sx, sy] = this.toScreen(u.x, u.y);
        ctx.lineWidth = 2;
        ctx.strokeStyle = this.theme.selection;
        ctx.beginPath();
        ctx.arc(sx, sy, 10, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    if (drawn > 0 && drawn < 150 && this.k > 1 / 6) {
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.lineWidth = 3;
      for (const list of byStatus.values()) {
        for (const u of list) {
          const [sx, sy] = this.toScreen(u.x, u.y);
          ctx.strokeStyle = this.theme.labelHalo;
          ctx.strokeText(u.callsign, sx + 8, sy);
          ctx.fillStyle = this.theme.label;
          ctx.fillText(u.callsign, sx + 8, sy);
        }
      }
    }
  }

  drawMarkers() {
    const ctx = this.ctx;
    for (const m of this.markers) {
      const [sx, sy] = this.toScreen(m.x, m.y);
      ctx.fillStyle = m.color;
      ctx.beginPath();
      ctx.arc(sx, sy - 14, 8, Math.PI * 0.8, Math.PI * 2.2);
      ctx.lineTo(sx, sy);
      ctx.closePath();
      ctx.fill();
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(sx, sy - 14, 3, 0, 2 * Math.PI);
      ctx.fill();
      if (m.label) {
        ctx.font = '12px system-ui, sans-serif';
        ctx.textAlign = 'left';
        ctx.lineWidth = 3;
        ctx.strokeStyle = this.theme.labelHalo;
        ctx.strokeText(m.label, sx + 10, sy - 14);
        ctx.fillStyle = this.theme.label;
        ctx.fillText(m.label, sx + 10, sy - 14);
      }
    }
  }

  drawTiles(ctx) {
    const z = Math.max(0, Math.min(19, Math.round(LOCAL_ZOOM + Math.log2(this.k))));
    const zs = 2 ** z;
    const size = (TILE * this.k * LOCAL_SCALE) / zs; // screen size of one tile
    const [x0, y0, x1, y1] = this.view(0);
    const o = this.origin || [0, 0];
    const tx0 = Math.floor(((x0 / LOCAL_SCALE + o[0]) * zs) / TILE);
    const ty0 = Math.floor(((y0 / LOCAL_SCALE + o[1]) * zs) / TILE);
    const tx1 = Math.floor(((x1 / LOCAL_SCALE + o[0]) * zs) / TILE);
    const ty1 = Math.floor(((y1 / LOCAL_SCALE + o[1]) * zs) / TILE);
    if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 200) return;
    for (let tx = tx0; tx <= tx1; tx++) {
      for (let ty = ty0; ty <= ty1; ty++) {
        const url = this.tileURL.replace('{z}', z).replace('{x}', tx).replace('{y}', ty);
        let img = this.tiles.get(url);
        if (!img) {
          img = new Image();
          img.onload = () => {
            this.tilesVersion++;
            this.invalidate();
          };
          img.src = url;
          this.tiles.set(url, img);
          if (this.tiles.size > 500) this.tiles.delete(this.tiles.keys().next().value);
        }
        if (!img.complete || !img.naturalWidth) continue;
        const lx = ((tx * TILE) / zs - o[0]) * LOCAL_SCALE;
        const ly = ((ty * TILE) / zs - o[1]) * LOCAL_SCALE;
        const [sx, sy] = this.toScreen(lx, ly);
        ctx.drawImage(img, sx, sy, size + 0.5, size + 0.5);
      }
    }
  }
}

/** addShape adds a unit marker of the given shape to the current path. */
function addShape(ctx, shape, x, y, s) {
  switch (shape) {
    case 'square':
      ctx.rect(x - s, y - s, 2 * s, 2 * s);
      break;
    case 'diamond':
      ctx.moveTo(x, y - s - 1.5);
      ctx.lineTo(x + s + 1.5, y);
      ctx.lineTo(x, y + s + 1.5);
      ctx.lineTo(x - s - 1.5, y);
      ctx.closePath();
      break;
    case 'triangle':
      ctx.moveTo(x, y - s - 1);
      ctx.lineTo(x + s + 1, y + s);
      ctx.lineTo(x - s - 1, y + s);
      ctx.closePath();
      break;
    case 'dot':
      ctx.moveTo(x + s - 1.5, y);
      ctx.arc(x, y, s - 1.5, 0, 2 * Math.PI);
      break;
    default:
      ctx.moveTo(x + s, y);
      ctx.arc(x, y, s, 0, 2 * Math.PI);
  }
}

/**
 * renderHeat draws the density of the map's heat points at 1/down of the
 * screen resolution: each point adds a soft blob to an alpha channel, which is
 * then coloured from blue through yellow to red.
 */
function renderHeat(map, down) {
  const w = Math.max(1, Math.ceil(map.w / down));
  const h = Math.max(1, Math.ceil(map.h / down));
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  // Blob radius: about one and a half cells on the ground, so that
  // neighbouring cells blend, between 8 and 120 px (at 1/down scale).
  const [, lat] = map.unproject(map.cx, map.cy);
  const metresPerLocal = (40075016.7 * Math.cos((lat * Math.PI) / 180)) / (TILE * LOCAL_SCALE);
  const cellM = (map.heatCellDeg || 0.005) * 111320;
  const r = Math.max(8, Math.min(120, ((1.5 * cellM) / metresPerLocal) * map.k / down));
  const blob = document.createElement('canvas');
  blob.width = blob.height = Math.ceil(2 * r);
  const bctx = blob.getContext('2d');
  const g = bctx.createRadialGradient(r, r, 0, r, r, r);
  g.addColorStop(0, 'rgba(0,0,0,1)');
  g.addColorStop(1, 'rgba(0,0,0,0)');
  bctx.fillStyle = g;
  bctx.fillRect(0, 0, 2 * r, 2 * r);
  // A point's weight is its count against the largest in view, so that the
  // busiest cell on screen is red at any zoom (zoomed in, blobs overlap less
  // and would otherwise fade), and lone points stay faint but visible.
  const inView = [];
  let most = 1;
  for (const p of map.heatPoints) {
    const [sx, sy] = map.toScreen(p[0], p[1]);
    if (sx < -r * down || sy < -r * down || sx > map.w + r * down || sy > map.h + r * down) continue;
    inView.push([sx, sy, p[2]]);
    most = Math.max(most, p[2]);
  }
  // Where blobs are much larger than cells (zoomed out) they pile up: each
  // counts for less, so that the pile shows density instead of saturating.
  const cellPx = Math.max(0.5, (cellM / metresPerLocal) * map.k / down);
  const spread = Math.min(12, Math.max(1, (Math.PI * (r / cellPx) ** 2) / 4));
  for (const [sx, sy, n] of inView) {
    ctx.globalAlpha = Math.min(1, (n / most) ** 0.75 / spread);
    ctx.drawImage(blob, sx / down - r, sy / down - r);
  }
  const img = ctx.getImageData(0, 0, w, h);
  const d = img.data;
  // Stretch the density so that the densest spot in view is red at any
  // zoom and the rest is graded against it.
  let top = 1;
  for (let i = 3; i < d.length; i += 4) if (d[i] > top) top = d[i];
  const stretch = 255 / top;
  const pal = heatPalette();
  for (let i = 0; i < d.length; i += 4) {
    const a = Math.min(255, Math.round(d[i + 3] * stretch));
    if (a === 0) continue;
    d[i] = pal[a * 4];
    d[i + 1] = pal[a * 4 + 1];
    d[i + 2] = pal[a * 4 + 2];
    d[i + 3] = Math.min(255, a * 1.6 + 30);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

let palette = null;

/** heatPalette returns 256 RGBA colours from blue to red. */
function heatPalette() {
  if (palette) return palette;
  const c = document.createElement('canvas');
  c.width = 256;
  c.height = 1;
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 256, 0);
  g.addColorStop(0.0, '#1e3a8a');
  g.addColorStop(0.3, '#06b6d4');
  g.addColorStop(0.55, '#84cc16');
  g.addColorStop(0.75, '#facc15');
  g.addColorStop(1.0, '#dc2626');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 256, 1);
  palette = ctx.getImageData(0, 0, 256, 1).data;
  return palette;
}

/** loadMapLayers fetches the four GeoJSON layers into a MapView. */
/**
 * applyPositions moves the units named in a "positions" message of the event
 * stream: their records (found by unitOf) and their markers on map.
 */
export function applyPositions(positions, unitOf, map) {
  for (const p of positions || []) {
    const u = unitOf(p.unit_id);
    if (!u || !p.point) continue;
    u.position = p.point;
    u.position_at = p.at;
    map.moveUnit(p.unit_id, p.point.lon, p.point.lat);
  }
}

/**
 * keepNewerPositions gives each unit of a freshly loaded list the position
 * known (by id) when that is newer: a list answer that left the server
 * before a position arrived on the event stream must not move a unit back.
 */
export function keepNewerPositions(list, known) {
  for (const u of list) {
    const k = known(u.id);
    if (k && k.position_at && (!u.position_at || Date.parse(k.position_at) > Date.parse(u.position_at))) {
      u.position = k.position;
      u.position_at = k.position_at;
    }
  }
  return list;
}

export async function loadMapLayers(client, map, layers = ['boundary', 'stations', 'police-grids', 'community-grids']) {
  await Promise.all(
    layers.map(async (name) => {
      try {
        map.setLayer(name, await client.get(`/api/v1/map?layer=${name}`));
      } catch (e) {
        console.warn('map layer', name, e);
      }
    }),
  );
  map.fitLayer('boundary');
}

/** tileURLSetting returns the configured tile URL template, if any. */
export function tileURLSetting() {
  return window.PRECINCT_TILE_URL || localStorage.getItem('precinct.tileURL') || '';
}
