package precinct_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"precinct"
)

func TestIncidentLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		from   precinct.IncidentStatus
		action precinct.Action
		want   precinct.IncidentStatus
		code   string
	}{
		{"dispatch a received incident", precinct.IncidentReceived, precinct.ActionDispatch, precinct.IncidentDispatched, ""},
		{"push to the service station", precinct.IncidentReceived, precinct.ActionPush, precinct.IncidentReceived, ""},
		{"accept keeps dispatched", precinct.IncidentDispatched, precinct.ActionAccept, precinct.IncidentDispatched, ""},
		{"en route", precinct.IncidentDispatched, precinct.ActionEnRoute, precinct.IncidentEnRoute, ""},
		{"arrive from en route", precinct.IncidentEnRoute, precinct.ActionArrive, precinct.IncidentOnScene, ""},
		{"arrive straight from dispatched", precinct.IncidentDispatched, precinct.ActionArrive, precinct.IncidentOnScene, ""},
		{"reinforce on scene", precinct.IncidentOnScene, precinct.ActionReinforce, precinct.IncidentOnScene, ""},
		{"resolve on scene", precinct.IncidentOnScene, precinct.ActionResolve, precinct.IncidentResolved, ""},
		{"hand over", precinct.IncidentOnScene, precinct.ActionHandover, precinct.IncidentHandedOver, ""},
		{"close resolved", precinct.IncidentResolved, precinct.ActionClose, precinct.IncidentClosed, ""},
		{"close handed over", precinct.IncidentHandedOver, precinct.ActionClose, precinct.IncidentClosed, ""},
		{"callback after close", precinct.IncidentClosed, precinct.ActionCallback, precinct.IncidentCallbackDone, ""},
		{"arrive before dispatch", precinct.IncidentReceived, precinct.ActionArrive, "", precinct.ECONFLICT},
		{"resolve before arrival", precinct.IncidentEnRoute, precinct.ActionResolve, "", precinct.ECONFLICT},
		{"dispatch twice", precinct.IncidentDispatched, precinct.ActionDispatch, "", precinct.ECONFLICT},
		{"callback before close", precinct.IncidentResolved, precinct.ActionCallback, "", precinct.ECONFLICT},
		{"reinforce a closed incident", precinct.IncidentClosed, precinct.ActionReinforce, "", precinct.ECONFLICT},
		{"unknown action", precinct.IncidentReceived, "teleport", "", precinct.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.from.Next(tt.action)
			if code := precinct.ErrorCode(err); code != tt.code {
				t.Fatalf("code %q, want %q (err %v)", code, tt.code, err)
			}
			if got != tt.want {
				t.Errorf("next %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAuthorizationMatrix checks every role against every permission, inside
// and outside its jurisdiction. The expected matrix is written out here, apart
// from the policy, so a change to the policy must be made twice on purpose.
func TestAuthorizationMatrix(t *testing.T) {
	perms := []precinct.Permission{
		precinct.PermReadOrg, precinct.PermManageOrg, precinct.PermReadIncident, precinct.PermCreateIncident,
		precinct.PermDispatch, precinct.PermRespond, precinct.PermClose, precinct.PermReportPosition,
		precinct.PermCheckIn, precinct.PermReadPersonal, precinct.PermEditRules, precinct.PermReadAudit,
		precinct.PermManageUsers, precinct.PermManageDuty, precinct.PermForceWork,
	}
	// One letter per permission above, in order: x = allowed.
	want := map[precinct.Role]string{
		precinct.RoleAdmin:      "xxxxxxxx.xxxxx.",
		precinct.RoleDispatcher: "x.xxxxx..x...x.",
		precinct.RoleCommand:    "x.xxxxx..x...x.",
		precinct.RoleChief:      "x.x.x.x..xx..x.",
		precinct.RoleCase:       "x.xx.x.xx......",
		precinct.RoleCommunity:  "x.xx.x.xx......",
		precinct.RolePatrol:     "x.xx.x.xx......",
		precinct.RoleAuxiliary:  "x.xx...xx......",
		precinct.RoleAuditor:    "x.x........x...",
		precinct.RoleForce:      "........x.....x",
	}
	home := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	otherStation := precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg9", CommunityGridID: "cg9"}
	otherBureau := precinct.Location{SubBureauID: "sb2", StationID: "st7"}
	for role, row := range want {
		for i, p := range perms {
			allowed := row[i] == 'x'
			for _, scope := range []precinct.Location{
				{SubBureauID: "sb1"},
				{SubBureauID: "sb1", StationID: "st1"},
			} {
				u := &precinct.User{ID: "u", Role: role, Scope: scope}
				name := fmt.Sprintf("%s/%s/%s", role, p, scope.StationID)
				if err := precinct.Authorize(u, p, home); (err == nil) != allowed {
					t.Errorf("%s at home: err %v, allowed %v", name, err, allowed)
				}
				if err := precinct.Authorize(u, p, otherBureau); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
					t.Errorf("%s in another sub-bureau: err %v, want EFORBIDDEN", name, err)
				}
				err := precinct.Authorize(u, p, otherStation)
				if wantOK := allowed && scope.StationID == ""; (err == nil) != wantOK {
					t.Errorf("%s at another station: err %v, want allowed=%v", name, err, wantOK)
				}
			}
		}
	}
	if err := precinct.Authorize(nil, precinct.PermReadOrg); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("no user: %v", err)
	}
	admin := &precinct.User{Role: precinct.RoleAdmin}
	if err := precinct.Authorize(admin, precinct.PermManageUsers, otherBureau); err != nil {
		t.Errorf("an admin with an empty scope covers every jurisdiction: %v", err)
	}
	for _, role := range []precinct.Role{precinct.RoleDispatcher, precinct.RoleAuditor, precinct.RoleChief} {
		if err := precinct.Authorize(&precinct.User{Role: role}, precinct.PermReadOrg); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("%s without a jurisdiction: %v, want EFORBIDDEN (fail closed)", role, err)
		}
	}
	disabled := &precinct.User{Role: precinct.RoleAdmin, Disabled: true}
	if err := precinct.Authorize(disabled, precinct.PermReadOrg); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Errorf("disabled user: %v", err)
	}
}

func TestScopeCovers(t *testing.T) {
	grid := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}
	tests := []struct {
		name  string
		scope precinct.Location
		loc   precinct.Location
		want  bool
	}{
		{"grid scope covers its own grid", grid, precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg3"}, true},
		{"grid scope covers its station record", grid, precinct.Location{SubBureauID: "sb1", StationID: "st1"}, true},
		{"grid scope does not cover a sibling grid", grid, precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg2"}, false},
		{"station scope does not cover another station", precinct.Location{SubBureauID: "sb1", StationID: "st1"}, precinct.Location{SubBureauID: "sb1", StationID: "st2"}, false},
		{"sub-bureau scope covers its stations", precinct.Location{SubBureauID: "sb1"}, precinct.Location{SubBureauID: "sb1", StationID: "st2"}, true},
		{"sub-bureau scope does not cover another", precinct.Location{SubBureauID: "sb1"}, precinct.Location{SubBureauID: "sb2"}, false},
		{"an empty scope covers nothing", precinct.Location{}, precinct.Location{SubBureauID: "sb1", StationID: "st1"}, false},
		{"nothing covers a location without a sub-bureau", precinct.Location{SubBureauID: "sb1"}, precinct.Location{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scope.Covers(tt.loc); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScopeOf(t *testing.T) {
	station := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
	tests := []struct {
		name string
		user *precinct.User
		want precinct.Scope
	}{
		{"no user", nil, precinct.Scope{}},
		{"admin without a jurisdiction", &precinct.User{Role: precinct.RoleAdmin}, precinct.Everywhere},
		{"admin of a sub-bureau", &precinct.User{Role: precinct.RoleAdmin, Scope: precinct.Location{SubBureauID: "sb1"}}, precinct.Scope{Location: precinct.Location{SubBureauID: "sb1"}}},
		{"dispatcher without a jurisdiction", &precinct.User{Role: precinct.RoleDispatcher}, precinct.Scope{}},
		{"officer with a unit", &precinct.User{Role: precinct.RolePatrol, Scope: station, UnitID: "un1"}, precinct.Scope{Location: station, UnitID: "un1"}},
		{"disabled", &precinct.User{Role: precinct.RoleAdmin, Disabled: true}, precinct.Scope{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := precinct.ScopeOf(tt.user); got != tt.want {
				t.Errorf("ScopeOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name string
		user precinct.User
		ok   bool
	}{
		{"admin without a jurisdiction", precinct.User{Username: "a", Role: precinct.RoleAdmin}, true},
		{"dispatcher of a sub-bureau", precinct.User{Username: "d", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}}, true},
		{"dispatcher without a jurisdiction", precinct.User{Username: "d", Role: precinct.RoleDispatcher}, false},
		{"grid without its station", precinct.User{Username: "c", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", PoliceGridID: "pg1"}}, false},
		{"unknown role", precinct.User{Username: "x", Role: "king", Scope: precinct.Location{SubBureauID: "sb1"}}, false},
		{"no username", precinct.User{Role: precinct.RoleAdmin}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.user.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSharedIncidentIsVisibleToPartner(t *testing.T) {
	inc := &precinct.Incident{Location: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, SharedWith: []string{"st2"}}
	u := &precinct.User{Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}}
	if err := precinct.Authorize(u, precinct.PermReadIncident, inc.Locations()...); err != nil {
		t.Fatalf("partner station cannot read a shared incident: %v", err)
	}
	ev := &precinct.Event{SubBureauID: "sb1", StationID: "st1", Stations: []string{"st2"}}
	if !ev.Visible(precinct.ScopeOf(u)) {
		t.Error("partner station does not see the shared event")
	}
	if ev.Visible(precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st3"}}) {
		t.Error("a third station sees the event")
	}
}

func TestMasking(t *testing.T) {
	tests := []struct{ name, in, phone, id string }{
		{"mobile and ID", "13812345678", "138****5678", "138123*5678"},
		{"18-digit ID", "500114199001011234", "500***********1234", "500114********1234"},
		{"short", "123", "***", "***"},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := precinct.MaskPhone(tt.in); got != tt.phone {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.phone)
			}
			if got := precinct.MaskIDNumber(tt.in); got != tt.id {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.id)
			}
		})
	}
	p := precinct.Person{Phone: "13812345678", IDNumber: "500114199001011234"}.Masked()
	if strings.Contains(p.Phone, "1234") || strings.Contains(p.IDNumber, "19900101") {
		t.Errorf("masked person still shows personal data: %+v", p)
	}
}

func TestMultiPolygonGeoJSON(t *testing.T) {
	square := `{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[1,0.5],[1,1],[0.5,1],[0.5,0.5]]]}`
	var m precinct.MultiPolygon
	if err := json.Unmarshal([]byte(square), &m); err != nil {
		t.Fatal(err)
	}
	if !m.Contains(precinct.Point{Lon: 1.5, Lat: 1.5}) {
		t.Error("inside point not contained")
	}
	if m.Contains(precinct.Point{Lon: 0.75, Lat: 0.75}) {
		t.Error("point in the hole contained")
	}
	if m.Contains(precinct.Point{Lon: 3, Lat: 1}) {
		t.Error("outside point contained")
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back precinct.MultiPolygon
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("round trip: %v (%s)", err, out)
	}
	if len(back) != 1 || len(back[0]) != 2 || !strings.Contains(string(out), `"MultiPolygon"`) {
		t.Errorf("round trip lost structure: %s", out)
	}
	min, max := back.Bound()
	if min != (precinct.Point{}) || max != (precinct.Point{Lon: 2, Lat: 2}) {
		t.Errorf("bound %v %v", min, max)
	}
	for _, bad := range []string{`{"type":"Point","coordinates":[0,0]}`, `{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}`, `{"type":"Polygon","coordinates":[[[0,0],[200,0],[2,2],[0,0]]]}`} {
		var m precinct.MultiPolygon
		if err := json.Unmarshal([]byte(bad), &m); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", bad, err)
		}
	}
}

func TestPointValidate(t *testing.T) {
	for _, p := range []precinct.Point{{Lon: 181}, {Lat: -91}, {Lon: math.NaN()}, {Lat: math.Inf(1)}} {
		if err := p.Validate("location"); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("%v: %v", p, err)
		}
	}
	if err := (precinct.Point{Lon: 108.77, Lat: 29.53}).Validate("location"); err != nil {
		t.Error(err)
	}
	// One degree of latitude is about 111.2 km.
	if d := precinct.DistanceM(precinct.Point{Lat: 29}, precinct.Point{Lat: 30}); math.Abs(d-111195) > 100 {
		t.Errorf("distance %v", d)
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", precinct.FieldErrorf(precinct.EINVALID, "priority", "优先级应为 1 至 4：%d", "Priority must be 1 to 4: %d", 9))
	if precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("code %q", precinct.ErrorCode(err))
	}
	zh, en := precinct.ErrorMessage(err)
	if zh != "优先级应为 1 至 4：9" || en != "Priority must be 1 to 4: 9" {
		t.Errorf("messages %q %q", zh, en)
	}
	if precinct.ErrorCode(errors.New("disk on fire")) != precinct.EINTERNAL {
		t.Error("plain error is not internal")
	}
	if zh, _ := precinct.ErrorMessage(errors.New("secret detail")); strings.Contains(zh, "secret") {
		t.Error("internal detail leaked")
	}
	nf := precinct.ErrNotFound("警情", "Incident", "inc_1")
	if nf.Message != "警情不存在：inc_1" || nf.MessageEN != "Incident not found: inc_1" {
		t.Errorf("not found: %q %q", nf.Message, nf.MessageEN)
	}
}

func TestEventSubjectAndIDs(t *testing.T) {
	ctx := precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "u7"})
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	ev := precinct.NewEvent(ctx, now, "incident.created", precinct.Location{SubBureauID: "sb-500114", StationID: "ps-500114105"}, "incident", "inc_1", nil, map[string]int{"a": 1}, nil)
	if got := ev.Subject(); got != "precinct.sb-500114.ps-500114105.incident.created" {
		t.Errorf("subject %q", got)
	}
	if ev.Actor != "u7" || string(ev.After) != `{"a":1}` || ev.Before != nil {
		t.Errorf("event %+v", ev)
	}
	noStation := &precinct.Event{SubBureauID: "sb.x", Type: "rules.updated"}
	if got := noStation.Subject(); got != "precinct.sb_x._.rules.updated" {
		t.Errorf("subject %q", got)
	}
	a, b := precinct.NewID("inc", now), precinct.NewID("inc", now.Add(time.Millisecond))
	if a == b || !(a < b) || !strings.HasPrefix(a, "inc_") {
		t.Errorf("ids %q %q not unique and time-ordered", a, b)
	}
}

func TestDayStart(t *testing.T) {
	for _, tt := range []struct{ at, want string }{
		{"2026-11-25T15:59:59Z", "2026-11-25T00:00:00+08:00"},
		{"2026-11-25T16:00:00Z", "2026-11-26T00:00:00+08:00"}, // midnight in China
		{"2026-11-26T09:30:00+08:00", "2026-11-26T00:00:00+08:00"},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := precinct.DayStart(at).Format(time.RFC3339); got != tt.want {
			t.Errorf("DayStart(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

// TestDistanceTo checks that a Destination measures exactly what the
// haversine formula does, bit for bit, so that a router may use either.
func TestDistanceTo(t *testing.T) {
	haversine := func(a, b precinct.Point) float64 {
		const rad = math.Pi / 180
		lat1, lat2 := a.Lat*rad, b.Lat*rad
		dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
		h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dLon/2)*math.Sin(dLon/2)
		return 2 * 6371008.8 * math.Asin(math.Min(1, math.Sqrt(h)))
	}
	rng := rand.New(rand.NewPCG(4, 2))
	for range 10000 {
		a := precinct.Point{Lon: rng.Float64()*360 - 180, Lat: rng.Float64()*180 - 90}
		b := precinct.Point{Lon: a.Lon + rng.NormFloat64(), Lat: max(-90, min(90, a.Lat+rng.NormFloat64()))}
		if rng.IntN(2) == 0 {
			b = precinct.Point{Lon: rng.Float64()*360 - 180, Lat: rng.Float64()*180 - 90}
		}
		want := haversine(a, b)
		if got := precinct.DistanceTo(b).From(a); got != want {
			t.Fatalf("DistanceTo(%v).From(%v) = %v, want %v", b, a, got, want)
		}
		if got := precinct.DistanceM(a, b); got != want {
			t.Fatalf("DistanceM(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}
