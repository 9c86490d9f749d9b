package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/geo"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/vault"
)

// env is a registry service over a real SQLite store with the storetest
// fixture: sub-bureau sb1, station st1 (police grid pg1 over community grids
// cg1 and cg2) and st2 (pg2 over cg3, cg4).
type env struct {
	t     *testing.T
	svc   *registry.Service
	store *sqldb.DB
	path  string
	keys  string // the vault's key specification
	users map[string]*precinct.User
	// A standard address tree in cg1: township 城东街道, community 文汇社区,
	// compound 阳光小区, building 3栋, unit 2单元, rooms 501 and 502; and
	// a building 9号 in cg3 (st2).
	room501, room502, compound, road, room3 string
}

// Points inside the fixture's grids.
var (
	inCG1 = precinct.Point{Lon: 108.1, Lat: 29.1}
	inCG3 = precinct.Point{Lon: 108.6, Lat: 29.1}
)

func newEnv(t *testing.T) *env { return newEnvOn(t, "sqlite") }

// engines returns the engines to run a test on: SQLite, and PostgreSQL
// with PRECINCT_TEST_POSTGRES.
func engines() []string {
	if os.Getenv("PRECINCT_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// newEnvOn is newEnv on an engine: "sqlite" (a file; env.path is its
// path) or "postgres" (a schema of its own, dropped after the test).
func newEnvOn(t *testing.T, engine string) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	if engine == "postgres" {
		full, drop, err := sqldb.NewSchema(ctx, os.Getenv("PRECINCT_TEST_POSTGRES"), "registry_test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = drop() })
		path = full
	}
	db, err := sqldb.Open(ctx, path, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := storetest.Fixture()
	st1 := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
	j.Users = append(j.Users,
		&precinct.User{ID: "admin", Username: "admin", Role: precinct.RoleAdmin},
		&precinct.User{ID: "chief1", Username: "chief1", Role: precinct.RoleChief, Scope: st1},
		&precinct.User{ID: "cmd2", Username: "cmd2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}},
		&precinct.User{ID: "aux2", Username: "aux2", Role: precinct.RoleAuxiliary, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg2"}},
		&precinct.User{ID: "auditor", Username: "auditor", Role: precinct.RoleAuditor, Scope: precinct.Location{SubBureauID: "sb1"}},
		&precinct.User{ID: "patrol", Username: "patrol", Role: precinct.RolePatrol, Scope: st1},
	)
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	pgs, cgs, _ := db.AllGrids(ctx)
	spec, _ := vault.Generate("k1")
	v, _ := vault.Parse(spec)
	e := &env{t: t, store: db, path: path, keys: spec, users: map[string]*precinct.User{},
		svc: &registry.Service{Store: db, Vault: v, Resolver: geo.NewResolver(j.Stations, pgs, cgs), Clock: precinct.SystemClock{}}}
	for _, u := range j.Users {
		e.users[u.Username] = u
	}
	admin := e.as("admin")
	add := func(ctx context.Context, parent string, level precinct.AddressLevel, name, code string, p precinct.Point) string {
		a, err := e.svc.CreateAddress(ctx, precinct.AddressInput{ParentID: parent, Level: level, Name: name, DivisionCode: code, Point: &p})
		if err != nil {
			t.Fatalf("address %s: %v", name, err)
		}
		return a.ID
	}
	d := add(admin, "", precinct.AddressDistrict, "测试区", "500199", inCG1)
	tw := add(admin, d, precinct.AddressTownship, "城东街道", "500199001", inCG1)
	co := add(admin, tw, precinct.AddressCommunity, "文汇社区居民委员会", "500199001001", inCG1)
	e.road = add(admin, co, precinct.AddressRoad, "新华大道", "", inCG1)
	e.compound = add(admin, co, precinct.AddressCompound, "阳光小区", "", inCG1)
	b := add(admin, e.compound, precinct.AddressBuilding, "3栋", "", inCG1)
	un := add(admin, b, precinct.AddressUnit, "2单元", "", inCG1)
	e.room501 = add(admin, un, precinct.AddressRoom, "501室", "", inCG1)
	e.room502 = add(admin, un, precinct.AddressRoom, "502", "", inCG1)
	tw2 := add(admin, d, precinct.AddressTownship, "城西街道", "500199002", inCG3)
	co2 := add(admin, tw2, precinct.AddressCommunity, "石家村村民委员会", "500199002001", inCG3)
	b9 := add(admin, co2, precinct.AddressBuilding, "9号", "", inCG3)
	e.room3 = add(admin, b9, precinct.AddressRoom, "3", "", inCG3)
	return e
}

// as returns a context of the named fixture user.
func (e *env) as(username string) context.Context {
	u := e.users[username]
	if u == nil {
		e.t.Fatalf("no user %s", username)
	}
	return precinct.NewContextWithUser(context.Background(), u)
}

func s(v string) *string { return &v }

// validID returns a valid resident ID number born on the date (YYYYMMDD).
func validID(birth, seq string) string {
	body := "500114" + birth + seq
	return body + string(registry.IDCheckChar(body))
}

func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *precinct.Error
	if !asErr(err, &e) || e.Code != code || field != "" && e.Field != field {
		t.Fatalf("error %v, want %s on %q", err, code, field)
	}
	if e.Message == "" || e.MessageEN == "" {
		t.Fatalf("error %v lacks a message in both languages", err)
	}
}

func TestAddressesAreAPathTree(t *testing.T) {
	e := newEnv(t)
	if e.room501 != "500199/001/001/"+strings.Split(e.compound, "/")[3]+"/b3/u2/r501" {
		t.Errorf("room ID %s", e.room501)
	}
	a, err := e.svc.FindAddress(e.as("officer1"), e.room501)
	if err != nil {
		t.Fatal(err)
	}
	if a.FullName != "测试区城东街道文汇社区居民委员会阳光小区3栋2单元501室" || a.Location.CommunityGridID != "cg1" || a.ElementCode != "09" {
		t.Errorf("room %+v", a)
	}
	// Outside the caller's scope, an address does not exist.
	if _, err := e.svc.FindAddress(e.as("cmd2"), e.room501); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("cmd2 reads st1's room: %v", err)
	}
	// A second element of one name under one parent is refused; so are a
	// level the parent cannot hold and a point outside the parent.
	_, err = e.svc.CreateAddress(e.as("officer1"), precinct.AddressInput{ParentID: e.compound, Level: precinct.AddressBuilding, Name: "三栋"})
	wantErr(t, err, precinct.ECONFLICT, "name")
	_, err = e.svc.CreateAddress(e.as("officer1"), precinct.AddressInput{ParentID: e.room501, Level: precinct.AddressUnit, Name: "1单元"})
	wantErr(t, err, precinct.EINVALID, "level")
	_, err = e.svc.CreateAddress(e.as("officer1"), precinct.AddressInput{ParentID: e.compound, Level: precinct.AddressBuilding, Name: "8栋", Point: &inCG3})
	wantErr(t, err, precinct.EINVALID, "point")
	// A community officer may not add under another station's community.
	_, err = e.svc.CreateAddress(e.as("officer1"), precinct.AddressInput{ParentID: strings.TrimSuffix(e.room3, "/r3"), Level: precinct.AddressRoom, Name: "4"})
	wantErr(t, err, precinct.ENOTFOUND, "parent_id")
	// Auditors and patrol officers do not edit the registry.
	_, err = e.svc.CreateAddress(e.as("patrol"), precinct.AddressInput{ParentID: e.compound, Level: precinct.AddressBuilding, Name: "5栋"})
	wantErr(t, err, precinct.EFORBIDDEN, "")
}

func TestMatchAddress(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	for _, q := range []string{
		"城东街道文汇社区阳光小区3栋2单元501室",
		"文汇社区 阳光小区 三栋二单元五〇一",
		"重庆市测试区城东文汇社区阳光小区3幢2单元501",
		"阳光小区3号楼2单元501，门口有棵树",
	} {
		ms, err := e.svc.MatchAddress(ctx, q, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Address.ID != e.room501 {
			t.Errorf("%q matched %+v, want room 501", q, ms)
			continue
		}
		if ms[0].Score <= 0 || ms[0].Score > 1 {
			t.Errorf("%q: score %v", q, ms[0].Score)
		}
	}
	// A room not on record: the unit, with the rest told.
	ms, err := e.svc.MatchAddress(ctx, "阳光小区3栋2单元909", 3)
	if err != nil || len(ms) == 0 || !strings.HasSuffix(ms[0].Address.ID, "/u2") || ms[0].Rest != "909" {
		t.Errorf("unknown room: %+v %v", ms, err)
	}
	// Only the caller's jurisdiction is searched.
	if ms, _ := e.svc.MatchAddress(e.as("cmd2"), "阳光小区3栋2单元501", 3); len(ms) != 0 {
		t.Errorf("cmd2 matched st1's address: %+v", ms[0].Address)
	}
	ms, _ = e.svc.MatchAddress(e.as("cmd2"), "石家村9号3", 3)
	if len(ms) == 0 || ms[0].Address.ID != e.room3 {
		t.Errorf("石家村9号3: %+v", ms)
	}
	_, err = e.svc.MatchAddress(ctx, "  ，。 ", 3)
	wantErr(t, err, precinct.EINVALID, "q")
}

func TestResidentCapture(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	id := validID("19900101", "123")
	r, err := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("张伟"), IDNumber: s(id), Phone: s("138 0013 8000"), AddressID: &e.room501,
		Flags: &[]precinct.CareFlag{precinct.CareElderlyAlone, precinct.CareElderlyAlone}})
	if err != nil {
		t.Fatal(err)
	}
	if r.IDNumber != precinct.MaskIDNumber(id) || r.Phone != "138****8000" || r.BirthDate != "1990-01-01" || r.Gender != "male" ||
		r.Location.CommunityGridID != "cg1" || len(r.Flags) != 1 || r.Full {
		t.Errorf("captured %+v", r)
	}
	// An invalid check digit: EINVALID on id_number.
	bad := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("李四"), IDNumber: s(bad), AddressID: &e.room501})
	wantErr(t, err, precinct.EINVALID, "id_number")
	// The same ID number again: a duplicate, naming the record.
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("张伟"), IDNumber: s(id), AddressID: &e.room502})
	wantErr(t, err, precinct.ECONFLICT, "id_number")
	var pe *precinct.Error
	if asErr(err, &pe); pe.Data["duplicate_of"] != r.ID {
		t.Errorf("duplicate names %v, want %s", pe.Data, r.ID)
	}
	// The same name and birth date at the same address, without ID number.
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("张伟"), BirthDate: s("1990-01-01"), AddressID: &e.room501})
	wantErr(t, err, precinct.ECONFLICT, "name")
	if _, err := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("张伟"), BirthDate: s("1990-01-01"), AddressID: &e.room501, NotDuplicate: true}); err != nil {
		t.Errorf("confirmed not a duplicate: %v", err)
	}
	// A birth date that disagrees with the ID number.
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("王五"), IDNumber: s(validID("19850505", "001")), BirthDate: s("1985-05-06"), AddressID: &e.room502})
	wantErr(t, err, precinct.EINVALID, "birth_date")
	// An address above the community grid level, or outside the jurisdiction.
	co := strings.Join(strings.Split(e.compound, "/")[:3], "/")
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("王五"), AddressID: &co})
	wantErr(t, err, precinct.EINVALID, "address_id")
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("王五"), AddressID: &e.room3})
	wantErr(t, err, precinct.ENOTFOUND, "address_id")
	_, err = e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("王五"), Phone: s("12345"), AddressID: &e.room502})
	wantErr(t, err, precinct.EINVALID, "phone")

	// Sealed at rest: neither the ID number nor the phone is in the
	// database file in clear.
	stored, _ := e.store.FindResident(context.Background(), r.ID)
	if strings.Contains(stored.SealedID.Sealed, id) || stored.SealedID.Hash == "" || stored.SealedPhone.Sealed == "" {
		t.Errorf("stored %+v", stored.SealedID)
	}
	e.store.Close()
	for _, f := range []string{e.path, e.path + "-wal"} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(id)) || bytes.Contains(b, []byte("13800138000")) {
			t.Errorf("%s holds the ID number or phone in clear", filepath.Base(f))
		}
	}
}

func TestScopeAndMasking(t *testing.T) {
	e := newEnv(t)
	id := validID("19700707", "456")
	r, err := e.svc.CreateResident(e.as("officer1"), precinct.ResidentInput{Name: s("赵敏"), IDNumber: s(id), Phone: s("13912345678"), AddressID: &e.room501})
	if err != nil {
		t.Fatal(err)
	}
	// Another station's command office: as if absent, in reads and lists.
	if _, err := e.svc.FindResident(e.as("cmd2"), r.ID); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("cmd2 reads st1's resident: %v", err)
	}
	if items, _, _ := e.svc.SearchResidents(e.as("cmd2"), "", precinct.ResidentFilter{}); len(items) != 0 {
		t.Errorf("cmd2 lists %d of st1's residents", len(items))
	}
	// Another community grid of the same police grid: not reached by its auxiliary.
	if _, err := e.svc.FindResident(e.as("aux2"), r.ID); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("aux2 (cg2) reads cg1's resident: %v", err)
	}
	// Roles without registry.read.
	for _, u := range []string{"auditor", "patrol", "dispatcher"} {
		if _, err := e.svc.FindResident(e.as(u), r.ID); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("%s reads a resident: %v", u, err)
		}
	}
	// Masked in lists; the full view needs personal.read and a reason.
	items, _, err := e.svc.SearchResidents(e.as("chief1"), "", precinct.ResidentFilter{})
	if err != nil || len(items) != 1 || items[0].IDNumber != precinct.MaskIDNumber(id) || items[0].Phone != "139****5678" {
		t.Fatalf("chief's list: %+v %v", items, err)
	}
	_, err = e.svc.RevealResident(e.as("officer1"), r.ID, precinct.RevealRequest{Reason: "核查"})
	wantErr(t, err, precinct.EFORBIDDEN, "")
	_, err = e.svc.RevealResident(e.as("chief1"), r.ID, precinct.RevealRequest{})
	wantErr(t, err, precinct.EINVALID, "reason")
	audits, _, _ := e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: r.ID})
	if len(audits) != 0 {
		t.Fatalf("refused reads were audited: %+v", audits)
	}
	full, err := e.svc.RevealResident(e.as("chief1"), r.ID, precinct.RevealRequest{Reason: "核查盗窃案嫌疑人"})
	if err != nil || full.IDNumber != id || full.Phone != "13912345678" || !full.Full {
		t.Fatalf("full view: %+v %v", full, err)
	}
	audits, _, _ = e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: r.ID})
	if len(audits) != 1 || audits[0].Actor != "chief1" || audits[0].Action != "personal.read" || audits[0].Reason != "核查盗窃案嫌疑人" || audits[0].SubBureauID != "sb1" {
		t.Errorf("audit: %+v", audits)
	}
	// Events carry the record masked, and its community grid.
	evs, _ := e.store.ListEvents(context.Background(), precinct.EventFilter{Scope: precinct.Everywhere, EntityID: r.ID})
	if len(evs) == 0 {
		t.Fatal("no event")
	}
	for _, ev := range evs {
		raw, _ := json.Marshal(ev)
		if bytes.Contains(raw, []byte(id)) || bytes.Contains(raw, []byte("13912345678")) {
			t.Errorf("event %s shows personal data: %s", ev.Type, raw)
		}
		if e.svc.RecordEvent(e.users["officer1"], ev) == nil || e.svc.RecordEvent(e.users["cmd2"], ev) != nil ||
			e.svc.RecordEvent(e.users["aux2"], ev) != nil || e.svc.RecordEvent(e.users["auditor"], ev) != nil {
			t.Errorf("stream rule of %s disagrees with the read rule", ev.Type)
		}
	}
}

func TestSearchResidents(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	id := validID("19800808", "777")
	a, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("刘洋"), IDNumber: s(id), Phone: s("13700001111"), AddressID: &e.room501})
	b, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("刘洋洋"), Phone: s("023-79223456"), AddressID: &e.room502})
	c, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("John Smith"), Kind: ptrKind(precinct.ResidentForeign), DocType: ptrDoc(precinct.DocPassport),
		IDNumber: s("e1234567"), Nationality: s("gbr"), AddressID: &e.road})
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{id, []string{a.ID}},
		{strings.ToLower(id[:17]) + strings.ToLower(id[17:]), []string{a.ID}},
		{"137 0000 1111", []string{a.ID}},
		{"(023) 7922-3456", []string{b.ID}},
		{"刘洋", []string{a.ID, b.ID}},
		{"刘洋洋", []string{b.ID}},
		{"E1234567", []string{c.ID}},
		{"John", []string{c.ID}},
		{"阳光小区3栋2单元502", []string{b.ID}},
		{"阳光小区3栋", []string{a.ID, b.ID}},
		{"新华大道", []string{c.ID}},
		{"13800000000", nil},
	} {
		items, _, err := e.svc.SearchResidents(ctx, tt.q, precinct.ResidentFilter{})
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		var got []string
		for _, r := range items {
			got = append(got, r.ID)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("search %q: %v, want %v", tt.q, got, tt.want)
		}
	}
	if items, _, _ := e.svc.SearchResidents(e.as("cmd2"), id, precinct.ResidentFilter{}); len(items) != 0 {
		t.Error("cmd2 finds st1's resident by ID number")
	}
}

func ptrKind(k precinct.ResidentKind) *precinct.ResidentKind { return &k }
func ptrDoc(d precinct.DocumentType) *precinct.DocumentType  { return &d }

func TestMovesMergeAndHistory(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	id := validID("19660606", "321")
	r, err := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("孙丽"), IDNumber: s(id), AddressID: &e.room501, VisitID: "vis_aaaaaaaaaaaaaaaa"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.MoveResident(ctx, r.ID, precinct.MoveInput{Type: precinct.ChangeMovedOut, Date: "2026-10-01", Version: r.Version})
	if err != nil || out.Status != precinct.StatusMovedOut {
		t.Fatalf("moved out: %+v %v", out, err)
	}
	// A stale version is a conflict.
	_, err = e.svc.MoveResident(ctx, r.ID, precinct.MoveInput{Type: precinct.ChangeMovedIn, Date: "2026-10-02", AddressID: e.room502, Version: r.Version})
	wantErr(t, err, precinct.ECONFLICT, "version")
	// She turns up in st2: captured there, her record moves in, history kept.
	back, err := e.svc.CreateResident(e.as("cmd2"), precinct.ResidentInput{Name: s("孙丽"), IDNumber: s(id), AddressID: &e.room3})
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != r.ID || back.Status != precinct.StatusActive || back.Location.StationID != "st2" {
		t.Errorf("moved back in: %+v", back)
	}
	h, err := e.svc.ResidentHistory(e.as("cmd2"), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range h {
		kinds = append(kinds, string(c.Kind))
	}
	if strings.Join(kinds, ",") != "registered,moved_out,moved_in" || h[1].Effective != "2026-10-01" || h[0].VisitID != "vis_aaaaaaaaaaaaaaaa" {
		t.Errorf("history %v %+v", kinds, h[1])
	}
	// st1 no longer reaches her.
	if _, err := e.svc.FindResident(ctx, r.ID); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("st1 still reads her: %v", err)
	}

	// Merge: two records of one person, one without ID number.
	a, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("周强"), BirthDate: s("1975-03-03"), Phone: s("13600000001"), AddressID: &e.room502})
	b, err := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("周强"), IDNumber: s(validID("19750303", "111")), AddressID: &e.room501,
		Flags: &[]precinct.CareFlag{precinct.CareMental}})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := e.svc.MergeResidents(ctx, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.IDNumber == "" || kept.Phone == "" || len(kept.Flags) != 1 {
		t.Errorf("kept %+v", kept)
	}
	dropped, _ := e.svc.FindResident(ctx, b.ID)
	if dropped.Status != precinct.StatusMerged || dropped.MergedInto != a.ID {
		t.Errorf("dropped %+v", dropped)
	}
	h, _ = e.svc.ResidentHistory(ctx, a.ID)
	var merged, mergedInto, registeredB bool
	for _, c := range h {
		merged = merged || c.Kind == precinct.ChangeMerged && c.OtherID == b.ID && c.Actor == "u3"
		mergedInto = mergedInto || c.Kind == precinct.ChangeMergedInto && c.EntityID == b.ID
		registeredB = registeredB || c.Kind == precinct.ChangeRegistered && c.EntityID == b.ID
	}
	if !merged || !mergedInto || !registeredB {
		t.Errorf("merged history lacks a side: %+v", h)
	}
	_, err = e.svc.MergeResidents(ctx, a.ID, b.ID)
	wantErr(t, err, precinct.ECONFLICT, "")
	// The merged record is found by its ID number through the one kept.
	items, _, _ := e.svc.SearchResidents(ctx, validID("19750303", "111"), precinct.ResidentFilter{})
	if len(items) != 1 || items[0].ID != a.ID {
		t.Errorf("search after merge: %+v", items)
	}
}

func TestCorrectionIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	r, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("钱多"), AddressID: &e.room501})
	in := precinct.ResidentInput{Phone: s("13511112222"), Version: r.Version, IdempotencyKey: "k-1"}
	c1, err := e.svc.CorrectResident(ctx, r.ID, in)
	if err != nil || c1.Version != 2 || c1.Phone != "135****2222" {
		t.Fatalf("correction: %+v %v", c1, err)
	}
	// The same request again (its answer was lost): applied once, answered again.
	c2, err := e.svc.CorrectResident(ctx, r.ID, in)
	if err != nil || c2.Version != 2 {
		t.Fatalf("resent correction: %+v %v", c2, err)
	}
	h, _ := e.svc.ResidentHistory(ctx, r.ID)
	if len(h) != 2 || strings.Join(h[1].Fields, ",") != "phone" {
		t.Errorf("history %+v", h)
	}
	// Another request with the old version conflicts.
	_, err = e.svc.CorrectResident(ctx, r.ID, precinct.ResidentInput{Name: s("钱少"), Version: 1, IdempotencyKey: "k-2"})
	wantErr(t, err, precinct.ECONFLICT, "version")
}

func TestVisitAccuracyAndFamiliarity(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	r1, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("甲"), AddressID: &e.room501})
	r2, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("乙"), AddressID: &e.room501})
	r3, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("丙"), AddressID: &e.room502})
	h, err := e.svc.CreateHouse(ctx, precinct.HouseInput{AddressID: &e.room501, Use: ptrUse(precinct.HouseRented), OwnerName: s("甲"), OwnerPhone: s("13800000009")})
	if err != nil {
		t.Fatal(err)
	}
	in := precinct.VisitInput{ID: "vis_0123456789abcdef-01", Point: &inCG1, AddressID: e.room501, HouseID: h.ID, ResidentIDs: []string{r1.ID, r2.ID},
		Verifications: []precinct.Verification{{EntityType: precinct.EntityResident, EntityID: r1.ID, Result: precinct.VerifyCorrect},
			{EntityType: precinct.EntityResident, EntityID: r2.ID, Result: precinct.VerifyGone},
			{EntityType: precinct.EntityHouse, EntityID: h.ID, Result: precinct.VerifyCorrected}},
		Familiarity: []precinct.FamiliarityAnswer{{ResidentID: r1.ID, KnowsOfficer: true, OfficerKnows: true}, {ResidentID: r3.ID, KnowsOfficer: true}},
		Cards:       []precinct.ContactCard{{ResidentID: r1.ID}, {HouseID: h.ID}}, IdempotencyKey: "visit-key"}
	v, err := e.svc.RecordVisit(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if v.By != "u3" || v.Location.CommunityGridID != "cg1" || len(v.Verifications) != 3 {
		t.Errorf("visit %+v", v)
	}
	// Sent again by the outbox: one visit.
	again, err := e.svc.RecordVisit(ctx, in)
	if err != nil || again.ID != v.ID {
		t.Fatalf("resend: %+v %v", again, err)
	}
	in.IdempotencyKey = "another-key" // the same app-chosen ID, another key
	if again, err = e.svc.RecordVisit(ctx, in); err != nil || again.ID != v.ID {
		t.Fatalf("resend with the same ID: %+v %v", again, err)
	}
	vs, _, _ := e.svc.ListVisits(ctx, precinct.VisitFilter{})
	if len(vs) != 1 {
		t.Fatalf("%d visits after resends", len(vs))
	}
	gone, _ := e.svc.FindResident(ctx, r2.ID)
	if gone.Status != precinct.StatusMovedOut {
		t.Errorf("resident found gone: %s", gone.Status)
	}
	acc, err := e.svc.Accuracy(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	// cg1 holds r1, r3 and the house (r2 left): two verified, one correct.
	if acc.Total.Records != 3 || acc.Total.Verified != 2 || acc.Total.Correct != 1 || *acc.VerifiedShare != 2.0/3 || *acc.CorrectShare != 0.5 {
		t.Errorf("accuracy %+v", acc.Total)
	}
	fam, err := e.svc.Familiarity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fam.Total.Residents != 2 || fam.Total.Surveyed != 2 || fam.Total.TwoWay != 1 || fam.Total.Cards != 2 || *fam.Share != 0.5 {
		t.Errorf("familiarity %+v", fam.Total)
	}
	if rep, _ := e.svc.Accuracy(e.as("cmd2"), 12); rep.Total.Records != 0 {
		t.Errorf("cmd2 sees st1's accuracy: %+v", rep.Total)
	}
	// A visit verifying a record outside the caller's reach writes nothing.
	_, err = e.svc.RecordVisit(e.as("cmd2"), precinct.VisitInput{Point: &inCG3, Verifications: []precinct.Verification{{EntityType: precinct.EntityResident, EntityID: r1.ID, Result: precinct.VerifyCorrect}}})
	wantErr(t, err, precinct.ENOTFOUND, "verifications.entity_id")
	_, err = e.svc.RecordVisit(ctx, precinct.VisitInput{Point: &inCG3})
	wantErr(t, err, precinct.EFORBIDDEN, "")
	_, err = e.svc.RecordVisit(ctx, precinct.VisitInput{Point: &inCG1, At: ptrTime(time.Now().Add(time.Hour))})
	wantErr(t, err, precinct.EINVALID, "at")
}

func ptrUse(u precinct.HouseUse) *precinct.HouseUse { return &u }
func ptrTime(t time.Time) *time.Time                { return &t }

func TestHousesAndOrganisations(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	h, err := e.svc.CreateHouse(ctx, precinct.HouseInput{AddressID: &e.room502, Use: ptrUse(precinct.HouseRented), OwnerPhone: s("13800000001")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateHouse(ctx, precinct.HouseInput{AddressID: &e.room502, Use: ptrUse(precinct.HouseVacant)})
	wantErr(t, err, precinct.ECONFLICT, "address_id")
	_, err = e.svc.CreateHouse(ctx, precinct.HouseInput{AddressID: &e.compound, Use: ptrUse(precinct.HouseVacant)})
	wantErr(t, err, precinct.EINVALID, "address_id")
	r, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("租客"), AddressID: &e.room502, HouseID: &h.ID})
	h, err = e.svc.StartTenancy(ctx, h.ID, precinct.TenancyInput{ResidentID: r.ID, From: "2026-03-01"})
	if err != nil || len(h.Tenants) != 1 || h.Tenants[0].Name != "租客" {
		t.Fatalf("tenancy: %+v %v", h, err)
	}
	_, err = e.svc.EndTenancy(ctx, h.ID, h.Tenants[0].ID, precinct.TenancyInput{To: "2026-02-01"})
	wantErr(t, err, precinct.EINVALID, "to")
	h, err = e.svc.EndTenancy(ctx, h.ID, h.Tenants[0].ID, precinct.TenancyInput{To: "2026-09-30"})
	if err != nil || h.Tenants[0].To != "2026-09-30" {
		t.Fatalf("end: %+v %v", h, err)
	}
	hist, _ := e.store.History(context.Background(), precinct.EntityHouse, []string{h.ID})
	if len(hist) != 3 || hist[1].Kind != precinct.ChangeTenantIn || hist[2].Effective != "2026-09-30" {
		t.Errorf("house history %+v", hist)
	}
	full, err := e.svc.RevealHouse(e.as("chief1"), h.ID, precinct.RevealRequest{Reason: "出租屋检查"})
	if err != nil || full.OwnerPhone != "13800000001" {
		t.Errorf("reveal house: %+v %v", full, err)
	}

	// A credit code that fails its check is kept, with a warning.
	o, warnings, err := e.svc.CreateOrganisation(ctx, precinct.OrganisationInput{Name: s("老字号修理厂"), Kind: ptrOrg(precinct.OrgRepairShop),
		CreditCode: s("12345678-9"), AddressID: &e.road, KeyUnit: ptrBool(true)})
	if err != nil || len(warnings) != 1 || warnings[0].Field != "credit_code" || o.CreditCodeChecked || o.CreditCode != "123456789" {
		t.Fatalf("organisation %+v %v %v", o, warnings, err)
	}
	good, warnings, err := e.svc.CreateOrganisation(ctx, precinct.OrganisationInput{Name: s("阳光超市"), Kind: ptrOrg(precinct.OrgShop),
		CreditCode: s("91350100M000100Y43"), AddressID: &e.compound, LegalRepPhone: s("13900000000")})
	if err != nil || len(warnings) != 0 || !good.CreditCodeChecked || good.LegalRepPhone != "139****0000" {
		t.Fatalf("organisation %+v %v %v", good, warnings, err)
	}
	_, _, err = e.svc.CreateOrganisation(ctx, precinct.OrganisationInput{Name: s("另一家"), Kind: ptrOrg(precinct.OrgShop),
		CreditCode: s("91350100M000100Y43"), AddressID: &e.compound})
	wantErr(t, err, precinct.ECONFLICT, "credit_code")
	items, _, _ := e.svc.ListOrganisations(ctx, precinct.OrganisationFilter{KeyUnit: true})
	if len(items) != 1 || items[0].ID != o.ID {
		t.Errorf("key units: %+v", items)
	}
	c, _, err := e.svc.CorrectOrganisation(ctx, good.ID, precinct.OrganisationInput{SecurityResponsibility: ptrBool(true), Version: good.Version})
	if err != nil || !c.SecurityResponsibility || c.Version != 2 {
		t.Errorf("correct organisation: %+v %v", c, err)
	}
}

func ptrOrg(k precinct.OrgKind) *precinct.OrgKind { return &k }
func ptrBool(b bool) *bool                        { return &b }

func TestImportAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("cmd1")
	id1, id2 := validID("19910203", "001"), validID("19920304", "002")
	bad := id2[:17] + map[bool]string{true: "1", false: "2"}[id2[17] != '1']
	file := func(rows ...[]string) []byte {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{"姓名", "证件号码", "联系电话", "人员类别", "地址编码", "关注类别"})
		for _, r := range rows {
			w.Write(r)
		}
		w.Flush()
		return b.Bytes()
	}
	data := file(
		[]string{"陈一", id1, "13800000011", "户籍人口", e.room501, "独居老人"},
		[]string{"陈二", bad, "13800000012", "流动人口", e.room502, ""},
		[]string{"陈三", id1, "", "户籍人口", e.room502, ""},
		[]string{"陈四", "", "123", "外星人", e.room3, "未知"},
	)
	res, err := e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(data), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 0 || len(res.Errors) < 3 {
		t.Fatalf("import with errors: %+v", res)
	}
	rows := map[int]bool{}
	for _, re := range res.Errors {
		rows[re.Row] = true
		if re.Message == "" || re.MessageEN == "" || re.Code == "" {
			t.Errorf("row error lacks a language: %+v", re)
		}
	}
	if !rows[3] || !rows[4] || !rows[5] || rows[2] {
		t.Errorf("errors on rows %v, want 3, 4 and 5", rows)
	}
	if items, _, _ := e.svc.SearchResidents(ctx, "", precinct.ResidentFilter{}); len(items) != 0 {
		t.Fatalf("a failed import wrote %d residents", len(items))
	}
	// Fixed, it is written whole.
	data = file(
		[]string{"陈一", id1, "13800000011", "户籍人口", e.room501, "独居老人"},
		[]string{"陈二", id2, "13800000012", "floating", e.room502, ""},
	)
	res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(data), true)
	if err != nil || res.Written != 0 || len(res.Errors) != 0 || res.Rows != 2 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(data), false)
	if err != nil || res.Written != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	items, _, _ := e.svc.SearchResidents(ctx, id2, precinct.ResidentFilter{})
	if len(items) != 1 || items[0].Kind != precinct.ResidentFloating {
		t.Errorf("imported resident: %+v", items)
	}
	// Imported again: every row is a duplicate now.
	res, _ = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(data), false)
	if res.Written != 0 || len(res.Errors) != 2 {
		t.Errorf("second import: %+v", res)
	}
	// A stored ID number is a duplicate under another name, at another
	// address: found by its hash in the store, not by name.
	res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(file([]string{"周五", id1, "", "户籍人口", e.room502, ""})), false)
	if err != nil || res.Written != 0 || len(res.Errors) != 1 || res.Errors[0].Column != "证件号码" || res.Errors[0].Code != precinct.ECONFLICT ||
		!strings.Contains(res.Errors[0].Message, "陈一") || res.Errors[0].MessageEN == "" {
		t.Errorf("stored ID number under another name: %+v %v", res, err)
	}
	// Nobody without registry.edit imports.
	if _, err := e.svc.Import(e.as("chief1"), precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(data), false); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Errorf("chief imports: %v", err)
	}
}

// TestImportWritesBatchesAllOrNothing imports a file of more rows than
// one batch: batches are written while later ones are still checked, so a
// bad row near the end must roll back what was written before it.
func TestImportWritesBatchesAllOrNothing(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			e := newEnvOn(t, engine)
			ctx := e.as("cmd1")
			const n = 4500 // more than two batches
			rows := make([][]string, n)
			for i := range rows {
				birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("20060102")
				rows[i] = []string{benchName(i), validID(birth, fmt.Sprintf("%03d", i%1000)), fmt.Sprintf("139%08d", i), "户籍人口", []string{e.room501, e.room502}[i%2]}
			}
			file := func() []byte {
				var b bytes.Buffer
				w := csv.NewWriter(&b)
				w.Write([]string{"姓名", "证件号码", "联系电话", "人员类别", "地址编码"})
				w.WriteAll(rows)
				return b.Bytes()
			}
			count := func() int {
				k := 0
				f := precinct.ResidentFilter{Scope: precinct.Everywhere, Limit: 1000}
				for {
					rs, next, err := e.store.ListResidents(context.Background(), f)
					if err != nil {
						t.Fatal(err)
					}
					if k += len(rs); next == "" {
						return k
					}
					f.Cursor = next
				}
			}
			// The last row repeats the first row's ID number; one in the
			// middle is at an address that does not exist.
			last := rows[n-1][1]
			rows[n-1][1] = rows[0][1]
			rows[2500][4] = e.room501 + "9"
			res, err := e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(file()), false)
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != 0 || res.Rows != n || len(res.Errors) != 2 {
				t.Fatalf("import with two bad rows: written %d of %d, errors %+v", res.Written, res.Rows, res.Errors)
			}
			for k, want := range []precinct.RowError{{Row: 2502, Column: "地址编码", Code: precinct.ENOTFOUND}, {Row: n + 1, Column: "证件号码", Code: precinct.ECONFLICT}} {
				got := res.Errors[k]
				if got.Row != want.Row || got.Column != want.Column || got.Code != want.Code || got.Message == "" || got.MessageEN == "" {
					t.Errorf("error %d: %+v, want row %d column %s code %s in both languages", k, got, want.Row, want.Column, want.Code)
				}
			}
			if k := count(); k != 0 {
				t.Fatalf("a failed import left %d residents", k)
			}
			// Fixed, it is written whole, and every row is found.
			rows[n-1][1], rows[2500][4] = last, e.room501
			res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(file()), false)
			if err != nil || res.Written != n || len(res.Errors) != 0 {
				t.Fatalf("import: %+v %v", res, err)
			}
			if k := count(); k != n {
				t.Fatalf("%d residents written, want %d", k, n)
			}
			for _, i := range []int{0, 2999, n - 1} {
				rs, _, err := e.svc.SearchResidents(ctx, rows[i][1], precinct.ResidentFilter{})
				if err != nil || len(rs) != 1 || rs[0].Name != rows[i][0] || rs[0].Phone != precinct.MaskPhone(rows[i][2]) {
					t.Errorf("row %d by ID number: %+v %v", i+2, rs, err)
				}
				rs, _, err = e.svc.SearchResidents(ctx, rows[i][2], precinct.ResidentFilter{})
				if err != nil || len(rs) != 1 || rs[0].Name != rows[i][0] {
					t.Errorf("row %d by phone: %+v %v", i+2, rs, err)
				}
			}
			// Again: every row is a duplicate of a stored one, in every batch.
			res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(file()), false)
			if err != nil || res.Written != 0 || len(res.Errors) != 1000 || !res.Truncated || res.Errors[999].Code != precinct.ECONFLICT {
				t.Fatalf("importing the same file twice: written %d, %d errors, truncated %v (%v)", res.Written, len(res.Errors), res.Truncated, err)
			}
			if k := count(); k != n {
				t.Fatalf("%d residents after the second import, want %d", k, n)
			}
			// Without ID numbers, the same name and birth date at the same
			// address is a duplicate too, in any batch: 2,250 people at two
			// addresses, each looked up by name at its address.
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Write([]string{"姓名", "出生日期", "人员类别", "地址编码"})
			for i := 0; i < n; i += 2 {
				w.Write([]string{rows[i][0] + "乙", "2001-01-01", "户籍人口", rows[i][4]})
			}
			w.Write([]string{rows[n-1][0], "1950-01-01", "户籍人口", rows[n-1][4]})
			w.Flush()
			birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n-1).Format("2006-01-02")
			b2 := bytes.Replace(b.Bytes(), []byte(rows[n-1][0]+",1950-01-01"), []byte(rows[n-1][0]+","+birth), 1)
			res, err = e.svc.Import(ctx, precinct.ImportResidents, precinct.FormatCSV, bytes.NewReader(b2), false)
			if err != nil || res.Written != 0 || len(res.Errors) != 1 || res.Errors[0].Row != n/2+2 || res.Errors[0].Code != precinct.ECONFLICT || res.Errors[0].Column != "姓名" {
				t.Fatalf("same name, birth date and address as a stored person: %+v %v", res, err)
			}
		})
	}
}

func TestExportAndReimport(t *testing.T) {
	e := newEnv(t)
	id := validID("19881111", "888")
	if _, err := e.svc.CreateResident(e.as("officer1"), precinct.ResidentInput{Name: s("导出"), IDNumber: s(id), Phone: s("13812345678"), AddressID: &e.room501}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []precinct.FileFormat{precinct.FormatCSV, precinct.FormatXLSX} {
		var out bytes.Buffer
		if err := e.svc.Export(e.as("chief1"), precinct.ExportQuery{Kind: precinct.ImportResidents, Format: f}, &out); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out.Bytes(), []byte(id)) || bytes.Contains(out.Bytes(), []byte("13812345678")) {
			t.Errorf("%s export shows personal data in clear", f)
		}
		if f == precinct.FormatXLSX && !bytes.HasPrefix(out.Bytes(), []byte("PK")) {
			t.Errorf("xlsx export is not a zip file")
		}
		if f == precinct.FormatCSV && !strings.Contains(out.String(), precinct.MaskIDNumber(id)) {
			t.Errorf("csv export lacks the masked ID: %s", out.String())
		}
	}
	audits, _, _ := e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, Actor: "chief1"})
	if len(audits) != 2 || audits[0].Action != "registry.export" {
		t.Errorf("exports audited: %+v", audits)
	}
	// The export right: a community officer has none.
	err := e.svc.Export(e.as("officer1"), precinct.ExportQuery{Kind: precinct.ImportResidents, Format: precinct.FormatCSV}, &bytes.Buffer{})
	wantErr(t, err, precinct.EFORBIDDEN, "")
	// Another station exports nothing of st1.
	var other bytes.Buffer
	if err := e.svc.Export(e.as("cmd2"), precinct.ExportQuery{Kind: precinct.ImportResidents, Format: precinct.FormatCSV}, &other); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(other.String(), "导出") {
		t.Error("cmd2's export holds st1's resident")
	}
	// Addresses round-trip through .xlsx: exported from one district, the
	// file re-imports as new rows once the codes are taken away.
	var x bytes.Buffer
	if err := e.svc.Export(e.as("admin"), precinct.ExportQuery{Kind: precinct.ImportAddresses, Format: precinct.FormatXLSX, Address: e.compound}, &x); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Import(e.as("admin"), precinct.ImportAddresses, precinct.FormatXLSX, bytes.NewReader(x.Bytes()), true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 4 || len(res.Errors) != 4 {
		t.Errorf("re-importing existing addresses: %+v", res)
	}
	for _, re := range res.Errors {
		if re.Code != precinct.ECONFLICT {
			t.Errorf("row error %+v, want ECONFLICT (exists)", re)
		}
	}
}

func TestReseal(t *testing.T) {
	e := newEnv(t)
	ctx := e.as("officer1")
	id := validID("19770707", "707")
	r, _ := e.svc.CreateResident(ctx, precinct.ResidentInput{Name: s("轮换"), IDNumber: s(id), Phone: s("13800001234"), AddressID: &e.room501})
	// Rotate: a new key in front of the old ones.
	newEnc, _ := vault.NewKey(vault.KindEncrypt, "k2")
	newMac, _ := vault.NewKey(vault.KindHash, "k2")
	rotated, err := vault.Parse(newEnc + "\n" + newMac + "\n" + e.keys)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Vault = rotated
	if items, _, _ := e.svc.SearchResidents(ctx, id, precinct.ResidentFilter{}); len(items) != 1 {
		t.Fatal("after rotation, before reseal: not found by ID number")
	}
	n, err := e.svc.Reseal(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("reseal changed %d, %v", n, err)
	}
	// The old keys can go.
	only, _ := vault.Parse(newEnc + "\n" + newMac)
	e.svc.Vault = only
	if items, _, _ := e.svc.SearchResidents(ctx, id, precinct.ResidentFilter{}); len(items) != 1 {
		t.Fatal("after reseal, with the new keys only: not found")
	}
	full, err := e.svc.RevealResident(e.as("chief1"), r.ID, precinct.RevealRequest{Reason: "轮换检查"})
	if err != nil || full.IDNumber != id || full.Phone != "13800001234" {
		t.Fatalf("after reseal: %+v %v", full, err)
	}
	if n, _ := e.svc.CountStale(context.Background()); n != 0 {
		t.Errorf("%d values still under old keys", n)
	}
}
