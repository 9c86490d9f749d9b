package feed_test

import (
	"context"
	"testing"

	"precinct"
	"precinct/feed"
)

type log []*precinct.Event

func (l log) ListEvents(_ context.Context, f precinct.EventFilter) ([]*precinct.Event, error) {
	var out []*precinct.Event
	for _, e := range l {
		if e.Seq > f.AfterSeq && f.Scope.Covers(precinct.Location{SubBureauID: e.SubBureauID}) && len(out) < f.Limit {
			out = append(out, e)
		}
	}
	return out, nil
}
func (log) Unpublished(context.Context, int) ([]*precinct.Event, error) { return nil, nil }
func (log) MarkPublished(context.Context, []int64) error                { return nil }

// byPlace is a read rule that shows events of the caller's station.
func byPlace(u *precinct.User, e *precinct.Event) *precinct.Event {
	if !precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: e.SubBureauID, StationID: e.StationID}) {
		return nil
	}
	return e
}

func TestFilterFailsClosed(t *testing.T) {
	f := feed.New(nil, nil, map[string]precinct.EventRule{"incident": byPlace})
	u := &precinct.User{ID: "u", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
	for _, tt := range []struct {
		name string
		user *precinct.User
		e    *precinct.Event
		want bool
	}{
		{"own station", u, &precinct.Event{EntityType: "incident", SubBureauID: "sb1", StationID: "st1"}, true},
		{"another station", u, &precinct.Event{EntityType: "incident", SubBureauID: "sb1", StationID: "st2"}, false},
		{"a type without a rule", u, &precinct.Event{EntityType: "secret", SubBureauID: "sb1", StationID: "st1"}, false},
		{"no user", nil, &precinct.Event{EntityType: "incident", SubBureauID: "sb1", StationID: "st1"}, false},
	} {
		if got := f.Filter(tt.user, tt.e) != nil; got != tt.want {
			t.Errorf("%s: sent %v, want %v", tt.name, got, tt.want)
		}
	}
	if f.UnitVisible(u, &precinct.Unit{ID: "x", SubBureauID: "sb1", StationID: "st1"}) {
		t.Error("a feed without a unit rule shows positions")
	}
}

func TestReplayKeepsToTheRules(t *testing.T) {
	l := log{
		{Seq: 1, EntityType: "incident", SubBureauID: "sb1", StationID: "st1"},
		{Seq: 2, EntityType: "incident", SubBureauID: "sb1", StationID: "st2"},
		{Seq: 3, EntityType: "incident", SubBureauID: "sb2", StationID: "st9"},
		{Seq: 4, EntityType: "other", SubBureauID: "sb1", StationID: "st1"},
	}
	f := feed.New(l, nil, map[string]precinct.EventRule{"incident": byPlace})
	u := &precinct.User{ID: "u", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
	evs, last, read, err := f.Replay(context.Background(), u, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Seq != 1 || last != 4 || read != 3 {
		t.Fatalf("replay: %d events, last %d, read %d, %v", len(evs), last, read, err)
	}
}

func TestTwoRulesForOneTypePanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("two rules for one entity type were accepted")
		}
	}()
	feed.New(nil, nil, map[string]precinct.EventRule{"incident": byPlace}, map[string]precinct.EventRule{"incident": byPlace})
}
