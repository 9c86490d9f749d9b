package dispatch

import (
	"context"
	"time"

	"precinct"
	"precinct/dispatch/live"
)

// Defaults of StraightLine.
const (
	DefaultRoadFactor = 1.4
	DefaultCarKPH     = 40 // urban driving
	DefaultMotoKPH    = 35
	DefaultFootKPH    = 5
)

// StraightLine is the router used when no road graph is loaded: the
// great-circle distance times a road factor, at a speed per profile. Zero
// fields take the defaults. It never fails and every point is reachable.
type StraightLine struct {
	// RoadFactor multiplies the straight-line distance to estimate the
	// distance by road.
	RoadFactor float64
	// SpeedKPH is the speed of each profile in km/h.
	SpeedKPH map[precinct.Profile]float64
}

var _ live.DistanceRouter = (*StraightLine)(nil)

// Name returns "straight-line".
func (r *StraightLine) Name() string { return "straight-line" }

// Speed returns the speed of profile p in km/h.
func (r *StraightLine) Speed(p precinct.Profile) float64 {
	if v := r.SpeedKPH[p]; v > 0 {
		return v
	}
	switch p {
	case precinct.ProfileFoot:
		return DefaultFootKPH
	case precinct.ProfileMotorcycle:
		return DefaultMotoKPH
	}
	return DefaultCarKPH
}

// TravelTimes returns the estimated travel from each point of from to to.
func (r *StraightLine) TravelTimes(ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	return r.AppendTravelTimes(nil, ctx, from, to, p)
}

// AppendTravelTimes is TravelTimes appending to dst, so that a caller with a
// buffer of its own allocates nothing.
func (r *StraightLine) AppendTravelTimes(dst []precinct.Travel, _ context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	factor, mps := r.factor(), r.Speed(p)/3.6
	dest := precinct.DistanceTo(to)
	for _, f := range from {
		d := dest.From(f) * factor
		dst = append(dst, precinct.Travel{DistanceM: d, Duration: time.Duration(d / mps * float64(time.Second)), OK: true})
	}
	return dst, nil
}

// MinTravel returns the travel time for profile p over a great-circle
// distance of d metres, computed as AppendTravelTimes computes it: no point
// d metres away or farther is reached sooner. It makes the router a
// live.DistanceRouter.
func (r *StraightLine) MinTravel(d float64, p precinct.Profile) time.Duration {
	return time.Duration(d * r.factor() / (r.Speed(p) / 3.6) * float64(time.Second))
}

func (r *StraightLine) factor() float64 {
	if r.RoadFactor > 0 {
		return r.RoadFactor
	}
	return DefaultRoadFactor
}

// NewStraightLineRouter returns the straight-line router with the default
// road factor and speeds.
func NewStraightLineRouter() *StraightLine { return &StraightLine{} }
