package sqldb

import (
	"context"
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
	hashes := []string{"m1.a", "m1.b"}
	names := []precinct.NameAt{{Name: "张伟", AddressID: "500114/001/r1"}, {Name: "李娜", AddressID: "500114/001/r2"}}
	t.Run("sqlite", func(t *testing.T) {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		q, args, err := db.residentKeysQuery(hashes, names)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		wantPlan(t, strings.Join(plan, "\n"), []string{"residents_id_hash (id_hash=?)", "residents_address (address_id=? AND name=?)"}, "SCAN residents")
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("PRECINCT_TEST_POSTGRES not set")
		}
		full, drop, err := NewSchema(ctx, dsn, "precinct_plan")
		if err != nil {
			t.Fatal(err)
		}
		defer drop()
		db, err := Open(ctx, full, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		q, args, err := db.residentKeysQuery(hashes, names)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		wantPlan(t, strings.Join(plan, "\n"), []string{"residents_id_hash", "residents_address"}, "Seq Scan on residents")
	})
}

func wantPlan(t *testing.T, plan string, uses []string, never string) {
	t.Helper()
	for _, u := range uses {
		if !strings.Contains(plan, u) {
			t.Errorf("plan does not use %s:\n%s", u, plan)
		}
	}
	if strings.Contains(plan, never) {
		t.Errorf("plan has %s:\n%s", never, plan)
	}
}
