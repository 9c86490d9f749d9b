package sim_test

import (
	"context"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/sim"
)

// TestHistory: the past a demo is given is finished incidents whose
// timelines give back their own KPIs.
func TestHistory(t *testing.T) {
	sc, err := sim.LoadScenario("qianjiang", 1)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, precinct.CST)
	end := start.AddDate(0, 0, 2).Add(-5 * time.Hour)
	past, err := sim.History(context.Background(), sc, start, end, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(past) < 150 {
		t.Fatalf("%d incidents in two days, want about 220", len(past))
	}
	closedEarly, calledEarly, handed := 0, 0, 0
	ids := map[string]bool{}
	for _, p := range past {
		inc := p.Incident
		if ids[inc.ID] {
			t.Fatalf("incident ID %s twice", inc.ID)
		}
		ids[inc.ID] = true
		if inc.ReceivedAt.Before(start) || inc.UpdatedAt.After(end) {
			t.Errorf("%s received %v and last changed %v, outside the period", inc.ID, inc.ReceivedAt, inc.UpdatedAt)
		}
		switch {
		case inc.ClosedAt != nil && inc.Status != precinct.IncidentClosed && inc.Status != precinct.IncidentCallbackDone,
			inc.ClosedAt == nil && inc.Status != precinct.IncidentResolved && inc.Status != precinct.IncidentHandedOver:
			t.Errorf("%s is %s, closed at %v", inc.ID, inc.Status, inc.ClosedAt)
		}
		if last := p.Events[len(p.Events)-1]; !last.At.Equal(inc.UpdatedAt) || len(last.After) == 0 || inc.Version != len(p.Events) {
			t.Errorf("%s: the last event (%s at %v) does not carry the final state (version %d of %d events)", inc.ID, last.Type, last.At, inc.Version, len(p.Events))
		}
		if inc.Location.StationID == "" || inc.Route.RuleID == "" {
			t.Errorf("%s not located or routed: %+v %+v", inc.ID, inc.Location, inc.Route)
		}
		for i, e := range p.Events {
			if e.EntityID != inc.ID || i > 0 && e.At.Before(p.Events[i-1].At) {
				t.Fatalf("%s: event %d (%s at %v) out of place", inc.ID, i, e.Type, e.At)
			}
		}
		if len(p.Units) != 1 || p.Units[0] == "" {
			t.Errorf("%s: units sent %v, want the one that went", inc.ID, p.Units)
		}
		k := dispatch.KPIs(inc, p.Events)
		if k.FlowTimeS == nil || *k.FlowTimeS != inc.DispatchedAt.Sub(inc.ReceivedAt).Seconds() ||
			k.ResponseTimeS == nil || *k.ResponseTimeS != inc.ArrivedAt.Sub(inc.ReceivedAt).Seconds() || k.Units != 1 {
			t.Errorf("%s: KPIs from the timeline %+v disagree with the incident", inc.ID, k)
		}
		switch {
		case inc.HandedOverTo != "":
			handed++
			if k.Outcome != precinct.OutcomeHandedOver || k.HandedOverTo != inc.HandedOverTo {
				t.Errorf("%s handed over to %q, KPIs say %+v", inc.ID, inc.HandedOverTo, k)
			}
		case k.Outcome != precinct.OutcomeResolvedOnScene:
			t.Errorf("%s resolved on scene, KPIs say %s", inc.ID, k.Outcome)
		}
		if inc.ClosedAt != nil && inc.ClosedAt.Before(end.Add(-21*time.Hour)) {
			closedEarly++
			if inc.Satisfaction > 0 {
				calledEarly++
			}
		}
		if inc.Satisfaction > 0 {
			if k.Satisfaction != inc.Satisfaction || inc.Status != precinct.IncidentCallbackDone {
				t.Errorf("%s called back (%d), KPIs say %d", inc.ID, inc.Satisfaction, k.Satisfaction)
			}
		}
	}
	// Callbacks come within 21 hours of closing: of the incidents closed
	// earlier than that before the end, about seven in ten.
	if share := float64(calledEarly) / float64(closedEarly); share < 0.6 || share > 0.8 {
		t.Errorf("%.2f of %d called back, want about 0.7", share, closedEarly)
	}
	if handed == 0 {
		t.Error("nothing handed over")
	}
}
