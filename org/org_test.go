package org_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"precinct"
	"precinct/geo"
	"precinct/org"
	"precinct/sqldb"
	"precinct/storetest"
)

// engines runs f on a fresh SQLite store and, when PRECINCT_TEST_POSTGRES
// is set, on a fresh PostgreSQL schema, each holding the two storetest
// fixtures: sub-bureau sb1 (stations st1, st2) and sb2 (station st3).
func engines(t *testing.T, f func(t *testing.T, db *sqldb.DB)) {
	open := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "org.db") },
		"postgres": func(t *testing.T) string {
			dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
			if dsn == "" {
				t.Skip("PRECINCT_TEST_POSTGRES not set")
			}
			dsn, drop, err := sqldb.NewSchema(context.Background(), dsn, "org")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { drop() })
			return dsn
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqldb.Open(ctx, open[name](t), sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			storetest.ImportFixtures(t, db)
			f(t, db)
		})
	}
}

func as(u *precinct.User) context.Context {
	return precinct.NewContextWithUser(context.Background(), u)
}

var (
	admin       = &precinct.User{ID: "a0", Username: "admin", Role: precinct.RoleAdmin}
	admin1      = &precinct.User{ID: "a1", Username: "admin1", Role: precinct.RoleAdmin, Scope: precinct.Location{SubBureauID: "sb1"}}
	dispatcher1 = &precinct.User{ID: "u1", Username: "dispatcher", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}}
	command1    = &precinct.User{ID: "u2", Username: "cmd1", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
	dispatcher2 = &precinct.User{ID: "u4", Username: "dispatcher2", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb2"}}
	auditor1    = &precinct.User{ID: "au", Username: "auditor", Role: precinct.RoleAuditor, Scope: precinct.Location{SubBureauID: "sb1"}}
	gridWorker  = &precinct.User{ID: "gw", Username: "gw", Role: precinct.RoleGridWorker, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
)

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := precinct.ErrorCode(err); got != code {
		t.Fatalf("%s: %v (code %q), want %s", what, err, got, code)
	}
}

func TestReadsKeepToTheCallersJurisdiction(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		svc := &org.Service{Store: db}
		ctx := context.Background()

		// No user, or a role without org.read: refused before any read.
		_, err := svc.SubBureaus(ctx)
		wantCode(t, "no user", err, precinct.EUNAUTHORIZED)
		_, _, err = svc.Stations(as(gridWorker), precinct.StationFilter{})
		wantCode(t, "grid worker", err, precinct.EFORBIDDEN)

		sbs, err := svc.SubBureaus(as(dispatcher2))
		if err != nil || len(sbs) != 1 || sbs[0].ID != "sb2" || sbs[0].Boundary != nil {
			t.Fatalf("sub-bureaus of sb2's dispatcher: %+v %v", sbs, err)
		}
		if all, _ := svc.SubBureaus(as(admin)); len(all) != 2 {
			t.Fatalf("admin sees %d sub-bureaus", len(all))
		}
		_, err = svc.SubBureau(as(dispatcher2), "sb1")
		wantCode(t, "another sub-bureau", err, precinct.EFORBIDDEN)

		ids := func(sts []*precinct.Station) []string {
			var out []string
			for _, s := range sts {
				out = append(out, s.ID)
			}
			slices.Sort(out)
			return out
		}
		sts, _, err := svc.Stations(as(dispatcher1), precinct.StationFilter{})
		if err != nil || !slices.Equal(ids(sts), []string{"st1", "st2"}) {
			t.Fatalf("sb1's dispatcher: %v %v", ids(sts), err)
		}
		sts, _, err = svc.Stations(as(command1), precinct.StationFilter{})
		if err != nil || !slices.Equal(ids(sts), []string{"st1"}) {
			t.Fatalf("st1's command office: %v %v", ids(sts), err)
		}
		_, _, err = svc.Stations(as(dispatcher2), precinct.StationFilter{SubBureauID: "sb1"})
		wantCode(t, "stations of another sub-bureau", err, precinct.EFORBIDDEN)
		_, err = svc.Station(as(command1), "st2")
		wantCode(t, "a neighbour station", err, precinct.EFORBIDDEN)
		_, err = svc.Station(as(command1), "nope")
		wantCode(t, "no such station", err, precinct.ENOTFOUND)

		_, _, err = svc.People(as(command1), precinct.PersonFilter{StationID: "st2"})
		wantCode(t, "people of a neighbour station", err, precinct.EFORBIDDEN)
		_, err = svc.Person(as(dispatcher2), "p1")
		wantCode(t, "a person of another sub-bureau", err, precinct.EFORBIDDEN)

		users, err := svc.Users(as(admin1))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.Scope.SubBureauID != "sb1" {
				t.Errorf("sb1's administrator lists %s of %q", u.Username, u.Scope.SubBureauID)
			}
		}
		_, err = svc.Users(as(dispatcher1))
		wantCode(t, "users by a dispatcher", err, precinct.EFORBIDDEN)
	})
}

func TestPeopleAreMaskedAndAFullViewIsAudited(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		svc := &org.Service{Store: db}
		people, _, err := svc.People(as(command1), precinct.PersonFilter{StationID: "st1"})
		if err != nil || len(people) == 0 {
			t.Fatalf("people: %v %v", people, err)
		}
		for _, p := range people {
			if p.Phone != "" && !strings.Contains(p.Phone, "*") || p.IDNumber != "" && !strings.Contains(p.IDNumber, "*") {
				t.Errorf("list shows %s in clear: %s %s", p.ID, p.Phone, p.IDNumber)
			}
		}
		p, err := svc.Person(as(command1), "p1")
		if err != nil || p.IDNumber != "500114********1234" || p.Phone != "138****0001" {
			t.Fatalf("masked person: %+v %v", p, err)
		}

		// A full view needs personal.read, where the person works, and a
		// reason; a refused one leaves no audit record.
		_, err = svc.RevealPerson(as(auditor1), "p1", "check")
		wantCode(t, "auditor", err, precinct.EFORBIDDEN)
		_, err = svc.RevealPerson(as(command1), "p1", "  ")
		wantCode(t, "no reason", err, precinct.EINVALID)
		_, err = svc.RevealPerson(as(command1), "p1", strings.Repeat("因", precinct.MaxReasonLength+1))
		wantCode(t, "a reason too long", err, precinct.EINVALID)
		_, err = svc.RevealPerson(as(dispatcher2), "p1", "check")
		wantCode(t, "another sub-bureau", err, precinct.EFORBIDDEN)
		recs, _, err := db.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: "p1"})
		if err != nil || len(recs) != 0 {
			t.Fatalf("refused reads were audited: %+v %v", recs, err)
		}

		p, err = svc.RevealPerson(as(command1), "p1", "回访核实")
		if err != nil || p.IDNumber != "500114199001011234" || p.Phone != "13800000001" {
			t.Fatalf("full view: %+v %v", p, err)
		}
		recs, _, err = db.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: "p1"})
		if err != nil || len(recs) != 1 || recs[0].Actor != "u2" || recs[0].Reason != "回访核实" || recs[0].SubBureauID != "sb1" ||
			!slices.Equal(recs[0].Fields, []string{"phone", "id_number"}) {
			t.Fatalf("audit: %+v %v", recs, err)
		}
		// Auditors read their own sub-bureau's trail only.
		if got, _, err := svc.Audit(as(auditor1), precinct.AuditFilter{}); err != nil || len(got) != 1 {
			t.Fatalf("sb1's auditor: %d %v", len(got), err)
		}
		_, _, err = svc.Audit(as(command1), precinct.AuditFilter{})
		wantCode(t, "audit by a command office", err, precinct.EFORBIDDEN)
	})
}

func TestAdminEditsWithinItsJurisdiction(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		notified := 0
		adm := &org.Admin{Store: db, Notify: func() { notified++ }}
		station := func(id, sb string) *precinct.Station {
			return &precinct.Station{SubBureauID: sb, Name: "新所", Kind: precinct.StationUrban, Location: precinct.Point{Lon: 108.3, Lat: 29.3}}
		}

		_, err := adm.PutOrg(as(dispatcher1), precinct.OrgStations, "st9", station("st9", "sb1"))
		wantCode(t, "a dispatcher edits", err, precinct.EFORBIDDEN)
		_, err = adm.PutOrg(as(admin1), precinct.OrgStations, "st9", station("st9", "sb2"))
		wantCode(t, "sb1's administrator edits sb2", err, precinct.EFORBIDDEN)
		_, err = adm.PutOrg(as(admin1), precinct.OrgStations, "", station("", "sb1"))
		wantCode(t, "no id", err, precinct.EINVALID)
		_, err = adm.PutOrg(as(admin1), precinct.OrgCommunityGrids, "cg9", &precinct.CommunityGrid{PoliceGridID: "pg9", Name: "无主网格"})
		wantCode(t, "a grid of no police grid", err, precinct.EINVALID)
		_, err = adm.RetireOrg(as(admin1), precinct.OrgStations, "st3")
		wantCode(t, "sb1's administrator retires sb2's station", err, precinct.EFORBIDDEN)
		if notified != 0 {
			t.Fatalf("refused edits notified %d times", notified)
		}
		if _, err := db.FindStation(context.Background(), "st9"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Fatalf("a refused edit left a station: %v", err)
		}

		d, err := adm.PutOrg(as(admin1), precinct.OrgStations, "st9", station("st9", "sb1"))
		if err != nil || d.Added.Stations != 1 || notified != 1 {
			t.Fatalf("add a station: %+v %v (notified %d)", d, err, notified)
		}
		if st, err := db.FindStation(context.Background(), "st9"); err != nil || st.Name != "新所" {
			t.Fatalf("stored station: %+v %v", st, err)
		}
		// A police grid still holds community grids: retiring it is refused,
		// naming what refers to it.
		_, err = adm.RetireOrg(as(admin1), precinct.OrgPoliceGrids, "pg1")
		wantCode(t, "retire a grid still referred to", err, precinct.ECONFLICT)
		_, err = adm.RetireOrg(as(admin1), precinct.OrgStations, "nope")
		wantCode(t, "retire what is not there", err, precinct.ENOTFOUND)
		d, err = adm.RetireOrg(as(admin1), precinct.OrgStations, "st9")
		if err != nil || d.Removed.Stations != 1 || notified != 2 {
			t.Fatalf("retire the station: %+v %v", d, err)
		}

		recs, _, err := db.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: "st9"})
		if err != nil || len(recs) != 2 {
			t.Fatalf("audit of the edits: %+v %v", recs, err)
		}
		var actions []string
		for _, r := range recs {
			if r.Actor != "a1" || r.SubBureauID != "sb1" {
				t.Errorf("audit record %+v", r)
			}
			actions = append(actions, r.Action)
		}
		slices.Sort(actions)
		if !slices.Equal(actions, []string{"org.manage.edit", "org.manage.retire"}) {
			t.Errorf("audit actions %v", actions)
		}
	})
}

func TestResolveNeedsTheSubBureau(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		pgs, cgs, err := db.AllGrids(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sts, _, err := db.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere})
		if err != nil {
			t.Fatal(err)
		}
		svc := &org.Service{Store: db, Resolver: geo.NewResolver(sts, pgs, cgs)}
		in1 := precinct.Point{Lon: 108.1, Lat: 29.1}
		loc, err := svc.Resolve(as(command1), in1)
		if err != nil || loc.StationID != "st1" || loc.PoliceGridID != "pg1" {
			t.Fatalf("resolve in st1: %+v %v", loc, err)
		}
		_, err = svc.Resolve(as(dispatcher2), in1)
		wantCode(t, "resolve in another sub-bureau", err, precinct.EFORBIDDEN)
	})
}
