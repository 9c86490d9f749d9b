// Package demo builds the demo jurisdiction of Precinct, 重庆市黔江区, from
// real division names and codes embedded in the binary (data/, with
// ATTRIBUTION.md), and moves its on-duty units so that a new user sees a live
// picture at once.
//
// The organisation follows seed 002: the district's rural stations are 25 —
// the 24 towns and townships (镇、乡) and 冯家街道, the street office whose
// villages are mostly 村 — grouped as 9 central, 10 base and 6 border stations;
// the other five street offices are urban stations with two teams and one
// office (seed 000). 濯水 is a central station coordinating 水市, as in the
// seed's story of a cross-station dispatch. One police service station is bound
// to two urban stations ("1+1", seed 003).
//
// All polygons below the district outline are derived (see data/ATTRIBUTION.md).
package demo

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"precinct"
	"precinct/geo"
)

//go:embed data/qianjiang_villages.csv data/qianjiang_boundary.geojson data/ATTRIBUTION.md
var data embed.FS

// division is one row of the division table.
type division struct {
	code, name, level, parent string
}

// township is a street office, town or township with its villages.
type township struct {
	division
	villages []division
	rural    bool
	seed     precinct.Point
	area     precinct.MultiPolygon
	kind     precinct.StationKind
	station  *precinct.Station
}

// isStreet reports whether a township code is a street office (街道, 001–099).
func (t *township) isStreet() bool { return t.code[6:] < "100" }

// ruralStreet is the street office served by a rural station (see the package doc).
const ruralStreet = "500114006" // 冯家街道

// generate builds the demo jurisdiction in GCJ-02, the datum of its
// outline, the same for the same seed. Folder writes it as an import folder.
func generate(seed int64) (*precinct.Jurisdiction, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	towns, err := readDivisions()
	if err != nil {
		return nil, err
	}
	outline, centre, err := readOutline()
	if err != nil {
		return nil, err
	}
	b := &builder{rng: rng, names: newNamer(rng), j: &precinct.Jurisdiction{SubBureau: precinct.SubBureau{
		ID: "sb-500114", Name: "黔江区公安局", CityBureau: "重庆市公安局", Code: "500114",
		Datum: precinct.GCJ02, Boundary: outline, Derived: true,
	}}}
	placeTownships(towns, outline, centre, rng)
	classify(towns, outline)
	for _, t := range towns {
		b.station(t)
	}
	linkCentral(towns)
	linkPartners(towns)
	b.gridCounts = communityGridCounts(towns)
	for _, t := range towns {
		if err := b.grids(t); err != nil {
			return nil, err
		}
	}
	b.serviceStation(towns)
	b.users(towns)
	b.dutyOfficers()
	return b.j, nil
}

func readDivisions() ([]*township, error) {
	raw, err := data.ReadFile("data/qianjiang_villages.csv")
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo divisions: %w", err)
	}
	byCode := map[string]*township{}
	var towns []*township
	for _, r := range rows[1:] {
		d := division{code: r[0], name: r[1], level: r[2], parent: r[3]}
		switch d.level {
		case "township":
			if byCode[d.code] != nil || d.code[6:] >= "400" { // 400+: farms and the like, no police jurisdiction
				continue
			}
			t := &township{division: d}
			byCode[d.code] = t
			towns = append(towns, t)
		case "village":
			if t := byCode[d.parent]; t != nil {
				t.villages = append(t.villages, d)
			}
		}
	}
	for _, t := range towns {
		t.rural = !t.isStreet() || t.code == ruralStreet
	}
	return towns, nil
}

func readOutline() (precinct.MultiPolygon, precinct.Point, error) {
	raw, err := data.ReadFile("data/qianjiang_boundary.geojson")
	if err != nil {
		return nil, precinct.Point{}, err
	}
	var fc struct {
		Features []struct {
			Properties struct {
				CP [2]float64 `json:"cp"`
			} `json:"properties"`
			Geometry precinct.MultiPolygon `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil || len(fc.Features) == 0 {
		return nil, precinct.Point{}, fmt.Errorf("demo outline: %v", err)
	}
	f := fc.Features[0]
	return f.Geometry, precinct.Point{Lon: f.Properties.CP[0], Lat: f.Properties.CP[1]}, nil
}

// placeTownships chooses a centre for each township — the urban street offices
// in a cluster around the city centre, the rest spread over the district —
// and partitions the outline among them.
func placeTownships(towns []*township, outline precinct.MultiPolygon, centre precinct.Point, rng *rand.Rand) {
	var urban, rural []*township
	for _, t := range towns {
		if t.rural {
			rural = append(rural, t)
		} else {
			urban = append(urban, t)
		}
	}
	for i, t := range urban {
		a := 2 * math.Pi * float64(i) / float64(len(urban))
		t.seed = precinct.Point{Lon: centre.Lon + 0.025*math.Cos(a), Lat: centre.Lat + 0.02*math.Sin(a)}
	}
	// Rural centres keep clear of the city.
	var pts []precinct.Point
	for len(pts) < len(rural) {
		for _, p := range geo.SpreadPoints(outline, len(rural)*2, rng) {
			if precinct.DistanceM(p, centre) > 7000 && len(pts) < len(rural) {
				pts = append(pts, p)
			}
		}
	}
	for i, t := range rural {
		t.seed = pts[i]
	}
	// 濯水 and 水市 are neighbours (seed 002): give 水市 the centre nearest 濯水's.
	zhuoshui, shuishi := find(towns, "濯水镇"), find(towns, "水市镇")
	if zhuoshui != nil && shuishi != nil {
		nearest := shuishi
		for _, t := range rural {
			if t != zhuoshui && precinct.DistanceM(t.seed, zhuoshui.seed) < precinct.DistanceM(nearest.seed, zhuoshui.seed) {
				nearest = t
			}
		}
		nearest.seed, shuishi.seed = shuishi.seed, nearest.seed
	}
	seeds := make([]precinct.Point, len(towns))
	for i, t := range towns {
		seeds[i] = t.seed
	}
	for i, cell := range geo.Voronoi(outline, seeds) {
		towns[i].area = cell
	}
}

func find(towns []*township, name string) *township {
	for _, t := range towns {
		if t.name == name {
			return t
		}
	}
	return nil
}

// classify makes the 6 rural stations nearest the district boundary border
// stations, the 9 with the most villages and communities (the seed's "人口集中")
// central stations, and the rest base stations.
func classify(towns []*township, outline precinct.MultiPolygon) {
	var rural []*township
	for _, t := range towns {
		if !t.rural {
			t.kind = precinct.StationUrban
			continue
		}
		rural = append(rural, t)
	}
	pinned := map[string]precinct.StationKind{"濯水镇": precinct.StationCentral, "水市镇": precinct.StationBase, "黑溪镇": precinct.StationBase}
	sort.SliceStable(rural, func(i, j int) bool {
		return geo.DistanceToEdgeM(rural[i].seed, outline) < geo.DistanceToEdgeM(rural[j].seed, outline)
	})
	border := 0
	for _, t := range rural {
		if _, ok := pinned[t.name]; !ok && border < 6 {
			t.kind = precinct.StationBorder
			border++
		}
	}
	rest := []*township{}
	for _, t := range rural {
		if t.kind == "" {
			rest = append(rest, t)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return len(rest[i].villages) > len(rest[j].villages) })
	central := 0
	for _, t := range rest {
		if k, ok := pinned[t.name]; ok {
			t.kind = k
			if k == precinct.StationCentral {
				central++
			}
		}
	}
	for _, t := range rest {
		if t.kind == "" && central < 9 {
			t.kind = precinct.StationCentral
			central++
		} else if t.kind == "" {
			t.kind = precinct.StationBase
		}
	}
}

// linkCentral gives each base station the nearest central station that still
// coordinates fewer than two; every central station first gets one.
func linkCentral(towns []*township) {
	var centrals, bases []*township
	for _, t := range towns {
		switch t.kind {
		case precinct.StationCentral:
			centrals = append(centrals, t)
		case precinct.StationBase:
			bases = append(bases, t)
		}
	}
	load := map[*township]int{}
	assign := func(b, c *township) {
		b.station.CentralID = c.station.ID
		load[c]++
	}
	if z, s := find(towns, "濯水镇"), find(towns, "水市镇"); z != nil && s != nil && s.kind == precinct.StationBase {
		assign(s, z)
	}
	nearest := func(b *township, ok func(*township) bool) *township {
		var best *township
		for _, c := range centrals {
			if ok(c) && (best == nil || precinct.DistanceM(b.seed, c.seed) < precinct.DistanceM(b.seed, best.seed)) {
				best = c
			}
		}
		return best
	}
	// First every central station without a base takes its nearest free base.
	for _, c := range centrals {
		if load[c] > 0 {
			continue
		}
		var best *township
		for _, b := range bases {
			if b.station.CentralID == "" && (best == nil || precinct.DistanceM(b.seed, c.seed) < precinct.DistanceM(best.seed, c.seed)) {
				best = b
			}
		}
		if best != nil {
			assign(best, c)
		}
	}
	for _, b := range bases {
		if b.station.CentralID == "" {
			if c := nearest(b, func(c *township) bool { return load[c] < 2 }); c != nil {
				assign(b, c)
			}
		}
	}
}

// linkPartners gives each border station the nearest other border station
// as its partner (六联协作, seed 002). The stations across the district
// boundary are not in the demo's data; an import names them by code.
func linkPartners(towns []*township) {
	var border []*township
	for _, t := range towns {
		if t.kind == precinct.StationBorder {
			border = append(border, t)
		}
	}
	for _, t := range border {
		var best *township
		for _, o := range border {
			if o != t && (best == nil || precinct.DistanceM(o.seed, t.seed) < precinct.DistanceM(best.seed, t.seed)) {
				best = o
			}
		}
		if best != nil {
			t.station.Partners = []string{best.station.ID}
		}
	}
}

// stationName is the police station's name for a township.
func stationName(t *township) string {
	n := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(t.name, "街道"), "镇"), "乡")
	if t.kind == precinct.StationCentral {
		return n + "中心派出所"
	}
	return n + "派出所"
}
