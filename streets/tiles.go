package streets

import (
	"container/list"
	"context"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
	"github.com/tidwall/rtree"

	"precinct"
)

// MaxZoom is the highest zoom tiles are drawn at; closer views scale up.
const MaxZoom = 18

// cacheSize is how many drawn tiles a Map keeps.
const cacheSize = 2048

// Map holds streets and places in the datum maps are drawn in, indexed for
// drawing tiles. It is safe for concurrent use.
type Map struct {
	data    *Data
	streets rtree.RTreeG[int]
	pois    rtree.RTreeG[int]

	mu    sync.Mutex
	cache map[maptile.Tile]*list.Element
	lru   *list.List
}

type cached struct {
	tile maptile.Tile
	b    []byte
}

// NewMap converts d to datum (with convert, from d's datum; nil keeps the
// coordinates) and indexes it.
func NewMap(d *Data, convert func(precinct.Point) precinct.Point) *Map {
	m := &Map{data: &Data{Datum: d.Datum}, cache: map[maptile.Tile]*list.Element{}, lru: list.New()}
	conv := func(p precinct.Point) precinct.Point {
		if convert == nil {
			return p
		}
		return convert(p)
	}
	for _, s := range d.Streets {
		line := make([]precinct.Point, len(s.Line))
		for i, p := range s.Line {
			line[i] = conv(p)
		}
		m.data.Streets = append(m.data.Streets, Street{Name: s.Name, Class: s.Class, Line: line})
		lo, hi := bounds(line)
		m.streets.Insert(lo, hi, len(m.data.Streets)-1)
	}
	for _, p := range d.POIs {
		p.Point = conv(p.Point)
		m.data.POIs = append(m.data.POIs, p)
		pt := [2]float64{p.Point.Lon, p.Point.Lat}
		m.pois.Insert(pt, pt, len(m.data.POIs)-1)
	}
	return m
}

// Data returns the streets and places as the map draws them.
func (m *Map) Data() *Data { return m.data }

func bounds(line []precinct.Point) (lo, hi [2]float64) {
	lo, hi = [2]float64{line[0].Lon, line[0].Lat}, [2]float64{line[0].Lon, line[0].Lat}
	for _, p := range line[1:] {
		lo[0], lo[1] = min(lo[0], p.Lon), min(lo[1], p.Lat)
		hi[0], hi[1] = max(hi[0], p.Lon), max(hi[1], p.Lat)
	}
	return lo, hi
}

// Tile draws tile z/x/y: a layer "streets" of lines with name and class, and
// from zoom 15 a layer "places" of points with name and kind. A tile with
// nothing in it is an empty tile.
func (m *Map) Tile(z, x, y int) ([]byte, error) {
	if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, precinct.Errorf(precinct.EINVALID, "图块编号超出范围：%d/%d/%d", "Tile out of range: %d/%d/%d.", z, x, y)
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	m.mu.Lock()
	if e, ok := m.cache[t]; ok {
		m.lru.MoveToFront(e)
		b := e.Value.(*cached).b
		m.mu.Unlock()
		return b, nil
	}
	m.mu.Unlock()
	b, err := m.draw(t)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if _, ok := m.cache[t]; !ok {
		m.cache[t] = m.lru.PushFront(&cached{t, b})
		if m.lru.Len() > cacheSize {
			old := m.lru.Remove(m.lru.Back()).(*cached)
			delete(m.cache, old.tile)
		}
	}
	m.mu.Unlock()
	return b, nil
}

func (m *Map) draw(t maptile.Tile) ([]byte, error) {
	z := int(t.Z)
	b := t.Bound(0.05) // a margin, so that lines leave the tile cleanly
	lo, hi := [2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}
	streets := geojson.NewFeatureCollection()
	m.streets.Search(lo, hi, func(_, _ [2]float64, i int) bool {
		s := m.data.Streets[i]
		if z < minZoom(s.Class) {
			return true
		}
		ls := make(orb.LineString, len(s.Line))
		for j, p := range s.Line {
			ls[j] = orb.Point{p.Lon, p.Lat}
		}
		f := geojson.NewFeature(ls)
		f.Properties["class"] = s.Class
		if s.Name != "" {
			f.Properties["name"] = s.Name
		}
		streets.Append(f)
		return true
	})
	layers := mvt.Layers{mvt.NewLayer("streets", streets)}
	if z >= poiMinZoom {
		places := geojson.NewFeatureCollection()
		m.pois.Search(lo, hi, func(_, _ [2]float64, i int) bool {
			p := m.data.POIs[i]
			f := geojson.NewFeature(orb.Point{p.Point.Lon, p.Point.Lat})
			f.Properties["name"], f.Properties["kind"] = p.Name, p.Kind
			places.Append(f)
			return true
		})
		layers = append(layers, mvt.NewLayer("places", places))
	}
	layers.ProjectToTile(t)
	layers.Clip(mvt.MapboxGLDefaultExtentBound)
	layers.Simplify(simplify.DouglasPeucker(1.0))
	layers.RemoveEmpty(1.0, 1.0)
	return mvt.Marshal(layers)
}

// Service draws tiles for signed-in users (precinct.TileService). A nil Map
// (no road data imported) draws empty tiles.
type Service struct {
	Map *Map
}

var _ precinct.TileService = (*Service)(nil)

// Tile returns tile z/x/y for a user who may read the organisation's maps.
func (s *Service) Tile(ctx context.Context, z, x, y int) ([]byte, error) {
	if err := precinct.Authorize(precinct.UserFromContext(ctx), precinct.PermReadOrg); err != nil {
		return nil, err
	}
	if s.Map == nil {
		if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
			return nil, precinct.Errorf(precinct.EINVALID, "图块编号超出范围：%d/%d/%d", "Tile out of range: %d/%d/%d.", z, x, y)
		}
		return []byte{}, nil
	}
	return s.Map.Tile(z, x, y)
}
