package duty

import (
	"math"

	"precinct"
)

// Geofence radii of the places people check in at, in metres. A post
// carries its own.
const (
	RadiusCommunityOffice = 300
	RadiusServiceStation  = 200
	RadiusStation         = 200
	RadiusPost            = 100
)

// Judge says what a check-in at p shows for its place: inside the place's
// geofence (valid), outside it, without a position, or with no place to
// check in at. The distance is to the place, rounded to the metre.
func Judge(place *precinct.CheckInPlace, p *precinct.Point) (precinct.CheckInVerdict, *float64) {
	switch {
	case p == nil:
		return precinct.CheckInNoPosition, nil
	case place == nil:
		return precinct.CheckInNoPlace, nil
	}
	d := math.Round(precinct.DistanceM(*p, place.Location))
	if d <= float64(place.RadiusM) {
		return precinct.CheckInInside, &d
	}
	return precinct.CheckInOutside, &d
}
