package routing_test

import (
	"context"
	"testing"

	"precinct"
	"precinct/dispatch"
	"precinct/routing"
)

func TestFallback(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	straight := dispatch.NewStraightLineRouter()
	f := &routing.Fallback{Road: r, Other: straight}
	onRoad, incident := g.Point(10), g.Point(2000)
	offRoad := precinct.Point{Lon: 1.30, Lat: 42.50} // in Spain, far from Andorra's roads
	ctx := context.Background()

	tests := []struct {
		name    string
		from    []precinct.Point
		profile precinct.Profile
		want    func() []precinct.Travel
	}{
		{name: "by road", from: []precinct.Point{onRoad}, profile: precinct.ProfileCar, want: func() []precinct.Travel {
			out, _ := r.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileCar)
			return out
		}},
		{name: "off the network", from: []precinct.Point{onRoad, offRoad}, profile: precinct.ProfileCar, want: func() []precinct.Travel {
			road, _ := r.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileCar)
			line, _ := straight.TravelTimes(ctx, []precinct.Point{offRoad}, incident, precinct.ProfileCar)
			return []precinct.Travel{road[0], line[0]}
		}},
		{name: "on foot", from: []precinct.Point{onRoad}, profile: precinct.ProfileFoot, want: func() []precinct.Travel {
			out, _ := straight.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileFoot)
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.TravelTimes(ctx, tt.from, incident, tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want()
			if len(got) != len(want) {
				t.Fatalf("got %d travels, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] || !got[i].OK {
					t.Errorf("travel %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
	if f.Name() != "road" {
		t.Errorf("Name = %q, want road", f.Name())
	}
}
