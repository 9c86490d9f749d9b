package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
)

// registryTests are the contract tests of the registry store.
var registryTests = []struct {
	name string
	fn   func(*testing.T, precinct.Store)
}{
	{"registry: scope applies to every list", testRegistryScope},
	{"registry: searches by hash, name and address", testRegistrySearch},
	{"registry: a write is all or nothing, versions checked", testRegistryAtomic},
	{"registry: idempotency key under concurrency", testRegistryIdempotency},
	{"registry: visits verify, survey and hand out cards", testRegistryVisit},
	{"registry: houses and tenancies", testRegistryTenancies},
	{"registry: history and duplicates", testRegistryHistory},
	{"registry: address candidates for free text", testAddressCandidates},
	{"registry: batches in one transaction", testRegistryBatches},
	{"registry: reseal after key rotation", testRegistryReseal},
}

// Locations of the fixture's community grids.
var (
	locCG1 = precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	locCG2 = precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg2"}
	locCG3 = precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg3"}
)

func scopeOf(l precinct.Location) precinct.Scope { return precinct.Scope{Location: l} }

// addressTree returns a small standard-address tree: the district, a
// township, a community, a road and a compound, and a building with a room
// in each of cg1 and cg3.
func addressTree() []*precinct.Address {
	sb := precinct.Location{SubBureauID: "sb1"}
	st1 := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
	pg1 := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}
	mk := func(id, parent string, level precinct.AddressLevel, name, key, short string, loc precinct.Location) *precinct.Address {
		return &precinct.Address{ID: id, ParentID: parent, Level: level, Name: name, FullName: "测试区" + name, NameKey: key, ShortKey: short,
			Location: loc, Point: precinct.Point{Lon: 108.1, Lat: 29.1}, CreatedAt: t0}
	}
	return []*precinct.Address{
		mk("500114", "", precinct.AddressDistrict, "测试区", "测试区", "测试", sb),
		mk("500114/001", "500114", precinct.AddressTownship, "城东街道", "城东街道", "城东", st1),
		mk("500114/001/001", "500114/001", precinct.AddressCommunity, "文汇社区居民委员会", "文汇社区居民委员会", "文汇社区", pg1),
		mk("500114/001/001/r1", "500114/001/001", precinct.AddressRoad, "新华大道", "新华大道", "", locCG1),
		mk("500114/001/001/c1", "500114/001/001", precinct.AddressCompound, "阳光小区", "阳光小区", "阳光", locCG1),
		mk("500114/001/001/c1/b3", "500114/001/001/c1", precinct.AddressBuilding, "3栋", "3栋", "", locCG1),
		mk("500114/001/001/c1/b3/r501", "500114/001/001/c1/b3", precinct.AddressRoom, "501", "501", "", locCG1),
		mk("500114/002", "500114", precinct.AddressTownship, "城西街道", "城西街道", "城西", precinct.Location{SubBureauID: "sb1", StationID: "st2"}),
		mk("500114/002/001", "500114/002", precinct.AddressCommunity, "乙村村民委员会", "乙村村民委员会", "乙村", precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"}),
		mk("500114/002/001/b9", "500114/002/001", precinct.AddressBuilding, "9号", "9号", "", locCG3),
		mk("500114/002/001/b9/r101", "500114/002/001/b9", precinct.AddressRoom, "101", "101", "", locCG3),
	}
}

func record(addressID string, loc precinct.Location) precinct.Record {
	return precinct.Record{AddressID: addressID, Address: "地址 " + addressID, Location: loc, Status: precinct.StatusActive,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "u3", Version: 1}
}

func resident(id, name, addressID string, loc precinct.Location) *precinct.Resident {
	return &precinct.Resident{ID: id, Name: name, Kind: precinct.ResidentHousehold, DocType: precinct.DocResidentID, BirthDate: "1990-01-01",
		SealedID:    precinct.Sealed{Masked: "500114********0001", Sealed: "k1.sealed-id-" + id, Hash: "m1.id-" + id},
		SealedPhone: precinct.Sealed{Masked: "138****0001", Sealed: "k1.sealed-phone-" + id, Hash: "m1.phone-" + id},
		Flags:       []precinct.CareFlag{precinct.CareElderlyAlone}, Record: record(addressID, loc)}
}

// seedRegistry stores the fixture jurisdiction, the address tree, residents
// r1, r2 (cg1), r3 (cg2) and r4 (cg3), a house and an organisation in cg1.
func seedRegistry(t *testing.T, s precinct.Store) {
	t.Helper()
	imported(t, s)
	w := &precinct.RegistryWrite{NewAddresses: addressTree(),
		NewResidents: []*precinct.Resident{
			resident("r1", "张伟", "500114/001/001/c1/b3/r501", locCG1),
			resident("r2", "张伟明", "500114/001/001/c1/b3/r501", locCG1),
			resident("r3", "李娜", "500114/001/001/r1", locCG2),
			resident("r4", "王芳", "500114/002/001/b9/r101", locCG3),
		},
		NewHouses: []*precinct.House{{ID: "h1", Use: precinct.HouseRented, OwnerName: "张伟",
			SealedOwnerPhone: precinct.Sealed{Masked: "138****0001", Sealed: "k1.owner", Hash: "m1.owner"}, Record: record("500114/001/001/c1/b3/r501", locCG1)}},
		NewOrganisations: []*precinct.Organisation{{ID: "o1", Name: "阳光超市", Kind: precinct.OrgShop, CreditCode: "91350100M000100Y43", CreditCodeChecked: true,
			KeyUnit: true, Record: record("500114/001/001/c1", locCG1)}},
	}
	if _, err := s.ApplyRegistry(context.Background(), w); err != nil {
		t.Fatal(err)
	}
}

func residentIDs(rs []*precinct.Resident) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func testRegistryScope(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	for _, tt := range []struct {
		name  string
		scope precinct.Scope
		want  []string
	}{
		{"everywhere", precinct.Everywhere, []string{"r1", "r2", "r3", "r4"}},
		{"empty scope: nothing", precinct.Scope{}, nil},
		{"sub-bureau", scopeOf(precinct.Location{SubBureauID: "sb1"}), []string{"r1", "r2", "r3", "r4"}},
		{"other sub-bureau", scopeOf(precinct.Location{SubBureauID: "sb9"}), nil},
		{"station st1", scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"}), []string{"r1", "r2", "r3"}},
		{"station st2", scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), []string{"r4"}},
		{"police grid pg1", scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}), []string{"r1", "r2", "r3"}},
		{"community grid cg1", scopeOf(locCG1), []string{"r1", "r2"}},
	} {
		got, _, err := s.ListResidents(ctx, precinct.ResidentFilter{Scope: tt.scope})
		must(t, err)
		sameIDs(t, "residents, "+tt.name, residentIDs(got), tt.want)
	}
	// Every list keeps to its scope, the empty one returns nothing.
	hs, _, err := s.ListHouses(ctx, precinct.HouseFilter{Scope: scopeOf(locCG3)})
	must(t, err)
	if len(hs) != 0 {
		t.Errorf("cg3 lists houses of cg1: %v", hs)
	}
	hs, _, _ = s.ListHouses(ctx, precinct.HouseFilter{Scope: precinct.Scope{}})
	os, _, _ := s.ListOrganisations(ctx, precinct.OrganisationFilter{Scope: precinct.Scope{}})
	as, _, _ := s.ListAddresses(ctx, precinct.AddressFilter{Scope: precinct.Scope{}})
	vs, _, _ := s.ListVisits(ctx, precinct.VisitFilter{Scope: precinct.Scope{}})
	if len(hs)+len(os)+len(as)+len(vs) != 0 {
		t.Errorf("an empty scope lists %d houses, %d organisations, %d addresses, %d visits", len(hs), len(os), len(as), len(vs))
	}
	os, _, _ = s.ListOrganisations(ctx, precinct.OrganisationFilter{Scope: scopeOf(locCG1), KeyUnit: true})
	if len(os) != 1 || os[0].Name != "阳光超市" || !os[0].KeyUnit || !os[0].CreditCodeChecked {
		t.Errorf("key units of cg1: %+v", os)
	}
	// Addresses: a station sees its own and those above it (the district),
	// not the other station's.
	as, _, err = s.ListAddresses(ctx, precinct.AddressFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), Limit: 100})
	must(t, err)
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	sameIDs(t, "addresses of st2", ids, []string{"500114", "500114/002", "500114/002/001", "500114/002/001/b9", "500114/002/001/b9/r101"})
	as, _, _ = s.ListAddresses(ctx, precinct.AddressFilter{Scope: precinct.Everywhere, Under: "500114/001/001/c1"})
	if len(as) != 2 {
		t.Errorf("under the compound: %d addresses, want 2", len(as))
	}
	a, err := s.FindAddress(ctx, "500114/001/001/c1/b3")
	must(t, err)
	if a.Level != precinct.AddressBuilding || a.ElementCode != "07" || a.Location != locCG1 || a.NameKey != "3栋" {
		t.Errorf("address %+v", a)
	}
	_, err = s.FindAddress(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)
	// An import's places: what places a record, nothing of unknown IDs.
	ps, err := s.PlacesOf(ctx, []string{"500114/001/001/c1/b3", "nope", "500114/002/001/b9/r101"})
	must(t, err)
	if len(ps) != 2 {
		t.Fatalf("places: %+v", ps)
	}
	for _, p := range ps {
		a, _ := s.FindAddress(ctx, p.ID)
		if p.Level != a.Level || p.ElementCode != a.ElementCode || p.FullName != a.FullName || p.Point != a.Point || p.Location != a.Location || p.FullName == "" {
			t.Errorf("place %+v, address %+v", p, a)
		}
	}
	// Pages follow one another without gap or repeat.
	p1, next, err := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, Limit: 3})
	must(t, err)
	p2, next2, err := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, Limit: 3, Cursor: next})
	must(t, err)
	sameIDs(t, "pages", append(residentIDs(p1), residentIDs(p2)...), []string{"r1", "r2", "r3", "r4"})
	if next == "" || next2 != "" {
		t.Errorf("cursors %q %q", next, next2)
	}
}

func testRegistrySearch(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	all := precinct.Everywhere
	for _, tt := range []struct {
		name string
		f    precinct.ResidentFilter
		want []string
	}{
		{"ID hash", precinct.ResidentFilter{Scope: all, IDHashes: []string{"m0.old", "m1.id-r3"}}, []string{"r3"}},
		{"ID hash out of scope", precinct.ResidentFilter{Scope: scopeOf(locCG1), IDHashes: []string{"m1.id-r3"}}, nil},
		{"no hash matches nothing", precinct.ResidentFilter{Scope: all, IDHashes: []string{}}, nil},
		{"phone hash", precinct.ResidentFilter{Scope: all, PhoneHashes: []string{"m1.phone-r4"}}, []string{"r4"}},
		{"name prefix", precinct.ResidentFilter{Scope: all, NamePrefix: "张伟"}, []string{"r1", "r2"}},
		{"full name", precinct.ResidentFilter{Scope: all, NamePrefix: "张伟明"}, []string{"r2"}},
		{"under a compound", precinct.ResidentFilter{Scope: all, Address: "500114/001/001/c1"}, []string{"r1", "r2"}},
		{"under a community", precinct.ResidentFilter{Scope: all, Address: "500114/001/001"}, []string{"r1", "r2", "r3"}},
		{"at a room", precinct.ResidentFilter{Scope: all, Address: "500114/002/001/b9/r101"}, []string{"r4"}},
		{"care flag", precinct.ResidentFilter{Scope: all, Flag: precinct.CareElderlyAlone, Address: "500114/002"}, []string{"r4"}},
		{"other flag", precinct.ResidentFilter{Scope: all, Flag: precinct.CareMinor}, nil},
	} {
		got, _, err := s.ListResidents(ctx, tt.f)
		must(t, err)
		sameIDs(t, tt.name, residentIDs(got), tt.want)
	}
	r, err := s.FindResident(ctx, "r1")
	must(t, err)
	if r.IDNumber != "500114********0001" || r.SealedID.Sealed != "k1.sealed-id-r1" || r.SealedPhone.Hash != "m1.phone-r1" ||
		len(r.Flags) != 1 || r.Location != locCG1 || r.Version != 1 || !r.CreatedAt.Equal(t0) {
		t.Errorf("resident as stored: %+v", r)
	}
	hs, _, err := s.ListHouses(ctx, precinct.HouseFilter{Scope: all, OwnerPhoneHashes: []string{"m1.owner"}})
	must(t, err)
	if len(hs) != 1 || hs[0].OwnerPhone != "138****0001" {
		t.Errorf("houses by owner phone: %+v", hs)
	}
	os, _, err := s.ListOrganisations(ctx, precinct.OrganisationFilter{Scope: all, NamePrefix: "阳光"})
	must(t, err)
	if len(os) != 1 {
		t.Errorf("organisations by name: %d", len(os))
	}
}

func testRegistryAtomic(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	r, err := s.FindResident(ctx, "r1")
	must(t, err)
	// A stale version: the whole write fails, the new resident too.
	stale := *r
	stale.Name, stale.Version = "改名", r.Version // should be r.Version+1
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{
		NewResidents: []*precinct.Resident{resident("r9", "新人", "500114/001/001/r1", locCG2)},
		Residents:    []*precinct.Resident{&stale},
		Events:       []*precinct.Event{{ID: "evt-x", Type: "resident.updated", At: t0, Actor: "u3", SubBureauID: "sb1"}},
	})
	wantCode(t, err, precinct.ECONFLICT)
	if _, err := s.FindResident(ctx, "r9"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("a failed write created r9: %v", err)
	}
	evs, _ := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, EntityID: ""})
	for _, e := range evs {
		if e.ID == "evt-x" {
			t.Error("a failed write appended its event")
		}
	}
	// The right version applies, with its event.
	next := *r
	next.Name, next.Version, next.UpdatedAt = "张伟", r.Version+1, t0.Add(time.Hour)
	next.Flags = nil
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{Residents: []*precinct.Resident{&next},
		Events: []*precinct.Event{{ID: "evt-y", Type: "resident.updated", At: t0, Actor: "u3", SubBureauID: "sb1", EntityID: "r1"}}})
	must(t, err)
	got, _ := s.FindResident(ctx, "r1")
	if got.Version != 2 || len(got.Flags) != 0 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after update: %+v", got)
	}
	evs, _ = s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, EntityID: "r1"})
	if len(evs) != 1 || evs[0].ID != "evt-y" {
		t.Errorf("events of r1: %v", evs)
	}
	// The same address twice is refused.
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{NewAddresses: addressTree()[:1]})
	wantCode(t, err, precinct.ECONFLICT)
}

func testRegistryIdempotency(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	var wg sync.WaitGroup
	replays := make([]string, 8)
	errs := make([]error, 8)
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("rk%d", i)
			replays[i], errs[i] = s.ApplyRegistry(ctx, &precinct.RegistryWrite{Actor: "u3", IdempotencyKey: "key-1", EntityType: precinct.EntityResident, EntityID: id,
				NewResidents: []*precinct.Resident{resident(id, "重复提交", "500114/001/001/r1", locCG2)}})
		}()
	}
	wg.Wait()
	first := ""
	for i := range replays {
		must(t, errs[i])
		if replays[i] == "" {
			if first != "" {
				t.Fatalf("two writes with one key: %s and rk%d", first, i)
			}
			first = fmt.Sprintf("rk%d", i)
		}
	}
	for i := range replays {
		if replays[i] != "" && replays[i] != first {
			t.Errorf("replay %d names %s, want %s", i, replays[i], first)
		}
	}
	rs, _, _ := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, NamePrefix: "重复提交"})
	if len(rs) != 1 {
		t.Errorf("%d residents written with one key", len(rs))
	}
	// Another user's same key is another request.
	replay, err := s.ApplyRegistry(ctx, &precinct.RegistryWrite{Actor: "u2", IdempotencyKey: "key-1", EntityType: precinct.EntityResident, EntityID: "rk-other",
		NewResidents: []*precinct.Resident{resident("rk-other", "另一人", "500114/001/001/r1", locCG2)}})
	if err != nil || replay != "" {
		t.Errorf("another user's key: %q %v", replay, err)
	}
}

func testRegistryVisit(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	at := t0.Add(24 * time.Hour)
	v := &precinct.Visit{ID: "vis_0000000000000001", At: at, By: "u3", Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Location: locCG1,
		AddressID: "500114/001/001/c1/b3/r501", HouseID: "h1", ResidentIDs: []string{"r1", "r2"}, Purpose: precinct.VisitRoutine, RecordedAt: at,
		Verifications: []precinct.Verification{
			{EntityType: precinct.EntityResident, EntityID: "r1", Result: precinct.VerifyCorrect, Location: locCG1},
			{EntityType: precinct.EntityResident, EntityID: "r2", Result: precinct.VerifyGone, Location: locCG1},
			{EntityType: precinct.EntityHouse, EntityID: "h1", Result: precinct.VerifyCorrected, Location: locCG1},
		},
		Familiarity: []precinct.FamiliarityAnswer{{ResidentID: "r1", KnowsOfficer: true, OfficerKnows: true, Location: locCG1}},
		Cards:       []precinct.ContactCard{{ResidentID: "r1", Location: locCG1}, {HouseID: "h1", Location: locCG1}},
	}
	_, err := s.ApplyRegistry(ctx, &precinct.RegistryWrite{Visit: v})
	must(t, err)
	r1, _ := s.FindResident(ctx, "r1")
	r2, _ := s.FindResident(ctx, "r2")
	h1, _ := s.FindHouse(ctx, "h1")
	if r1.VerifiedAt == nil || !r1.VerifiedAt.Equal(at) || r1.Verification != precinct.VerifyCorrect || r1.Familiarity != "two_way" || r1.Version != 1 {
		t.Errorf("r1 after the visit: %+v", r1)
	}
	if r2.Status != precinct.StatusMovedOut || r2.Verification != precinct.VerifyGone {
		t.Errorf("r2 found gone: %+v", r2)
	}
	if h1.Verification != precinct.VerifyCorrected {
		t.Errorf("h1: %+v", h1)
	}
	got, err := s.FindVisit(ctx, v.ID)
	must(t, err)
	if len(got.Verifications) != 3 || len(got.Familiarity) != 1 || len(got.Cards) != 2 || strings.Join(got.ResidentIDs, ",") != "r1,r2" || !got.At.Equal(at) {
		t.Errorf("visit read back: %+v", got)
	}
	vs, _, err := s.ListVisits(ctx, precinct.VisitFilter{Scope: scopeOf(locCG1), EntityID: "r2"})
	must(t, err)
	if len(vs) != 1 {
		t.Errorf("visits of r2: %d", len(vs))
	}
	vs, _, _ = s.ListVisits(ctx, precinct.VisitFilter{Scope: scopeOf(locCG3)})
	if len(vs) != 0 {
		t.Error("cg3 lists cg1's visit")
	}
	// A visit verifying a record that does not exist writes nothing.
	bad := *v
	bad.ID = "vis_0000000000000002"
	bad.Verifications = []precinct.Verification{{EntityType: precinct.EntityResident, EntityID: "nobody", Result: precinct.VerifyCorrect, Location: locCG1}}
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{Visit: &bad})
	wantCode(t, err, precinct.ENOTFOUND)
	if _, err := s.FindVisit(ctx, bad.ID); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Error("the failed visit was stored")
	}

	acc, err := s.Accuracy(ctx, scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"}), t0)
	must(t, err)
	byGrid := map[string]precinct.GridAccuracy{}
	for _, g := range acc {
		byGrid[g.Location.CommunityGridID] = g
	}
	// cg1: r1 (verified correct), h1 (verified corrected), o1; r2 left.
	if g := byGrid["cg1"]; g.Records != 3 || g.Verified != 2 || g.Correct != 1 {
		t.Errorf("accuracy of cg1: %+v", g)
	}
	if g := byGrid["cg2"]; g.Records != 1 || g.Verified != 0 {
		t.Errorf("accuracy of cg2: %+v", g)
	}
	if _, ok := byGrid["cg3"]; ok {
		t.Error("st1's accuracy lists cg3")
	}
	acc, _ = s.Accuracy(ctx, precinct.Everywhere, at.Add(time.Hour))
	for _, g := range acc {
		if g.Verified != 0 {
			t.Errorf("verified after the visit: %+v", g)
		}
	}
	fam, err := s.Familiarity(ctx, scopeOf(locCG1))
	must(t, err)
	if len(fam) != 1 || fam[0].Residents != 1 || fam[0].Surveyed != 1 || fam[0].TwoWay != 1 || fam[0].Cards != 2 {
		t.Errorf("familiarity of cg1: %+v", fam)
	}
	fam, _ = s.Familiarity(ctx, precinct.Scope{})
	if len(fam) != 0 {
		t.Errorf("an empty scope gets familiarity: %+v", fam)
	}
}

func testRegistryTenancies(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	ten := &precinct.Tenancy{ID: "t1", HouseID: "h1", ResidentID: "r3", Name: "李娜", From: "2026-01-01", RecordedAt: t0, RecordedBy: "u3"}
	_, err := s.ApplyRegistry(ctx, &precinct.RegistryWrite{NewTenancies: []*precinct.Tenancy{ten}})
	must(t, err)
	h, err := s.FindHouse(ctx, "h1")
	must(t, err)
	if len(h.Tenants) != 1 || h.Tenants[0].To != "" || h.Tenants[0].ResidentID != "r3" {
		t.Fatalf("tenants: %+v", h.Tenants)
	}
	end := *ten
	end.To = "2026-06-30"
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{EndedTenancies: []*precinct.Tenancy{&end}})
	must(t, err)
	h, _ = s.FindHouse(ctx, "h1")
	if h.Tenants[0].To != "2026-06-30" {
		t.Errorf("ended tenancy: %+v", h.Tenants[0])
	}
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{EndedTenancies: []*precinct.Tenancy{&end}})
	wantCode(t, err, precinct.ECONFLICT)
	_, err = s.FindHouse(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)
}

func testRegistryHistory(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	ch := func(id, entity string, kind precinct.ChangeKind, at time.Time) *precinct.RecordChange {
		return &precinct.RecordChange{ID: id, EntityType: precinct.EntityResident, EntityID: entity, Kind: kind, At: at, Actor: "u3",
			Effective: at.Format("2006-01-02"), AddressID: "500114/001/001/r1", Fields: []string{"phone"}, Location: locCG2}
	}
	_, err := s.ApplyRegistry(ctx, &precinct.RegistryWrite{Changes: []*precinct.RecordChange{
		ch("c2", "r3", precinct.ChangeMovedIn, t0.Add(2*time.Hour)),
		ch("c1", "r3", precinct.ChangeRegistered, t0),
		ch("c3", "r1", precinct.ChangeRegistered, t0),
	}})
	must(t, err)
	h, err := s.History(ctx, precinct.EntityResident, []string{"r3"})
	must(t, err)
	if len(h) != 2 || h[0].ID != "c1" || h[1].Kind != precinct.ChangeMovedIn || h[1].Effective == "" || len(h[1].Fields) != 1 || h[1].Location != locCG2 {
		t.Errorf("history of r3: %+v", h)
	}
	h, _ = s.History(ctx, precinct.EntityResident, []string{"r1", "r3"})
	if len(h) != 3 {
		t.Errorf("history of r1 and r3: %d", len(h))
	}
	// Duplicates: the same ID hash anywhere, or name + birth date + address.
	d, err := s.FindDuplicates(ctx, precinct.DuplicateQuery{IDHashes: []string{"m1.id-r4"}})
	must(t, err)
	sameIDs(t, "by ID hash", residentIDs(d), []string{"r4"})
	d, _ = s.FindDuplicates(ctx, precinct.DuplicateQuery{Name: "张伟", BirthDate: "1990-01-01", AddressID: "500114/001/001/c1/b3/r501"})
	sameIDs(t, "by name, birth date and address", residentIDs(d), []string{"r1"})
	d, _ = s.FindDuplicates(ctx, precinct.DuplicateQuery{Name: "张伟", BirthDate: "1990-01-01", AddressID: "500114/001/001/c1/b3/r501", ExceptID: "r1"})
	if len(d) != 0 {
		t.Errorf("ExceptID: %v", residentIDs(d))
	}
	d, _ = s.FindDuplicates(ctx, precinct.DuplicateQuery{Name: "张伟", BirthDate: "1991-01-01", AddressID: "500114/001/001/c1/b3/r501"})
	if len(d) != 0 {
		t.Errorf("another birth date: %v", residentIDs(d))
	}
	// The keys an import compares: by hash anywhere (r4), by name at the
	// address (r1, not r2 of another name there), none for an unknown
	// hash, name or address.
	r501 := "500114/001/001/c1/b3/r501"
	keys, err := s.ResidentKeys(ctx, []string{"m1.id-r4", "m1.id-none"},
		[]precinct.NameAt{{Name: "张伟", AddressID: r501}, {Name: "李娜", AddressID: r501}, {Name: "张伟", AddressID: "500114/none"}})
	must(t, err)
	byID := map[string]precinct.ResidentKey{}
	for _, k := range keys {
		byID[k.ID] = k
	}
	if len(byID) != 2 || byID["r4"].IDHash != "m1.id-r4" || byID["r1"].Name != "张伟" || byID["r1"].BirthDate != "1990-01-01" ||
		byID["r1"].AddressID != r501 || byID["r1"].Status != precinct.StatusActive || byID["r1"].IDHash != "m1.id-r1" {
		t.Errorf("resident keys: %+v", keys)
	}
	if keys, err := s.ResidentKeys(ctx, nil, nil); err != nil || len(keys) != 0 {
		t.Errorf("no keys asked: %v %v", keys, err)
	}
	if keys, _ := s.ResidentKeys(ctx, nil, []precinct.NameAt{{Name: "张伟明", AddressID: r501}}); len(keys) != 1 || keys[0].ID != "r2" {
		t.Errorf("keys by name at an address alone: %+v", keys)
	}
	// A merged record is no duplicate.
	r4, _ := s.FindResident(ctx, "r4")
	r4.Status, r4.MergedInto, r4.Version = precinct.StatusMerged, "r1", r4.Version+1
	_, err = s.ApplyRegistry(ctx, &precinct.RegistryWrite{Residents: []*precinct.Resident{r4}})
	must(t, err)
	d, _ = s.FindDuplicates(ctx, precinct.DuplicateQuery{IDHashes: []string{"m1.id-r4"}})
	if len(d) != 0 {
		t.Errorf("merged record found as duplicate")
	}
	if keys, _ := s.ResidentKeys(ctx, []string{"m1.id-r4"}, []precinct.NameAt{{Name: "王芳", AddressID: "500114/002/001/b9/r101"}}); len(keys) != 0 {
		t.Errorf("merged record's keys: %+v", keys)
	}
	rs, _, _ := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere})
	sameIDs(t, "merged records leave lists", residentIDs(rs), []string{"r1", "r2", "r3"})
	rs, _, _ = s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, Statuses: []precinct.RecordStatus{precinct.StatusMerged}})
	sameIDs(t, "merged ones on request", residentIDs(rs), []string{"r4"})
}

func testAddressCandidates(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	ids := func(as []*precinct.Address) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	as, err := s.AddressCandidates(ctx, precinct.Everywhere, "城东文汇社区阳光小区3栋501", 50)
	must(t, err)
	sameIDs(t, "candidates", ids(as), []string{"500114/001", "500114/001/001", "500114/001/001/c1"})
	// Buildings and rooms are not candidates; the scope applies.
	as, _ = s.AddressCandidates(ctx, scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), "城东文汇社区阳光小区3栋501", 50)
	if len(as) != 0 {
		t.Errorf("st2 gets st1's candidates: %v", ids(as))
	}
	as, _ = s.AddressCandidates(ctx, precinct.Scope{}, "城东", 50)
	if len(as) != 0 {
		t.Error("the empty scope gets candidates")
	}
}

func testRegistryBatches(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	many := func(prefix string, n int) []*precinct.Resident {
		out := make([]*precinct.Resident, n)
		for i := range out {
			out[i] = resident(fmt.Sprintf("%s%05d", prefix, i), "批量", "500114/001/001/r1", locCG2)
		}
		return out
	}
	// A failure after two batches leaves nothing.
	err := s.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := apply(&precinct.RegistryWrite{NewResidents: many("a", 700)}); err != nil {
			return err
		}
		if err := apply(&precinct.RegistryWrite{NewResidents: many("b", 700)}); err != nil {
			return err
		}
		return precinct.Errorf(precinct.EINVALID, "第 3 批有误", "Batch 3 is wrong.")
	})
	wantCode(t, err, precinct.EINVALID)
	rs, _, _ := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, NamePrefix: "批量"})
	if len(rs) != 0 {
		t.Fatalf("%d residents left by a failed import", len(rs))
	}
	// A row that breaks a key in a later batch (written by COPY on
	// PostgreSQL, by INSERT OR ROLLBACK on SQLite): ECONFLICT, nothing left.
	err = s.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := apply(&precinct.RegistryWrite{NewResidents: many("c", 700)}); err != nil {
			return err
		}
		return apply(&precinct.RegistryWrite{NewResidents: append(many("d", 100), many("c", 1)...)})
	})
	wantCode(t, err, precinct.ECONFLICT)
	rs, _, _ = s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, NamePrefix: "批量"})
	if len(rs) != 0 {
		t.Fatalf("%d residents left by an import that broke a key", len(rs))
	}
	err = s.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		for _, p := range []string{"a", "b"} {
			if err := apply(&precinct.RegistryWrite{NewResidents: many(p, 700)}); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	n, cur := 0, ""
	for {
		rs, next, err := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, NamePrefix: "批量", Cursor: cur, Limit: 1000})
		must(t, err)
		n += len(rs)
		if cur = next; cur == "" {
			break
		}
	}
	if n != 1400 {
		t.Errorf("%d residents after the import, want 1400", n)
	}
}

func testRegistryReseal(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	// Every value is under key k1; rotate those to k2.
	rotate := func(field, sealed, hash string) (string, string, bool, error) {
		if !strings.HasPrefix(sealed, "k1.") {
			return sealed, hash, false, nil
		}
		return "k2." + field + "." + strings.TrimPrefix(sealed, "k1."), "m2." + strings.TrimPrefix(hash, "m1."), true, nil
	}
	n, err := s.ResealPersonal(ctx, rotate)
	must(t, err)
	// 4 residents × (ID, phone) + the house owner's phone.
	if n != 9 {
		t.Errorf("resealed %d values, want 9", n)
	}
	r, _ := s.FindResident(ctx, "r1")
	if r.SealedID.Sealed != "k2.id_number.sealed-id-r1" || r.SealedID.Hash != "m2.id-r1" || r.SealedPhone.Sealed != "k2.phone.sealed-phone-r1" {
		t.Errorf("resealed resident: %+v %+v", r.SealedID, r.SealedPhone)
	}
	got, _, _ := s.ListResidents(ctx, precinct.ResidentFilter{Scope: precinct.Everywhere, IDHashes: []string{"m2.id-r1"}})
	sameIDs(t, "found by the new hash", residentIDs(got), []string{"r1"})
	if n, err := s.ResealPersonal(ctx, rotate); err != nil || n != 0 {
		t.Errorf("second run changed %d values, %v", n, err)
	}
}
