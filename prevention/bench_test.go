package prevention_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"precinct"
	"precinct/prevention"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/vault"
	"precinct/workflow"
)

// benchResidents and benchWarnings are the benchmark's scale: a registry
// of 100,000 residents and 100,000 warnings, 80% naming the ID number,
// 15% only the phone, 5% no one registered.
const benchResidents, benchWarnings = 100_000, 100_000

func benchID(i int) string {
	body := fmt.Sprintf("500114%s%03d", time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000).Format("20060102"), i%1000)
	return body + string(registry.IDCheckChar(body))
}

func benchPhone(i int) string { return fmt.Sprintf("139%08d", i) }

// benchStore seeds a store with the fixture and benchResidents residents
// of pg1, each with a sealed, hashed ID number and phone.
func benchStore(b *testing.B, db *sqldb.DB, v *vault.Vault) {
	ctx := context.Background()
	if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		b.Fatal(err)
	}
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	addr := &precinct.Address{ID: "500199", Level: precinct.AddressDistrict, ElementCode: "01", Name: "测试区", FullName: "测试区", Location: loc, CreatedAt: time.Now()}
	seal := func(field, s string) precinct.Sealed {
		x, _ := v.Seal(field, s)
		return precinct.Sealed{Masked: precinct.MaskPhone(s), Sealed: x, Hash: v.Hash(field, s)}
	}
	err := db.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := apply(&precinct.RegistryWrite{NewAddresses: []*precinct.Address{addr}}); err != nil {
			return err
		}
		for start := 0; start < benchResidents; start += 1000 {
			w := &precinct.RegistryWrite{}
			for i := start; i < start+1000; i++ {
				r := &precinct.Resident{ID: fmt.Sprintf("res%06d", i), Name: fmt.Sprintf("居民%d", i), Kind: precinct.ResidentHousehold, DocType: precinct.DocResidentID,
					SealedID: seal("id_number", benchID(i)), SealedPhone: seal("phone", benchPhone(i)),
					Record: precinct.Record{AddressID: addr.ID, Address: addr.FullName, Location: loc, Point: precinct.Point{Lon: 108.1, Lat: 29.1},
						Status: precinct.StatusActive, CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}}
				r.IDNumber, r.Phone = r.SealedID.Masked, r.SealedPhone.Masked
				w.NewResidents = append(w.NewResidents, r)
			}
			if err := apply(w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMatch100k matches 100,000 warnings to a registry of 100,000
// residents (in batches of 5,000, as the API takes them, checked and
// matched but not written) on each engine. The target is under 10 s; it
// reports the seconds for all of them, the ratio to the target, and the
// ratio to a peer measured in the same run: reading every resident of the
// registry page by page.
func BenchmarkMatch100k(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			var dsn string
			switch engine {
			case "sqlite":
				dsn = filepath.Join(b.TempDir(), "bench.db")
			default:
				base := os.Getenv("PRECINCT_TEST_POSTGRES")
				if base == "" {
					b.Skip("PRECINCT_TEST_POSTGRES not set")
				}
				d, drop, err := sqldb.NewSchema(ctx, base, "prevention_bench")
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = drop() })
				dsn = d
			}
			db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			spec, _ := vault.Generate("k1")
			v, _ := vault.Parse(spec)
			benchStore(b, db, v)
			if engine == "postgres" {
				// A registry this size has its statistics (autovacuum's
				// ANALYZE), which steer the lookups to the hash indexes.
				raw, err := sql.Open("pgx", dsn)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := raw.ExecContext(ctx, "ANALYZE residents"); err != nil {
					b.Fatal(err)
				}
				raw.Close()
			}
			kinds, _ := workflow.NewKinds(prevention.DissuasionKind)
			svc := &prevention.Service{Engine: &workflow.Engine{Store: db, Kinds: kinds, Vault: v}, Vault: v}
			as := precinct.NewContextWithUser(ctx, &precinct.User{ID: "u1", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}})
			batches := make([]prevention.Batch, 0, benchWarnings/prevention.MaxBatch)
			for start := 0; start < benchWarnings; start += prevention.MaxBatch {
				bt := prevention.Batch{DryRun: true}
				for i := start; i < start+prevention.MaxBatch; i++ {
					in := prevention.WarningInput{Ref: fmt.Sprintf("B-%d", i), FraudType: "investment"}
					switch {
					case i%20 == 0: // no one registered
						in.Phone = fmt.Sprintf("137%08d", i)
					case i%20 < 4: // only the phone
						in.Phone = benchPhone((i * 7919) % benchResidents)
					default:
						in.IDNumber = benchID((i * 104729) % benchResidents)
					}
					bt.Warnings = append(bt.Warnings, in)
				}
				batches = append(batches, bt)
			}
			peer := func() time.Duration {
				t := time.Now()
				n := 0
				f := precinct.ResidentFilter{Scope: precinct.Everywhere, Limit: 1000}
				for {
					rs, next, err := db.ListResidents(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					n += len(rs)
					if next == "" {
						break
					}
					f.Cursor = next
				}
				if n != benchResidents {
					b.Fatalf("peer read %d residents", n)
				}
				return time.Since(t)
			}
			var total, peerTotal, cpu time.Duration
			b.ResetTimer()
			for range b.N {
				t, c := time.Now(), cpuTime()
				pushed, triage := 0, 0
				for _, bt := range batches {
					res, err := svc.Intake(as, bt, "json")
					if err != nil {
						b.Fatal(err)
					}
					pushed, triage = pushed+res.Pushed, triage+res.Triage
				}
				total, cpu = total+time.Since(t), cpu+cpuTime()-c
				if pushed != benchWarnings*19/20 || triage != benchWarnings/20 {
					b.Fatalf("matched %d, triage %d", pushed, triage)
				}
				b.StopTimer()
				peerTotal += peer()
				b.StartTimer()
			}
			secs := total.Seconds() / float64(b.N)
			b.ReportMetric(secs, "s/100k")
			b.ReportMetric(secs/10, "x-target")
			b.ReportMetric(total.Seconds()/peerTotal.Seconds(), "x-peer")
			// The process's CPU time (both engines' client side, and
			// SQLite itself): less sensitive than the wall clock to a
			// machine shared with other work.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/100k")
		})
	}
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
