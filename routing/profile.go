package routing

import (
	"strconv"
	"strings"

	"github.com/paulmach/osm"

	"precinct"
)

// speedTable gives a profile's speed in km/h on each routable highway class
// when the way has no usable maxspeed.
type speedTable map[string]float64

// profileSpec says how one profile travels on OpenStreetMap ways.
type profileSpec struct {
	profile precinct.Profile
	// speeds by highway=* value; a class not listed is not routable.
	speeds speedTable
	// maxspeedFactor scales a posted limit to a realistic average speed.
	maxspeedFactor float64
	// maxKmh caps every speed (a "none" limit, a badly tagged way).
	maxKmh float64
	// accessKeys are the access tags that apply, most specific first.
	accessKeys []string
}

// Profiles lists the profiles Import builds by default.
func Profiles() []precinct.Profile {
	return []precinct.Profile{precinct.ProfileCar, precinct.ProfileMotorcycle}
}

// specOf returns the travel rules of p, and false for a profile the road
// router does not support.
func specOf(p precinct.Profile) (profileSpec, bool) {
	switch p {
	case precinct.ProfileCar:
		return profileSpec{
			profile: p,
			speeds: speedTable{
				"motorway": 110, "motorway_link": 60,
				"trunk": 90, "trunk_link": 50,
				"primary": 70, "primary_link": 45,
				"secondary": 60, "secondary_link": 40,
				"tertiary": 50, "tertiary_link": 35,
				"unclassified": 40, "residential": 30,
				"living_street": 10, "service": 15, "track": 8,
			},
			maxspeedFactor: 0.85,
			maxKmh:         130,
			accessKeys:     []string{"motorcar", "motor_vehicle", "vehicle", "access"},
		}, true
	case precinct.ProfileMotorcycle:
		// A motorcycle is a little quicker through towns and on minor roads
		// (it filters through traffic) and a little slower on fast roads.
		return profileSpec{
			profile: p,
			speeds: speedTable{
				"motorway": 100, "motorway_link": 60,
				"trunk": 85, "trunk_link": 50,
				"primary": 70, "primary_link": 50,
				"secondary": 62, "secondary_link": 45,
				"tertiary": 55, "tertiary_link": 40,
				"unclassified": 45, "residential": 35,
				"living_street": 15, "service": 20, "track": 12,
			},
			maxspeedFactor: 0.9,
			maxKmh:         120,
			accessKeys:     []string{"motorcycle", "motor_vehicle", "vehicle", "access"},
		}, true
	}
	return profileSpec{}, false
}

// waySpeeds returns the speed in km/h along and against the direction of a way
// with the given tags; 0 means the direction is closed to the profile.
func (s profileSpec) waySpeeds(tags osm.Tags) (forward, backward float64) {
	highway := tags.Find("highway")
	base, ok := s.speeds[highway]
	if !ok || tags.Find("area") == "yes" {
		return 0, 0
	}
	if !s.allowed(tags) {
		return 0, 0
	}
	speed := base
	if kmh, ok := parseMaxspeed(tags.Find("maxspeed")); ok {
		if kmh <= 0 { // "none": no limit, drive at the class speed
			speed = base
		} else {
			speed = kmh * s.maxspeedFactor
		}
	}
	if highway == "track" && speed > base {
		speed = base // a track stays slow whatever the sign says
	}
	speed = min(speed, s.maxKmh)
	speed = max(speed, 2)
	switch onewayOf(tags) {
	case 1:
		return speed, 0
	case -1:
		return 0, speed
	}
	return speed, speed
}

// allowed reports whether the access tags let the profile use the way.
func (s profileSpec) allowed(tags osm.Tags) bool {
	for _, k := range s.accessKeys {
		switch tags.Find(k) {
		case "":
			continue
		case "no", "private", "agricultural", "forestry", "delivery", "emergency", "military":
			return false
		default: // yes, designated, permissive, destination, customers…
			return true
		}
	}
	return true
}

// onewayOf returns 1 for a way open only along its direction, -1 for one open
// only against it, and 0 for a two-way road. Roundabouts and motorways are
// one-way unless tagged otherwise.
func onewayOf(tags osm.Tags) int {
	switch strings.ToLower(strings.TrimSpace(tags.Find("oneway"))) {
	case "yes", "true", "1":
		return 1
	case "-1", "reverse":
		return -1
	case "no", "false", "0":
		return 0
	}
	switch tags.Find("junction") {
	case "roundabout", "circular":
		return 1
	}
	if tags.Find("highway") == "motorway" {
		return 1
	}
	return 0
}

// parseMaxspeed reads an OpenStreetMap maxspeed value in km/h: "50",
// "30 mph", "50;30" (the first), "walk", country zones such as "FR:urban", and
// "none" (returned as 0, true: no limit). ok is false when the value is absent
// or not understood ("signals", "variable").
func parseMaxspeed(v string) (kmh float64, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, ";|"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	switch v {
	case "":
		return 0, false
	case "none", "unlimited":
		return 0, true
	case "walk":
		return 6, true
	}
	if i := strings.IndexByte(v, ':'); i > 0 { // country zone, e.g. "de:urban"
		switch zone := v[i+1:]; {
		case zone == "urban":
			return 50, true
		case zone == "rural" || zone == "trunk":
			return 90, true
		case zone == "motorway":
			return 130, true
		case zone == "living_street" || zone == "bicycle_road":
			return 20, true
		case strings.HasPrefix(zone, "zone"):
			if n, err := strconv.ParseFloat(strings.TrimPrefix(zone, "zone"), 64); err == nil && n > 0 {
				return n, true
			}
		}
		return 0, false
	}
	factor := 1.0
	switch {
	case strings.HasSuffix(v, "mph"):
		factor, v = 1.609344, strings.TrimSpace(strings.TrimSuffix(v, "mph"))
	case strings.HasSuffix(v, "km/h"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "km/h"))
	case strings.HasSuffix(v, "kmh"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "kmh"))
	case strings.HasSuffix(v, "knots"):
		factor, v = 1.852, strings.TrimSpace(strings.TrimSuffix(v, "knots"))
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 || n > 300 {
		return 0, false
	}
	return n * factor, true
}
