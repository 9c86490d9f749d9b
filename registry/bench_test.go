package registry_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
	_ "modernc.org/sqlite"

	"precinct"
	"precinct/demo"
	"precinct/geo"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/vault"
)

// BenchmarkDistrict is the registry at the scale of a district: by
// default 1,000,000 people, 400,000 houses and 50,000 organisations
// (PRECINCT_BENCH_PEOPLE scales all three), in the demo's 1,291 community
// grids. It imports the houses and people from CSV and the organisations
// from .xlsx through the service — every row checked as a capture is, then
// written in one transaction — and reports rows per second beside a peer:
// a plain multi-row INSERT of the same residents into a bare table on the
// same engine. It then searches by ID number, phone, name and address and
// lists a grid's first page as a community officer would, reporting p50
// and p99 beside the peer, a hand-written indexed SQL query by keyed hash
// on the same engine. Runs on SQLite, and on PostgreSQL with
// PRECINCT_TEST_POSTGRES. Figures: docs/benchmarks.md.
func BenchmarkDistrict(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "district.db")
		benchDistrict(b, path, func() (*sql.DB, error) { return sql.Open("sqlite", path) })
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
		if dsn == "" {
			b.Skip("PRECINCT_TEST_POSTGRES not set")
		}
		full, drop, err := sqldb.NewSchema(context.Background(), dsn, "bench_district")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = drop() })
		benchDistrict(b, full, func() (*sql.DB, error) { return sql.Open("pgx", full) })
	})
}

// districtScale returns how many people, houses and organisations.
func districtScale(b *testing.B) (people, houses, orgs int) {
	people = 1_000_000
	if v := os.Getenv("PRECINCT_BENCH_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 || n > 1_680_000 {
			b.Fatalf("PRECINCT_BENCH_PEOPLE=%q", v)
		}
		people = n
	}
	return people, people * 2 / 5, people / 20
}

type quantiles struct{ p50, p99 time.Duration }

// cpuTime is the CPU time (user and system) the process has used: on a
// loaded machine, rows per CPU-second say more than rows per second of
// wall time (SQLite runs in the process; PostgreSQL's own work is not in
// it).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measure(n int, fn func(i int) error) (quantiles, error) {
	ds := make([]time.Duration, n)
	for i := range ds {
		t := time.Now()
		if err := fn(i); err != nil {
			return quantiles{}, err
		}
		ds[i] = time.Since(t)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return quantiles{ds[n/2], ds[n*99/100]}, nil
}

func benchDistrict(b *testing.B, dsn string, raw func() (*sql.DB, error)) {
	ctx := context.Background()
	people, houseN, orgN := districtScale(b)
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	j, err := demo.Qianjiang(1)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		b.Fatal(err)
	}
	spec, _ := vault.Generate("k1")
	v, _ := vault.Parse(spec)
	svc := &registry.Service{Store: db, Vault: v, Resolver: geo.NewResolver(j.Stations, j.PoliceGrids, j.CommunityGrids), Clock: precinct.SystemClock{}}
	admin := precinct.NewContextWithUser(ctx, &precinct.User{ID: "bench", Username: "bench", Role: precinct.RoleAdmin})

	// Standard addresses (seeded, not measured): per community grid a
	// compound, buildings and rooms, one room per house.
	gen, err := demo.RegistryOf(j, time.Now(), 1) // the district, township and community levels
	if err != nil {
		b.Fatal(err)
	}
	var addrs []*precinct.Address
	for _, a := range gen.Addresses {
		if a.Level == precinct.AddressDistrict || a.Level == precinct.AddressTownship || a.Level == precinct.AddressCommunity {
			addrs = append(addrs, a)
		}
	}
	community := map[string]*precinct.Address{} // police grid → community address
	for _, a := range addrs {
		if a.Level == precinct.AddressCommunity {
			community[a.Location.PoliceGridID] = a
		}
	}
	child := func(parent *precinct.Address, level precinct.AddressLevel, name string, p precinct.Point, loc precinct.Location) *precinct.Address {
		key := registry.NormalizeAddress(name)
		a := &precinct.Address{ID: parent.ID + "/" + registry.Segment(level, key, ""), ParentID: parent.ID, Level: level, ElementCode: level.ElementType().Code,
			Name: name, NameKey: key, ShortKey: registry.ShortName(key), FullName: parent.FullName + name, Point: p, Location: loc, CreatedAt: time.Now(), CreatedBy: "bench"}
		addrs = append(addrs, a)
		return a
	}
	var rooms []*precinct.Address
	perGrid := (houseN + len(j.CommunityGrids) - 1) / len(j.CommunityGrids)
	rng := rand.New(rand.NewPCG(7, 7))
	for i, cg := range j.CommunityGrids {
		pg := community[cg.PoliceGridID]
		if pg == nil {
			continue
		}
		loc := precinct.Location{SubBureauID: j.SubBureau.ID, StationID: pg.Location.StationID, PoliceGridID: cg.PoliceGridID, CommunityGridID: cg.ID}
		p := geo.Centroid(cg.Boundary)
		if !cg.Boundary.Contains(p) {
			p, _ = geo.RandomPoint(cg.Boundary, rng)
		}
		compound := child(pg, precinct.AddressCompound, fmt.Sprintf("第%d小区", i+1), p, loc)
		for k := 0; k < perGrid; k++ {
			if k%20 == 0 {
				child(compound, precinct.AddressBuilding, fmt.Sprintf("%d栋", k/20+1), p, loc)
			}
			bld := addrs[len(addrs)-1-k%20]
			rooms = append(rooms, child(bld, precinct.AddressRoom, fmt.Sprintf("%d", 101+k%20), p, loc))
		}
	}
	rooms = rooms[:houseN]
	start := time.Now()
	if err := db.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		for i := 0; i < len(addrs); i += 5000 {
			if err := apply(&precinct.RegistryWrite{NewAddresses: addrs[i:min(i+5000, len(addrs))]}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d addresses seeded in %.1f s", len(addrs), time.Since(start).Seconds())

	// The ledgers: houses and people as CSV in files of up to 200,000 rows,
	// organisations as one .xlsx.
	type person struct{ name, id, phone, addr string }
	ppl := make([]person, people)
	for i := range ppl {
		// 1,680 birth dates × 1,000 sequence numbers: distinct ID numbers
		// for up to 1,680,000 people.
		birth := time.Date(1940+i%80, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		body := fmt.Sprintf("500114%s%03d", birth.Format("20060102"), (i/1680)%1000)
		ppl[i] = person{name: benchName(i), id: body + string(demo.IDCheckDigit(body)), phone: fmt.Sprintf("1%d%09d", 3+i%6, i), addr: rooms[i%len(rooms)].ID}
	}
	var importCPU time.Duration
	importCSV := func(kind precinct.ImportKind, header string, n int, line func(i int, w *bytes.Buffer)) (float64, error) {
		var total time.Duration
		for from := 0; from < n; from += 200_000 {
			var w bytes.Buffer
			w.WriteString(header + "\n")
			for i := from; i < min(from+200_000, n); i++ {
				line(i, &w)
				w.WriteByte('\n')
			}
			t, c := time.Now(), cpuTime()
			res, err := svc.Import(admin, kind, precinct.FormatCSV, &w, false)
			total += time.Since(t)
			fmt.Fprintf(os.Stderr, "%s: %s rows %d–%d in %.1f s\n", b.Name(), kind, from, min(from+200_000, n), time.Since(t).Seconds())
			importCPU += cpuTime() - c
			if err != nil {
				return 0, err
			}
			if len(res.Errors) > 0 || res.Written != min(from+200_000, n)-from {
				return 0, fmt.Errorf("%s import: %d written, errors %v", kind, res.Written, res.Errors[:min(3, len(res.Errors))])
			}
		}
		return float64(n) / total.Seconds(), nil
	}
	houseRate, err := importCSV(precinct.ImportHouses, "地址编码,房屋用途,房主姓名,面积（平方米）", houseN, func(i int, w *bytes.Buffer) {
		fmt.Fprintf(w, "%s,自住,%s,%d", rooms[i].ID, benchName(i+7), 60+i%90)
	})
	if err != nil {
		b.Fatal(err)
	}
	// Organisations as .xlsx.
	f := excelize.NewFile()
	sw, _ := f.NewStreamWriter("Sheet1")
	_ = sw.SetRow("A1", []any{"单位名称", "单位类别", "统一社会信用代码", "法定代表人", "地址编码"})
	for i := 0; i < orgN; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = sw.SetRow(cell, []any{fmt.Sprintf("第%d号便民超市", i+1), "商铺", "", benchName(i + 3), rooms[(i*7)%len(rooms)].ID})
	}
	_ = sw.Flush()
	var xb bytes.Buffer
	_ = f.Write(&xb)
	f.Close()
	t := time.Now()
	res, err := svc.Import(admin, precinct.ImportOrganisations, precinct.FormatXLSX, &xb, false)
	if err != nil || res.Written != orgN {
		b.Fatalf("organisations: %v %+v", err, res)
	}
	orgRate := float64(orgN) / time.Since(t).Seconds()
	importCPU = 0
	peopleRate, err := importCSV(precinct.ImportResidents, "姓名,证件号码,联系电话,地址编码", people, func(i int, w *bytes.Buffer) {
		p := ppl[i]
		fmt.Fprintf(w, "%s,%s,%s,%s", p.name, p.id, p.phone, p.addr)
	})
	if err != nil {
		b.Fatal(err)
	}
	peopleCPURate := float64(people) / importCPU.Seconds()

	// The peer of the import: the same people as the service writes them —
	// every value checked, sealed and hashed beforehand, outside the timing
	// — written into a copy of the residents table with the same indexes,
	// the fastest plain way each engine has: COPY on PostgreSQL, prepared
	// multi-row INSERTs (OR ROLLBACK: no statement journal) of 500 rows in
	// one transaction on SQLite.
	rdb, err := raw()
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	postgres := strings.HasPrefix(dsn, "postgres")
	ph := func(n int) string {
		if postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	if postgres {
		if _, err := rdb.ExecContext(ctx, `CREATE TABLE peer_residents (LIKE residents INCLUDING ALL)`); err != nil {
			b.Fatal(err)
		}
	} else {
		var ddl []string
		rows, err := rdb.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE tbl_name = 'residents' AND sql IS NOT NULL ORDER BY type DESC`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var q string
			_ = rows.Scan(&q)
			ddl = append(ddl, strings.ReplaceAll(q, "residents", "peer_residents"))
		}
		rows.Close()
		for _, q := range ddl {
			if _, err := rdb.ExecContext(ctx, q); err != nil {
				b.Fatal(q, err)
			}
		}
	}
	roomOf := map[string]*precinct.Address{}
	for _, r := range rooms {
		roomOf[r.ID] = r
	}
	const peerCols = `id, name, gender, birth_date, kind, doc_type, id_masked, id_sealed, id_hash, phone_masked, phone_sealed, phone_hash,
		nationality, house_id, relation, flags, note, merged_into, familiarity, address_id, address, sub_bureau_id, station_id, police_grid_id,
		community_grid_id, lon, lat, status, verified_at, verification, created_at, created_by, updated_at, version`
	peerRows := func(from, to int) [][]any {
		out := make([][]any, 0, to-from)
		now := time.Now().UnixMicro()
		for i := from; i < to; i++ {
			p := ppl[i]
			r := &precinct.Resident{}
			if err := svc.SealResident(r, p.id, p.phone); err != nil {
				b.Fatal(err)
			}
			a := roomOf[p.addr]
			out = append(out, []any{"peer-" + strconv.Itoa(i), p.name, "male", p.id[6:10] + "-" + p.id[10:12] + "-" + p.id[12:14], "household", "resident_id",
				r.SealedID.Masked, r.SealedID.Sealed, r.SealedID.Hash, r.SealedPhone.Masked, r.SealedPhone.Sealed, r.SealedPhone.Hash,
				"", "", "", "", "", "", "", a.ID, a.FullName, a.Location.SubBureauID, a.Location.StationID, a.Location.PoliceGridID,
				a.Location.CommunityGridID, a.Point.Lon, a.Point.Lat, "active", nil, "", now, "bench", now, int64(1)})
		}
		return out
	}
	var peerWall, peerCPU time.Duration
	const peerBatch = 5000
	if postgres {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		names := strings.Split(strings.Join(strings.Fields(peerCols), ""), ",")
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for from := 0; from < people; from += peerBatch {
			rows := peerRows(from, min(from+peerBatch, people))
			t, c := time.Now(), cpuTime()
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"peer_residents"}, names, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			peerWall, peerCPU = peerWall+time.Since(t), peerCPU+cpuTime()-c
		}
		t, c := time.Now(), cpuTime()
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `ANALYZE peer_residents`); err != nil {
			b.Fatal(err)
		}
		peerWall, peerCPU = peerWall+time.Since(t), peerCPU+cpuTime()-c
		conn.Close(ctx)
	} else {
		rdb.SetMaxOpenConns(1) // the service's bulk-write cache size on the one connection
		if _, err := rdb.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
			b.Fatal(err)
		}
		tx, err := rdb.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		const rowsPer = 500
		stmt, err := tx.PrepareContext(ctx, `INSERT OR ROLLBACK INTO peer_residents (`+peerCols+`) VALUES `+
			strings.TrimSuffix(strings.Repeat("("+strings.TrimSuffix(strings.Repeat("?, ", 34), ", ")+"), ", rowsPer), ", "))
		if err != nil {
			b.Fatal(err)
		}
		for from := 0; from < people; from += peerBatch {
			rows := peerRows(from, min(from+peerBatch, people))
			t, c := time.Now(), cpuTime()
			for k := 0; k < len(rows); k += rowsPer {
				part := rows[k:min(k+rowsPer, len(rows))]
				args := make([]any, 0, 34*rowsPer)
				for _, r := range part {
					args = append(args, r...)
				}
				if len(part) == rowsPer {
					_, err = stmt.ExecContext(ctx, args...)
				} else {
					_, err = tx.ExecContext(ctx, `INSERT OR ROLLBACK INTO peer_residents (`+peerCols+`) VALUES `+
						strings.TrimSuffix(strings.Repeat("("+strings.TrimSuffix(strings.Repeat("?, ", 34), ", ")+"), ", len(part)), ", "), args...)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			peerWall, peerCPU = peerWall+time.Since(t), peerCPU+cpuTime()-c
		}
		t, c := time.Now(), cpuTime()
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		peerWall, peerCPU = peerWall+time.Since(t), peerCPU+cpuTime()-c
	}
	peerRate, peerCPURate := float64(people)/peerWall.Seconds(), float64(people)/peerCPU.Seconds()

	// Searches as a station's command office; a grid's page as its
	// community officer.
	st := j.Stations[0]
	cmd := precinct.NewContextWithUser(ctx, &precinct.User{ID: "cmd", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: j.SubBureau.ID, StationID: st.ID}})
	var inStation []person
	var stRooms []*precinct.Address
	for i, p := range ppl {
		if r := rooms[i%len(rooms)]; r.Location.StationID == st.ID {
			inStation = append(inStation, p)
			if len(stRooms) < 2000 {
				stRooms = append(stRooms, r)
			}
		}
	}
	if len(inStation) == 0 {
		b.Fatal("no people in the first station")
	}
	const n = 400
	pick := func(i int) person { return inStation[(i*7919)%len(inStation)] }
	search := func(q func(i int) string, want func(i int, rs []*precinct.Resident) bool) (quantiles, error) {
		return measure(n, func(i int) error {
			rs, _, err := svc.SearchResidents(cmd, q(i), precinct.ResidentFilter{Limit: 50})
			if err != nil {
				return err
			}
			if !want(i, rs) {
				return fmt.Errorf("search %q: %d results", q(i), len(rs))
			}
			return nil
		})
	}
	some := func(_ int, rs []*precinct.Resident) bool { return len(rs) > 0 }
	byID, err := search(func(i int) string { return pick(i).id }, some)
	if err != nil {
		b.Fatal(err)
	}
	byPhone, err := search(func(i int) string { return pick(i).phone }, some)
	if err != nil {
		b.Fatal(err)
	}
	byName, err := search(func(i int) string { return pick(i).name }, some)
	if err != nil {
		b.Fatal(err)
	}
	byAddress, err := search(func(i int) string {
		r := stRooms[(i*31)%len(stRooms)]
		return strings.TrimPrefix(r.FullName, "重庆市黔江区")
	}, some)
	if err != nil {
		b.Fatal(err)
	}
	// The address search's first step alone: matching the text to a
	// standard address.
	match, err := measure(n, func(i int) error {
		r := stRooms[(i*31)%len(stRooms)]
		_, err := svc.MatchAddress(cmd, strings.TrimPrefix(r.FullName, "重庆市黔江区"), 1)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("address match alone p50 %.2f ms p99 %.2f ms", float64(match.p50.Microseconds())/1000, float64(match.p99.Microseconds())/1000)
	var officerGrid precinct.Location
	for _, r := range rooms {
		if r.Location.StationID == st.ID {
			officerGrid = r.Location
			break
		}
	}
	officer := precinct.NewContextWithUser(ctx, &precinct.User{ID: "off", Role: precinct.RoleCommunity,
		Scope: precinct.Location{SubBureauID: officerGrid.SubBureauID, StationID: officerGrid.StationID, PoliceGridID: officerGrid.PoliceGridID}})
	gridPage, err := measure(n, func(i int) error {
		rs, _, err := svc.SearchResidents(officer, "", precinct.ResidentFilter{Limit: 50})
		if err != nil || len(rs) == 0 {
			return fmt.Errorf("grid page: %d, %v", len(rs), err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	peerQ := func(query string, arg func(i int) any) (quantiles, error) {
		return measure(n, func(i int) error {
			rows, err := rdb.QueryContext(ctx, query, arg(i))
			if err != nil {
				return err
			}
			k := 0
			for rows.Next() {
				k++
			}
			rows.Close()
			if k == 0 {
				return fmt.Errorf("peer %s: nothing", query)
			}
			return rows.Err()
		})
	}
	// The peers of the searches: the same queries hand-written on the copy
	// of the table, by keyed hash, name prefix, the room's address and the
	// grid, each with the station's scope, all columns, the first 50 by ID.
	// The scope is written so that no index serves it ("|| ''"): SQLite,
	// without statistics, would otherwise walk the station's index.
	const peerSelect = `SELECT ` + peerCols + ` FROM peer_residents WHERE `
	stArg := func(q string, arg func(i int) any) (quantiles, error) {
		return peerQ(peerSelect+q, arg)
	}
	peerID, err := stArg(`id_hash = `+ph(1)+` AND station_id || '' = '`+st.ID+`' ORDER BY id LIMIT 51`, func(i int) any { return v.Hash("id_number", pick(i).id) })
	if err != nil {
		b.Fatal(err)
	}
	peerPhone, err := stArg(`phone_hash = `+ph(1)+` AND station_id || '' = '`+st.ID+`' ORDER BY id LIMIT 51`, func(i int) any { return v.Hash("phone", pick(i).phone) })
	if err != nil {
		b.Fatal(err)
	}
	peerName, err := stArg(`name = `+ph(1)+` AND station_id || '' = '`+st.ID+`' ORDER BY id LIMIT 51`, func(i int) any { return pick(i).name })
	if err != nil {
		b.Fatal(err)
	}
	peerAddress, err := stArg(`address_id = `+ph(1)+` AND station_id || '' = '`+st.ID+`' ORDER BY id LIMIT 51`, func(i int) any { return stRooms[(i*31)%len(stRooms)].ID })
	if err != nil {
		b.Fatal(err)
	}
	peerGrid, err := stArg(`police_grid_id = `+ph(1)+` AND status <> 'merged' ORDER BY id LIMIT 51`, func(int) any { return officerGrid.PoliceGridID })
	if err != nil {
		b.Fatal(err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.Logf("scale: %d people, %d houses, %d organisations", people, houseN, orgN)
	b.Logf("import rows/s (wall): houses (CSV) %.0f, organisations (.xlsx) %.0f, people (CSV) %.0f; peer (COPY or INSERT of sealed rows) %.0f (service/peer %.2f)",
		houseRate, orgRate, peopleRate, peerRate, peopleRate/peerRate)
	b.Logf("import rows per CPU-second of this process: people (CSV) %.0f; peer %.0f", peopleCPURate, peerCPURate)
	for _, r := range []struct {
		name string
		q    quantiles
		peer quantiles
	}{{"ID number", byID, peerID}, {"phone", byPhone, peerPhone}, {"name", byName, peerName}, {"address", byAddress, peerAddress}, {"grid page", gridPage, peerGrid}} {
		b.Logf("%-10s p50 %.2f ms  p99 %.2f ms   peer p50 %.2f ms p99 %.2f ms  (p99 ratio %.1f)", r.name, ms(r.q.p50), ms(r.q.p99), ms(r.peer.p50), ms(r.peer.p99), ms(r.q.p99)/ms(r.peer.p99))
	}
	b.ReportMetric(peopleRate, "people-rows/s")
	b.ReportMetric(peopleCPURate, "people-rows/cpu-s")
	b.ReportMetric(ms(byID.p99), "id-p99-ms")
	b.ReportMetric(ms(byPhone.p99), "phone-p99-ms")
	b.ReportMetric(ms(byName.p99), "name-p99-ms")
	b.ReportMetric(ms(byAddress.p99), "address-p99-ms")
	b.ReportMetric(ms(gridPage.p99), "grid-page-p99-ms")
	for i := 0; i < b.N; i++ {
		if _, _, err := svc.SearchResidents(cmd, pick(i).id, precinct.ResidentFilter{Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchName is the i-th of many distinct two- and three-character names.
func benchName(i int) string {
	sur := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红林峰辉鹏波斌宇浩凯琳晨欣雪婷倩颖")
	s := string(sur[i%len(sur)]) + string(given[(i/len(sur))%len(given)])
	if k := i / (len(sur) * len(given)); k > 0 {
		s += string(given[k%len(given)])
	}
	return s
}
