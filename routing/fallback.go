package routing

import (
	"context"

	"precinct"
)

// Fallback is a precinct.Router that answers by road where it can and asks
// Other (the straight-line router) where it cannot: for a profile without a
// road graph (foot), and for points with no road within Road.MaxSnapM. Every
// snapped point reaches every other, since Import keeps only the largest
// strongly connected part of the network, so a Travel that is not OK by road
// means a point off the network.
type Fallback struct {
	Road  *Router
	Other precinct.Router
}

var _ precinct.Router = (*Fallback)(nil)

// Name returns the road router's name, "road".
func (f *Fallback) Name() string { return f.Road.Name() }

// TravelTimes returns the travel from each of from to to, by road where
// possible.
func (f *Fallback) TravelTimes(ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	if _, err := f.Road.Graph(p); err != nil {
		return f.Other.TravelTimes(ctx, from, to, p)
	}
	out, err := f.Road.TravelTimes(ctx, from, to, p)
	if err != nil {
		return nil, err
	}
	var missing []int
	var points []precinct.Point
	for i, t := range out {
		if !t.OK {
			missing = append(missing, i)
			points = append(points, from[i])
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	other, err := f.Other.TravelTimes(ctx, points, to, p)
	if err != nil {
		return nil, err
	}
	for k, i := range missing {
		out[i] = other[k]
	}
	return out, nil
}
