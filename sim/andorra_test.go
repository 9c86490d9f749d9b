package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/routing"
	"precinct/sim"
)

// andorraPBF finds ../shared/data/osm/andorra.osm.pbf beside the repository.
func andorraPBF(t *testing.T) string {
	dir, _ := os.Getwd()
	for ; dir != "/"; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
	}
	p := filepath.Join(dir, "..", "shared", "data", "osm", "andorra.osm.pbf")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("OSM data missing in CI: %v", err)
		}
		t.Skip("no ../shared/data/osm/andorra.osm.pbf")
	}
	return p
}

func box(lon, lat, w, h float64) precinct.MultiPolygon {
	return precinct.MultiPolygon{{{{Lon: lon, Lat: lat}, {Lon: lon + w, Lat: lat}, {Lon: lon + w, Lat: lat + h}, {Lon: lon, Lat: lat + h}, {Lon: lon, Lat: lat}}}}
}

// TestMountainCrossStationDispatchByRoad is seed 002's story on real mountain
// roads (Andorra, © OpenStreetMap contributors, ODbL): the home station is
// nearer in a straight line but over 20 minutes away by road, so the central
// station sends the neighbouring station's car, about 10 minutes away.
func TestMountainCrossStationDispatchByRoad(t *testing.T) {
	road, err := routing.Import(context.Background(), andorraPBF(t), routing.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	home := &precinct.Station{ID: "canillo", SubBureauID: "sb", Name: "Canillo 基础所", Kind: precinct.StationBase, CentralID: "massana",
		Location: precinct.Point{Lon: 1.5990, Lat: 42.5670}, Boundary: box(1.53, 42.555, 0.1, 0.08)}
	central := &precinct.Station{ID: "massana", SubBureauID: "sb", Name: "La Massana 中心所", Kind: precinct.StationCentral,
		Location: precinct.Point{Lon: 1.5150, Lat: 42.5450}, Boundary: box(1.45, 42.50, 0.08, 0.055)}
	j := &precinct.Jurisdiction{
		SubBureau: precinct.SubBureau{ID: "sb", Name: "Andorra demo", Datum: precinct.WGS84, Boundary: box(1.45, 42.50, 0.18, 0.135)},
		Stations:  []*precinct.Station{home, central},
		PoliceGrids: []*precinct.PoliceGrid{
			{ID: "pg-home", StationID: "canillo", Name: "El Serrat", Boundary: home.Boundary},
			{ID: "pg-central", StationID: "massana", Name: "La Massana", Boundary: central.Boundary},
		},
		CommunityGrids: []*precinct.CommunityGrid{
			{ID: "cg-home", PoliceGridID: "pg-home", Boundary: home.Boundary},
			{ID: "cg-central", PoliceGridID: "pg-central", Boundary: central.Boundary},
		},
		Units: []*precinct.Unit{
			{ID: "car-canillo", Kind: precinct.UnitPatrolCar, SubBureauID: "sb", StationID: "canillo", Position: home.Location},
			{ID: "car-massana", Kind: precinct.UnitPatrolCar, SubBureauID: "sb", StationID: "massana", Position: central.Location},
		},
	}
	sc := &sim.Scenario{Name: "andorra", Jurisdiction: j, CallsPerDay: 1}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	calls := []sim.Call{{At: at, OnScene: 20 * time.Minute, Category: precinct.Category{Code: "public_order", Kind: precinct.KindOrder},
		Input: precinct.IncidentInput{Source: precinct.SourceCall110, Category: "public_order", PlaceType: precinct.PlaceRoad,
			Point: precinct.Point{Lon: 1.5400, Lat: 42.6200}, Priority: 2}}}

	byRoad, err := sim.Run(context.Background(), sc, calls, sim.Reform, 1, sim.Options{Router: &routing.Fallback{Road: road, Other: dispatch.NewStraightLineRouter()}})
	if err != nil {
		t.Fatal(err)
	}
	k := byRoad.KPIs
	if k.CrossStation != 1 || k.HomeForceTravelS < 20*60 || k.CrossStationTravelS > 12*60 {
		t.Fatalf("by road: %d cross-station dispatches, home force %.1f min, neighbour %.1f min; want 1, over 20, about 10",
			k.CrossStation, k.HomeForceTravelS/60, k.CrossStationTravelS/60)
	}
	straight, err := sim.Run(context.Background(), sc, calls, sim.Reform, 1, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if straight.KPIs.CrossStation != 0 {
		t.Errorf("in a straight line the home station is nearer, yet %d cross-station dispatches", straight.KPIs.CrossStation)
	}
	t.Logf("home force by road %.1f min, neighbour %.1f min", k.HomeForceTravelS/60, k.CrossStationTravelS/60)
}
