// Package sim is Precinct's district simulator. It replays a day, a week or a
// year of 110 calls through the same routing rules, live unit index and
// recommendation as the server (package dispatch), on a virtual clock, under
// a policy — legacy (relayed level by level, each station on its own) or
// reform (flat flow, first receipt, case team, "1+1" patrol, nearest force,
// central-station cross-dispatch) — and reports KPIs beside the figures the
// seeds report. See docs/simulator.md for the mechanisms and parameters.
package sim

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
	"precinct/duty"
	"precinct/geo"
)

// Policy is how a district organises the flow of incidents. Every field is a
// mechanism with an explicit parameter; none is tuned to a seed's figure.
type Policy struct {
	Name string `json:"name"`
	// Flat sends every incident to the command centre and the station at
	// once (seed 000); otherwise it is relayed through RelayMedianS, one
	// relay after the other.
	Flat bool `json:"flat"`
	// RelayMedianS are the median delays of each relay of the legacy flow:
	// command centre → sub-bureau → station → officer.
	RelayMedianS []float64 `json:"relay_median_s"`
	// DecisionMedianS is the median time a command office takes to choose
	// and dispatch once it has the incident.
	DecisionMedianS float64 `json:"decision_median_s"`
	// Rules routes incidents by the dispatch package's routing rules (first
	// receipt, case team, "1+1" patrol, command centre, rural
	// cross-dispatch); otherwise each station sends the nearest of its own
	// available units, community officers included.
	Rules bool `json:"rules"`
	// Waves is how many reinforcement tiers may be tried when the first has
	// no available unit (梯次增援).
	Waves int `json:"waves"`
}

// Legacy is the organisation before the reforms.
var Legacy = Policy{Name: "legacy", RelayMedianS: []float64{60, 90, 90}, DecisionMedianS: 60, Waves: 1}

// Reform is the organisation of the seeds.
var Reform = Policy{Name: "reform", Flat: true, DecisionMedianS: 60, Rules: true, Waves: 3}

// LoadPolicy returns legacy, reform, or a policy read from a JSON file.
func LoadPolicy(name string) (Policy, error) {
	switch name {
	case "legacy":
		return Legacy, nil
	case "reform":
		return Reform, nil
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		return Policy{}, fmt.Errorf("policy %q: not legacy or reform, and not a readable file: %w", name, err)
	}
	var p Policy
	if err := json.Unmarshal(raw, &p); err != nil {
		return Policy{}, fmt.Errorf("policy file %s: %w", name, err)
	}
	if p.Name == "" {
		p.Name = name
	}
	return p, nil
}

// clock is the virtual clock the dispatch code reads.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// Options tune a run.
type Options struct {
	// Rules replaces the default routing rules (as stored by the server).
	Rules *dispatch.Rules
	// Router replaces the straight-line router.
	Router precinct.Router
	// Progress, if set, is called with the share of calls handled.
	Progress func(done, total int)
	// Record keeps what happened to each finished incident in
	// Result.Records.
	Record bool
}

// Result is what a run measured.
type Result struct {
	Policy    string   `json:"policy"`
	Incidents int      `json:"incidents"`
	KPIs      KPIs     `json:"kpis"`
	Records   []Record `json:"-"` // with Options.Record
}

// Record is what happened to one finished incident in a run.
type Record struct {
	Call     Call
	Incident *precinct.Incident // located and routed, as received
	Unit     string             // the unit that went
	// Dispatched, Arrived and Finished are when the unit was sent, reached
	// the scene and finished there (resolved or handed over, as Call says).
	Dispatched, Arrived, Finished time.Time
}

// KPIs are the figures of a run.
type KPIs struct {
	FlowTimeMeanS       float64 `json:"flow_time_mean_s"`
	FlowTimeP50S        float64 `json:"flow_time_p50_s"`
	FlowTimeP90S        float64 `json:"flow_time_p90_s"`
	ResponseTimeMeanS   float64 `json:"response_time_mean_s"`
	ResponseTimeP50S    float64 `json:"response_time_p50_s"`
	ResponseTimeP90S    float64 `json:"response_time_p90_s"`
	OnSceneCompletion   float64 `json:"on_scene_completion"`
	PatrolShare         float64 `json:"patrol_share"`
	CommunityHoursShare float64 `json:"community_hours_in_community"`
	UnitUtilisation     float64 `json:"unit_utilisation"`
	WaitedNoForce       int     `json:"waited_no_force"`
	CrossStation        int     `json:"cross_station_dispatches"`
	CrossStationTravelS float64 `json:"cross_station_travel_mean_s"`
	HomeForceTravelS    float64 `json:"home_force_travel_mean_s"`
	Unfinished          int     `json:"unfinished"`
}

// Run simulates the calls under a policy and returns the KPIs. It is
// deterministic for the same scenario, calls, policy and seed.
func Run(ctx context.Context, sc *Scenario, calls []Call, pol Policy, seed int64, opt Options) (*Result, error) {
	if len(calls) == 0 {
		return &Result{Policy: pol.Name}, nil
	}
	e, err := newEngine(sc, pol, seed, opt, calls[0].At)
	if err != nil {
		return nil, err
	}
	return e.run(ctx, calls)
}

type engine struct {
	sc       *Scenario
	pol      Policy
	rng      *rand.Rand
	clock    *clock
	idx      *live.Index
	router   precinct.Router
	rules    *dispatch.Rules
	org      *dispatch.Org
	resolver *geo.Resolver
	grids    map[string]*precinct.PoliceGrid
	units    map[string]*precinct.Unit
	opt      Options

	queue   events
	seq     int
	waiting []int // incidents with no force yet, oldest first
	incs    []*incident
	busy    map[string]time.Duration // per unit
	offWork map[string]time.Duration // community units: time on work outside their grid's community work
	// rosters are the shifts of the scenario's patterns over the run, and
	// governed the units they put on and off shift.
	rosters  []*precinct.Roster
	governed map[string]*precinct.Unit
}

type incident struct {
	call                                 Call
	inc                                  *precinct.Incident
	unit                                 string
	waited                               bool
	cross                                bool
	homeTravel                           time.Duration
	ready, dispatched, arrived, finished time.Time
}

func newEngine(sc *Scenario, pol Policy, seed int64, opt Options, start time.Time) (*engine, error) {
	j := sc.Jurisdiction
	e := &engine{sc: sc, pol: pol, rng: rand.New(rand.NewPCG(uint64(seed), 0xd15)), clock: &clock{now: start}, opt: opt,
		grids: map[string]*precinct.PoliceGrid{}, units: map[string]*precinct.Unit{}, busy: map[string]time.Duration{}, offWork: map[string]time.Duration{}}
	// Positions never go stale in the simulation: units report continuously.
	e.idx = dispatch.NewIndex(e.clock, 100*365*24*time.Hour)
	e.router = opt.Router
	if e.router == nil {
		e.router = sc.Router
	}
	if e.router == nil {
		e.router = dispatch.NewStraightLineRouter()
	}
	e.rules = opt.Rules
	if e.rules == nil {
		e.rules = dispatch.DefaultRules()
	}
	sb := j.SubBureau
	e.org = &dispatch.Org{SubBureau: &sb, Stations: j.Stations, ServiceStations: j.ServiceStations}
	e.resolver = geo.NewResolver(j.Stations, j.PoliceGrids, j.CommunityGrids)
	for _, g := range j.PoliceGrids {
		e.grids[g.ID] = g
	}
	for _, u := range j.Units {
		c := *u
		c.Status, c.PositionAt = precinct.UnitAvailable, start
		e.units[c.ID] = &c
		e.idx.Put(&c)
	}
	return e, nil
}

// event kinds, in the order they are handled at the same instant.
const (
	evShift  = iota // a unit comes on or goes off duty
	evFinish        // frees a unit, so a call at the same instant can have it
	evArrive
	evReady
	evCall
)

type event struct {
	at   time.Time
	kind int
	seq  int
	i    int
}

type events []event

func (q events) Len() int { return len(q) }
func (q events) Less(a, b int) bool {
	if !q[a].at.Equal(q[b].at) {
		return q[a].at.Before(q[b].at)
	}
	if q[a].kind != q[b].kind {
		return q[a].kind < q[b].kind
	}
	return q[a].seq < q[b].seq
}
func (q events) Swap(a, b int) { q[a], q[b] = q[b], q[a] }
func (q *events) Push(x any)   { *q = append(*q, x.(event)) }
func (q *events) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (e *engine) at(t time.Time, kind, i int) {
	e.seq++
	heap.Push(&e.queue, event{at: t, kind: kind, seq: e.seq, i: i})
}

// lognormal draws a duration with the given median (seconds).
func (e *engine) lognormal(medianS float64) time.Duration {
	return time.Duration(medianS * math.Exp(0.4*e.rng.NormFloat64()) * float64(time.Second))
}

func (e *engine) run(ctx context.Context, calls []Call) (*Result, error) {
	cats := map[string]precinct.Category{}
	for _, c := range precinct.DefaultCategories {
		cats[c.Code] = c
	}
	for i, c := range calls {
		e.incs = append(e.incs, &incident{call: c})
		e.at(c.At, evCall, i)
	}
	e.scheduleShifts(calls[0].At, calls[len(calls)-1].At)
	start, handled := calls[0].At, 0
	for e.queue.Len() > 0 {
		ev := heap.Pop(&e.queue).(event)
		e.clock.now = ev.at
		if ev.kind == evShift {
			if e.applyShifts(ev.at) {
				if err := e.retryWaiting(ctx); err != nil {
					return nil, err
				}
			}
			continue
		}
		in := e.incs[ev.i]
		switch ev.kind {
		case evCall:
			if err := e.receive(ev.i, cats); err != nil {
				return nil, err
			}
			handled++
			if e.opt.Progress != nil && handled%500 == 0 {
				e.opt.Progress(handled, len(calls))
			}
		case evReady:
			in.ready = ev.at
			if ok, err := e.assign(ctx, ev.i); err != nil {
				return nil, err
			} else if !ok {
				in.waited = true
				e.waiting = append(e.waiting, ev.i)
			}
		case evArrive:
			in.arrived = ev.at
			e.idx.SetStatus(in.unit, precinct.UnitOnScene, in.inc.ID)
			e.idx.Move([]precinct.Position{{UnitID: in.unit, Point: in.inc.Point, At: ev.at}})
			e.at(ev.at.Add(in.call.OnScene), evFinish, ev.i)
		case evFinish:
			in.finished = ev.at
			e.idx.SetStatus(in.unit, precinct.UnitAvailable, "")
			e.idx.Move([]precinct.Position{{UnitID: in.unit, Point: in.inc.Point, At: ev.at}})
			spent := ev.at.Sub(in.dispatched)
			e.busy[in.unit] += spent
			if u := e.units[in.unit]; u.Kind == precinct.UnitCommunity && (u.PoliceGridID != in.inc.Location.PoliceGridID || in.call.Category.Kind == precinct.KindCase) {
				e.offWork[in.unit] += spent
			}
			if err := e.retryWaiting(ctx); err != nil {
				return nil, err
			}
		}
	}
	if e.opt.Progress != nil {
		e.opt.Progress(len(calls), len(calls))
	}
	return e.result(start), nil
}

// scheduleShifts generates the shifts of the scenario's patterns over the
// run (with the day before, whose 24-hour shifts reach into the first),
// puts every unit they govern on or off shift at the start, and schedules
// an event at each shift boundary until the last call. The patterns are the
// server's: package duty makes the shifts and says who is on.
func (e *engine) scheduleShifts(start, end time.Time) {
	if len(e.sc.Patterns) == 0 {
		return
	}
	e.rosters = []*precinct.Roster{{Shifts: duty.Generate(e.sc.Patterns, start.AddDate(0, 0, -1), end.AddDate(0, 0, 1))}}
	e.governed = map[string]*precinct.Unit{}
	for id := range duty.Governed(e.sc.Patterns, nil) {
		if u := e.units[id]; u != nil {
			e.governed[id] = u
		}
	}
	e.applyShifts(start)
	for t := duty.NextBoundary(e.rosters, start); !t.IsZero() && !t.After(end); t = duty.NextBoundary(e.rosters, t) {
		e.at(t, evShift, 0)
	}
}

// applyShifts puts the governed units on or off shift as the rosters have
// them at t, and reports whether one came on. A unit at work when its shift
// ends finishes the work and is then left out as off shift.
func (e *engine) applyShifts(t time.Time) bool {
	came := false
	for _, st := range duty.UnitStates(e.rosters, e.governed, t) {
		if st.OnShift && !e.idx.OnShift(st.UnitID) {
			came = true
		}
		e.idx.SetOnShift(st.UnitID, st.OnShift)
	}
	return came
}

// receive locates and routes a call and schedules the moment a command office
// can dispatch it.
func (e *engine) receive(i int, cats map[string]precinct.Category) error {
	in := e.incs[i]
	c := in.call
	loc, err := e.resolver.Resolve(c.Input.Point)
	if err != nil {
		return fmt.Errorf("call %d: %w", i, err)
	}
	inc := &precinct.Incident{ID: fmt.Sprintf("sim-%06d", i), Source: c.Input.Source, Category: c.Input.Category, PlaceType: c.Input.PlaceType,
		Point: c.Input.Point, Priority: c.Input.Priority, Status: precinct.IncidentReceived, Location: loc, ReceivedAt: c.At}
	in.inc = inc
	delay := e.lognormal(e.pol.DecisionMedianS)
	if !e.pol.Flat {
		for _, m := range e.pol.RelayMedianS {
			delay += e.lognormal(m)
		}
	}
	if e.pol.Rules {
		force, home, err := e.force(inc)
		if err != nil {
			return err
		}
		d := dispatch.Route(e.rules, dispatch.Facts{Incident: inc, Category: cats[inc.Category], PoliceGrid: e.grids[loc.PoliceGridID], Org: e.org, Force: force})
		inc.Route, inc.SharedWith = d.Route, d.SharedWith
		in.cross = d.Route.Handler == precinct.HandlerCentral
		in.homeTravel = home
	}
	e.at(c.At.Add(delay), evReady, i)
	return nil
}

// force measures, for the rural rule, the travel time of the nearest
// available unit of the home station and its neighbours.
func (e *engine) force(inc *precinct.Incident) (map[string]time.Duration, time.Duration, error) {
	r := e.rules.Rural
	if !r.Enabled {
		return nil, 0, nil
	}
	home := e.org.Station(inc.Location.StationID)
	if home == nil {
		return nil, 0, nil
	}
	stations := append([]*precinct.Station{home}, e.org.NearestStations(inc.Point, r.Neighbours, home.ID)...)
	force := map[string]time.Duration{}
	for _, st := range stations {
		cands, _, err := e.idx.Nearest(context.Background(), e.router, live.Query{Point: inc.Point, K: 1, Kinds: r.UnitKinds, StationIDs: []string{st.ID}})
		if err != nil {
			return nil, 0, err
		}
		if len(cands) > 0 {
			force[st.ID] = cands[0].ETA
		}
	}
	return force, force[home.ID], nil
}

// assign sends the best available unit, trying the waves of the policy.
func (e *engine) assign(ctx context.Context, i int) (bool, error) {
	in := e.incs[i]
	inc := in.inc
	var cands []precinct.Candidate
	for w := 1; w <= max(1, e.pol.Waves) && len(cands) == 0; w++ {
		var q live.Query
		if e.pol.Rules {
			q = dispatch.WaveQuery(e.rules, e.org, inc.Route, inc.Point, w)
		} else {
			// Each station on its own: its nearest available unit of any kind.
			q = live.Query{Point: inc.Point, K: 1, StationIDs: []string{inc.Location.StationID}, Wave: 1}
			if w > 1 {
				break
			}
		}
		q.K = 1
		var err error
		if cands, _, err = e.idx.Nearest(ctx, e.router, q); err != nil {
			return false, err
		}
	}
	if len(cands) == 0 {
		return false, nil
	}
	c := cands[0]
	now := e.clock.now
	in.unit, in.dispatched = c.Unit.ID, now
	e.idx.SetStatus(c.Unit.ID, precinct.UnitDispatched, inc.ID)
	e.at(now.Add(c.ETA), evArrive, i)
	return true, nil
}

// retryWaiting gives freed units to incidents that had none, oldest first.
func (e *engine) retryWaiting(ctx context.Context) error {
	still := e.waiting[:0]
	for _, i := range e.waiting {
		ok, err := e.assign(ctx, i)
		if err != nil {
			return err
		}
		if !ok {
			still = append(still, i)
		}
	}
	e.waiting = still
	return nil
}

func (e *engine) result(start time.Time) *Result {
	var flow, resp []float64
	var completed, finished, patrol, cross int
	var crossTravel, homeTravel float64
	end := start
	for _, in := range e.incs {
		if in.finished.IsZero() {
			continue
		}
		finished++
		end = maxTime(end, in.finished)
		flow = append(flow, in.dispatched.Sub(in.call.At).Seconds())
		resp = append(resp, in.arrived.Sub(in.call.At).Seconds())
		if !in.call.Handover {
			completed++
		}
		if u := e.units[in.unit]; u.ServiceStationID != "" {
			patrol++
		}
		if in.cross {
			cross++
			crossTravel += in.arrived.Sub(in.dispatched).Seconds()
			homeTravel += in.homeTravel.Seconds()
		}
	}
	k := KPIs{Unfinished: len(e.incs) - finished, CrossStation: cross}
	k.FlowTimeMeanS, k.FlowTimeP50S, k.FlowTimeP90S = stats(flow)
	k.ResponseTimeMeanS, k.ResponseTimeP50S, k.ResponseTimeP90S = stats(resp)
	if finished > 0 {
		k.OnSceneCompletion = float64(completed) / float64(finished)
		k.PatrolShare = float64(patrol) / float64(finished)
	}
	if cross > 0 {
		k.CrossStationTravelS, k.HomeForceTravelS = crossTravel/float64(cross), homeTravel/float64(cross)
	}
	for _, in := range e.incs {
		if in.waited {
			k.WaitedNoForce++
		}
	}
	span := end.Sub(start)
	var busy, community, off time.Duration
	for id, u := range e.units {
		busy += e.busy[id]
		if u.Kind == precinct.UnitCommunity {
			community += span
			off += e.offWork[id]
		}
	}
	if span > 0 && len(e.units) > 0 {
		k.UnitUtilisation = busy.Seconds() / (span.Seconds() * float64(len(e.units)))
	}
	if community > 0 {
		k.CommunityHoursShare = 1 - off.Seconds()/community.Seconds()
	}
	res := &Result{Policy: e.pol.Name, Incidents: len(e.incs), KPIs: k}
	if e.opt.Record {
		for _, in := range e.incs {
			if !in.finished.IsZero() {
				res.Records = append(res.Records, Record{Call: in.call, Incident: in.inc, Unit: in.unit,
					Dispatched: in.dispatched, Arrived: in.arrived, Finished: in.finished})
			}
		}
	}
	return res
}

func stats(xs []float64) (mean, p50, p90 float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	sort.Float64s(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs)), xs[len(xs)/2], xs[min(len(xs)-1, len(xs)*9/10)]
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
