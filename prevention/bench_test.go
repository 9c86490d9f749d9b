package prevention_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"precinct"
	"precinct/dispatch"
	"precinct/geo"
	"precinct/prevention"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/vault"
	"precinct/workflow"
)

// benchResidents and benchWarnings are the benchmark's scale: a registry
// of 100,000 residents in two police grids and 100,000 warnings, 75%
// naming the ID number, 15% only the phone, 5% only the name and address,
// 5% no one registered.
const benchResidents, benchWarnings = 100_000, 100_000

func benchID(i int) string {
	body := fmt.Sprintf("500114%s%03d", time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000).Format("20060102"), i%1000)
	return body + string(registry.IDCheckChar(body))
}

func benchPhone(i int) string { return fmt.Sprintf("139%08d", i) }

// benchAddress is the address of resident i: even ones live in pg1 (st1),
// odd ones in pg2 (st2).
func benchAddress(i int) string {
	if i%2 == 0 {
		return "测试区甲村1号"
	}
	return "测试区乙村2号"
}

// benchStore seeds a store with the fixture and benchResidents residents
// of pg1 and pg2, each with a sealed, hashed ID number and phone.
func benchStore(b *testing.B, db *sqldb.DB, v *vault.Vault) {
	ctx := context.Background()
	if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		b.Fatal(err)
	}
	locs := [2]precinct.Location{{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"},
		{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg3"}}
	addrs := [2]*precinct.Address{
		{ID: "500199/a", Level: precinct.AddressCommunity, ElementCode: "04", Name: "甲村1号", NameKey: "甲村1号", FullName: benchAddress(0), Location: locs[0], CreatedAt: time.Now()},
		{ID: "500199/b", Level: precinct.AddressCommunity, ElementCode: "04", Name: "乙村2号", NameKey: "乙村2号", FullName: benchAddress(1), Location: locs[1], CreatedAt: time.Now()},
	}
	seal := func(field, s string) precinct.Sealed {
		x, _ := v.Seal(field, s)
		return precinct.Sealed{Masked: precinct.MaskPhone(s), Sealed: x, Hash: v.Hash(field, s)}
	}
	err := db.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := apply(&precinct.RegistryWrite{NewAddresses: addrs[:]}); err != nil {
			return err
		}
		for start := 0; start < benchResidents; start += 1000 {
			w := &precinct.RegistryWrite{}
			for i := start; i < start+1000; i++ {
				addr := addrs[i%2]
				r := &precinct.Resident{ID: fmt.Sprintf("res%06d", i), Name: fmt.Sprintf("居民%d", i), Kind: precinct.ResidentHousehold, DocType: precinct.DocResidentID,
					SealedID: seal("id_number", benchID(i)), SealedPhone: seal("phone", benchPhone(i)),
					Record: precinct.Record{AddressID: addr.ID, Address: addr.FullName, Location: addr.Location, Point: precinct.Point{Lon: 108.1 + 0.5*float64(i%2), Lat: 29.1},
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

// benchBatches are the warnings of the benchmark in batches of 5,000, as
// the API takes them; run tells the references of one run from another's.
func benchBatches(run int) []prevention.Batch {
	batches := make([]prevention.Batch, 0, benchWarnings/prevention.MaxBatch)
	for start := 0; start < benchWarnings; start += prevention.MaxBatch {
		var bt prevention.Batch
		for i := start; i < start+prevention.MaxBatch; i++ {
			in := prevention.WarningInput{Ref: fmt.Sprintf("B%d-%d", run, i), FraudType: "investment", Level: precinct.LevelHigh}
			switch r := (i * 104729) % benchResidents; {
			case i%20 == 0: // no one registered
				in.Phone = fmt.Sprintf("137%08d", i)
			case i%20 == 1: // only the name and address
				in.Name, in.Address = fmt.Sprintf("居民%d", r), benchAddress(r)
			case i%20 < 5: // only the phone
				in.Phone = benchPhone(r)
			default:
				in.IDNumber = benchID(r)
			}
			bt.Warnings = append(bt.Warnings, in)
		}
		batches = append(batches, bt)
	}
	return batches
}

// BenchmarkMatch100k takes in 100,000 warnings against a registry of
// 100,000 residents (in batches of 5,000, as the API takes them) on each
// engine, twice: checked and matched (ID number, phone, name and address)
// as a dry run, then checked, matched and written with their dissuasion
// tasks, contacts and events, one transaction a batch. The target is under
// 10 s to match them. It reports the seconds of each pass, the matching's
// ratio to the target, and each pass's ratio to a peer measured in the
// same run, first, on the same store: the same work written by hand
// against the same schema (benchPeer: one lookup per field and batch,
// multi-row INSERTs on SQLite, COPY on PostgreSQL).
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
			pgs, cgs, _ := db.AllGrids(ctx)
			resolver := geo.NewResolver(storetest.Fixture().Stations, pgs, cgs)
			kinds, _ := workflow.NewKinds(prevention.DissuasionKind)
			svc := &prevention.Service{Engine: &workflow.Engine{Store: db, Kinds: kinds, Vault: v}, Vault: v,
				Router: &dispatch.Service{Store: db, Resolver: resolver}}
			as := precinct.NewContextWithUser(ctx, &precinct.User{ID: "u1", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}})
			peer := newBenchPeer(b, engine, dsn, db, v)
			defer peer.close()
			intake := func(batches []prevention.Batch, dry bool) (time.Duration, time.Duration) {
				t, c := time.Now(), cpuTime()
				pushed, triage := 0, 0
				for _, bt := range batches {
					bt.DryRun = dry
					res, err := svc.Intake(as, bt, "json")
					if err != nil {
						b.Fatal(err)
					}
					pushed, triage = pushed+res.Pushed, triage+res.Triage
				}
				if pushed != benchWarnings*19/20 || triage != benchWarnings/20 {
					b.Fatalf("matched %d, triage %d", pushed, triage)
				}
				return time.Since(t), cpuTime() - c
			}
			var match, write, peerMatch, peerWrite, matchCPU, writeCPU time.Duration
			b.ResetTimer()
			for n := range b.N {
				b.StopTimer()
				peerMatch += peer.run(benchBatches(2*n+1), true)
				peerWrite += peer.run(benchBatches(2*n+1), false)
				batches := benchBatches(2 * n)
				b.StartTimer()
				d, c := intake(batches, true)
				match, matchCPU = match+d, matchCPU+c
				d, c = intake(batches, false)
				write, writeCPU = write+d, writeCPU+c
			}
			per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
			b.ReportMetric(per(match), "match-s/100k")
			b.ReportMetric(per(match)/10, "match-x-target")
			b.ReportMetric(match.Seconds()/peerMatch.Seconds(), "match-x-peer")
			b.ReportMetric(per(write), "write-s/100k")
			b.ReportMetric(write.Seconds()/peerWrite.Seconds(), "write-x-peer")
			b.ReportMetric(per(peerMatch), "peer-match-s")
			b.ReportMetric(per(peerWrite), "peer-write-s")
			// The process's CPU time (both engines' client side, and
			// SQLite itself): less sensitive than the wall clock to a
			// machine shared with other work.
			b.ReportMetric(per(matchCPU), "match-cpu-s")
			b.ReportMetric(per(writeCPU), "write-cpu-s")
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
