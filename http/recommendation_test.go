package http_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"precinct"
	phttp "precinct/http"
)

// TestRecommendationJSON checks that the hand-written encoder of a
// recommendation writes exactly the bytes encoding/json writes (as
// writeJSON does, HTML escaping off), on random recommendations whose
// strings include quotes, control characters, HTML, invalid UTF-8, line
// separators and Chinese, and whose numbers span every notation.
func TestRecommendationJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	words := []string{"", "unit_00042", "巡逻车“一号”", `say "hi"`, `back\slash`, "tab\there", "nl\n", "bell\x07",
		"<b>&amp;</b>", "bad\xffutf8", "line\u2028sep\u2029", "emoji 🚓", "\x00", "O'Brien", "/path/"}
	str := func() string {
		if rng.IntN(3) == 0 {
			return words[rng.IntN(len(words))] + words[rng.IntN(len(words))]
		}
		return words[rng.IntN(len(words))]
	}
	strs := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	floats := []float64{0, 1, -1, 0.5, 1e-7, 1.5e-6, 1e-6, 123456.789, 1e20, 1e21, 1.2345e22, -3e-9, 108.7123456789, 29.48, math.SmallestNonzeroFloat64, math.MaxFloat64}
	num := func() float64 {
		if rng.IntN(2) == 0 {
			return floats[rng.IntN(len(floats))]
		}
		return (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20))
	}
	when := func() time.Time {
		switch rng.IntN(4) {
		case 0:
			return time.Time{}
		case 1:
			return time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
		case 2:
			return time.Date(2026, 11, 30, 18, 0, 1, 123456789, time.FixedZone("CST", 8*3600))
		}
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9))
	}
	for i := range 2000 {
		rec := &precinct.Recommendation{
			IncidentID: str(), Router: str(),
			Route: precinct.Route{RuleID: str(), Reason: str(), ReasonEN: str(), Handler: precinct.Handler(str()),
				FirstReceiptOfficerID: str(), StationIDs: strs(), ServiceStationID: str(), DispatchedBy: str()},
		}
		for _, k := range strs() {
			rec.Route.UnitKinds = append(rec.Route.UnitKinds, precinct.UnitKind(k))
		}
		if rng.IntN(5) > 0 {
			rec.Candidates = []precinct.Candidate{}
			rec.Excluded = []precinct.Exclusion{}
		}
		for range rng.IntN(6) {
			c := precinct.Candidate{ETA: time.Duration(rng.Int64N(1e12) - 1e6), ETASec: num(), DistanceM: num(),
				Stale: rng.IntN(2) == 0, Wave: rng.IntN(4) - 1, StationID: str()}
			if rng.IntN(8) > 0 {
				c.Unit = &precinct.Unit{ID: str(), Callsign: str(), Kind: precinct.UnitKind(str()), SubBureauID: str(),
					StationID: str(), ServiceStationID: str(), PoliceGridID: str(), Members: strs(),
					Status: precinct.UnitStatus(str()), StatusSince: when(), IncidentID: str(),
					Position: precinct.Point{Lon: num(), Lat: num()}, PositionAt: when()}
			}
			rec.Candidates = append(rec.Candidates, c)
		}
		for range rng.IntN(12) {
			rec.Excluded = append(rec.Excluded, precinct.Exclusion{UnitID: str(), Reason: str(), ReasonEN: str()})
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
		got := phttp.AppendRecommendation(nil, rec)
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("recommendation %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

// TestRecommendationJSONAllocations checks that encoding a recommendation
// of plain text into a buffer with room allocates nothing.
func TestRecommendationJSONAllocations(t *testing.T) {
	u := &precinct.Unit{ID: "unit_00001", Callsign: "巡1", Kind: precinct.UnitPatrolCar, SubBureauID: "sb1", StationID: "st1",
		Members: []string{"p1", "p2"}, Status: precinct.UnitAvailable, Position: precinct.Point{Lon: 108.7, Lat: 29.5}, PositionAt: time.Now()}
	rec := &precinct.Recommendation{IncidentID: "inc1", Router: "straight_line",
		Route:      precinct.Route{RuleID: "r1", Reason: "规则", ReasonEN: "rule", StationIDs: []string{"st1"}, UnitKinds: []precinct.UnitKind{precinct.UnitPatrolCar}},
		Candidates: []precinct.Candidate{{Unit: u, ETA: time.Minute, ETASec: 60, DistanceM: 812.5, Wave: 1, StationID: "st1"}},
		Excluded:   []precinct.Exclusion{{UnitID: "unit_2", Reason: strings.Repeat("忙", 4), ReasonEN: "busy"}}}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = phttp.AppendRecommendation(buf[:0], rec) }); n != 0 {
		t.Fatalf("%v allocations per encoding", n)
	}
}
