package routing

import (
	"testing"

	"github.com/paulmach/osm"

	"precinct"
)

func TestParseMaxspeed(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kmh  float64
		ok   bool
	}{
		{name: "number", in: "50", kmh: 50, ok: true},
		{name: "mph", in: "30 mph", kmh: 30 * 1.609344, ok: true},
		{name: "mph no space", in: "20mph", kmh: 20 * 1.609344, ok: true},
		{name: "km/h", in: "70 km/h", kmh: 70, ok: true},
		{name: "none", in: "none", kmh: 0, ok: true},
		{name: "list takes first", in: "50;30", kmh: 50, ok: true},
		{name: "walk", in: "walk", kmh: 6, ok: true},
		{name: "urban zone", in: "FR:urban", kmh: 50, ok: true},
		{name: "rural zone", in: "AD:rural", kmh: 90, ok: true},
		{name: "zone30", in: "DE:zone30", kmh: 30, ok: true},
		{name: "signals", in: "signals", ok: false},
		{name: "empty", in: "", ok: false},
		{name: "nonsense", in: "fast", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kmh, ok := parseMaxspeed(tt.in)
			if ok != tt.ok || (ok && kmh != tt.kmh) {
				t.Errorf("parseMaxspeed(%q) = %v, %v; want %v, %v", tt.in, kmh, ok, tt.kmh, tt.ok)
			}
		})
	}
}

func tags(kv ...string) osm.Tags {
	var ts osm.Tags
	for i := 0; i < len(kv); i += 2 {
		ts = append(ts, osm.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return ts
}

func TestWaySpeeds(t *testing.T) {
	car, _ := specOf(precinct.ProfileCar)
	moto, _ := specOf(precinct.ProfileMotorcycle)
	tests := []struct {
		name     string
		spec     profileSpec
		tags     osm.Tags
		fwd, bwd float64
	}{
		{name: "residential both ways", spec: car, tags: tags("highway", "residential"), fwd: 30, bwd: 30},
		{name: "oneway yes", spec: car, tags: tags("highway", "residential", "oneway", "yes"), fwd: 30},
		{name: "oneway true", spec: car, tags: tags("highway", "residential", "oneway", "true"), fwd: 30},
		{name: "oneway 1", spec: car, tags: tags("highway", "residential", "oneway", "1"), fwd: 30},
		{name: "oneway -1", spec: car, tags: tags("highway", "residential", "oneway", "-1"), bwd: 30},
		{name: "roundabout implied", spec: car, tags: tags("highway", "primary", "junction", "roundabout"), fwd: 70},
		{name: "roundabout oneway no", spec: car, tags: tags("highway", "primary", "junction", "roundabout", "oneway", "no"), fwd: 70, bwd: 70},
		{name: "motorway implied", spec: car, tags: tags("highway", "motorway"), fwd: 110},
		{name: "maxspeed", spec: car, tags: tags("highway", "primary", "maxspeed", "50"), fwd: 42.5, bwd: 42.5},
		{name: "maxspeed none", spec: car, tags: tags("highway", "secondary", "maxspeed", "none"), fwd: 60, bwd: 60},
		{name: "track stays slow", spec: car, tags: tags("highway", "track", "maxspeed", "80"), fwd: 8, bwd: 8},
		{name: "access private", spec: car, tags: tags("highway", "service", "access", "private")},
		{name: "access no", spec: car, tags: tags("highway", "residential", "access", "no")},
		{name: "access no but motorcar yes", spec: car, tags: tags("highway", "residential", "access", "no", "motorcar", "yes"), fwd: 30, bwd: 30},
		{name: "motorcycle allowed where cars are not", spec: moto, tags: tags("highway", "residential", "motorcar", "no"), fwd: 35, bwd: 35},
		{name: "footway", spec: car, tags: tags("highway", "footway")},
		{name: "link", spec: car, tags: tags("highway", "primary_link"), fwd: 45, bwd: 45},
		{name: "motorcycle faster in town", spec: moto, tags: tags("highway", "residential"), fwd: 35, bwd: 35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, b := tt.spec.waySpeeds(tt.tags)
			if f != tt.fwd || b != tt.bwd {
				t.Errorf("waySpeeds = %v, %v; want %v, %v", f, b, tt.fwd, tt.bwd)
			}
		})
	}
}
