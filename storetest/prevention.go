package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"precinct"
)

// preventionTests are the contract tests of the prevention store.
var preventionTests = []struct {
	name string
	fn   func(*testing.T, precinct.Store)
}{
	{"warnings are written all or nothing", testWarningsAtomic},
	{"warnings keep to the scope; triage to the sub-bureau", testWarningScope},
	{"residents by keyed hash", testResidentsByHash},
	{"prevention records shared by a pair of stations", testPreventionRecords},
}

func warning(id, ref, key string, loc precinct.Location, status precinct.WarningStatus) *precinct.Warning {
	return &precinct.Warning{ID: id, SourceRef: ref, Source: "json", FraudType: "loan", Level: precinct.LevelHigh, IssuedAt: t0,
		Location: loc, Status: status, PersonKey: key, ReceivedAt: t0, Version: 1,
		SealedPhone: precinct.Sealed{Masked: "139****0001", Sealed: "k1.sealed", Hash: key}}
}

func testWarningsAtomic(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	sb := precinct.Location{SubBureauID: "sb1"}
	ev := func(id string) *precinct.Event {
		return precinct.NewEvent(ctx, t0, "warning.received", sb, "warning", id, nil, nil, nil)
	}
	if err := s.CreateWarnings(ctx, []*precinct.Warning{warning("w1", "A", "m1.p1", sb, precinct.WarningTriage)}, nil, []*precinct.Event{ev("w1")}); err != nil {
		t.Fatal(err)
	}
	// A batch with a reference stored already fails whole.
	err := s.CreateWarnings(ctx, []*precinct.Warning{warning("w2", "B", "m1.p1", sb, precinct.WarningTriage), warning("w3", "A", "", sb, precinct.WarningTriage)},
		nil, []*precinct.Event{ev("w2"), ev("w3")})
	if precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Fatalf("a stored reference: %v", err)
	}
	if _, err := s.FindWarning(ctx, "w2"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("half a batch written: %v", err)
	}
	if n := eventsOf(t, s, "warning.received"); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	refs, err := s.WarningRefs(ctx, "sb1", []string{"A", "B"})
	if err != nil || len(refs) != 1 || refs["A"] != "w1" {
		t.Errorf("refs %v %v", refs, err)
	}
	if refs, _ := s.WarningRefs(ctx, "sb2", []string{"A"}); len(refs) != 0 {
		t.Errorf("a reference of another sub-bureau: %v", refs)
	}
	n, err := s.CountWarnings(ctx, []string{"m1.p1", "m1.none"})
	if err != nil || n["m1.p1"] != 1 || n["m1.none"] != 0 {
		t.Errorf("counts %v %v", n, err)
	}
	// An update applies to the version read, once.
	w, err := s.FindWarning(ctx, "w1")
	if err != nil || w.SealedPhone.Sealed != "k1.sealed" || w.PersonKey != "m1.p1" || w.Phone != "" && w.Phone != "139****0001" {
		t.Fatalf("find: %+v %v", w, err)
	}
	w.Status, w.Location, w.Version = precinct.WarningPushed, locCG1, 2
	if err := s.UpdateWarning(ctx, w, 1, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateWarning(ctx, w, 1, nil, nil); precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Errorf("a stale update: %v", err)
	}
}

func testWarningScope(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	sb := precinct.Location{SubBureauID: "sb1"}
	ws := []*precinct.Warning{warning("w1", "A", "m1.a", sb, precinct.WarningTriage), warning("w2", "B", "m1.b", locCG1, precinct.WarningPushed),
		warning("w3", "C", "m1.a", locCG3, precinct.WarningPushed)}
	ws[1].IssuedAt, ws[2].IssuedAt = t0.Add(time.Second), t0.Add(2*time.Second)
	if err := s.CreateWarnings(ctx, ws, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    precinct.WarningFilter
		want []string
	}{
		{"sub-bureau", precinct.WarningFilter{Scope: scopeOf(sb)}, []string{"w3", "w2", "w1"}},
		{"station", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"})}, []string{"w2"}},
		{"grid", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"})}, []string{"w3"}},
		{"other sub-bureau", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb2"})}, nil},
		{"no scope", precinct.WarningFilter{}, nil},
		{"triage", precinct.WarningFilter{Scope: precinct.Everywhere, Status: precinct.WarningTriage}, []string{"w1"}},
		{"person", precinct.WarningFilter{Scope: precinct.Everywhere, PersonKey: "m1.a"}, []string{"w3", "w1"}},
	} {
		got, _, err := s.ListWarnings(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range got {
			ids = append(ids, w.ID)
		}
		sameIDs(t, c.name, ids, c.want)
	}
	// Pages, newest first.
	p1, next, err := s.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 2})
	if err != nil || len(p1) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(p1), next, err)
	}
	p2, next, err := s.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 2, Cursor: next})
	if err != nil || len(p2) != 1 || p2[0].ID != "w1" || next != "" {
		t.Errorf("page 2: %v %q %v", p2, next, err)
	}
}

func testResidentsByHash(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	got, err := s.ResidentsByHash(ctx, scopeOf(precinct.Location{SubBureauID: "sb1"}), "id_number", []string{"m1.id-r1", "m1.id-r4", "m1.none"})
	if err != nil {
		t.Fatal(err)
	}
	ids := residentIDs(got)
	slices.Sort(ids)
	sameIDs(t, "sub-bureau", ids, []string{"r1", "r4"})
	got, _ = s.ResidentsByHash(ctx, scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"}), "phone", []string{"m1.phone-r1", "m1.phone-r4"})
	sameIDs(t, "station", residentIDs(got), []string{"r1"})
	got, _ = s.ResidentsByHash(ctx, precinct.Scope{}, "phone", []string{"m1.phone-r1"})
	sameIDs(t, "no scope", residentIDs(got), nil)
}

func testPreventionRecords(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	pair := precinct.Location{SubBureauID: "sb1", StationID: "ss:ss1"}
	recs := []*precinct.PreventionRecord{
		{ID: "l1", Kind: "ledger", Location: pair, ServiceStationID: "ss1", StationIDs: []string{"st1", "st2"}, Month: "2026-03", At: t0, By: "u2", Data: []byte(`{"title":"会商"}`)},
		{ID: "e1", Kind: "evaluation", Location: pair, ServiceStationID: "ss1", StationIDs: []string{"st1"}, Month: "2026-03", At: t0.Add(time.Second), By: "u2"},
		{ID: "n1", Kind: "notice", Location: precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"}, At: t0.Add(2 * time.Second), By: "u1"},
	}
	for _, r := range recs {
		if err := s.PutPreventionRecord(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutPreventionRecord(ctx, recs[1], nil); precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Errorf("the same record twice: %v", err)
	}
	ids := func(f precinct.PreventionRecordFilter) []string {
		got, err := s.ListPreventionRecords(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	sameIDs(t, "sub-bureau", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1"})}), []string{"n1", "e1", "l1"})
	sameIDs(t, "st1", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"})}), []string{"e1", "l1"})
	sameIDs(t, "st2", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"})}), []string{"n1", "l1"})
	sameIDs(t, "st2 ledger", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), Kind: "ledger", ServiceStationID: "ss1"}), []string{"l1"})
	sameIDs(t, "other sub-bureau", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb2"})}), nil)
	sameIDs(t, "no scope", ids(precinct.PreventionRecordFilter{}), nil)
	r, err := s.FindPreventionRecord(ctx, "l1")
	if err != nil || string(r.Data) != `{"title":"会商"}` || len(r.StationIDs) != 2 {
		t.Errorf("find: %+v %v", r, err)
	}
}
