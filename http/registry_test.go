package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"precinct"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/vault"
)

// newRegistry returns the registry service of a test server.
func newRegistry(t *testing.T, db *sqldb.DB, resolver precinct.Resolver, notify func()) *registry.Service {
	t.Helper()
	spec, err := vault.Generate("t1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &registry.Service{Store: db, Vault: v, Resolver: resolver, Clock: precinct.SystemClock{}, Notify: notify}
}

// idNumber returns a valid resident ID number with the given birth date
// and sequence.
func idNumber(birth, seq string) string {
	body := "500114" + birth + seq
	return body + string(registry.IDCheckChar(body))
}

// creditCode returns a valid unified social credit code ending in five
// given characters.
func creditCode(tail string) string {
	body := "91500114MA5U" + tail
	return body + string(registry.CreditCheckChar(body))
}

// regTarget is what the registry holds at one matrix target.
type regTarget struct {
	district, township, community, compound, building, room string
	resident, other, house, tenancy, organisation, visit    string
	compoundName                                            string
	clear                                                   []string // personal data in clear
}

var regTargets = map[string]*regTarget{}

// seedRegistry gives each matrix target a standard address down to a room,
// two residents, a house with an ended tenancy, an organisation and a
// visit, created as the node's own work.
func seedRegistry(t *testing.T, e *env) {
	t.Helper()
	ctx := precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "system", Role: precinct.RoleAdmin})
	reg := e.http.Registry
	addr := func(parent string, level precinct.AddressLevel, name, code string, p precinct.Point) string {
		a, err := reg.CreateAddress(ctx, precinct.AddressInput{ParentID: parent, Level: level, Name: name, DivisionCode: code, Point: &p})
		if err != nil {
			if precinct.ErrorCode(err) == precinct.ECONFLICT {
				as, _, _ := reg.ListAddresses(ctx, precinct.AddressFilter{ParentID: parent, NameKey: name})
				return as[0].ID
			}
			t.Fatalf("address %s: %v", name, err)
		}
		return a.ID
	}
	for i, tg := range targets {
		rt := &regTarget{compoundName: "矩阵" + string("甲乙丙丁"[i*3:i*3+3]) + "小区"}
		dcode := map[string]string{"sb1": "500114", "sb2": "500115"}[tg.loc.SubBureauID]
		rt.district = addr("", precinct.AddressDistrict, "矩阵区"+tg.loc.SubBureauID, dcode, tg.point)
		rt.township = addr(rt.district, precinct.AddressTownship, "街道"+tg.loc.StationID, dcode+fmt.Sprintf("%03d", i+1), tg.point)
		rt.community = addr(rt.township, precinct.AddressCommunity, "社区"+tg.loc.PoliceGridID, dcode+fmt.Sprintf("%03d%03d", i+1, i+1), tg.point)
		rt.compound = addr(rt.community, precinct.AddressCompound, rt.compoundName, "", tg.point)
		rt.building = addr(rt.compound, precinct.AddressBuilding, "1栋", "", tg.point)
		rt.room = addr(rt.building, precinct.AddressRoom, "101", "", tg.point)
		id1, id2 := idNumber("19800101", fmt.Sprintf("%03d", 100+i)), idNumber("19810101", fmt.Sprintf("%03d", 200+i))
		phone := fmt.Sprintf("1370000%04d", i)
		rt.clear = []string{id1, id2, phone}
		a, err := reg.CreateResident(ctx, precinct.ResidentInput{Name: ptr("矩阵甲"), IDNumber: &id1, Phone: &phone, AddressID: &rt.room})
		if err != nil {
			t.Fatal(err)
		}
		b, err := reg.CreateResident(ctx, precinct.ResidentInput{Name: ptr("矩阵乙"), IDNumber: &id2, AddressID: &rt.room})
		if err != nil {
			t.Fatal(err)
		}
		rt.resident, rt.other = a.ID, b.ID
		use := precinct.HouseRented
		h, err := reg.CreateHouse(ctx, precinct.HouseInput{AddressID: &rt.room, Use: &use, OwnerPhone: &phone})
		if err != nil {
			t.Fatal(err)
		}
		h, err = reg.StartTenancy(ctx, h.ID, precinct.TenancyInput{ResidentID: b.ID, From: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.EndTenancy(ctx, h.ID, h.Tenants[0].ID, precinct.TenancyInput{To: "2026-06-01"}); err != nil {
			t.Fatal(err)
		}
		rt.house, rt.tenancy = h.ID, h.Tenants[0].ID
		kind, code := precinct.OrgShop, creditCode(fmt.Sprintf("1234%d", i))
		o, _, err := reg.CreateOrganisation(ctx, precinct.OrganisationInput{Name: ptr("矩阵商店" + rt.compoundName), Kind: &kind, CreditCode: &code,
			LegalRepPhone: &phone, AddressID: &rt.compound})
		if err != nil {
			t.Fatal(err)
		}
		rt.organisation = o.ID
		v, err := reg.RecordVisit(ctx, precinct.VisitInput{Point: &tg.point, AddressID: rt.room, ResidentIDs: []string{a.ID},
			Verifications: []precinct.Verification{{EntityType: precinct.EntityResident, EntityID: a.ID, Result: precinct.VerifyCorrect}},
			Familiarity:   []precinct.FamiliarityAnswer{{ResidentID: a.ID, KnowsOfficer: true, OfficerKnows: true}}})
		if err != nil {
			t.Fatal(err)
		}
		rt.visit = v.ID
		regTargets[tg.name] = rt
	}
}

func ptr(s string) *string { return &s }

// reg returns the registry of a target.
func reg(tg *target) *regTarget { return regTargets[tg.name] }

// hiddenRecord is the status of a registry read or write of one record at
// the target: 403 without the role's permission, 404 outside the scope (the
// record's existence is not revealed), ok else; more, when set, is a
// further permission (403 without it).
func hiddenRecord(perm, more precinct.Permission, ok int) func(*precinct.User, *target) int {
	return func(u *precinct.User, tg *target) int {
		switch {
		case !u.Role.Can(perm):
			return 403
		case !covers(u, tg.loc):
			return 404
		case more != "" && !u.Role.Can(more):
			return 403
		}
		return ok
	}
}

// send is a request with a body aimed at a target.
func send(method string, path func(*regTarget) string, body func(*regTarget) any) func(*target) request {
	return func(tg *target) request {
		r := reg(tg)
		var b any
		if body != nil {
			b = body(r)
		}
		return request{method: method, path: path(r), body: b}
	}
}

// registryProbes are the matrix entries of the registry's routes.
func registryProbes() map[string][]probe {
	read, edit := precinct.PermReadRegistry, precinct.PermEditRegistry
	at := func(format string, id func(*regTarget) string) func(*regTarget) string {
		return func(r *regTarget) string { return fmt.Sprintf(format, url.PathEscape(id(r))) }
	}
	fixed := func(p string) func(*regTarget) string { return func(*regTarget) string { return p } }
	recordList := func(name, path, field string, id func(*regTarget) string) probe {
		pr := list(read, atPlace, hasItem(field, func(tg *target) string { return id(reg(tg)) }))
		pr.name, pr.req = name, func(*target) request { return request{method: "GET", path: path} }
		return pr
	}
	// perGrid reads a report with a grid per community grid of the caller's
	// scope: the target's grid is in it exactly when the scope covers it.
	perGrid := func(name, path string) probe {
		return probe{name: name, req: func(*target) request { return request{method: "GET", path: path} },
			want: func(u *precinct.User, _ *target) int {
				if !u.Role.Can(read) {
					return 403
				}
				return 200
			},
			listed: func(b []byte, tg *target) bool {
				var rep struct {
					Grids []struct {
						Jurisdiction precinct.Location `json:"jurisdiction"`
					}
				}
				_ = json.Unmarshal(b, &rep)
				for _, g := range rep.Grids {
					if g.Jurisdiction == tg.loc {
						return true
					}
				}
				return false
			},
			inList: func(u *precinct.User, tg *target) bool { return covers(u, tg.loc) }}
	}
	resident := func(r *regTarget) string { return r.resident }
	house := func(r *regTarget) string { return r.house }
	organisation := func(r *regTarget) string { return r.organisation }
	p := map[string][]probe{
		"GET /api/v1/addresses/{id}": {{name: "address", req: send("GET", at("/api/v1/addresses/%s", func(r *regTarget) string { return r.building }), nil),
			want: hiddenRecord(read, "", 200)}},
		// A unit under a room is refused (400) once the parent is reached.
		"POST /api/v1/addresses": {{name: "address create", req: send("POST", fixed("/api/v1/addresses"), func(r *regTarget) any {
			return map[string]any{"parent_id": r.room, "level": "unit", "name": "1单元"}
		}), want: hiddenRecord(edit, "", 400)}},
		"GET /api/v1/addresses/match": {{name: "address match", req: func(tg *target) request {
			return request{method: "GET", path: "/api/v1/addresses/match?n=20&q=" + url.QueryEscape(reg(tg).compoundName+"1栋101")}
		}, want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(read) {
				return 403
			}
			return 200
		}, listed: func(b []byte, tg *target) bool {
			var l struct{ Items []precinct.AddressMatch }
			_ = json.Unmarshal(b, &l)
			return len(l.Items) > 0 && l.Items[0].Address.ID == reg(tg).room
		}, inList: func(u *precinct.User, tg *target) bool { return covers(u, tg.loc) }}},
		"GET /api/v1/residents/{id}": {
			{name: "resident", req: send("GET", at("/api/v1/residents/%s", resident), nil), want: hiddenRecord(read, "", 200)},
			{name: "resident unmasked", req: send("GET", func(r *regTarget) string { return "/api/v1/residents/" + r.resident + "?unmasked=true&reason=matrix" }, nil),
				want: hiddenRecord(read, precinct.PermReadPersonal, 200)},
		},
		// Captures without birth date never meet a duplicate: 201 each time.
		"POST /api/v1/residents": {{name: "resident create", req: send("POST", fixed("/api/v1/residents"), func(r *regTarget) any {
			return map[string]any{"name": "矩阵丙", "address_id": r.room}
		}), want: func(u *precinct.User, tg *target) int {
			switch {
			case !u.Role.Can(edit):
				return 403
			case !covers(u, tg.loc):
				return 404
			}
			return 201
		}}},
		// A stale version: refused by the store (409) once reached.
		"PATCH /api/v1/residents/{id}": {{name: "resident correct", req: send("PATCH", at("/api/v1/residents/%s", resident), func(*regTarget) any {
			return map[string]any{"note": "matrix", "version": 999}
		}), want: hiddenRecord(edit, "", 409)}},
		"POST /api/v1/residents/{id}/moves": {{name: "resident move", req: send("POST", at("/api/v1/residents/%s/moves", resident), func(*regTarget) any {
			return map[string]any{"type": "moved_out", "date": "2026-11-01", "version": 999}
		}), want: hiddenRecord(edit, "", 409)}},
		// Two people of different ID numbers are no duplicates (409).
		"POST /api/v1/residents/{id}/merge": {{name: "resident merge", req: send("POST", at("/api/v1/residents/%s/merge", resident), func(r *regTarget) any {
			return map[string]any{"duplicate_id": r.other}
		}), want: hiddenRecord(edit, "", 409)}},
		"GET /api/v1/residents/{id}/history": {{name: "resident history", req: send("GET", at("/api/v1/residents/%s/history", resident), nil), want: hiddenRecord(read, "", 200)}},
		"GET /api/v1/houses/{id}": {
			{name: "house", req: send("GET", at("/api/v1/houses/%s", house), nil), want: hiddenRecord(read, "", 200)},
			{name: "house unmasked", req: send("GET", func(r *regTarget) string { return "/api/v1/houses/" + r.house + "?unmasked=true&reason=matrix" }, nil),
				want: hiddenRecord(read, precinct.PermReadPersonal, 200)},
		},
		// One house per address (409) once the address is reached.
		"POST /api/v1/houses": {{name: "house create", req: send("POST", fixed("/api/v1/houses"), func(r *regTarget) any {
			return map[string]any{"address_id": r.room, "use": "vacant"}
		}), want: hiddenRecord(edit, "", 409)}},
		"PATCH /api/v1/houses/{id}": {{name: "house correct", req: send("PATCH", at("/api/v1/houses/%s", house), func(*regTarget) any {
			return map[string]any{"note": "matrix", "version": 999}
		}), want: hiddenRecord(edit, "", 409)}},
		"POST /api/v1/houses/{id}/tenants": {{name: "tenant in", req: send("POST", at("/api/v1/houses/%s/tenants", house), func(*regTarget) any {
			return map[string]any{"name": "矩阵租客", "from": "2026-11-01"}
		}), want: hiddenRecord(edit, "", 201)}},
		"POST /api/v1/houses/{id}/tenants/{tenancy}/end": {{name: "tenant out", req: send("POST", func(r *regTarget) string {
			return "/api/v1/houses/" + r.house + "/tenants/" + r.tenancy + "/end"
		}, func(*regTarget) any { return map[string]any{"to": "2026-11-30"} }), want: hiddenRecord(edit, "", 409)}},
		"GET /api/v1/organisations/{id}": {
			{name: "organisation", req: send("GET", at("/api/v1/organisations/%s", organisation), nil), want: hiddenRecord(read, "", 200)},
			{name: "organisation unmasked", req: send("GET", func(r *regTarget) string {
				return "/api/v1/organisations/" + r.organisation + "?unmasked=true&reason=matrix"
			}, nil),
				want: hiddenRecord(read, precinct.PermReadPersonal, 200)},
		},
		// The credit code is registered (409) once the address is reached.
		"POST /api/v1/organisations": {{name: "organisation create", req: send("POST", fixed("/api/v1/organisations"), func(r *regTarget) any {
			o, _ := findTargetOrg(r)
			return map[string]any{"name": "矩阵重复", "kind": "shop", "credit_code": o, "address_id": r.compound}
		}), want: hiddenRecord(edit, "", 409)}},
		"PATCH /api/v1/organisations/{id}": {{name: "organisation correct", req: send("PATCH", at("/api/v1/organisations/%s", organisation), func(*regTarget) any {
			return map[string]any{"note": "matrix", "version": 999}
		}), want: hiddenRecord(edit, "", 409)}},
		"GET /api/v1/visits/{id}": {{name: "visit", req: send("GET", at("/api/v1/visits/%s", func(r *regTarget) string { return r.visit }), nil), want: hiddenRecord(read, "", 200)}},
		// A visit where the caller does not work: refused for the place.
		"POST /api/v1/visits": {{name: "visit record", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/visits", body: map[string]any{"point": tg.point, "note": "matrix"}}
		}, want: single(edit, atPlace, 201, 403)}},
		"GET /api/v1/registry/accuracy":    {perGrid("accuracy", "/api/v1/registry/accuracy")},
		"GET /api/v1/registry/familiarity": {perGrid("familiarity", "/api/v1/registry/familiarity")},
		// A dry run of one row at the target: the row is accepted exactly
		// when the caller reaches its address.
		"POST /api/v1/registry/import": {{name: "import", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/registry/import?kind=residents&format=csv&dry_run=true", body: "姓名,地址编码\n矩阵丁," + reg(tg).room + "\n"}
		}, want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(edit) {
				return 403
			}
			return 200
		}, listed: func(b []byte, _ *target) bool {
			var res precinct.ImportResult
			_ = json.Unmarshal(b, &res)
			return res.Rows == 1 && len(res.Errors) == 0
		}, inList: func(u *precinct.User, tg *target) bool { return covers(u, tg.loc) }}},
		"GET /api/v1/registry/export": {{name: "export", req: func(*target) request {
			return request{method: "GET", path: "/api/v1/registry/export?kind=residents&format=csv"}
		}, want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(read) || !u.Role.Can(precinct.PermExport) {
				return 403
			}
			return 200
		}, listed: func(b []byte, tg *target) bool { return bytes.Contains(b, []byte(reg(tg).resident)) },
			inList: func(u *precinct.User, tg *target) bool { return covers(u, tg.loc) }}},
	}
	for route, l := range map[string]probe{
		"GET /api/v1/addresses":     recordList("addresses", "/api/v1/addresses?limit=1000", "id", func(r *regTarget) string { return r.building }),
		"GET /api/v1/residents":     recordList("residents", "/api/v1/residents?limit=1000", "id", resident),
		"GET /api/v1/houses":        recordList("houses", "/api/v1/houses?limit=1000", "id", house),
		"GET /api/v1/organisations": recordList("organisations", "/api/v1/organisations?limit=1000", "id", organisation),
		"GET /api/v1/visits":        recordList("visits", "/api/v1/visits?limit=1000", "id", func(r *regTarget) string { return r.visit }),
	} {
		p[route] = append(p[route], l)
	}
	return p
}

// findTargetOrg returns the credit code of a target's organisation.
func findTargetOrg(r *regTarget) (string, error) {
	for i, tg := range targets {
		if regTargets[tg.name] == r {
			return creditCode(fmt.Sprintf("1234%d", i)), nil
		}
	}
	return "", fmt.Errorf("no target")
}

// TestRegistryOverHTTP walks the registry's routes as an officer would,
// and checks every answer against the OpenAPI document.
func TestRegistryOverHTTP(t *testing.T) {
	e := newEnv(t)
	seedRegistry(t, e)
	rt := regTargets["own-grid"]
	officer, cmd, chief := e.login("officer1"), e.login("cmd1"), e.login("role-chief-st")
	schemas := openAPISchemas(t, e)
	fits := func(b []byte, schema string) {
		t.Helper()
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v %s", schema, err, b)
		}
		if err := validate(v, map[string]any{"$ref": "#/components/schemas/" + schema}, schemas, schema); err != nil {
			t.Errorf("answer does not fit %s: %v", schema, err)
		}
	}
	fitsList := func(b []byte, schema string) {
		t.Helper()
		var l struct{ Items []json.RawMessage }
		_ = json.Unmarshal(b, &l)
		for _, it := range l.Items {
			fits(it, schema)
		}
	}

	// POST /api/v1/residents: an invalid check digit is EINVALID on id_number.
	good := idNumber("19900101", "555")
	bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] != '1']
	code, b := e.call(officer, "POST", "/api/v1/residents", map[string]any{"name": "张三", "id_number": bad, "address_id": rt.room})
	if code != 400 {
		t.Fatalf("bad check digit: %d %s", code, b)
	}
	if c, msg, en, field := errorOf(t, b); c != "EINVALID" || field != "id_number" || msg == "" || en == "" {
		t.Errorf("bad check digit: %s %s %q %q", c, field, msg, en)
	}
	code, b = e.call(officer, "POST", "/api/v1/residents", map[string]any{"name": "张三", "id_number": good, "phone": "13955556666", "address_id": rt.room,
		"flags": []string{"elderly_alone"}})
	if code != 201 {
		t.Fatalf("capture: %d %s", code, b)
	}
	fits(b, "Resident")
	var res precinct.Resident
	_ = json.Unmarshal(b, &res)
	if res.IDNumber != precinct.MaskIDNumber(good) || res.Phone != "139****6666" {
		t.Errorf("captured %+v", res)
	}
	// GET /api/v1/residents?q=…: masked.
	for _, q := range []string{good, "13955556666", "张三", rt.compoundName + "1栋101"} {
		code, b = e.call(cmd, "GET", "/api/v1/residents?q="+url.QueryEscape(q), nil)
		if code != 200 || !bytes.Contains(b, []byte(res.ID)) {
			t.Errorf("search %q: %d %s", q, code, b)
		}
		if bytes.Contains(b, []byte(good)) || bytes.Contains(b, []byte("13955556666")) {
			t.Errorf("search %q shows personal data in clear", q)
		}
		fitsList(b, "Resident")
	}
	code, b = e.call(chief, "GET", "/api/v1/residents/"+res.ID+"?unmasked=true&reason="+url.QueryEscape("核查"), nil)
	if code != 200 || !bytes.Contains(b, []byte(good)) {
		t.Errorf("full view: %d %s", code, b)
	}
	fits(b, "Resident")
	code, b = e.call(e.login("role-community-pg"), "GET", "/api/v1/residents/"+res.ID+"?unmasked=true&reason=x", nil)
	if code != 403 {
		t.Errorf("full view without personal.read: %d %s", code, b)
	}
	// Correct, move, history.
	code, b = e.call(officer, "PATCH", "/api/v1/residents/"+res.ID, map[string]any{"phone": "13955557777", "version": res.Version})
	if code != 200 {
		t.Fatalf("correct: %d %s", code, b)
	}
	fits(b, "Resident")
	code, b = e.call(officer, "POST", "/api/v1/residents/"+res.ID+"/moves", map[string]any{"type": "moved_out", "date": "2026-11-20", "version": res.Version + 1})
	if code != 200 {
		t.Fatalf("move: %d %s", code, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/residents/"+res.ID+"/history", nil)
	if code != 200 || !bytes.Contains(b, []byte(`"moved_out"`)) || !bytes.Contains(b, []byte(`"corrected"`)) {
		t.Errorf("history: %d %s", code, b)
	}
	fitsList(b, "RecordChange")
	// Addresses: escaped IDs, match.
	code, b = e.call(officer, "GET", "/api/v1/addresses/"+url.PathEscape(rt.room), nil)
	if code != 200 {
		t.Fatalf("address: %d %s", code, b)
	}
	fits(b, "Address")
	code, b = e.call(officer, "GET", "/api/v1/addresses/match?q="+url.QueryEscape(rt.compoundName+"一栋101室"), nil)
	fitsList(b, "AddressMatch")
	var ms struct{ Items []precinct.AddressMatch }
	_ = json.Unmarshal(b, &ms)
	if code != 200 || len(ms.Items) == 0 || ms.Items[0].Address.ID != rt.room {
		t.Errorf("match: %d %s", code, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/addresses?parent_id="+url.QueryEscape(rt.building), nil)
	if code != 200 || !bytes.Contains(b, []byte(`"101"`)) {
		t.Errorf("children: %d %s", code, b)
	}
	fitsList(b, "Address")
	code, b = e.call(officer, "POST", "/api/v1/addresses", map[string]any{"parent_id": rt.building, "level": "room", "name": "102"})
	if code != 201 {
		t.Fatalf("address create: %d %s", code, b)
	}
	fits(b, "Address")
	// Houses, organisations.
	code, b = e.call(officer, "GET", "/api/v1/houses/"+rt.house, nil)
	fits(b, "House")
	if code != 200 || !bytes.Contains(b, []byte(rt.tenancy)) {
		t.Errorf("house: %d %s", code, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/houses", nil)
	fitsList(b, "House")
	code, b = e.call(officer, "POST", "/api/v1/organisations", map[string]any{"name": "旧代码商店", "kind": "shop", "credit_code": "12345678-9", "address_id": rt.compound})
	if code != 201 || !bytes.Contains(b, []byte(`"credit_code"`)) || !bytes.Contains(b, []byte(`"warnings":[{`)) {
		t.Fatalf("organisation with warning: %d %s", code, b)
	}
	fits(b, "Organisation")
	code, b = e.call(officer, "GET", "/api/v1/organisations?key_unit=false", nil)
	fitsList(b, "Organisation")
	// A visit sent twice with one key: one visit.
	visit := map[string]any{"id": "vis_http-test-000000001", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "address_id": rt.room,
		"verifications": []map[string]string{{"entity_type": "resident", "entity_id": rt.resident, "result": "corrected"}},
		"familiarity":   []map[string]any{{"resident_id": rt.resident, "knows_officer": true, "officer_knows": false}},
		"cards":         []map[string]string{{"resident_id": rt.resident}}}
	for i := 0; i < 2; i++ {
		code, b = e.sendKeyed(officer, "POST", "/api/v1/visits", visit, "visit-key-1")
		if code != 201 {
			t.Fatalf("visit %d: %d %s", i, code, b)
		}
		fits(b, "Visit")
	}
	code, b = e.call(officer, "GET", "/api/v1/visits?by=me", nil)
	fitsList(b, "Visit")
	if n := bytes.Count(b, []byte("vis_http-test-000000001")); code != 200 || n != 1 {
		t.Errorf("visits after a resend: %d %d %s", code, n, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/registry/accuracy?months=6", nil)
	fits(b, "AccuracyReport")
	code, b = e.call(officer, "GET", "/api/v1/registry/familiarity", nil)
	fits(b, "FamiliarityReport")
	// Import: errors in both languages, nothing written; then written.
	csvBody := "姓名,证件号码,地址编码\n李甲," + bad + "," + rt.room + "\n李乙,," + rt.room + "\n"
	code, b = e.send(cmd, "POST", "/api/v1/registry/import?kind=residents", "text/csv", strings.NewReader(csvBody))
	fits(b, "ImportResult")
	var ir precinct.ImportResult
	_ = json.Unmarshal(b, &ir)
	if code != 200 || ir.Written != 0 || len(ir.Errors) != 1 || ir.Errors[0].Row != 2 || ir.Errors[0].Column != "证件号码" || ir.Errors[0].MessageEN == "" {
		t.Errorf("import with an error: %d %s", code, b)
	}
	csvBody = "姓名,证件号码,地址编码\n李甲," + idNumber("19950505", "321") + "," + rt.room + "\n李乙,," + rt.room + "\n"
	code, b = e.send(cmd, "POST", "/api/v1/registry/import?kind=residents", "text/csv", strings.NewReader(csvBody))
	if code != 201 || !bytes.Contains(b, []byte(`"written":2`)) {
		t.Errorf("import: %d %s", code, b)
	}
	// Export: a real .xlsx file, masked; the officer has no export right.
	code, b = e.call(chief, "GET", "/api/v1/registry/export?kind=residents&format=xlsx", nil)
	if code != 200 || !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		t.Errorf("export: %d %.100q", code, b)
	}
	if code, _ := e.call(officer, "GET", "/api/v1/registry/export?kind=residents", nil); code != 403 {
		t.Errorf("officer exports: %d", code)
	}
	// Nothing the officer's answers held showed the seeded personal data.
	for _, c := range rt.clear {
		for _, path := range []string{"/api/v1/residents", "/api/v1/houses", "/api/v1/organisations", "/api/v1/visits/" + rt.visit} {
			if _, b := e.call(officer, "GET", path, nil); bytes.Contains(b, []byte(c)) {
				t.Errorf("%s shows %s in clear", path, c)
			}
		}
	}
}

// sendKeyed sends a JSON body with an Idempotency-Key.
func (e *env) sendKeyed(token, method, path string, body any, key string) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	return e.sendHeader(token, method, path, "application/json", bytes.NewReader(b), map[string]string{"Idempotency-Key": key})
}

// sendHeader sends a request with extra headers.
func (e *env) sendHeader(token, method, path, ctype string, body io.Reader, headers map[string]string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// openAPISchemas returns the schemas of the served OpenAPI document.
func openAPISchemas(t *testing.T, e *env) map[string]map[string]any {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	_, raw := e.call("", "GET", "/api/v1/openapi.json", nil)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas
}
