package http_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// perfOfficerRoles are the roles whose own performance list exists.
var perfOfficerRoles = map[precinct.Role]bool{
	precinct.RoleCommunity: true, precinct.RolePatrol: true, precinct.RoleCase: true, precinct.RoleAuxiliary: true,
	precinct.RoleCommand: true, precinct.RoleDispatcher: true, precinct.RoleChief: true,
}

// targetUserLoc is the jurisdiction of each target's user.
var targetUserLoc = map[string]precinct.Location{
	"u3": {SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}, "cmd2": {SubBureauID: "sb1", StationID: "st2"}, "u4": {SubBureauID: "sb2"},
}

// perfSees reports whether u sees the performance list of the target's
// user: with performance.read, when that user's jurisdiction lies wholly
// within u's.
func perfSees(u *precinct.User, tg *target) bool {
	if !u.Role.Can(precinct.PermReadPerformance) {
		return false
	}
	sc, l := precinct.ScopeOf(u), targetUserLoc[tg.user]
	if sc.All {
		return true
	}
	return sc.SubBureauID == l.SubBureauID && (sc.StationID == "" || sc.StationID == l.StationID) && (sc.PoliceGridID == "" || sc.PoliceGridID == l.PoliceGridID)
}

func perfMonth() string { return time.Now().In(precinct.CST).Format("2006-01") }

// performanceProbes are the matrix entries of the performance list: an
// officer's own list, a station's lists for its chief and command office,
// nothing for those outside the police.
func performanceProbes() map[string][]probe {
	status := func(u *precinct.User) int {
		if u.Role.Can(precinct.PermReadPerformance) || perfOfficerRoles[u.Role] {
			return 200
		}
		return 403
	}
	listed := func(b []byte, tg *target) bool {
		var l precinct.PerformanceList
		_ = json.Unmarshal(b, &l)
		for _, e := range l.Entries {
			if e.Officer.UserID == tg.user {
				return true
			}
		}
		return false
	}
	return map[string][]probe{"GET /api/v1/performance": {
		{name: "performance list", req: func(tg *target) request {
			if tg.user == "" {
				return request{}
			}
			return request{method: "GET", path: "/api/v1/performance?month=" + perfMonth()}
		}, want: func(u *precinct.User, _ *target) int { return status(u) }, listed: listed, inList: perfSees},
		{name: "performance of one officer", req: func(tg *target) request {
			if tg.user == "" {
				return request{}
			}
			return request{method: "GET", path: "/api/v1/performance?month=" + perfMonth() + "&user_id=" + url.QueryEscape(tg.user)}
		}, want: func(u *precinct.User, tg *target) int {
			switch {
			case status(u) == 403:
				return 403
			case !perfSees(u, tg):
				return 404
			}
			return 200
		}},
		{name: "performance export", req: func(tg *target) request {
			if tg.user == "" {
				return request{}
			}
			return request{method: "GET", path: "/api/v1/performance?format=xlsx&month=" + perfMonth() + "&user_id=" + url.QueryEscape(tg.user)}
		}, want: func(u *precinct.User, tg *target) int {
			switch {
			case status(u) == 403:
				return 403
			case !perfSees(u, tg):
				return 404
			}
			return 200
		}},
	}}
}

// TestPerformanceHTTP: the list of a month counts a visit recorded through
// the API; the .xlsx is a real workbook; a bad month is EINVALID on field
// month.
func TestPerformanceHTTP(t *testing.T) {
	e := newEnv(t)
	officer := e.login("officer1")
	month := perfMonth()
	code, b := e.call(officer, "POST", "/api/v1/visits", map[string]any{"point": precinct.Point{Lon: 108.1, Lat: 29.1}, "note": "走访"})
	if code != 201 {
		t.Fatalf("visit: %d %s", code, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/performance?month="+month, nil)
	var l precinct.PerformanceList
	if code != 200 || json.Unmarshal(b, &l) != nil || len(l.Entries) != 1 || l.Entries[0].Current[precinct.WorkVisits] != 1 {
		t.Fatalf("officer1's list: %d %s", code, b)
	}
	code, b = e.call(officer, "GET", "/api/v1/performance?month=2026-13", nil)
	if code != 400 || !bytes.Contains(b, []byte(`"field":"month"`)) || !bytes.Contains(b, []byte("EINVALID")) {
		t.Errorf("bad month: %d %s", code, b)
	}
	code, x := e.call(officer, "GET", "/api/v1/performance?month="+month+"&format=xlsx", nil)
	if code != 200 {
		t.Fatalf("xlsx: %d %s", code, x)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) != 2 || rows[1][1] != "officer1" || rows[1][3] != "1" {
		t.Errorf("workbook rows %q %v", rows, err)
	}
}
