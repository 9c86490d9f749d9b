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
	return f.AppendTravelTimes(make([]precinct.Travel, 0, len(from)), ctx, from, to, p)
}

// AppendTravelTimes is TravelTimes appending to dst, without allocating
// when every point is near a road and the answer fits in dst (the live
// index's TravelAppender).
func (f *Fallback) AppendTravelTimes(dst []precinct.Travel, ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	if !f.Road.Has(p) {
		if a, ok := f.Other.(interface {
			AppendTravelTimes([]precinct.Travel, context.Context, []precinct.Point, precinct.Point, precinct.Profile) ([]precinct.Travel, error)
		}); ok {
			return a.AppendTravelTimes(dst, ctx, from, to, p)
		}
		ts, err := f.Other.TravelTimes(ctx, from, to, p)
		return append(dst, ts...), err
	}
	n0 := len(dst)
	dst, err := f.Road.AppendTravelTimes(dst, ctx, from, to, p)
	if err != nil {
		return dst[:n0], err
	}
	out := dst[n0:]
	var missing []int
	var points []precinct.Point
	for i, t := range out {
		if !t.OK {
			missing = append(missing, i)
			points = append(points, from[i])
		}
	}
	if len(missing) == 0 {
		return dst, nil
	}
	other, err := f.Other.TravelTimes(ctx, points, to, p)
	if err != nil {
		return dst[:n0], err
	}
	for k, i := range missing {
		out[i] = other[k]
	}
	return dst, nil
}
