package sqldb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precinct"
)

// TestResidentKeysSeekIndexes checks the plan of an import's duplicate
// look-up: each half seeks its index — by ID hash, by address and name —
// and neither reads the whole residents table. SQLite plans without
// statistics, so its plan is the one a district gets; on PostgreSQL, whose
// plan depends on the statistics, sequential scans are turned off to show
// that the conditions can use the indexes (the plan at a million people is
// in docs/benchmarks.md).
func TestResidentKeysSeekIndexes(t *testing.T) {
	ctx := context.Background()
	engines := []struct {
		name  string
		open  func(t *testing.T) string // the DSN
		setup string                    // run on the connection first
		query string                    // EXPLAIN …
		uses  []string
		never string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "plan.db") }, "", "EXPLAIN QUERY PLAN ",
			[]string{"residents_id_hash (id_hash=?)", "residents_address (address_id=? AND name=?)"}, "SCAN residents"},
		{"postgres", func(t *testing.T) string {
			dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
			if dsn == "" {
				t.Skip("PRECINCT_TEST_POSTGRES not set")
			}
			full, drop, err := NewSchema(ctx, dsn, "precinct_plan")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = drop() })
			return full
		}, "SET enable_seqscan = off", "EXPLAIN ", []string{"residents_id_hash", "residents_address"}, "Seq Scan on residents"},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db, err := Open(ctx, e.open(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			q, args, err := db.residentKeysQuery([]string{"m1.a", "m1.b"},
				[]precinct.NameAt{{Name: "张伟", AddressID: "500114/001/r1"}, {Name: "李娜", AddressID: "500114/001/r2"}})
			if err != nil {
				t.Fatal(err)
			}
			conn, err := db.read.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if e.setup != "" {
				if _, err := conn.ExecContext(ctx, e.setup); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := conn.QueryContext(ctx, e.query+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = new(any)
				}
				if err := rows.Scan(vals...); err != nil {
					t.Fatal(err)
				}
				line := fmt.Sprint(*vals[len(vals)-1].(*any)) // SQLite's detail, PostgreSQL's line
				plan = append(plan, line)
			}
			rows.Close()
			text := strings.Join(plan, "\n")
			for _, u := range e.uses {
				if !strings.Contains(text, u) {
					t.Errorf("plan does not use %s:\n%s", u, text)
				}
			}
			if strings.Contains(text, e.never) {
				t.Errorf("plan has %s:\n%s", e.never, text)
			}
		})
	}
}
