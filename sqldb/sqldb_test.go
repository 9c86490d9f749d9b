package sqldb_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"precinct"
	"precinct/sqldb"
	"precinct/storetest"
)

// postgresDSN returns the test PostgreSQL URL, skipping the test when none is
// configured (and failing instead in CI).
func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PRECINCT_TEST_POSTGRES is not set in CI")
		}
		t.Skip("PRECINCT_TEST_POSTGRES not set")
	}
	return dsn
}

// openSQLite opens a store in a fresh temporary file.
func openSQLite(t testing.TB) *sqldb.DB {
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "precinct.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// openPostgres opens a store in a schema of its own, dropped at cleanup.
func openPostgres(t testing.TB) *sqldb.DB {
	dsn, drop, err := sqldb.NewSchema(context.Background(), postgresDSN(t), "precinct_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	db, err := sqldb.Open(context.Background(), dsn, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) precinct.Store { return openSQLite(t) })
}

func TestPostgresContract(t *testing.T) {
	postgresDSN(t)
	storetest.Run(t, func(t *testing.T) precinct.Store { return openPostgres(t) })
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	for i := 0; i < 2; i++ {
		db, err := sqldb.Open(context.Background(), path, sqldb.Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAcknowledgedWriteSurvivesKill runs a child process that writes an
// incident, reports "acked" and is killed with SIGKILL at once; the incident
// must be there when the database is opened again.
func TestAcknowledgedWriteSurvivesKill(t *testing.T) {
	if path := os.Getenv("SQLDB_KILL_CHILD"); path != "" {
		db, err := sqldb.Open(context.Background(), path, sqldb.Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if os.Getenv("SQLDB_KILL_IMPORT") != "" {
			if err := db.ImportJurisdiction(context.Background(), storetest.Fixture()); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
		}
		for i := 0; ; i++ {
			inc := &precinct.Incident{ID: fmt.Sprintf("kill-%d", i), Status: precinct.IncidentReceived, Category: "help",
				Location: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, ReceivedAt: time.Now(), Version: 1}
			if _, _, err := db.CreateIncident(context.Background(), inc, nil); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			fmt.Println("acked", inc.ID)
		}
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedWriteSurvivesKill$")
	cmd.Env = append(os.Environ(), "SQLDB_KILL_CHILD="+path, "SQLDB_KILL_IMPORT=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var last string
	for n := 0; n < 50 && sc.Scan(); n++ {
		var id string
		if _, err := fmt.Sscanf(sc.Text(), "acked %s", &id); err != nil {
			t.Fatalf("child: %s", sc.Text())
		}
		last = id
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if last == "" {
		t.Fatal("child acknowledged nothing")
	}
	db, err := sqldb.Open(context.Background(), path, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.FindIncident(context.Background(), last); err != nil {
		t.Fatalf("acknowledged incident %s lost after SIGKILL: %v", last, err)
	}
}

func benchEngines(b *testing.B, fn func(*testing.B, *sqldb.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, openPostgres(b)) })
}

func BenchmarkCreateIncident(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		defer db.Close()
		ctx := context.Background()
		if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			loc := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
			inc := &precinct.Incident{ID: precinct.NewID("inc", now), Status: precinct.IncidentReceived, Category: "help", Location: loc, ReceivedAt: now, Version: 1}
			ev := precinct.NewEvent(ctx, now, "incident.created", loc, "incident", inc.ID, nil, inc, nil)
			if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{ev}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSavePositions(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		defer db.Close()
		ctx := context.Background()
		if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
			b.Fatal(err)
		}
		const batch = 1000
		ps := make([]precinct.Position, batch)
		t0 := time.Now()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for j := range ps {
				ps[j] = precinct.Position{UnitID: fmt.Sprintf("un%d", j%6+1), Point: precinct.Point{Lon: 108.1, Lat: 29.1}, At: t0.Add(time.Duration(i*batch+j) * time.Millisecond)}
			}
			if err := db.SavePositions(ctx, ps); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "positions/s")
	})
}

// TestIncidentFactsBackfill checks the UPDATE of migration 0002, which fills
// the statistics columns of incidents stored before it from their documents:
// after the columns are wiped and the UPDATE run again, the facts read are
// those written by the store.
func TestIncidentFactsBackfill(t *testing.T) {
	onBothEngines(t, func(t *testing.T, db *sqldb.DB, driver, dsn, migrations string) {
		testBackfill(t, db, driver, dsn, migrations)
	})
}

// onBothEngines runs fn on a fresh SQLite file and a fresh PostgreSQL
// schema, with the driver name, DSN and migrations directory of each, for
// tests that also reach the database directly.
func onBothEngines(t *testing.T, fn func(t *testing.T, db *sqldb.DB, driver, dsn, migrations string)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "precinct.db")
		db, err := sqldb.Open(context.Background(), path, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fn(t, db, "sqlite", "file:"+path, "migrations/sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, drop, err := sqldb.NewSchema(context.Background(), postgresDSN(t), "precinct_test")
		if err != nil {
			t.Fatal(err)
		}
		defer drop()
		db, err := sqldb.Open(context.Background(), dsn, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fn(t, db, "pgx", dsn, "migrations/postgres")
	})
}

// testBackfill wipes the statistics columns and runs the UPDATEs of
// migrations 0002 and 0004 again.
func testBackfill(t *testing.T, db *sqldb.DB, driver, dsn, migrations string) {
	ctx := context.Background()
	if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	incs := []*precinct.Incident{
		{ID: "a", Category: "dispute", Point: precinct.Point{Lon: 108.123456, Lat: 29.5}, Status: precinct.IncidentCallbackDone, Location: loc,
			ReceivedAt: t0, DispatchedAt: at(90*time.Second + 250*time.Millisecond), ArrivedAt: at(7 * time.Minute), FinishedAt: at(time.Hour), Satisfaction: 5,
			Route: precinct.Route{Handler: precinct.HandlerPatrol}},
		{ID: "b", Category: "help", Point: precinct.Point{Lon: 108.2, Lat: 29.6}, Status: precinct.IncidentHandedOver, Location: loc,
			ReceivedAt: t0.Add(time.Hour), DispatchedAt: at(time.Hour + time.Minute), FinishedAt: at(2 * time.Hour), HandedOverTo: "派出所"},
		{ID: "c", Category: "fraud", Point: precinct.Point{Lon: 108.3, Lat: 29.7}, Status: precinct.IncidentReceived, Location: loc, ReceivedAt: t0.Add(2 * time.Hour)},
	}
	for _, inc := range incs {
		inc.Source, inc.PlaceType, inc.Priority, inc.Version, inc.UpdatedAt = precinct.SourceCall110, precinct.PlaceStreet, 2, 1, inc.ReceivedAt
		ev := precinct.NewEvent(ctx, inc.ReceivedAt, "incident.created", loc, "incident", inc.ID, nil, inc, nil)
		if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []precinct.IncidentFact {
		var out []precinct.IncidentFact
		if err := db.IncidentFacts(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere}, func(f *precinct.IncidentFact) error {
			out = append(out, *f)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(out, func(a, b precinct.IncidentFact) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
		return out
	}
	want := read()
	if want[0].Handler != precinct.HandlerPatrol {
		t.Fatalf("handler %q stored, want patrol", want[0].Handler)
	}

	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `UPDATE incidents SET lon = 0, lat = 0, dispatched_at = NULL, arrived_at = NULL, outcome = '', satisfaction = 0, handler = ''`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0002_incident_facts.sql", "0004_incident_handler.sql"} {
		body, err := os.ReadFile(migrations + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		_, update, ok := strings.Cut(string(body), "UPDATE incidents SET")
		if !ok {
			t.Fatalf("%s has no UPDATE", name)
		}
		if _, err := raw.ExecContext(ctx, "UPDATE incidents SET"+update); err != nil {
			t.Fatal(err)
		}
	}
	got := read()
	if len(got) != len(want) {
		t.Fatalf("%d facts after the backfill, want %d", len(got), len(want))
	}
	same := func(a, b *time.Time) bool {
		// SQLite's date functions keep milliseconds.
		return a == nil && b == nil || a != nil && b != nil && a.Sub(*b).Abs() < time.Millisecond
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Point != w.Point || g.Outcome != w.Outcome || g.Satisfaction != w.Satisfaction || g.Handler != w.Handler ||
			!same(g.DispatchedAt, w.DispatchedAt) || !same(g.ArrivedAt, w.ArrivedAt) {
			t.Errorf("incident %d after the backfill: %+v, want %+v", i, g, w)
		}
	}
}

// TestImportIncidents: past incidents land with their timelines and facts,
// in batches with progress, and their events are not left for the relay.
func TestImportIncidents(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			ctx := context.Background()
			if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
				t.Fatal(err)
			}
			before, err := db.Unpublished(ctx, 10000)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2025, 11, 22, 8, 0, 0, 0, time.UTC)
			loc := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
			var past []precinct.PastIncident
			for i := range 1200 {
				at := t0.Add(time.Duration(i) * time.Minute)
				done := at.Add(20 * time.Minute)
				inc := &precinct.Incident{ID: fmt.Sprintf("past%04d", i), Source: precinct.SourceCall110, Category: "help", PlaceType: precinct.PlaceStreet,
					Priority: 3, Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Status: precinct.IncidentClosed, Location: loc,
					ReceivedAt: at, FinishedAt: &done, ClosedAt: &done, UpdatedAt: done, Version: 3}
				past = append(past, precinct.PastIncident{Incident: inc, Units: []string{"un1"}, Events: []*precinct.Event{
					precinct.NewEvent(ctx, at, "incident.created", loc, "incident", inc.ID, nil, nil, nil),
					precinct.NewEvent(ctx, done, "incident.closed", loc, "incident", inc.ID, nil, inc, nil),
				}})
			}
			var calls []int
			if err := db.ImportIncidents(ctx, past, func(done, total int) { calls = append(calls, done) }); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(calls) != "[500 1000 1200]" {
				t.Errorf("progress %v, want [500 1000 1200]", calls)
			}
			got, err := db.FindIncident(ctx, "past0700")
			if err != nil || got.Status != precinct.IncidentClosed {
				t.Fatalf("imported incident: %v %+v", err, got)
			}
			tl, err := db.Timeline(ctx, "past0700")
			if err != nil || len(tl) != 2 || tl[1].Type != "incident.closed" {
				t.Errorf("timeline %v %+v", err, tl)
			}
			n := 0
			if err := db.IncidentFacts(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, StationIDs: []string{"st1"}}, func(f *precinct.IncidentFact) error {
				if f.Outcome == precinct.OutcomeResolvedOnScene {
					n++
				}
				return nil
			}); err != nil || n != 1200 {
				t.Errorf("facts: %v, %d resolved on scene", err, n)
			}
			after, err := db.Unpublished(ctx, 10000)
			if err != nil || len(after) != len(before) {
				t.Errorf("%d events wait for the relay after the import, %d before (%v)", len(after), len(before), err)
			}
			if units, err := db.SentUnits(ctx, "past0700"); err != nil || !slices.Equal(units, []string{"un1"}) {
				t.Errorf("units sent to an imported incident: %v %v", units, err)
			}
			// A batch holding an incident already there is refused whole.
			again := []precinct.PastIncident{{Incident: &precinct.Incident{ID: "new0001", Source: precinct.SourceCall110, Category: "help",
				PlaceType: precinct.PlaceStreet, Priority: 3, Status: precinct.IncidentClosed, Location: loc, ReceivedAt: t0, UpdatedAt: t0, Version: 1}}, past[0]}
			if err := db.ImportIncidents(ctx, again, nil); err == nil {
				t.Error("an incident already imported was accepted again")
			}
			if _, err := db.FindIncident(ctx, "new0001"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
				t.Errorf("a refused batch left an incident behind: %v", err)
			}
		})
	}
}

// TestIncidentUnitsBackfill checks the INSERT of migration 0003, which lists
// the units sent to incidents stored before it from their events.
func TestIncidentUnitsBackfill(t *testing.T) {
	run := func(t *testing.T, db *sqldb.DB, driver, dsn, migration string) {
		ctx := context.Background()
		if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		loc := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
		inc := &precinct.Incident{ID: "a", Source: precinct.SourceCall110, Category: "help", PlaceType: precinct.PlaceStreet, Priority: 3,
			Status: precinct.IncidentReceived, Location: loc, ReceivedAt: t0, UpdatedAt: t0, Version: 1}
		if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{precinct.NewEvent(ctx, t0, "incident.created", loc, "incident", "a", nil, inc, nil)}); err != nil {
			t.Fatal(err)
		}
		next := *inc
		next.Status, next.Version, next.Units = precinct.IncidentDispatched, 2, []string{"un1", "un2"}
		ev := precinct.NewEvent(ctx, t0, "incident.dispatched", loc, "incident", "a", nil, nil, map[string]any{"action": "dispatch", "units": next.Units})
		if err := db.UpdateIncident(ctx, precinct.IncidentChange{Incident: &next, PrevVersion: 1, Claim: next.Units, Events: []*precinct.Event{ev}}); err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile(migration)
		if err != nil {
			t.Fatal(err)
		}
		_, insert, ok := strings.Cut(string(body), "INSERT")
		if !ok {
			t.Fatalf("%s has no INSERT", migration)
		}
		raw, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx, `DELETE FROM incident_units`); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, "INSERT"+insert); err != nil {
			t.Fatal(err)
		}
		for _, unit := range next.Units {
			list, _, err := db.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, UnitID: unit})
			if err != nil || len(list) != 1 {
				t.Errorf("after the backfill, %s has %d incidents (%v)", unit, len(list), err)
			}
		}
	}
	onBothEngines(t, func(t *testing.T, db *sqldb.DB, driver, dsn, migrations string) {
		run(t, db, driver, dsn, migrations+"/0003_incident_units.sql")
	})
}
