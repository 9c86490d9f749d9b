package streets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"precinct"
)

// poiKeys are the tags that make a named node or way a place worth finding.
var poiKeys = []string{"amenity", "shop", "tourism", "leisure", "office", "building", "public_transport", "railway", "historic", "man_made", "place"}

// Import reads an OpenStreetMap file (.osm.pbf, .osm, .osm.gz) and keeps its
// highways with their names and classes, and its named places. Nodes must
// come before the ways that use them, as in every OpenStreetMap extract. A
// file that cannot be read, or holds neither street nor place, is EINVALID.
func Import(ctx context.Context, path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "file", "找不到 OSM 文件：%s", "OSM file not found: %s.", path)
		}
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(2)
	var sc interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	switch {
	case strings.HasSuffix(path, ".gz") || bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, unreadable(path, err)
		}
		defer zr.Close()
		sc = osmxml.New(ctx, zr)
	case strings.HasSuffix(path, ".osm") || strings.HasSuffix(path, ".xml") || bytes.HasPrefix(head, []byte("<")):
		sc = osmxml.New(ctx, br)
	default:
		ps := osmpbf.New(ctx, br, runtime.GOMAXPROCS(0))
		ps.SkipRelations = true
		sc = ps
	}
	defer sc.Close()

	d := &Data{Datum: precinct.WGS84}
	nodes := map[osm.NodeID]precinct.Point{}
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			p := precinct.Point{Lon: o.Lon, Lat: o.Lat}
			nodes[o.ID] = p
			if name, kind := placeOf(o.Tags); name != "" {
				d.POIs = append(d.POIs, POI{Name: name, Kind: kind, Point: p})
			}
		case *osm.Way:
			line := make([]precinct.Point, 0, len(o.Nodes))
			for _, wn := range o.Nodes {
				if p, ok := nodes[wn.ID]; ok {
					line = append(line, p)
				}
			}
			if len(line) < 2 {
				continue
			}
			if class := o.Tags.Find("highway"); class != "" && o.Tags.Find("area") != "yes" {
				d.Streets = append(d.Streets, Street{Name: nameOf(o.Tags), Class: class, Line: line})
			} else if name, kind := placeOf(o.Tags); name != "" {
				d.POIs = append(d.POIs, POI{Name: name, Kind: kind, Point: centre(line)})
			}
		}
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unreadable(path, err)
	}
	if len(d.Streets) == 0 && len(d.POIs) == 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "file", "OSM 文件 %s 中没有道路或地点", "The OSM file %s holds no street or place.", filepath.Base(path))
	}
	return d, nil
}

// nameOf is a feature's name: name, else the Chinese or English name, else
// its road number.
func nameOf(t osm.Tags) string {
	for _, k := range []string{"name", "name:zh", "name:en", "ref"} {
		if v := strings.TrimSpace(t.Find(k)); v != "" {
			return v
		}
	}
	return ""
}

// placeOf returns the name and kind of a named place, or "".
func placeOf(t osm.Tags) (name, kind string) {
	name = nameOf(t)
	if name == "" || t.Find("highway") != "" {
		return "", ""
	}
	for _, k := range poiKeys {
		if v := t.Find(k); v != "" {
			if v == "yes" {
				return name, k
			}
			return name, v
		}
	}
	return "", ""
}

// centre is the middle of a line's bounding box.
func centre(line []precinct.Point) precinct.Point {
	minLon, minLat, maxLon, maxLat := line[0].Lon, line[0].Lat, line[0].Lon, line[0].Lat
	for _, p := range line[1:] {
		minLon, maxLon = min(minLon, p.Lon), max(maxLon, p.Lon)
		minLat, maxLat = min(minLat, p.Lat), max(maxLat, p.Lat)
	}
	return precinct.Point{Lon: (minLon + maxLon) / 2, Lat: (minLat + maxLat) / 2}
}

func unreadable(path string, err error) error {
	return precinct.FieldErrorf(precinct.EINVALID, "file", "无法读取 OSM 文件 %s：文件损坏或格式不支持（%v）",
		"Cannot read the OSM file %s: corrupt or unsupported format (%v).", filepath.Base(path), err)
}
