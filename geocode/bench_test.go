package geocode_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"precinct"
	"precinct/geocode"
	"precinct/streets"
)

// benchEntries builds a city-sized set of names: the streets and places of
// both Chinese OpenStreetMap extracts, and standard addresses made from
// their street names (“贵溪大道 12 号 3 栋”), 200,000 in all.
func benchEntries(b *testing.B) []geocode.Entry {
	b.Helper()
	var entries []geocode.Entry
	var roads []string
	for _, f := range []string{"guixi.osm.gz", "shenzhen_longgang.osm.gz"} {
		dir, _ := os.Getwd()
		d, err := streets.Import(context.Background(), filepath.Join(dir, "..", "..", "shared", "data", "osm", f))
		if err != nil {
			b.Skip(err)
		}
		es := geocode.StreetEntries(d)
		entries = append(entries, es...)
		for _, e := range es {
			if e.Place.Kind == precinct.PlaceKindStreet {
				roads = append(roads, e.Place.Name)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for len(entries) < 200000 {
		name := fmt.Sprintf("%s%d号%d栋%d单元", roads[rng.IntN(len(roads))], 1+rng.IntN(300), 1+rng.IntN(30), 1+rng.IntN(6))
		entries = append(entries, geocode.Entry{Place: precinct.Place{Name: name, Kind: precinct.PlaceKindAddress}, Public: true})
	}
	return entries
}

// benchQueries are what dispatchers type: names, parts of names, initials.
func benchQueries(entries []geocode.Entry) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	var qs []string
	for len(qs) < 1000 {
		name := []rune(entries[rng.IntN(len(entries))].Place.Name)
		switch len(qs) % 3 {
		case 0: // the start of a name
			qs = append(qs, string(name[:min(len(name), 2+rng.IntN(4))]))
		case 1: // a part inside it
			i := rng.IntN(max(1, len(name)-3))
			qs = append(qs, string(name[i:min(len(name), i+3)]))
		default: // pinyin initials of its first characters
			ini := initialsOf(string(name[:min(len(name), 4)]))
			if len(ini) >= 2 {
				qs = append(qs, ini)
			}
		}
	}
	return qs
}

// initialsOf spells a name's initials with the index's own table.
func initialsOf(name string) string {
	ix := geocode.NewIndex([]geocode.Entry{{Place: precinct.Place{Name: name}}})
	return ix.Initials(0)
}

// percentiles reports p50 and p99 of the durations as benchmark metrics.
func percentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkGeocode compares the in-memory index with SQLite FTS5 (trigram
// tokenizer, with a column of pinyin initials searched by prefix), the
// peer a skilled SQLite user would build, on the same 200,000 names and
// 1,000 queries.
func BenchmarkGeocode(b *testing.B) {
	entries := benchEntries(b)
	qs := benchQueries(entries)
	b.Run("index", func(b *testing.B) {
		ix := geocode.NewIndex(entries)
		ds := make([]time.Duration, 0, timedOps)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			ix.Search(qs[i%len(qs)], 10, nil)
			ds = append(ds, time.Since(t0))
		}
		percentiles(b, ds)
	})
	b.Run("sqlite-fts5", func(b *testing.B) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "fts.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE VIRTUAL TABLE places USING fts5(name, initials, kind UNINDEXED, tokenize='trigram')`); err != nil {
			b.Skipf("no FTS5 trigram: %v", err)
		}
		tx, _ := db.Begin()
		st, _ := tx.Prepare(`INSERT INTO places (name, initials, kind) VALUES (?, ?, ?)`)
		ix := geocode.NewIndex(entries)
		for i, e := range entries {
			if _, err := st.Exec(e.Place.Name, ix.Initials(i), string(e.Place.Kind)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		// Three characters or more use the trigram index (MATCH); shorter
		// ones fall back to LIKE, which the trigram tokenizer also serves
		// from three characters only. Initials match by prefix.
		byName, _ := db.Prepare(`SELECT name, kind FROM places WHERE name LIKE ? ORDER BY (name = ?) DESC, (name LIKE ?) DESC, length(name) LIMIT 10`)
		byInitials, _ := db.Prepare(`SELECT name, kind FROM places WHERE initials LIKE ? ORDER BY length(name) LIMIT 10`)
		ds := make([]time.Duration, 0, timedOps)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			q := qs[i%len(qs)]
			t0 := time.Now()
			var rows *sql.Rows
			if isASCII(q) {
				rows, err = byInitials.Query(q + "%")
			} else {
				rows, err = byName.Query("%"+q+"%", q, q+"%")
			}
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
			ds = append(ds, time.Since(t0))
		}
		percentiles(b, ds)
	})
}

func isASCII(s string) bool { return strings.IndexFunc(s, func(r rune) bool { return r > 127 }) < 0 }

// timedOps is the capacity of a benchmark's buffer of latencies. b.N is 1
// until b.Loop starts, so a buffer sized by it grew during the run, and its
// garbage set off collections inside the timings.
const timedOps = 1 << 17
