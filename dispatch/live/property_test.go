package live_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
)

// TestShortlistMatchesBruteForce runs random queries — any mix of kinds,
// stations, service stations, excluded units, distance bounds, shortlist
// lengths and explanations — on an index that units keep moving through,
// changing status, going off shift and leaving, and compares every answer
// with a scan of every unit: the same hits in the same order at the same
// distances, the same units left out for the same reasons, and the same
// candidates ranked by the straight-line router.
func TestShortlistMatchesBruteForce(t *testing.T) {
	for _, cellDeg := range []float64{0.002, live.DefaultCellDeg, 0.02} {
		for _, outlier := range []bool{false, true} {
			t.Run(fmt.Sprintf("cell=%v,outlier=%v", cellDeg, outlier), func(t *testing.T) {
				testShortlistBruteForce(t, cellDeg, outlier)
			})
		}
	}
}

// model is what the test knows of a unit.
type model struct {
	u        precinct.Unit
	offShift bool
}

func testShortlistBruteForce(t *testing.T, cellDeg float64, outlier bool) {
	rng := rand.New(rand.NewPCG(uint64(cellDeg*1e4), 17))
	x := live.New(&fixedClock{now}, live.Options{CellDeg: cellDeg})
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCommunity,
		precinct.UnitMotorcycle, precinct.UnitArmedVehicle}
	statuses := []precinct.UnitStatus{precinct.UnitAvailable, precinct.UnitAvailable, precinct.UnitAvailable,
		precinct.UnitBusy, precinct.UnitOffDuty, precinct.UnitDispatched, precinct.UnitOnScene}
	stations := []string{"", "st0", "st1", "st2", "st3", "st4"}
	services := []string{"", "", "ss0", "ss1", "ss2"}
	point := func() precinct.Point {
		return precinct.Point{Lon: 108.7 + rng.Float64()*0.12, Lat: 29.45 + rng.Float64()*0.1}
	}
	units := map[string]*model{}
	put := func(id string) {
		u := &precinct.Unit{ID: id, Kind: kinds[rng.IntN(len(kinds))], SubBureauID: "sb1",
			StationID: stations[rng.IntN(len(stations))], ServiceStationID: services[rng.IntN(len(services))],
			Status: statuses[rng.IntN(len(statuses))], Position: point(), PositionAt: now.Add(-time.Duration(rng.IntN(300)) * time.Second)}
		if u.Status == precinct.UnitDispatched || u.Status == precinct.UnitOnScene {
			u.IncidentID = "inc_1"
		}
		x.Put(u)
		units[id] = &model{u: *u}
	}
	for i := range 1500 {
		put(fmt.Sprintf("u%04d", i))
	}
	if outlier {
		put("far")
		units["far"].u.Position = precinct.Point{Lon: -170, Lat: -80}
		x.Put(&units["far"].u)
	}
	tick := time.Duration(0)
	ctx := context.Background()
	router := &dispatch.StraightLine{}
	for round := range 300 {
		// Changes between queries.
		for range rng.IntN(40) {
			id := fmt.Sprintf("u%04d", rng.IntN(1600))
			m := units[id]
			switch op := rng.IntN(10); {
			case m == nil:
				put(id)
			case op < 6:
				tick += time.Millisecond
				p := precinct.Position{UnitID: id, Point: point(), At: now.Add(tick)}
				if rng.IntN(3) == 0 { // a short move, often in the same cell
					p.Point = precinct.Point{Lon: m.u.Position.Lon + (rng.Float64()-0.5)*cellDeg, Lat: m.u.Position.Lat + (rng.Float64()-0.5)*cellDeg}
				}
				if x.Move([]precinct.Position{p}) == 1 {
					m.u.Position, m.u.PositionAt = p.Point, p.At
				}
			case op < 8:
				s := statuses[rng.IntN(len(statuses))]
				x.SetStatus(id, s, "")
				m.u.Status = s
			case op < 9:
				m.offShift = !m.offShift
				x.SetOnShift(id, !m.offShift)
			default:
				x.Remove(id)
				delete(units, id)
			}
		}
		q := live.Query{Point: point(), K: 5, Explain: rng.IntN(12)}
		for _, k := range kinds {
			if rng.IntN(3) == 0 {
				q.Kinds = append(q.Kinds, k)
			}
		}
		for _, s := range stations[1:] {
			if rng.IntN(4) == 0 {
				q.StationIDs = append(q.StationIDs, s)
			}
		}
		if rng.IntN(3) == 0 {
			q.ServiceStationIDs = []string{services[2+rng.IntN(3)]}
		}
		if rng.IntN(5) == 0 {
			q.StationIDs = append(q.StationIDs, "unknown")
		}
		for range rng.IntN(4) {
			q.Exclude = append(q.Exclude, fmt.Sprintf("u%04d", rng.IntN(1600)))
		}
		if rng.IntN(3) == 0 {
			q.MaxDistanceM = 200 + rng.Float64()*3000
		}
		n := 1 + rng.IntN(25)
		hits, excl := x.Shortlist(q, n)
		wantHits, wantExcl := bruteForce(units, q, n)
		if len(hits) != len(wantHits) {
			t.Fatalf("round %d: %d hits, want %d (%+v)", round, len(hits), len(wantHits), q)
		}
		for i, h := range hits {
			w := wantHits[i]
			if h.Unit.ID != w.id || h.DistanceM != math.Sqrt(w.d2) || h.Unit.Position != units[w.id].u.Position ||
				h.Stale != (now.Sub(units[w.id].u.PositionAt) > live.DefaultStaleAfter) {
				t.Fatalf("round %d: hit %d is %s at %v m, want %s at %v m", round, i, h.Unit.ID, h.DistanceM, w.id, math.Sqrt(w.d2))
			}
		}
		if len(excl) != len(wantExcl) {
			t.Fatalf("round %d: %d exclusions %v, want %d %v", round, len(excl), excl, len(wantExcl), wantExcl)
		}
		for i, e := range excl {
			if w := wantExcl[i]; e.UnitID != w.id || reasonOf(e) != w.why {
				t.Fatalf("round %d: exclusion %d is %s (%s), want %s (%s)", round, i, e.UnitID, e.ReasonEN, w.id, w.why)
			}
		}
		// Ranked: the shortlist of max(4k, 12) by travel time, fresh first.
		q.K = 1 + rng.IntN(20)
		var res live.Result
		if err := x.NearestInto(ctx, router, q, &res); err != nil {
			t.Fatal(err)
		}
		short, _ := bruteForce(units, q, max(4*q.K, 12))
		type ranked struct {
			id    string
			eta   time.Duration
			stale bool
		}
		var want []ranked
		for _, f := range short {
			u := units[f.id].u
			ts, _ := router.TravelTimes(ctx, []precinct.Point{u.Position}, q.Point, precinct.ProfileOf(u.Kind))
			want = append(want, ranked{f.id, ts[0].Duration, now.Sub(u.PositionAt) > live.DefaultStaleAfter})
		}
		slices.SortFunc(want, func(a, b ranked) int {
			if a.stale != b.stale {
				if a.stale {
					return 1
				}
				return -1
			}
			return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.id, b.id))
		})
		want = want[:min(q.K, len(want))]
		if len(res.Candidates) != len(want) {
			t.Fatalf("round %d: %d candidates, want %d", round, len(res.Candidates), len(want))
		}
		for i, c := range res.Candidates {
			if w := want[i]; c.Unit.ID != w.id || c.ETA != w.eta || c.Stale != w.stale {
				t.Fatalf("round %d: candidate %d is %s (%v), want %s (%v)", round, i, c.Unit.ID, c.ETA, w.id, w.eta)
			}
		}
	}
}

type found struct {
	id  string
	d2  float64
	why string
}

// bruteForce answers q with n hits by testing every unit, in the index's
// metric (metres on a plane tangent at the query point).
func bruteForce(units map[string]*model, q live.Query, n int) (hits, excl []found) {
	const mPerDegLat = 6371008.8 * math.Pi / 180
	mPerDegLon := mPerDegLat * math.Cos(q.Point.Lat*math.Pi/180)
	maxD2 := math.Inf(1)
	if q.MaxDistanceM > 0 {
		maxD2 = q.MaxDistanceM * q.MaxDistanceM
	}
	var out []found
	for id, m := range units {
		if slices.Contains(q.Exclude, id) {
			continue
		}
		dx, dy := (m.u.Position.Lon-q.Point.Lon)*mPerDegLon, (m.u.Position.Lat-q.Point.Lat)*mPerDegLat
		f := found{id: id, d2: dx*dx + dy*dy}
		if f.d2 > maxD2 {
			continue
		}
		wantKind := len(q.Kinds) == 0 || slices.Contains(q.Kinds, m.u.Kind)
		inStation := len(q.StationIDs) == 0 && len(q.ServiceStationIDs) == 0 ||
			m.u.StationID != "" && slices.Contains(q.StationIDs, m.u.StationID) ||
			m.u.ServiceStationID != "" && slices.Contains(q.ServiceStationIDs, m.u.ServiceStationID)
		switch {
		case m.u.Status != precinct.UnitAvailable || m.offShift:
			f.why = "status"
		case !wantKind:
			f.why = "kind"
		case !inStation:
			f.why = "station"
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b found) int { return cmp.Or(cmp.Compare(a.d2, b.d2), cmp.Compare(a.id, b.id)) })
	for _, f := range out {
		if f.why == "" && len(hits) < n {
			hits = append(hits, f)
		}
	}
	limit2 := maxD2
	if len(hits) > 0 {
		limit2 = hits[len(hits)-1].d2
	}
	for _, f := range out {
		if f.why != "" && f.d2 <= limit2 && len(excl) < q.Explain {
			excl = append(excl, f)
		}
	}
	return hits, excl
}

// reasonOf names the kind of reason of an exclusion.
func reasonOf(e precinct.Exclusion) string {
	switch {
	case e.Reason == "不属于规则允许的派出所或警务站":
		return "station"
	case slices.Contains([]string{"不在岗", "不在班", "忙碌（其他工作）", "暂不可派"}, e.Reason) || len(e.ReasonEN) > 7 && e.ReasonEN[:7] == "serving":
		return "status"
	case e.ReasonEN != "" && e.ReasonEN[:4] == "kind":
		return "kind"
	}
	return "?" + e.Reason
}
