package dispatch_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func liveUnit(id string, kind precinct.UnitKind, station, service string, lon, lat float64) *precinct.Unit {
	return &precinct.Unit{ID: id, Kind: kind, SubBureauID: "sb1", StationID: station, ServiceStationID: service,
		Status: precinct.UnitAvailable, Position: precinct.Point{Lon: lon, Lat: lat}, PositionAt: t0}
}

func candidateIDs(r *precinct.Recommendation) map[int][]string {
	out := map[int][]string{}
	for _, c := range r.Candidates {
		out[c.Wave] = append(out[c.Wave], c.Unit.ID)
	}
	return out
}

func TestRecommend(t *testing.T) {
	idx := live.New(&fixedClock{t0}, live.Options{})
	idx.Put(
		liveUnit("patrol_1", precinct.UnitFootPatrol, "", "ss1", 108.791, 29.53),
		liveUnit("patrol_2", precinct.UnitPatrolCar, "", "ss1", 108.83, 29.53),
		liveUnit("car_w", precinct.UnitPatrolCar, "st_urban", "", 108.7905, 29.53),
		liveUnit("car_e", precinct.UnitPatrolCar, "st_urban2", "", 108.80, 29.53),
		liveUnit("comm_w", precinct.UnitCommunity, "st_urban", "", 108.7902, 29.53),
		liveUnit("car_c", precinct.UnitPatrolCar, "st_central", "", 108.61, 29.3),
	)
	idx.SetStatus("patrol_2", precinct.UnitOnScene, "inc_other")
	org := testOrg()
	rules := dispatch.DefaultRules()
	rules.Candidates = 3
	router := &dispatch.StraightLine{}
	city := precinct.Point{Lon: 108.79, Lat: 29.53}
	tests := []struct {
		name     string
		station  string
		cat      string
		place    precinct.PlaceType
		priority int
		waves    int
		want     map[int][]string
		excluded []string
	}{
		{name: "[003] street noise: only the bound service station's patrol, nearer units explained",
			station: "st_urban", cat: "noise", place: precinct.PlaceStreet, priority: 3, waves: 1,
			want: map[int][]string{1: {"patrol_1"}}, excluded: []string{"comm_w", "car_w"}},
		{name: "[000] priority 1 proposes two waves: the second from the bound and nearest stations",
			station: "st_urban", cat: "noise", place: precinct.PlaceStreet, priority: 1, waves: rules.WavesFor(1, 0),
			want: map[int][]string{1: {"patrol_1"}, 2: {"comm_w", "car_w", "car_e"}}},
		{name: "[004] a dispute in a village: community unit of the station",
			station: "st_urban", cat: "neighbour", place: precinct.PlaceVillage, priority: 3, waves: 1,
			want: map[int][]string{1: {"comm_w"}}},
		{name: "[000] wave 3 reaches the central station",
			station: "st_urban", cat: "accident", place: precinct.PlaceRoad, priority: 3, waves: 3,
			want: map[int][]string{1: {"comm_w", "car_w"}, 2: {"patrol_1", "car_e"}, 3: {"car_c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.station, tt.cat, tt.place, city, nil)
			f.Incident.Priority = tt.priority
			f.Incident.Route = dispatch.Route(rules, f).Route
			rec, err := dispatch.Recommend(context.Background(), idx, router, rules, org, f.Incident, tt.waves)
			if err != nil {
				t.Fatal(err)
			}
			got := candidateIDs(rec)
			for w, ids := range tt.want {
				if !slices.Equal(got[w], ids) {
					t.Errorf("wave %d: %v, want %v (all %v)", w, got[w], ids, got)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("waves %v, want %v", got, tt.want)
			}
			if tt.excluded != nil {
				var ex []string
				for _, e := range rec.Excluded {
					ex = append(ex, e.UnitID)
				}
				if !slices.Equal(ex, tt.excluded) {
					t.Errorf("excluded %v, want %v", ex, tt.excluded)
				}
			}
			if rec.Router != "straight-line" || rec.Route.RuleID == "" {
				t.Errorf("router %q rule %q", rec.Router, rec.Route.RuleID)
			}
			for _, c := range rec.Candidates {
				if c.ETA <= 0 || c.ETASec != c.ETA.Seconds() || c.DistanceM <= 0 {
					t.Errorf("candidate %s: eta %v distance %.0f", c.Unit.ID, c.ETA, c.DistanceM)
				}
			}
		})
	}
}

func TestWavesFor(t *testing.T) {
	r := dispatch.DefaultRules()
	tests := []struct {
		name                string
		priority, requested int
		want                int
	}{
		{"priority 3: one wave", 3, 0, 1},
		{"priority 1: two waves at once", 1, 0, 2},
		{"requested by the officer on scene", 3, 2, 2},
		{"capped at the last tier", 2, 9, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.WavesFor(tt.priority, tt.requested); got != tt.want {
				t.Errorf("waves %d, want %d", got, tt.want)
			}
		})
	}
}

func TestStraightLine(t *testing.T) {
	a, b := precinct.Point{Lon: 108.77, Lat: 29.53}, precinct.Point{Lon: 108.78, Lat: 29.53}
	d := precinct.DistanceM(a, b)
	tests := []struct {
		name   string
		router *dispatch.StraightLine
		p      precinct.Profile
		kph    float64
		factor float64
	}{
		{"car at 40 km/h", &dispatch.StraightLine{}, precinct.ProfileCar, 40, 1.4},
		{"motorcycle at 35 km/h", &dispatch.StraightLine{}, precinct.ProfileMotorcycle, 35, 1.4},
		{"foot at 5 km/h", &dispatch.StraightLine{}, precinct.ProfileFoot, 5, 1.4},
		{"configured", &dispatch.StraightLine{RoadFactor: 1.2, SpeedKPH: map[precinct.Profile]float64{precinct.ProfileCar: 60}}, precinct.ProfileCar, 60, 1.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := tt.router.TravelTimes(context.Background(), []precinct.Point{a, b}, b, tt.p)
			if err != nil || len(ts) != 2 {
				t.Fatal(ts, err)
			}
			wantD := d * tt.factor
			wantT := time.Duration(wantD / (tt.kph / 3.6) * float64(time.Second))
			if !ts[0].OK || ts[0].DistanceM != wantD || (ts[0].Duration-wantT).Abs() > time.Millisecond {
				t.Errorf("travel %+v, want %.1f m in %v", ts[0], wantD, wantT)
			}
			if !ts[1].OK || ts[1].Duration != 0 {
				t.Errorf("same point: %+v", ts[1])
			}
		})
	}
	if (&dispatch.StraightLine{}).Name() != "straight-line" {
		t.Error("name")
	}
}

func TestKPIs(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	ev := func(typ string, min int, d dispatch.ActionData) *precinct.Event {
		b, _ := json.Marshal(d)
		return &precinct.Event{Type: typ, At: at(min), Data: b}
	}
	inc := &precinct.Incident{ID: "inc_1", ReceivedAt: t0, Route: precinct.Route{Handler: precinct.HandlerPatrol}}
	tests := []struct {
		name     string
		timeline []*precinct.Event
		flow     float64 // -1: none
		response float64
		outcome  precinct.Outcome
		to       string
		units    int
		waves    int
		sat      int
	}{
		{"received only", []*precinct.Event{ev(dispatch.EventCreated, 0, dispatch.ActionData{})}, -1, -1, "", "", 0, 1, 0},
		{"resolved on scene with a callback", []*precinct.Event{
			ev(dispatch.EventCreated, 0, dispatch.ActionData{}),
			ev(dispatch.EventDispatched, 2, dispatch.ActionData{Units: []string{"u1"}}),
			ev(dispatch.EventEnRoute, 3, dispatch.ActionData{Units: []string{"u1"}}),
			ev(dispatch.EventArrived, 9, dispatch.ActionData{Units: []string{"u1"}}),
			ev(dispatch.EventReinforced, 10, dispatch.ActionData{Units: []string{"u2"}, Wave: 2}),
			ev(dispatch.EventArrived, 14, dispatch.ActionData{Units: []string{"u2"}}),
			ev(dispatch.EventResolved, 30, dispatch.ActionData{}),
			ev(dispatch.EventClosed, 40, dispatch.ActionData{}),
			ev(dispatch.EventCallback, 60, dispatch.ActionData{Satisfaction: 5}),
		}, 120, 540, precinct.OutcomeResolvedOnScene, "", 2, 2, 5},
		{"handed over to the station", []*precinct.Event{
			ev(dispatch.EventDispatched, 1, dispatch.ActionData{Units: []string{"u1"}}),
			ev(dispatch.EventArrived, 5, dispatch.ActionData{}),
			ev(dispatch.EventHandedOver, 20, dispatch.ActionData{To: "station"}),
		}, 60, 300, precinct.OutcomeHandedOver, "station", 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := dispatch.KPIs(inc, tt.timeline)
			check := func(name string, got *float64, want float64) {
				if want < 0 && got != nil || want >= 0 && (got == nil || *got != want) {
					t.Errorf("%s %v, want %v", name, got, want)
				}
			}
			check("flow", k.FlowTimeS, tt.flow)
			check("response", k.ResponseTimeS, tt.response)
			if k.Outcome != tt.outcome || k.HandedOverTo != tt.to || k.Units != tt.units || k.Waves != tt.waves || k.Satisfaction != tt.sat || !k.HandledByPatrol {
				t.Errorf("kpi %+v", k)
			}
		})
	}
}

func TestDefaultRulesRoundTrip(t *testing.T) {
	b, err := json.Marshal(dispatch.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	r, err := dispatch.ParseRules(b, precinct.DefaultCategories)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rules) != 5 || r.Rural.MaxTravelS != 1200 || r.Border.ShareWithinM != 3000 {
		t.Errorf("round trip %+v", r)
	}
}
