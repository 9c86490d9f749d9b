// Package peers holds the designs the live index is measured against in
// benchmarks: other ways of answering "the k nearest available units of
// these kinds in these stations" with a general-purpose store, built as a
// team would build them, so that the index's figures have a peer measured in
// the same run on the same units and queries.
package peers

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"precinct"
)

// Redis is the tuned Redis design: one geo sorted set per (unit kind,
// status, station), so that a query reads only the units it may want, and
// one pipelined round trip of GEOSEARCH … BYRADIUS … ASC COUNT k over the
// wanted keys, merged client side.
type Redis struct {
	rdb    *redis.Client
	prefix string
	keys   map[string]bool // every key loaded, to delete them
}

// Hit is a unit a peer found, with its straight-line distance.
type Hit struct {
	UnitID    string
	DistanceM float64
}

// NewRedis returns the peer storing its keys under prefix.
func NewRedis(rdb *redis.Client, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix, keys: map[string]bool{}}
}

// status is the status part of a key: a search reads only "available".
func status(u *precinct.Unit) string {
	if u.Status == precinct.UnitAvailable {
		return "available"
	}
	return "other"
}

// owner is the station of a unit, or its police service station for a
// service station's unit (which has no station).
func owner(u *precinct.Unit) string {
	if u.StationID == "" {
		return u.ServiceStationID
	}
	return u.StationID
}

// key is the set of one kind, status and station (or service station).
func (r *Redis) key(kind precinct.UnitKind, status, station string) string {
	return r.prefix + ":" + string(kind) + ":" + status + ":" + station
}

// Load replaces the peer's sets with units, 1,000 per GEOADD.
func (r *Redis) Load(ctx context.Context, units []*precinct.Unit) error {
	if err := r.Clear(ctx); err != nil {
		return err
	}
	byKey := map[string][]*redis.GeoLocation{}
	for _, u := range units {
		if u.Position.IsZero() {
			continue
		}
		k := r.key(u.Kind, status(u), owner(u))
		byKey[k] = append(byKey[k], &redis.GeoLocation{Name: u.ID, Longitude: u.Position.Lon, Latitude: u.Position.Lat})
	}
	pipe := r.rdb.Pipeline()
	for k, locs := range byKey {
		r.keys[k] = true
		for i := 0; i < len(locs); i += 1000 {
			pipe.GeoAdd(ctx, k, locs[i:min(i+1000, len(locs))]...)
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

// Clear deletes every key the peer loaded.
func (r *Redis) Clear(ctx context.Context) error {
	if len(r.keys) == 0 {
		return nil
	}
	keys := make([]string, 0, len(r.keys))
	for k := range r.keys {
		keys = append(keys, k)
	}
	clear(r.keys)
	return r.rdb.Del(ctx, keys...).Err()
}

// Nearest returns the k available units of kinds in stations (station or
// service-station IDs) nearest to p within radiusKM, nearest first: one
// pipelined GEOSEARCH per wanted key.
func (r *Redis) Nearest(ctx context.Context, p precinct.Point, k int, kinds []precinct.UnitKind, stations []string, radiusKM float64) ([]Hit, error) {
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.GeoSearchLocationCmd, 0, len(kinds)*len(stations))
	for _, kind := range kinds {
		for _, st := range stations {
			cmds = append(cmds, pipe.GeoSearchLocation(ctx, r.key(kind, "available", st), &redis.GeoSearchLocationQuery{
				GeoSearchQuery: redis.GeoSearchQuery{Longitude: p.Lon, Latitude: p.Lat, Radius: radiusKM, RadiusUnit: "km", Sort: "ASC", Count: k},
				WithDist:       true,
			}))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("redis peer: %w", err)
	}
	var hits []Hit
	for _, c := range cmds {
		for _, l := range c.Val() {
			hits = append(hits, Hit{UnitID: l.Name, DistanceM: l.Dist * 1000})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(a.DistanceM, b.DistanceM) })
	return hits[:min(k, len(hits))], nil
}
