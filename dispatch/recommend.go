package dispatch

import (
	"context"
	"slices"

	"precinct"
	"precinct/dispatch/live"
)

// ExplainLimit is how many left-out units a recommendation explains per wave.
const ExplainLimit = 10

// MaxWave returns the highest reinforcement tier the rules define.
func (r *Rules) MaxWave() int { return len(r.Reinforcement.Waves) + 1 }

// WavesFor returns how many waves to propose for an incident: one, two when
// its priority is urgent enough, or as many as were requested (by the
// officer on scene or the dispatcher), capped at MaxWave.
func (r *Rules) WavesFor(priority, requested int) int {
	n := max(1, requested)
	if a := r.Reinforcement.AutoTwoWavesPriority; a > 0 && priority >= 1 && priority <= a {
		n = max(n, 2)
	}
	return min(n, r.MaxWave())
}

// WaveQuery returns the live-index query of one wave for an incident at p
// with route rt. Wave 1 asks for the route's unit kinds from its stations or
// service station; wave n ≥ 2 widens to Waves[n-2].ExtraStations of the
// nearest other stations and every service station bound to the stations
// allowed, with the wave's unit kinds.
func WaveQuery(r *Rules, org *Org, rt precinct.Route, p precinct.Point, wave int) live.Query {
	q := live.Query{Point: p, K: r.Candidates, Wave: max(wave, 1)}
	if wave <= 1 || len(r.Reinforcement.Waves) == 0 {
		q.Kinds = slices.Clone(rt.UnitKinds)
		q.StationIDs = slices.Clone(rt.StationIDs)
		if rt.ServiceStationID != "" {
			q.ServiceStationIDs = []string{rt.ServiceStationID}
		}
		return q
	}
	w := r.Reinforcement.Waves[min(wave-2, len(r.Reinforcement.Waves)-1)]
	q.Kinds = slices.Clone(w.UnitKinds)
	stations := slices.Clone(rt.StationIDs)
	if rt.ServiceStationID != "" {
		for _, ss := range org.ServiceStations {
			if ss.ID == rt.ServiceStationID {
				stations = appendNew(appendNew(stations, ss.StationIDs[0]), ss.StationIDs[1])
			}
		}
	}
	for _, s := range org.NearestStations(p, w.ExtraStations, stations...) {
		stations = append(stations, s.ID)
	}
	q.StationIDs = stations
	services := []string{}
	if rt.ServiceStationID != "" {
		services = append(services, rt.ServiceStationID)
	}
	for _, ss := range org.ServiceStations {
		if slices.Contains(stations, ss.StationIDs[0]) || slices.Contains(stations, ss.StationIDs[1]) {
			services = appendNew(services, ss.ID)
		}
	}
	q.ServiceStationIDs = services
	return q
}

// Recommend ranks units for an incident wave by wave (1..waves): each wave's
// k nearest available units by travel time, leaving out units already
// assigned or proposed in an earlier wave, with the reasons nearby units were
// left out.
func Recommend(ctx context.Context, idx *live.Index, router precinct.Router, r *Rules, org *Org, inc *precinct.Incident, waves int) (*precinct.Recommendation, error) {
	rec := &precinct.Recommendation{IncidentID: inc.ID, Route: inc.Route, Router: router.Name()}
	waves = max(waves, 1)
	taken := make([]string, len(inc.Units), len(inc.Units)+waves*r.Candidates)
	copy(taken, inc.Units)
	for w := 1; w <= waves; w++ {
		q := WaveQuery(r, org, inc.Route, inc.Point, w)
		q.Exclude = taken
		q.Explain = ExplainLimit
		cands, excl, err := idx.Nearest(ctx, router, q)
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			taken = append(taken, c.Unit.ID)
		}
		// The first wave's answer is kept as it is (a search names a unit
		// once); later waves' are added to it.
		if rec.Candidates == nil {
			rec.Candidates = cands
		} else {
			rec.Candidates = append(rec.Candidates, cands...)
		}
		if rec.Excluded == nil {
			rec.Excluded = excl
			continue
		}
		for _, e := range excl {
			if !slices.ContainsFunc(rec.Excluded, func(x precinct.Exclusion) bool { return x.UnitID == e.UnitID }) {
				rec.Excluded = append(rec.Excluded, e)
			}
		}
	}
	// A unit left out of one wave may be a candidate of the next.
	rec.Excluded = slices.DeleteFunc(rec.Excluded, func(e precinct.Exclusion) bool { return slices.Contains(taken, e.UnitID) })
	if rec.Candidates == nil {
		rec.Candidates = []precinct.Candidate{}
	}
	if rec.Excluded == nil {
		rec.Excluded = []precinct.Exclusion{}
	}
	return rec, nil
}
