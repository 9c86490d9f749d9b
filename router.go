package precinct

import (
	"context"
	"time"
)

// Profile is a mode of travel for routing.
type Profile string

const (
	ProfileCar        Profile = "car"
	ProfileMotorcycle Profile = "motorcycle"
	ProfileFoot       Profile = "foot"
)

// ProfileOf returns the travel profile of a unit kind. Community officers
// ride to the villages and compounds of their grid (motorcycle or e-bike);
// foot patrols and volunteers walk.
func ProfileOf(k UnitKind) Profile {
	switch k {
	case UnitMotorcycle, UnitCommunity:
		return ProfileMotorcycle
	case UnitFootPatrol, UnitVolunteer:
		return ProfileFoot
	}
	return ProfileCar
}

// Travel is the cost of going from one point to another.
type Travel struct {
	Duration  time.Duration `json:"duration"`
	DistanceM float64       `json:"distance_m"`
	// OK is false when no route exists (no road within reach, or the
	// destination cannot be reached); Duration and DistanceM are then zero.
	OK bool `json:"ok"`
}

// Router answers travel-time questions. The straight-line router estimates
// from distance; the road router (package routing) searches the road network.
type Router interface {
	// TravelTimes returns the travel from each of from to to, in order.
	TravelTimes(ctx context.Context, from []Point, to Point, p Profile) ([]Travel, error)
	// Name says which router answered ("straight-line", "road").
	Name() string
}
