package dispatch_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
)

// square returns a square polygon of side 2h degrees centred on (lon, lat).
func square(lon, lat, h float64) precinct.MultiPolygon {
	return precinct.MultiPolygon{{{
		{Lon: lon - h, Lat: lat - h}, {Lon: lon + h, Lat: lat - h}, {Lon: lon + h, Lat: lat + h},
		{Lon: lon - h, Lat: lat + h}, {Lon: lon - h, Lat: lat - h},
	}}}
}

// testOrg is a small sub-bureau: two urban stations bound to one service
// station, a central station with its base station, and a border station.
func testOrg() *dispatch.Org {
	return &dispatch.Org{
		SubBureau: &precinct.SubBureau{ID: "sb1", Name: "测试分局", Boundary: square(108.8, 29.5, 0.5)},
		Stations: []*precinct.Station{
			{ID: "st_urban", SubBureauID: "sb1", Name: "城西所", Kind: precinct.StationUrban, Location: precinct.Point{Lon: 108.78, Lat: 29.53}},
			{ID: "st_urban2", SubBureauID: "sb1", Name: "城东所", Kind: precinct.StationUrban, Location: precinct.Point{Lon: 108.82, Lat: 29.53}},
			{ID: "st_central", SubBureauID: "sb1", Name: "濯水所", Kind: precinct.StationCentral, Location: precinct.Point{Lon: 108.6, Lat: 29.3}},
			{ID: "st_base", SubBureauID: "sb1", Name: "水市所", Kind: precinct.StationBase, CentralID: "st_central", Location: precinct.Point{Lon: 108.7, Lat: 29.3}},
			{ID: "st_border", SubBureauID: "sb1", Name: "边城所", Kind: precinct.StationBorder, Partners: []string{"酉阳某所", "湖北某所"},
				Location: precinct.Point{Lon: 109.2, Lat: 29.2}},
		},
		ServiceStations: []*precinct.ServiceStation{
			{ID: "ss1", SubBureauID: "sb1", Name: "中关村警务站", Location: precinct.Point{Lon: 108.8, Lat: 29.53}, StationIDs: [2]string{"st_urban", "st_urban2"}},
		},
	}
}

func category(code string) precinct.Category {
	for _, c := range precinct.DefaultCategories {
		if c.Code == code {
			return c
		}
	}
	panic("no category " + code)
}

func facts(station, cat string, place precinct.PlaceType, p precinct.Point, force map[string]time.Duration) dispatch.Facts {
	return dispatch.Facts{
		Incident: &precinct.Incident{ID: "inc_1", Category: cat, PlaceType: place, Point: p, Source: precinct.SourceCall110, Priority: 2,
			Location: precinct.Location{SubBureauID: "sb1", StationID: station, PoliceGridID: "pg_" + station}},
		Category:   category(cat),
		PoliceGrid: &precinct.PoliceGrid{ID: "pg_" + station, StationID: station, OfficerID: "officer_" + station},
		Org:        testOrg(),
		Force:      force,
	}
}

func TestRoute(t *testing.T) {
	city := precinct.Point{Lon: 108.79, Lat: 29.53}
	village := precinct.Point{Lon: 108.71, Lat: 29.31}
	nearBorder := precinct.Point{Lon: 109.29, Lat: 29.2} // 0.01° (≈1 km) inside the east edge
	deepInside := precinct.Point{Lon: 108.9, Lat: 29.5}
	tests := []struct {
		name         string
		facts        dispatch.Facts
		rule         string
		handler      precinct.Handler
		stations     []string
		service      string
		dispatchedBy string
		kinds        []precinct.UnitKind
		shared       []string
		reason       string // a fragment of the Chinese reason
	}{
		{name: "[004] dispute in a village goes to the community police office, grid officer takes first receipt",
			facts: facts("st_urban", "neighbour", precinct.PlaceVillage, city, nil),
			rule:  "community_office", handler: precinct.HandlerCommunity, stations: []string{"st_urban"}, dispatchedBy: "st_urban",
			kinds: []precinct.UnitKind{precinct.UnitCommunity}, reason: "[004]"},
		{name: "[004] request for help on a road goes to the community police office",
			facts: facts("st_urban", "lost_person", precinct.PlaceRoad, city, nil),
			rule:  "community_office", handler: precinct.HandlerCommunity, stations: []string{"st_urban"}, dispatchedBy: "st_urban",
			kinds: []precinct.UnitKind{precinct.UnitCommunity}},
		{name: "[004] case-type incident goes to the case-handling team",
			facts: facts("st_urban", "theft", precinct.PlaceStreet, city, nil),
			rule:  "case_team", handler: precinct.HandlerCaseTeam, stations: []string{"st_urban"}, dispatchedBy: "st_urban",
			kinds: []precinct.UnitKind{precinct.UnitCaseTeam, precinct.UnitPatrolCar}, reason: "案件办理队"},
		{name: "[003] noise in a park goes to the nearest patrol of the bound service station",
			facts: facts("st_urban", "noise", precinct.PlacePark, city, nil),
			rule:  "street_1plus1", handler: precinct.HandlerPatrol, service: "ss1", dispatchedBy: "ss1",
			kinds: []precinct.UnitKind{precinct.UnitFootPatrol, precinct.UnitPatrolCar, precinct.UnitArmedVehicle}, reason: "[003]"},
		{name: "[003] a dispute in a mall (child category) goes to the patrol before the community office",
			facts: facts("st_urban2", "family", precinct.PlaceMall, city, nil),
			rule:  "street_1plus1", handler: precinct.HandlerPatrol, service: "ss1", dispatchedBy: "ss1",
			kinds: []precinct.UnitKind{precinct.UnitFootPatrol, precinct.UnitPatrolCar, precinct.UnitArmedVehicle}},
		{name: "[003] a fight on the street (public order) goes to the patrol",
			facts: facts("st_urban", "fight", precinct.PlaceStreet, city, nil),
			rule:  "street_1plus1", handler: precinct.HandlerPatrol, service: "ss1", dispatchedBy: "ss1",
			kinds: []precinct.UnitKind{precinct.UnitFootPatrol, precinct.UnitPatrolCar, precinct.UnitArmedVehicle}},
		{name: "[003] a street incident of a station with no service station falls through to the next rule",
			facts: facts("st_central", "noise", precinct.PlaceStreet, village, map[string]time.Duration{"st_central": 5 * time.Minute}),
			rule:  "station_command", handler: precinct.HandlerStation, stations: []string{"st_central"}, dispatchedBy: "st_central",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity}},
		{name: "[003] an incident inside a residential compound is dispatched by the sub-bureau command centre",
			facts: facts("st_urban", "noise", precinct.PlaceCompound, city, nil),
			rule:  "special_places", handler: precinct.HandlerCommandCentre, stations: []string{"st_urban"}, dispatchedBy: "sb1",
			kinds:  []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitArmedVehicle, precinct.UnitCommunity},
			reason: "分局指挥中心"},
		{name: "[003] a theft inside a unit is dispatched by the command centre",
			facts: facts("st_urban2", "theft", precinct.PlaceUnit, city, nil),
			rule:  "special_places", handler: precinct.HandlerCommandCentre, stations: []string{"st_urban2"}, dispatchedBy: "sb1",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitArmedVehicle, precinct.UnitCommunity}},
		{name: "[003] an urban-village incident is dispatched by the command centre",
			facts: facts("st_urban", "dispute", precinct.PlaceUrbanVillage, city, nil),
			rule:  "special_places", handler: precinct.HandlerCommandCentre, stations: []string{"st_urban"}, dispatchedBy: "sb1",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitArmedVehicle, precinct.UnitCommunity}},
		{name: "[000] traffic goes to the station command office",
			facts: facts("st_urban", "accident", precinct.PlaceRoad, city, nil),
			rule:  "station_command", handler: precinct.HandlerStation, stations: []string{"st_urban"}, dispatchedBy: "st_urban",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity}},
		{name: "[002] base station 30+ min away, neighbour 10 min: the central station dispatches the neighbour",
			facts: facts("st_base", "public_order", precinct.PlaceVillage, village,
				map[string]time.Duration{"st_base": 32 * time.Minute, "st_central": 10 * time.Minute, "st_urban": 45 * time.Minute}),
			rule: dispatch.RuleRuralCentral, handler: precinct.HandlerCentral, stations: []string{"st_central", "st_base"}, dispatchedBy: "st_central",
			kinds:  []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity},
			shared: []string{"st_central"}, reason: "跨所出警"},
		{name: "[002] home station with no available force at all: cross-station dispatch",
			facts: facts("st_base", "help", precinct.PlaceVillage, village, map[string]time.Duration{"st_urban": 40 * time.Minute, "st_central": 25 * time.Minute}),
			rule:  dispatch.RuleRuralCentral, handler: precinct.HandlerCentral, stations: []string{"st_central", "st_base"}, dispatchedBy: "st_central",
			kinds:  []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity},
			shared: []string{"st_central"}, reason: "无可用警力"},
		{name: "[002] central station itself far: its own command office dispatches the neighbour",
			facts: facts("st_central", "public_order", precinct.PlaceVillage, village, map[string]time.Duration{"st_central": 35 * time.Minute, "st_base": 12 * time.Minute}),
			rule:  dispatch.RuleRuralCentral, handler: precinct.HandlerCentral, stations: []string{"st_base", "st_central"}, dispatchedBy: "st_central",
			kinds:  []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity},
			shared: []string{"st_base"}},
		{name: "[002] home force within 20 min: the home rule stands",
			facts: facts("st_base", "neighbour", precinct.PlaceVillage, village, map[string]time.Duration{"st_base": 19 * time.Minute, "st_central": 5 * time.Minute}),
			rule:  "community_office", handler: precinct.HandlerCommunity, stations: []string{"st_base"}, dispatchedBy: "st_base",
			kinds: []precinct.UnitKind{precinct.UnitCommunity}},
		{name: "[002] the rural rule does not apply to urban stations",
			facts: facts("st_urban", "accident", precinct.PlaceRoad, city, map[string]time.Duration{"st_urban2": 2 * time.Minute}),
			rule:  "station_command", handler: precinct.HandlerStation, stations: []string{"st_urban"}, dispatchedBy: "st_urban",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity}},
		{name: "[002] near the district boundary a border station shares with its partners",
			facts: facts("st_border", "public_order", precinct.PlaceVillage, nearBorder, map[string]time.Duration{"st_border": 8 * time.Minute}),
			rule:  "station_command", handler: precinct.HandlerStation, stations: []string{"st_border"}, dispatchedBy: "st_border",
			kinds:  []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity},
			shared: []string{"酉阳某所", "湖北某所"}, reason: "边界协作"},
		{name: "[002] far from the boundary a border station shares with nobody",
			facts: facts("st_border", "public_order", precinct.PlaceVillage, deepInside, map[string]time.Duration{"st_border": 8 * time.Minute}),
			rule:  "station_command", handler: precinct.HandlerStation, stations: []string{"st_border"}, dispatchedBy: "st_border",
			kinds: []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dispatch.Route(dispatch.DefaultRules(), tt.facts)
			rt := d.Route
			if rt.RuleID != tt.rule || rt.Handler != tt.handler {
				t.Fatalf("rule %q handler %q, want %q %q (reason %s)", rt.RuleID, rt.Handler, tt.rule, tt.handler, rt.ReasonEN)
			}
			if !slices.Equal(rt.StationIDs, tt.stations) || rt.ServiceStationID != tt.service || rt.DispatchedBy != tt.dispatchedBy {
				t.Errorf("stations %v service %q by %q, want %v %q %q", rt.StationIDs, rt.ServiceStationID, rt.DispatchedBy, tt.stations, tt.service, tt.dispatchedBy)
			}
			if !slices.Equal(rt.UnitKinds, tt.kinds) {
				t.Errorf("kinds %v, want %v", rt.UnitKinds, tt.kinds)
			}
			if !slices.Equal(d.SharedWith, tt.shared) {
				t.Errorf("shared with %v, want %v", d.SharedWith, tt.shared)
			}
			if want := "officer_" + tt.facts.Incident.Location.StationID; rt.FirstReceiptOfficerID != want {
				t.Errorf("first receipt %q, want %q [004]", rt.FirstReceiptOfficerID, want)
			}
			if rt.Reason == "" || rt.ReasonEN == "" || !strings.Contains(rt.Reason, tt.reason) {
				t.Errorf("reason %q / %q, want it to mention %q", rt.Reason, rt.ReasonEN, tt.reason)
			}
		})
	}
}

func TestRouteFirstReceiptOff(t *testing.T) {
	r := dispatch.DefaultRules()
	r.FirstReceipt = false
	d := dispatch.Route(r, facts("st_urban", "neighbour", precinct.PlaceVillage, precinct.Point{Lon: 108.79, Lat: 29.53}, nil))
	if d.Route.FirstReceiptOfficerID != "" {
		t.Errorf("first receipt %q with the rule off", d.Route.FirstReceiptOfficerID)
	}
}

func TestRouteConfigurableRural(t *testing.T) {
	// [002] the travel-time limit is configurable: at 40 min a 32-min home force stands.
	r := dispatch.DefaultRules()
	r.Rural.MaxTravelS = 40 * 60
	f := facts("st_base", "public_order", precinct.PlaceVillage, precinct.Point{Lon: 108.71, Lat: 29.31},
		map[string]time.Duration{"st_base": 32 * time.Minute, "st_central": 10 * time.Minute})
	if d := dispatch.Route(r, f); d.Route.Handler != precinct.HandlerStation {
		t.Errorf("handler %q, want station_command with a 40-min limit", d.Route.Handler)
	}
}

func TestPushRoute(t *testing.T) {
	tests := []struct {
		name    string
		station string
		code    string
	}{
		{"[003] a station pushes an incident to its bound service station", "st_urban", ""},
		{"[003] a station without a service station cannot push", "st_base", precinct.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dispatch.PushRoute(dispatch.DefaultRules(), facts(tt.station, "dispute", precinct.PlaceCompound, precinct.Point{Lon: 108.79, Lat: 29.53}, nil))
			if code := precinct.ErrorCode(err); code != tt.code {
				t.Fatalf("code %q, want %q (%v)", code, tt.code, err)
			}
			if err == nil && (d.Route.Handler != precinct.HandlerPatrol || d.Route.ServiceStationID != "ss1" || d.Route.RuleID != dispatch.RulePush) {
				t.Errorf("route %+v", d.Route)
			}
		})
	}
}

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *dispatch.Rules)
		field string
	}{
		{"defaults are valid", func(r *dispatch.Rules) {}, ""},
		{"unknown handler", func(r *dispatch.Rules) { r.Rules[1].Handler = "army" }, "rules[1].handler"},
		{"unknown unit kind", func(r *dispatch.Rules) { r.Rules[0].UnitKinds = []precinct.UnitKind{"tank"} }, "rules[0].unit_kinds"},
		{"no unit kinds", func(r *dispatch.Rules) { r.Default.UnitKinds = nil }, "default.unit_kinds"},
		{"repeated id", func(r *dispatch.Rules) { r.Rules[2].ID = r.Rules[0].ID }, "rules[2].id"},
		{"reserved id", func(r *dispatch.Rules) { r.Rules[0].ID = dispatch.RulePush }, "rules[0].id"},
		{"missing English reason", func(r *dispatch.Rules) { r.Rules[3].ReasonEN = "" }, "rules[3].reason"},
		{"unknown place type", func(r *dispatch.Rules) { r.Rules[0].When.PlaceTypes = []precinct.PlaceType{"moon"} }, "rules[0].when.place_types"},
		{"unknown category", func(r *dispatch.Rules) { r.Rules[0].When.Categories = []string{"nope"} }, "rules[0].when.categories"},
		{"rural limit zero", func(r *dispatch.Rules) { r.Rural.MaxTravelS = 0 }, "rural.max_travel_s"},
		{"negative border distance", func(r *dispatch.Rules) { r.Border.ShareWithinM = -1 }, "border.share_within_m"},
		{"k out of range", func(r *dispatch.Rules) { r.Candidates = 0 }, "candidates"},
		{"bad wave kinds", func(r *dispatch.Rules) { r.Reinforcement.Waves[1].UnitKinds = []precinct.UnitKind{"x"} }, "reinforcement.waves[1].unit_kinds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dispatch.DefaultRules()
			tt.edit(r)
			err := r.Validate(precinct.DefaultCategories)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*precinct.Error)
			if !ok || e.Code != precinct.EINVALID || e.Field != tt.field || e.Message == "" || e.MessageEN == "" {
				t.Fatalf("err %v, want EINVALID on %q", err, tt.field)
			}
		})
	}
}

func TestParseRules(t *testing.T) {
	if _, err := dispatch.ParseRules([]byte(`{"first_receipt":true,"bogus":1}`), nil); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := dispatch.ParseRules([]byte(`{`), nil); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("malformed: %v", err)
	}
}

func TestDistanceToEdge(t *testing.T) {
	m := square(108.8, 29.5, 0.5)
	d := dispatch.DistanceToEdgeM(precinct.Point{Lon: 109.29, Lat: 29.5}, m)
	want := precinct.DistanceM(precinct.Point{Lon: 109.29, Lat: 29.5}, precinct.Point{Lon: 109.3, Lat: 29.5})
	if d < want*0.99 || d > want*1.01 {
		t.Errorf("distance %.1f m, want %.1f", d, want)
	}
}
