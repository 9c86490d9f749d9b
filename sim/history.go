package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"precinct"
	"precinct/dispatch"
)

// handoverTargets are whom incidents that cannot be finished on scene go to,
// by kind of category.
var handoverTargets = map[precinct.CategoryKind]string{
	precinct.KindCase:    "案件办理队",
	precinct.KindDispute: "人民调解委员会",
	precinct.KindTraffic: "交警大队",
}

// History simulates the calls of [from, to) on the scenario under the reform
// policy and returns those finished by to as Precinct would hold them
// afterwards: each resolved on scene or handed over, then closed, most called
// back, with its timeline. A demo uses it for a past to show (heat map, year
// on year). The events carry the incident's state only on the first and the
// last.
func History(ctx context.Context, sc *Scenario, from, to time.Time, seed int64) ([]precinct.PastIncident, error) {
	pol, err := LoadPolicy("reform")
	if err != nil {
		return nil, err
	}
	days := int(math.Ceil(to.Sub(from).Hours() / 24))
	if days <= 0 {
		return nil, nil
	}
	calls := sc.Generate(from, days, seed)
	for len(calls) > 0 && !calls[len(calls)-1].At.Before(to) {
		calls = calls[:len(calls)-1]
	}
	res, err := Run(ctx, sc, calls, pol, seed, Options{Record: true})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x4157))
	out := make([]precinct.PastIncident, 0, len(res.Records))
	for _, r := range res.Records {
		if r.Finished.Before(to) {
			out = append(out, past(ctx, r, to, rng))
		}
	}
	return out, nil
}

// past turns a record into a finished incident with its timeline, closed
// and called back when those fall before the end.
func past(ctx context.Context, r Record, end time.Time, rng *rand.Rand) precinct.PastIncident {
	inc := *r.Incident
	inc.ID = precinct.NewID("inc", inc.ReceivedAt)
	in := r.Call.Input
	inc.Address, inc.Description, inc.Reporter = in.Address, in.Description, in.Reporter
	inc.CreatedBy = "system"
	received := inc
	received.UpdatedAt, received.Version = inc.ReceivedAt, 1

	// What happens after the work on scene, and the final state.
	dispatched, arrived, finished := r.Dispatched, r.Arrived, r.Finished
	closed := finished.Add(time.Duration(5+rng.IntN(40)) * time.Minute)
	callback := closed.Add(time.Duration(1+rng.IntN(20)) * time.Hour)
	// Seven in ten are called back within a day, most of them satisfied.
	called, score := rng.Float64() < 0.7, satisfaction(rng)
	finish := precinct.ActionResolve
	inc.Status = precinct.IncidentResolved
	if r.Call.Handover {
		inc.HandedOverTo = handoverTargets[r.Call.Category.Kind]
		if inc.HandedOverTo == "" {
			inc.HandedOverTo = "派出所"
		}
		finish, inc.Status = precinct.ActionHandover, precinct.IncidentHandedOver
	}
	inc.DispatchedAt, inc.ArrivedAt, inc.FinishedAt, inc.Units = &dispatched, &arrived, &finished, nil
	inc.UpdatedAt = finished
	if closed.Before(end) {
		inc.Status, inc.ClosedAt, inc.UpdatedAt = precinct.IncidentClosed, &closed, closed
		inc.Disposition = dispositionOf(r.Call.Category.Kind, r.Call.Handover)
		if called && callback.Before(end) {
			inc.Status, inc.Satisfaction, inc.UpdatedAt = precinct.IncidentCallbackDone, score, callback
		}
	}

	inc.Version = 5 // created, dispatched, en route, arrived, resolved or handed over
	if inc.ClosedAt != nil {
		inc.Version++
	}
	if inc.Satisfaction > 0 {
		inc.Version++
	}

	loc := inc.Location
	var events []*precinct.Event
	add := func(at time.Time, a precinct.Action, data dispatch.ActionData) {
		data.Action = a
		var state any
		if at.Equal(inc.UpdatedAt) && len(events) > 0 {
			state = &inc // the last event carries the final state
		}
		e := precinct.NewEvent(ctx, at, dispatch.EventType(a), loc, "incident", inc.ID, nil, state, data)
		e.Stations = inc.SharedWith
		events = append(events, e)
	}
	created := precinct.NewEvent(ctx, inc.ReceivedAt, dispatch.EventCreated, loc, "incident", inc.ID, nil, &received,
		dispatch.ActionData{Action: "intake", Route: &inc.Route, SharedWith: inc.SharedWith})
	created.Stations = inc.SharedWith
	events = append(events, created)
	units := []string{r.Unit}
	add(dispatched, precinct.ActionDispatch, dispatch.ActionData{Units: units})
	// The crew sets off within a minute or so, and before it arrives.
	setOff := min(time.Duration(20+rng.IntN(60))*time.Second, arrived.Sub(dispatched)/2)
	add(dispatched.Add(setOff), precinct.ActionEnRoute, dispatch.ActionData{Units: units})
	add(arrived, precinct.ActionArrive, dispatch.ActionData{Units: units})
	add(finished, finish, dispatch.ActionData{Units: units, To: inc.HandedOverTo})
	if inc.ClosedAt != nil {
		add(closed, precinct.ActionClose, dispatch.ActionData{Disposition: inc.Disposition})
	}
	if inc.Satisfaction > 0 {
		add(callback, precinct.ActionCallback, dispatch.ActionData{Satisfaction: score, Comment: fmt.Sprintf("回访评价 %d 分", score)})
	}
	return precinct.PastIncident{Incident: &inc, Events: events, Units: units}
}

// dispositionOf is the closing code of a past incident, from the codes of
// dispatch.DefaultDesk: handed over, a case is opened or the work passed on;
// finished on scene, a dispute is mediated and the rest resolved.
func dispositionOf(kind precinct.CategoryKind, handover bool) string {
	switch {
	case handover && kind == precinct.KindCase:
		return "case_filed"
	case handover:
		return "transferred"
	case kind == precinct.KindDispute:
		return "mediated"
	}
	return "resolved"
}

// satisfaction draws a callback score: mostly 5 and 4, some 3, few lower.
func satisfaction(rng *rand.Rand) int {
	switch r := rng.Float64(); {
	case r < 0.62:
		return 5
	case r < 0.88:
		return 4
	case r < 0.96:
		return 3
	case r < 0.985:
		return 2
	}
	return 1
}
