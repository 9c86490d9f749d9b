package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"precinct"
	"precinct/dispatch"
)

// Past is one finished incident as Precinct holds it afterwards: its final
// state and its timeline.
type Past struct {
	Incident *precinct.Incident
	Events   []*precinct.Event
}

// handoverTargets are whom incidents that cannot be finished on scene go to,
// by kind of category.
var handoverTargets = map[precinct.CategoryKind]string{
	precinct.KindCase:    "案件办理队",
	precinct.KindDispute: "人民调解委员会",
	precinct.KindTraffic: "交警大队",
}

// History simulates days of calls from start on the scenario under the
// reform policy and returns them as Precinct would hold them afterwards:
// each resolved on scene or handed over, then closed, most called back, with
// its timeline. A demo uses it for a past to show (heat map, year on year).
// The events carry the incident's state only on the first and the last.
func History(ctx context.Context, sc *Scenario, start time.Time, days int, seed int64) ([]Past, error) {
	pol, err := LoadPolicy("reform")
	if err != nil {
		return nil, err
	}
	calls := sc.Generate(start, days, seed)
	res, err := Run(ctx, sc, calls, pol, seed, Options{Record: true})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x4157))
	out := make([]Past, 0, len(res.Records))
	for _, r := range res.Records {
		out = append(out, past(ctx, r, rng))
	}
	return out, nil
}

// past turns a record into a closed incident with its timeline.
func past(ctx context.Context, r Record, rng *rand.Rand) Past {
	inc := *r.Incident
	inc.ID = precinct.NewID("inc", inc.ReceivedAt)
	in := r.Call.Input
	inc.Address, inc.Description, inc.Reporter = in.Address, in.Description, in.Reporter
	inc.CreatedBy = "system"
	received := inc
	received.UpdatedAt, received.Version = inc.ReceivedAt, 1

	loc := inc.Location
	var events []*precinct.Event
	add := func(at time.Time, a precinct.Action, data dispatch.ActionData, after *precinct.Incident) {
		data.Action = a
		var state any
		if after != nil {
			state = after
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
	add(r.Dispatched, precinct.ActionDispatch, dispatch.ActionData{Units: units}, nil)
	// The crew sets off within a minute or so, and before it arrives.
	setOff := min(time.Duration(20+rng.IntN(60))*time.Second, r.Arrived.Sub(r.Dispatched)/2)
	add(r.Dispatched.Add(setOff), precinct.ActionEnRoute, dispatch.ActionData{Units: units}, nil)
	add(r.Arrived, precinct.ActionArrive, dispatch.ActionData{Units: units}, nil)
	if r.Call.Handover {
		to := handoverTargets[r.Call.Category.Kind]
		if to == "" {
			to = "派出所"
		}
		inc.HandedOverTo = to
		add(r.Finished, precinct.ActionHandover, dispatch.ActionData{Units: units, To: to}, nil)
	} else {
		add(r.Finished, precinct.ActionResolve, dispatch.ActionData{Units: units}, nil)
	}
	dispatched, arrived, finished := r.Dispatched, r.Arrived, r.Finished
	closed := finished.Add(time.Duration(5+rng.IntN(40)) * time.Minute)
	inc.DispatchedAt, inc.ArrivedAt, inc.FinishedAt, inc.ClosedAt = &dispatched, &arrived, &finished, &closed
	inc.Status, inc.Units = precinct.IncidentClosed, nil
	last, action, data := closed, precinct.ActionClose, dispatch.ActionData{}
	// Seven in ten are called back within a day, most of them satisfied.
	if rng.Float64() < 0.7 {
		inc.Status, inc.Satisfaction = precinct.IncidentCallbackDone, satisfaction(rng)
		add(closed, precinct.ActionClose, dispatch.ActionData{}, nil)
		last, action = closed.Add(time.Duration(1+rng.IntN(20))*time.Hour), precinct.ActionCallback
		data = dispatch.ActionData{Satisfaction: inc.Satisfaction, Comment: fmt.Sprintf("回访评价 %d 分", inc.Satisfaction)}
	}
	inc.UpdatedAt, inc.Version = last, len(events)+1
	add(last, action, data, &inc)
	return Past{Incident: &inc, Events: events}
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
