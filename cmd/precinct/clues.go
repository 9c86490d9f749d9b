package main

import (
	"context"
	"strings"

	"precinct"
	"precinct/gridloop"
)

// gridClues hands the clues that members of the mass-prevention forces
// report (package duty) into the grid loop (package gridloop) as grid
// reports, so that they are triaged, transferred and evaluated like any
// other (网格吹哨). It is the only place that knows both.
type gridClues struct {
	Grid  *gridloop.Service
	Store precinct.Store
}

var _ precinct.ClueSink = gridClues{}

// TakeClue files a clue as a grid report and returns the report's ID. The
// clue's ID is the report's Idempotency-Key, so a clue handed over twice
// (a node stopping between the two steps) makes one report.
func (g gridClues) TakeClue(ctx context.Context, c *precinct.Clue) (string, error) {
	ctx = systemContext(ctx)
	in := gridloop.ReportInput{Category: "other", Description: c.Text, ReporterKind: "citizen",
		Reporter: &gridloop.Contact{Name: c.Reporter}, Source: precinct.WorkSource{Kind: "clue", ID: c.ID}, IdempotencyKey: "clue:" + c.ID}
	if c.TaskID != "" {
		in.Category = "public_order" // a clue of a search or a patrol
		if t, err := g.Store.FindForceTask(ctx, c.TaskID); err == nil {
			in.Description = "【" + t.Title + "】" + c.Text
		}
	}
	if u, err := g.Store.FindUser(ctx, c.ReporterID); err == nil && u.PersonID != "" {
		if p, err := g.Store.FindPerson(ctx, u.PersonID); err == nil {
			switch p.Kind {
			case precinct.PersonGridWorker:
				in.ReporterKind = "grid_worker"
			case precinct.PersonSecurityGuard:
				in.ReporterKind = "security_guard"
			}
		}
	}
	if c.Point != nil {
		in.Point = *c.Point
	} else {
		// A clue without a position is placed at its station, and says so.
		st, err := g.Store.FindStation(ctx, c.StationID)
		if err != nil {
			return "", err
		}
		in.Point, in.Address = st.Location, st.Name+"（线索未附位置）"
	}
	in.Description = strings.TrimSpace(in.Description)
	it, _, err := g.Grid.Report(ctx, in)
	if err != nil {
		return "", err
	}
	return it.ID, nil
}
