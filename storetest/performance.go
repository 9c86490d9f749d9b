package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"precinct"
)

// figures turns counts into "user metric=value" lines, sorted.
func figures(cs []precinct.PerformanceCount) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s=%g", c.UserID, c.Metric, c.Value))
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

// testPerformance: the recorded work of each officer, counted by user and
// time for the monthly performance list.
func testPerformance(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	month, next := t0.Add(-21*24*time.Hour), t0.Add(9*24*time.Hour) // November 2026, roughly
	at := t0.Add(24 * time.Hour)
	change := func(id, entity string, kind precinct.ChangeKind, actor, visit string, when time.Time) *precinct.RecordChange {
		return &precinct.RecordChange{ID: id, EntityType: precinct.EntityResident, EntityID: entity, Kind: kind, At: when, Actor: actor, VisitID: visit, Location: locCG1}
	}
	// u3 registers r9 and corrects r1, and on a visit finds r2 gone (a
	// verification, not a correction), surveys r1 and hands out two cards.
	v := &precinct.Visit{ID: "vis_0000000000000001", At: at, By: "u3", Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Location: locCG1,
		AddressID: "500114/001/001/c1/b3/r501", Purpose: precinct.VisitRoutine, RecordedAt: at,
		Verifications: []precinct.Verification{
			{EntityType: precinct.EntityResident, EntityID: "r1", Result: precinct.VerifyCorrect, Location: locCG1},
			{EntityType: precinct.EntityResident, EntityID: "r2", Result: precinct.VerifyGone, Location: locCG1},
		},
		Familiarity: []precinct.FamiliarityAnswer{{ResidentID: "r1", KnowsOfficer: true, OfficerKnows: true, Location: locCG1}},
		Cards:       []precinct.ContactCard{{ResidentID: "r1", Location: locCG1}, {HouseID: "h1", Location: locCG1}},
	}
	_, err := s.ApplyRegistry(ctx, &precinct.RegistryWrite{Visit: v, Changes: []*precinct.RecordChange{
		change("chg1", "r1", precinct.ChangeVerified, "u3", v.ID, at),
		change("chg2", "r2", precinct.ChangeVerified, "u3", v.ID, at),
		change("chg3", "r2", precinct.ChangeMovedOut, "u3", v.ID, at),
	}})
	must(t, err)
	r9 := resident("r9", "赵六", "500114/001/001/c1/b3/r501", locCG1)
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{NewResidents: []*precinct.Resident{r9}, Changes: []*precinct.RecordChange{
		change("chg4", "r9", precinct.ChangeRegistered, "u3", "", at),
		change("chg5", "r1", precinct.ChangeCorrected, "u3", "", at),
		change("chg6", "r1", precinct.ChangeCorrected, "u3", "", next.Add(time.Hour)), // next month
		change("chg7", "r3", precinct.ChangeRegistered, "u2", "", at),
	}})
	must(t, err)
	got, err := s.RegistryWork(ctx, []string{"u3"}, month, next)
	must(t, err)
	want := "[u3 cards_issued=2 u3 familiarity_surveys=1 u3 records_added=1 u3 records_corrected=1 u3 records_verified=2 u3 visits=1]"
	if figures(got) != want {
		t.Errorf("registry work\n got %s\nwant %s", figures(got), want)
	}
	if got, _ := s.RegistryWork(ctx, []string{"u3"}, next, next.AddDate(0, 1, 0)); figures(got) != "[u3 records_corrected=1]" {
		t.Errorf("registry work of the next month: %s", figures(got))
	}
	if got, _ := s.RegistryWork(ctx, []string{"u1"}, month, next); len(got) != 0 {
		t.Errorf("u1 did nothing: %s", figures(got))
	}

	// Incidents: a and b received this month with p1 as first-receipt
	// officer; un1 (u3's unit) sent to a (resolved on scene, callback 4) and
	// b (handed over, no callback); c of last month.
	for _, x := range []struct {
		id   string
		when time.Time
	}{{"a", t0}, {"b", t0.Add(time.Hour)}, {"c", month.Add(-time.Hour)}} {
		inc, evs := newIncident(x.id, x.when)
		inc.Route.FirstReceiptOfficerID = "p1"
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
	}
	finish := func(id string, f func(*precinct.Incident)) {
		inc, err := s.FindIncident(ctx, id)
		must(t, err)
		must(t, s.UpdateIncident(ctx, dispatchChange(inc, "un1")))
		inc, err = s.FindIncident(ctx, id)
		must(t, err)
		done := *inc
		done.Version, done.Units = inc.Version+1, nil
		f(&done)
		must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: &done, PrevVersion: inc.Version, Release: []string{"un1"}}))
	}
	finish("a", func(inc *precinct.Incident) {
		inc.Status, inc.FinishedAt, inc.Satisfaction = precinct.IncidentCallbackDone, &at, 4
	})
	finish("b", func(inc *precinct.Incident) {
		inc.Status, inc.FinishedAt, inc.HandedOverTo = precinct.IncidentHandedOver, &at, "case_team"
	})
	officers := []precinct.Officer{{UserID: "u3", PersonID: "p1", UnitID: "un1"}, {UserID: "u2"}}
	got, err = s.IncidentWork(ctx, precinct.OfficerWorkQuery{Officers: officers, From: month, To: next})
	must(t, err)
	want = "[u3 first_receipts=2 u3 incidents_attended=2 u3 resolved_on_scene=1 u3 satisfaction=4]"
	if figures(got) != want {
		t.Errorf("incident work\n got %s\nwant %s", figures(got), want)
	}
	got, _ = s.IncidentWork(ctx, precinct.OfficerWorkQuery{Officers: officers, From: month.AddDate(0, -1, 0), To: month})
	if figures(got) != "[u3 first_receipts=1]" {
		t.Errorf("incident work of the month before: %s", figures(got))
	}

	// Check-ins: two valid on one day (China Standard Time), one valid the
	// next day, one outside the geofence on a third.
	loc := locCG1
	for i, c := range []struct {
		at      time.Time
		verdict precinct.CheckInVerdict
	}{{t0, precinct.CheckInInside}, {t0.Add(3 * time.Hour), precinct.CheckInInside}, {t0.Add(24 * time.Hour), precinct.CheckInInside},
		{t0.Add(48 * time.Hour), precinct.CheckInOutside}} {
		ci := &precinct.CheckIn{ID: fmt.Sprintf("chk_%d", i), UserID: "u3", PersonID: "p1", Location: loc, At: c.at, Verdict: c.verdict, Point: &precinct.Point{Lon: 108.1, Lat: 29.1}}
		must(t, s.CreateCheckIn(ctx, ci, precinct.NewEvent(ctx, c.at, "checkin.created", loc, "checkin", ci.ID, nil, nil, nil)))
	}
	got, err = s.CheckInDays(ctx, []string{"u3", "u2"}, month, next)
	must(t, err)
	if figures(got) != "[u3 checkin_days=2]" {
		t.Errorf("check-in days: %s", figures(got))
	}

	// Events by actor and type.
	inc, err := s.FindIncident(ctx, "c")
	must(t, err)
	next2 := *inc
	next2.Version++
	var evs []*precinct.Event
	for i, x := range []struct{ actor, typ string }{{"u3", "dispute.agree"}, {"u3", "dispute.agree"}, {"u3", "dispute.session"}, {"u2", "dispute.agree"}, {"u3", "grid_report.feedback"}} {
		ev := precinct.NewEvent(ctx, at.Add(time.Duration(i)*time.Second), x.typ, loc, "work", "dsp1", nil, nil, nil)
		ev.Actor = x.actor
		evs = append(evs, ev)
	}
	must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: &next2, PrevVersion: inc.Version, Events: evs}))
	ac, err := s.ActorEvents(ctx, []string{"u3"}, []string{"dispute.agree", "grid_report.feedback"}, month, next)
	must(t, err)
	sort.Slice(ac, func(i, j int) bool { return ac[i].Type < ac[j].Type })
	if fmt.Sprint(ac) != "[{u3 dispute.agree 2} {u3 grid_report.feedback 1}]" {
		t.Errorf("events by actor: %v", ac)
	}
	if ac, _ := s.ActorEvents(ctx, []string{"u3"}, []string{"dispute.agree"}, next, next.AddDate(0, 1, 0)); len(ac) != 0 {
		t.Errorf("events of the next month: %v", ac)
	}
}
