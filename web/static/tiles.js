// tiles.js: the streets of imported road data, drawn on a MapView from
// Precinct's own Mapbox Vector Tiles (GET /api/v1/tiles/{z}/{x}/{y}.mvt):
// no outside tile server, so the maps work on a closed police network.
// Without road data the tiles are empty and the map shows its polygons alone.

const TILE = 256;
const LOCAL_ZOOM = 16;
const LOCAL_SCALE = 2 ** LOCAL_ZOOM;

/** decodeTile reads a Mapbox Vector Tile (protocol buffers) into layers of features. */
export function decodeTile(buf) {
  const r = new Reader(new Uint8Array(buf));
  const layers = [];
  while (r.more()) {
    const [field, type] = r.key();
    if (field === 3) layers.push(decodeLayer(r.sub()));
    else r.skip(type);
  }
  return layers;
}

function decodeLayer(r) {
  const l = { name: '', extent: 4096, keys: [], values: [], raw: [] };
  while (r.more()) {
    const [field, type] = r.key();
    if (field === 1) l.name = r.string();
    else if (field === 2) l.raw.push(r.sub());
    else if (field === 3) l.keys.push(r.string());
    else if (field === 4) l.values.push(decodeValue(r.sub()));
    else if (field === 5) l.extent = r.varint();
    else r.skip(type);
  }
  l.features = l.raw.map((fr) => decodeFeature(fr, l));
  delete l.raw;
  return l;
}

function decodeValue(r) {
  let v = null;
  while (r.more()) {
    const [field, type] = r.key();
    if (field === 1) v = r.string();
    else if (field === 2) v = r.float();
    else if (field === 3) v = r.double();
    else if (field === 4 || field === 5) v = r.varint();
    else if (field === 6) v = zigzag(r.varint());
    else if (field === 7) v = !!r.varint();
    else r.skip(type);
  }
  return v;
}

function decodeFeature(r, layer) {
  const f = { type: 0, props: {}, geometry: [] };
  let tags = [];
  let cmds = [];
  while (r.more()) {
    const [field, type] = r.key();
    if (field === 2) tags = r.packed();
    else if (field === 3) f.type = r.varint();
    else if (field === 4) cmds = r.packed();
    else r.skip(type);
  }
  for (let i = 0; i + 1 < tags.length; i += 2) f.props[layer.keys[tags[i]]] = layer.values[tags[i + 1]];
  // Geometry: MoveTo (1), LineTo (2) and ClosePath (7) with zigzag deltas.
  let x = 0;
  let y = 0;
  let line = null;
  for (let i = 0; i < cmds.length; ) {
    const c = cmds[i++];
    const id = c & 7;
    const n = c >> 3;
    if (id === 7) {
      if (line && line.length) line.push(line[0]);
      continue;
    }
    for (let k = 0; k < n; k++) {
      x += zigzag(cmds[i++]);
      y += zigzag(cmds[i++]);
      if (id === 1) {
        line = [];
        f.geometry.push(line);
      }
      line.push([x, y]);
    }
  }
  return f;
}

const zigzag = (n) => (n >>> 1) ^ -(n & 1);

/** Reader reads protocol buffer fields. */
class Reader {
  constructor(b, start = 0, end = b.length) {
    this.b = b;
    this.i = start;
    this.end = end;
  }
  more() {
    return this.i < this.end;
  }
  varint() {
    let v = 0;
    let shift = 0;
    for (;;) {
      const c = this.b[this.i++];
      v += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) return v;
      shift += 7;
    }
  }
  key() {
    const k = this.varint();
    return [Math.floor(k / 8), k & 7];
  }
  sub() {
    const n = this.varint();
    const r = new Reader(this.b, this.i, this.i + n);
    this.i += n;
    return r;
  }
  string() {
    const n = this.varint();
    const s = new TextDecoder().decode(this.b.subarray(this.i, this.i + n));
    this.i += n;
    return s;
  }
  packed() {
    const r = this.sub();
    const out = [];
    while (r.more()) out.push(r.varint());
    return out;
  }
  float() {
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.i, 4).getFloat32(0, true);
    this.i += 4;
    return v;
  }
  double() {
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.i, 8).getFloat64(0, true);
    this.i += 8;
    return v;
  }
  skip(type) {
    if (type === 0) this.varint();
    else if (type === 1) this.i += 8;
    else if (type === 2) this.i += this.varint();
    else if (type === 5) this.i += 4;
  }
}

/** widths are the drawn widths of road classes in pixels. */
const widths = {
  motorway: 5, trunk: 5, primary: 4.5, secondary: 4, tertiary: 3.5,
  motorway_link: 3, trunk_link: 3, primary_link: 3, secondary_link: 3, tertiary_link: 2.5,
  unclassified: 2.5, residential: 2.5, living_street: 2, pedestrian: 2, road: 2,
};

const styles = {
  light: { casing: '#b8c2cc', road: '#ffffff', major: '#fde68a', label: '#334155', halo: 'rgba(255,255,255,0.9)', place: '#7c3aed' },
  dark: { casing: '#0b1a33', road: '#27476e', major: '#3b6a99', label: '#cbd5e1', halo: 'rgba(5,16,31,0.9)', place: '#c084fc' },
};

/**
 * StreetTiles loads the tiles a MapView shows and draws their streets under
 * the jurisdiction's polygons, and their names above them.
 */
export class StreetTiles {
  constructor(client, map, theme = 'light') {
    this.client = client;
    this.map = map;
    this.style = styles[theme] || styles.light;
    this.tiles = new Map(); // "z/x/y" → {state, roads, places}
    this.version = 0;
    this.loading = 0;
    this.queue = [];
    this.any = false; // whether any tile had streets
  }

  /** zoomFor returns the tile zoom for the map's scale. */
  zoomFor() {
    return Math.max(8, Math.min(18, Math.round(LOCAL_ZOOM + Math.log2(this.map.k))));
  }

  /** visibleTiles lists the tiles covering the view. */
  visibleTiles() {
    const m = this.map;
    const z = this.zoomFor();
    const zs = 2 ** z;
    const o = m.origin || [0, 0];
    const [x0, y0, x1, y1] = m.view(0);
    const tx = (lx) => Math.floor(((lx / LOCAL_SCALE + o[0]) * zs) / TILE);
    const out = [];
    const a = tx(x0);
    const b = tx(x1);
    const c = Math.floor(((y0 / LOCAL_SCALE + o[1]) * zs) / TILE);
    const d = Math.floor(((y1 / LOCAL_SCALE + o[1]) * zs) / TILE);
    if ((b - a + 1) * (d - c + 1) > 64) return out;
    for (let x = a; x <= b; x++) for (let y = c; y <= d; y++) if (x >= 0 && y >= 0 && x < zs && y < zs) out.push([z, x, y]);
    return out;
  }

  /** fetchTile loads one tile, a few at a time. */
  request(z, x, y) {
    const key = `${z}/${x}/${y}`;
    if (this.tiles.has(key)) return;
    this.tiles.set(key, { state: 'wait' });
    this.queue.push([z, x, y]);
    this.pump();
  }

  pump() {
    while (this.loading < 6 && this.queue.length) {
      const [z, x, y] = this.queue.shift();
      this.loading++;
      this.load(z, x, y).finally(() => {
        this.loading--;
        this.pump();
      });
    }
  }

  async load(z, x, y) {
    const key = `${z}/${x}/${y}`;
    try {
      const resp = await fetch(`/api/v1/tiles/${z}/${x}/${y}.mvt`, { headers: { Authorization: `Bearer ${this.client.token}` } });
      if (!resp.ok) throw new Error(`tile ${key}: ${resp.status}`);
      const layers = decodeTile(await resp.arrayBuffer());
      this.tiles.set(key, this.prepare(z, x, y, layers));
      if (this.tiles.size > 600) this.tiles.delete(this.tiles.keys().next().value);
      this.version++;
      this.map.baseKey = '';
      this.map.invalidate();
    } catch (e) {
      this.tiles.delete(key);
    }
  }

  /** prepare projects a tile's features into the map's local coordinates. */
  prepare(z, x, y, layers) {
    const zs = 2 ** z;
    const o = this.map.origin || [0, 0];
    const t = { state: 'ok', z, roads: [], places: [] };
    for (const l of layers) {
      const loc = ([px, py]) => [(((x + px / l.extent) * TILE) / zs - o[0]) * LOCAL_SCALE, (((y + py / l.extent) * TILE) / zs - o[1]) * LOCAL_SCALE];
      for (const f of l.features) {
        if (l.name === 'streets') {
          const lines = f.geometry.map((line) => line.map(loc));
          this.any = true;
          t.roads.push({ name: f.props.name || '', cls: f.props.class || '', lines });
        } else if (l.name === 'places' && f.geometry.length) {
          t.places.push({ name: f.props.name || '', kind: f.props.kind || '', at: loc(f.geometry[0][0]) });
        }
      }
    }
    return t;
  }

  /** drawLines draws the streets of the view's tiles (in the map's base layer). */
  drawLines(ctx) {
    const m = this.map;
    const shown = [];
    for (const [z, x, y] of this.visibleTiles()) {
      const t = this.tiles.get(`${z}/${x}/${y}`);
      if (!t) this.request(z, x, y);
      else if (t.state === 'ok') shown.push(t);
    }
    this.shown = shown;
    if (!shown.length) return;
    ctx.save();
    ctx.setTransform(m.dpr * m.k, 0, 0, m.dpr * m.k, m.dpr * (m.w / 2 - m.cx * m.k), m.dpr * (m.h / 2 - m.cy * m.k));
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const pass of ['casing', 'road']) {
      for (const t of shown) {
        for (const r of t.roads) {
          const w = widths[r.cls] || 1.2;
          ctx.lineWidth = (pass === 'casing' ? w + 1.5 : w) / m.k;
          ctx.strokeStyle = pass === 'casing' ? this.style.casing : w >= 4 ? this.style.major : this.style.road;
          ctx.beginPath();
          for (const line of r.lines) {
            line.forEach(([lx, ly], i) => (i ? ctx.lineTo(lx, ly) : ctx.moveTo(lx, ly)));
          }
          ctx.stroke();
        }
      }
    }
    ctx.restore();
  }

  /** drawLabels names the streets and places in view, without overlaps. */
  drawLabels(ctx) {
    const m = this.map;
    if (!this.shown || !this.shown.length || this.zoomFor() < 14) return;
    ctx.font = '12px system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 3;
    const taken = [];
    const free = (x, y, w, h) => {
      for (const b of taken) if (x < b[2] && x + w > b[0] && y < b[3] && y + h > b[1]) return false;
      taken.push([x, y, x + w, y + h]);
      return true;
    };
    const seen = new Set();
    this.labels = [];
    for (const t of this.shown) {
      for (const r of t.roads) {
        if (!r.name || seen.has(r.name)) continue;
        // The middle of the road's longest line, where it is on screen.
        const line = r.lines.reduce((a, b) => (b.length > a.length ? b : a), []);
        if (line.length < 2) continue;
        const [lx, ly] = line[Math.floor(line.length / 2)];
        const [sx, sy] = m.toScreen(lx, ly);
        if (sx < 20 || sy < 10 || sx > m.w - 20 || sy > m.h - 10) continue;
        const w = ctx.measureText(r.name).width + 6;
        if (!free(sx - w / 2, sy - 8, w, 16)) continue;
        seen.add(r.name);
        ctx.strokeStyle = this.style.halo;
        ctx.strokeText(r.name, sx, sy);
        ctx.fillStyle = this.style.label;
        ctx.fillText(r.name, sx, sy);
        this.labels.push(r.name);
      }
    }
    if (this.zoomFor() < 15) return;
    for (const t of this.shown) {
      for (const p of t.places) {
        const [sx, sy] = m.toScreen(p.at[0], p.at[1]);
        if (!p.name || sx < 0 || sy < 0 || sx > m.w || sy > m.h) continue;
        const w = ctx.measureText(p.name).width + 10;
        if (!free(sx - 3, sy - 8, w, 16)) continue;
        ctx.fillStyle = this.style.place;
        ctx.beginPath();
        ctx.arc(sx, sy, 3, 0, 2 * Math.PI);
        ctx.fill();
        ctx.textAlign = 'left';
        ctx.strokeStyle = this.style.halo;
        ctx.strokeText(p.name, sx + 6, sy);
        ctx.fillStyle = this.style.label;
        ctx.fillText(p.name, sx + 6, sy);
        ctx.textAlign = 'center';
        this.labels.push(p.name);
      }
    }
  }
}
