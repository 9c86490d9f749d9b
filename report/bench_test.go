package report_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"precinct"
	"precinct/report"
	"precinct/sqldb"
	"precinct/storetest"
)

// BenchmarkIncidentStats computes a year's statistics (20,000 incidents)
// with the year-on-year comparison: report.Service reading facts from
// SQLite and from PostgreSQL, and, as the peer, the same counts and
// percentiles computed by PostgreSQL itself in SQL.
func BenchmarkIncidentStats(b *testing.B) {
	const n = 20000
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, precinct.CST)
	past := yearOf(n, start)
	q := precinct.StatsQuery{From: start, To: start.AddDate(1, 0, 0), CompareYear: true}
	ctx := precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "c", Role: precinct.RoleChief, Scope: precinct.Location{SubBureauID: "sb1"}})
	open := map[string]func(b *testing.B) (*sqldb.DB, string){
		"sqlite": func(b *testing.B) (*sqldb.DB, string) {
			db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "s.db"), sqldb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return db, ""
		},
		"postgres": func(b *testing.B) (*sqldb.DB, string) {
			pg := os.Getenv("PRECINCT_TEST_POSTGRES")
			if pg == "" {
				b.Skip("PRECINCT_TEST_POSTGRES not set")
			}
			dsn, drop, err := sqldb.NewSchema(ctx, pg, "precinct_bench")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = drop() })
			db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return db, dsn
		},
	}
	var goPG time.Duration
	for _, engine := range []string{"sqlite", "postgres"} {
		db, dsn := open[engine](b)
		b.Cleanup(func() { db.Close() })
		if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
			b.Fatal(err)
		}
		if err := db.ImportIncidents(ctx, past, nil); err != nil {
			b.Fatal(err)
		}
		svc := &report.Service{Store: db}
		b.Run("report/"+engine, func(b *testing.B) {
			for b.Loop() {
				rep, err := svc.IncidentStats(ctx, q)
				if err != nil || rep.Current.Total != n {
					b.Fatalf("%v, %d incidents", err, rep.Current.Total)
				}
			}
			if engine == "postgres" {
				goPG = b.Elapsed() / time.Duration(b.N)
			}
		})
		if engine != "postgres" {
			continue
		}
		raw, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { raw.Close() })
		b.Run("sql/postgres", func(b *testing.B) {
			for b.Loop() {
				for _, period := range [][2]time.Time{{q.From, q.To}, {q.From.AddDate(-1, 0, 0), q.To.AddDate(-1, 0, 0)}} {
					if err := sqlStats(ctx, raw, period[0], period[1]); err != nil {
						b.Fatal(err)
					}
				}
			}
			if goPG > 0 {
				b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(goPG), "x-report")
			}
		})
	}
}

// sqlStats is the peer: the same figures computed by PostgreSQL.
func sqlStats(ctx context.Context, db *sql.DB, from, to time.Time) error {
	args := []any{from.UnixMicro(), to.UnixMicro()}
	const where = ` FROM incidents WHERE sub_bureau_id = 'sb1' AND received_at >= $1 AND received_at < $2`
	var total, open, onScene, handed, callbacks int
	var flowMean, flowP50, flowP90, respMean, respP50, respP90, satMean sql.NullFloat64
	err := db.QueryRowContext(ctx, `SELECT count(*),
		count(*) FILTER (WHERE status NOT IN ('closed', 'callback_done')),
		count(*) FILTER (WHERE outcome = 'resolved_on_scene'), count(*) FILTER (WHERE outcome = 'handed_over'),
		count(*) FILTER (WHERE satisfaction > 0),
		avg(dispatched_at - received_at) / 1e6,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY dispatched_at - received_at) / 1e6,
		percentile_disc(0.9) WITHIN GROUP (ORDER BY dispatched_at - received_at) / 1e6,
		avg(arrived_at - received_at) / 1e6,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY arrived_at - received_at) / 1e6,
		percentile_disc(0.9) WITHIN GROUP (ORDER BY arrived_at - received_at) / 1e6,
		avg(satisfaction) FILTER (WHERE satisfaction > 0)`+where, args...).
		Scan(&total, &open, &onScene, &handed, &callbacks, &flowMean, &flowP50, &flowP90, &respMean, &respP50, &respP90, &satMean)
	if err != nil {
		return err
	}
	for _, col := range []string{"category", "status", "station_id", "handler", "extract(hour FROM to_timestamp(received_at / 1e6) AT TIME ZONE 'Asia/Shanghai')"} {
		rows, err := db.QueryContext(ctx, `SELECT `+col+`, count(*)`+where+` GROUP BY 1`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
	}
	return nil
}

// yearOf makes n finished incidents received over a year from start, with
// their timelines.
func yearOf(n int, start time.Time) []precinct.PastIncident {
	rng := rand.New(rand.NewPCG(1, 2))
	cats := []string{"dispute", "help", "theft", "traffic", "noise", "fraud"}
	var past []precinct.PastIncident
	for i := range n {
		at := start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		d, a, f := at.Add(time.Duration(30+rng.IntN(120))*time.Second), at.Add(time.Duration(3+rng.IntN(20))*time.Minute), at.Add(time.Hour)
		station := []string{"st1", "st2"}[i%2]
		loc := precinct.Location{SubBureauID: "sb1", StationID: station}
		inc := &precinct.Incident{ID: fmt.Sprintf("y%06d", i), Source: precinct.SourceCall110, Category: cats[rng.IntN(len(cats))], PlaceType: precinct.PlaceStreet,
			Priority: 3, Point: precinct.Point{Lon: 108 + rng.Float64(), Lat: 29 + rng.Float64()}, Status: precinct.IncidentClosed, Location: loc,
			Route: precinct.Route{Handler: precinct.HandlerCommunity}, ReceivedAt: at, DispatchedAt: &d, ArrivedAt: &a, FinishedAt: &f, ClosedAt: &f,
			UpdatedAt: f, Version: 2}
		if rng.IntN(3) > 0 {
			inc.Status, inc.Satisfaction = precinct.IncidentCallbackDone, 3+rng.IntN(3)
		}
		past = append(past, precinct.PastIncident{Incident: inc,
			Events: []*precinct.Event{precinct.NewEvent(context.Background(), f, "incident.closed", loc, "incident", inc.ID, nil, nil, nil)}})
	}
	return past
}
