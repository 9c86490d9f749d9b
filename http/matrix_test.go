package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"precinct"
)

// target is a place relative to the matrix users (bound to sb1, st1 or
// pg1): their own police grid, another grid of their station, another
// station of their sub-bureau, another sub-bureau; with the things there.
type target struct {
	name                                                  string
	point                                                 precinct.Point
	loc                                                   precinct.Location
	person, unit, incident, checkIn, user, serviceStation string
	report, photo, dispute                                string
	unitLoc                                               precinct.Location
}

// loginGuesses numbers the matrix's wrong logins.
var loginGuesses atomic.Int64

// defaultRules is a valid routing rules document, for edits the version
// check refuses.
var defaultRules json.RawMessage

var targets = []*target{
	{name: "own-grid", point: precinct.Point{Lon: 108.1, Lat: 29.1}, loc: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"},
		person: "p1", unit: "ug1", unitLoc: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}, user: "u3", serviceStation: "ss1"},
	{name: "other-grid", point: precinct.Point{Lon: 108.1, Lat: 29.4}, loc: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg5", CommunityGridID: "cg6"},
		person: "p5", unit: "ug5", unitLoc: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg5"}},
	{name: "other-station", point: precinct.Point{Lon: 108.7, Lat: 29.1}, loc: precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg3"},
		person: "p2", unit: "un4", unitLoc: precinct.Location{SubBureauID: "sb1", StationID: "st2"}, user: "cmd2", serviceStation: "ss1"},
	{name: "other-sub-bureau", point: precinct.Point{Lon: 110.2, Lat: 29.2}, loc: precinct.Location{SubBureauID: "sb2", StationID: "st3", PoliceGridID: "pg3", CommunityGridID: "cg5"},
		person: "p4", unit: "un7", unitLoc: precinct.Location{SubBureauID: "sb2", StationID: "st3"}, user: "u4"},
}

// request is one request of a probe; an empty method skips the target.
type request struct {
	method, path string
	body         any
}

// probe is how the matrix exercises one route: the request aimed at a
// target, and the status (or, for a list, whether the target's item is
// in the answer) the policy expects for a user there.
type probe struct {
	name string
	req  func(tg *target) request
	// want is the expected status for user u at target tg.
	want func(u *precinct.User, tg *target) int
	// listed, for a list, says whether the answer holds tg's item; the
	// item must be there exactly when inList says so.
	listed func(body []byte, tg *target) bool
	inList func(u *precinct.User, tg *target) bool
	// streamed marks the event stream, checked by its own part of the test.
	streamed bool
}

func covers(u *precinct.User, l precinct.Location) bool { return precinct.ScopeOf(u).Covers(l) }

// single is the status of a read or write of one thing at loc: ok when
// the role has perm and the scope covers loc, else 403 for the role, deny
// for the place.
func single(perm precinct.Permission, loc func(*target) precinct.Location, ok, deny int) func(*precinct.User, *target) int {
	return func(u *precinct.User, tg *target) int {
		switch {
		case !u.Role.Can(perm):
			return 403
		case !covers(u, loc(tg)):
			return deny
		}
		return ok
	}
}

// list is a list needing perm whose items lie at loc.
func list(perm precinct.Permission, loc func(*target) precinct.Location, listed func([]byte, *target) bool) probe {
	return probe{
		want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(perm) {
				return 403
			}
			return 200
		},
		listed: listed,
		inList: func(u *precinct.User, tg *target) bool { return covers(u, loc(tg)) },
	}
}

// hasItem reports whether a list answer holds an item with the ID.
func hasItem(field string, id func(*target) string) func([]byte, *target) bool {
	return func(b []byte, tg *target) bool {
		var l struct{ Items []map[string]any }
		if json.Unmarshal(b, &l) != nil {
			return false
		}
		for _, it := range l.Items {
			if it[field] == id(tg) {
				return true
			}
		}
		return false
	}
}

func get(path string) func(*target) request {
	return func(*target) request { return request{method: "GET", path: path} }
}

func getf(format string, arg func(*target) string) func(*target) request {
	return func(tg *target) request {
		a := arg(tg)
		if a == "" {
			return request{}
		}
		return request{method: "GET", path: fmt.Sprintf(format, a)}
	}
}

var (
	atSubBureau = func(tg *target) precinct.Location { return precinct.Location{SubBureauID: tg.loc.SubBureauID} }
	atStation   = func(tg *target) precinct.Location {
		return precinct.Location{SubBureauID: tg.loc.SubBureauID, StationID: tg.loc.StationID}
	}
	atPoliceGrid = func(tg *target) precinct.Location {
		return precinct.Location{SubBureauID: tg.loc.SubBureauID, StationID: tg.loc.StationID, PoliceGridID: tg.loc.PoliceGridID}
	}
	atPlace  = func(tg *target) precinct.Location { return tg.loc }
	atUnit   = func(tg *target) precinct.Location { return tg.unitLoc }
	atPerson = atPoliceGrid

	station       = func(tg *target) string { return tg.loc.StationID }
	subBureau     = func(tg *target) string { return tg.loc.SubBureauID }
	policeGrid    = func(tg *target) string { return tg.loc.PoliceGridID }
	communityGrid = func(tg *target) string { return tg.loc.CommunityGridID }
	person        = func(tg *target) string { return tg.person }
	unit          = func(tg *target) string { return tg.unit }
	incident      = func(tg *target) string { return tg.incident }
	gridReport    = func(tg *target) string { return tg.report }
	disputeOf     = func(tg *target) string { return tg.dispute }
)

// workHidden is the status of a read or action on a work item at the
// target: 403 without work.read, 404 outside the scope (its existence is
// not revealed), 403 without perm, else ok.
func workHidden(perm precinct.Permission, ok int) func(*precinct.User, *target) int {
	return func(u *precinct.User, tg *target) int {
		switch {
		case !u.Role.Can(precinct.PermReadWork):
			return 403
		case !covers(u, tg.loc):
			return 404
		case perm != "" && !u.Role.Can(perm):
			return 403
		}
		return ok
	}
}

// can answers ok when the role has perm, else 403.
func can(perm precinct.Permission, ok int) func(*precinct.User, *target) int {
	return func(u *precinct.User, _ *target) int {
		if u.Role.Can(perm) {
			return ok
		}
		return 403
	}
}

// always answers the same status to every signed-in user, once.
func always(status int) func(*precinct.User, *target) int {
	return func(*precinct.User, *target) int { return status }
}

// once aims a target-independent request at the first target only.
func once(r request) func(*target) request {
	return func(tg *target) request {
		if tg != targets[0] {
			return request{}
		}
		return r
	}
}

// hiddenWith is the status of an incident read that needs a further
// permission: 403 without incident.read, 404 outside the scope (the
// incident's existence is not revealed), 403 without perm, else ok.
func hiddenWith(perm precinct.Permission, ok int) func(*precinct.User, *target) int {
	return func(u *precinct.User, tg *target) int {
		switch {
		case !u.Role.Can(precinct.PermReadIncident):
			return 403
		case !covers(u, tg.loc):
			return 404
		case !u.Role.Can(perm):
			return 403
		}
		return ok
	}
}

// probes is the matrix: one entry per route of the server. A route added
// without an entry fails TestAuthorizationMatrix.
func probes() map[string][]probe {
	org, inc := precinct.PermReadOrg, precinct.PermReadIncident
	p := map[string][]probe{
		// A wrong password for a name of its own each time, so that the
		// throttle of one (username, address) pair does not answer.
		"POST /api/v1/auth/login": {{name: "wrong password", req: func(tg *target) request {
			if tg != targets[0] {
				return request{}
			}
			return request{"POST", "/api/v1/auth/login", map[string]string{"username": fmt.Sprintf("nobody-%d", loginGuesses.Add(1)), "password": "wrong-password"}}
		}, want: always(401)}},
		"POST /api/v1/auth/logout": {{name: "logout", want: always(204)}}, // sent last, with a token of its own
		"GET /api/v1/me":           {{name: "me", req: once(request{"GET", "/api/v1/me", nil}), want: always(200)}},
		"GET /api/v1/stream":       {{name: "stream", streamed: true}},
		"GET /api/v1/openapi.json": {{name: "openapi", req: once(request{"GET", "/api/v1/openapi.json", nil}), want: always(200)}},
		"GET /healthz":             {{name: "healthz", req: once(request{"GET", "/healthz", nil}), want: always(200)}},
		"GET /readyz":              {{name: "readyz", req: once(request{"GET", "/readyz", nil}), want: always(200)}},
		"GET /metrics":             {{name: "metrics", req: once(request{"GET", "/metrics", nil}), want: always(200)}},

		"GET /api/v1/sub-bureaus/{id}":      {{name: "sub-bureau", req: getf("/api/v1/sub-bureaus/%s", subBureau), want: single(org, atSubBureau, 200, 403)}},
		"GET /api/v1/stations/{id}":         {{name: "station", req: getf("/api/v1/stations/%s", station), want: single(org, atStation, 200, 403)}},
		"GET /api/v1/police-grids/{id}":     {{name: "police grid", req: getf("/api/v1/police-grids/%s", policeGrid), want: single(org, atPoliceGrid, 200, 403)}},
		"GET /api/v1/people/{id}":           {{name: "person", req: getf("/api/v1/people/%s", person), want: single(org, atPerson, 200, 403)}, {name: "person unmasked", req: getf("/api/v1/people/%s?unmasked=true&reason=matrix", person), want: single(precinct.PermReadPersonal, atPerson, 200, 403)}},
		"GET /api/v1/units/{id}":            {{name: "unit", req: getf("/api/v1/units/%s", unit), want: single(org, atUnit, 200, 403)}},
		"GET /api/v1/units/{id}/trajectory": {{name: "trajectory", req: getf("/api/v1/units/%s/trajectory", unit), want: single(org, atUnit, 200, 403)}},
		"GET /api/v1/resolve": {{name: "resolve", req: func(tg *target) request {
			return request{method: "GET", path: fmt.Sprintf("/api/v1/resolve?lon=%g&lat=%g", tg.point.Lon, tg.point.Lat)}
		}, want: single(org, atSubBureau, 200, 403)}},
		"GET /api/v1/categories": {{name: "categories", req: once(request{"GET", "/api/v1/categories", nil}), want: always(200)}},

		"GET /api/v1/incidents/{id}":            {{name: "incident", req: getf("/api/v1/incidents/%s", incident), want: hiddenWith(inc, 200)}, {name: "incident unmasked", req: getf("/api/v1/incidents/%s?unmasked=true&reason=matrix", incident), want: hiddenWith(precinct.PermReadPersonal, 200)}},
		"GET /api/v1/incidents/{id}/timeline":   {{name: "timeline", req: getf("/api/v1/incidents/%s/timeline", incident), want: hiddenWith(inc, 200)}},
		"GET /api/v1/incidents/{id}/kpis":       {{name: "kpis", req: getf("/api/v1/incidents/%s/kpis", incident), want: hiddenWith(inc, 200)}},
		"GET /api/v1/incidents/{id}/duplicates": {{name: "duplicates", req: getf("/api/v1/incidents/%s/duplicates", incident), want: hiddenWith(inc, 200)}},
		// A call being taken: asked where the caller may take a call.
		"GET /api/v1/incidents/duplicates": {{name: "call duplicates", req: func(tg *target) request {
			return request{method: "GET", path: fmt.Sprintf("/api/v1/incidents/duplicates?lon=%g&lat=%g&category=help", tg.point.Lon, tg.point.Lat)}
		}, want: single(precinct.PermCreateIncident, atPlace, 200, 403)}},
		"GET /api/v1/incidents/{id}/recommendations": {{name: "recommendations", req: getf("/api/v1/incidents/%s/recommendations", incident), want: hiddenWith(inc, 200)}},
		// Closing a received incident is refused by its lifecycle (409):
		// that answer shows the caller got past authorization.
		"POST /api/v1/incidents/{id}/{action}": {{name: "action", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/incidents/" + tg.incident + "/close"}
		}, want: func(u *precinct.User, tg *target) int {
			switch {
			case !u.Role.Can(precinct.PermClose):
				return 403
			case !covers(u, tg.loc):
				return 404
			}
			return 409
		}}},
		"POST /api/v1/incidents": {{name: "intake", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/incidents", body: map[string]any{"source": "call_110", "category": "help", "place_type": "village",
				"location": tg.point, "priority": 3, "reporter": map[string]string{"name": "钱", "phone": "13912345678"}}}
		}, want: single(precinct.PermCreateIncident, atPlace, 201, 403)}},
		"GET /api/v1/rules": {{name: "rules", req: getf("/api/v1/rules?sub_bureau_id=%s", subBureau), want: single(inc, atSubBureau, 200, 403)}},
		"PUT /api/v1/rules": {{name: "rules edit", req: func(tg *target) request {
			return request{method: "PUT", path: "/api/v1/rules", body: map[string]any{"sub_bureau_id": tg.loc.SubBureauID, "version": 999, "rules": defaultRules}}
		}, want: single(precinct.PermEditRules, atSubBureau, 409, 403)}},
		// Street tiles are public road data: any role that reads maps.
		"GET /api/v1/tiles/{z}/{x}/{y}": {{name: "street tile", req: once(request{"GET", "/api/v1/tiles/12/3200/1700.mvt", nil}), want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(org) {
				return 403
			}
			return 200
		}}},
		// Address search: any role that reads maps; the grids found are the
		// caller's own (geocode's tests), so the answer is 200 for each.
		"GET /api/v1/geocode": {{name: "geocode", req: once(request{"GET", "/api/v1/geocode?q=pg", nil}), want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(org) {
				return 403
			}
			return 200
		}}},
		"GET /api/v1/stats/incidents":        {{name: "statistics", req: getf("/api/v1/stats/incidents?station_id=%s", station), want: single(inc, atStation, 200, 403)}},
		"GET /api/v1/stats/incidents/export": {{name: "statistics export", req: getf("/api/v1/stats/incidents/export?format=csv&station_id=%s", station), want: single(inc, atStation, 200, 403)}},

		// An officer sets their own unit's status; another unit's takes the
		// right to dispatch it.
		"POST /api/v1/units/{id}/status": {{name: "unit status", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/units/" + tg.unit + "/status", body: map[string]string{"status": "available"}}
		}, want: single(precinct.PermDispatch, atUnit, 200, 403)}},
		// Positions come from a unit's own crew, or an administrator's gateway.
		"POST /api/v1/positions": {{name: "positions", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/positions", body: map[string]any{"positions": []map[string]any{{"unit_id": tg.unit, "point": tg.point, "at": time.Now().UTC()}}}}
		}, want: func(u *precinct.User, _ *target) int {
			if u.Role == precinct.RoleAdmin {
				return 202
			}
			return 403
		}}},
		// The grid loop, disputes and tasks.
		"POST /api/v1/grid-reports": {{name: "grid report", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/grid-reports", body: map[string]any{"category": "safety_hazard", "description": "电线裸露", "location": tg.point}}
		}, want: single(precinct.PermReportWork, atPlace, 201, 403)}},
		"GET /api/v1/grid-reports/{id}":          {{name: "grid report read", req: getf("/api/v1/grid-reports/%s", gridReport), want: workHidden("", 200)}},
		"GET /api/v1/grid-reports/{id}/timeline": {{name: "grid report timeline", req: getf("/api/v1/grid-reports/%s/timeline", gridReport), want: workHidden("", 200)}},
		"GET /api/v1/grid-reports/{id}/contacts": {{name: "grid report contacts", req: getf("/api/v1/grid-reports/%s/contacts?reason=matrix&unmasked=true", gridReport), want: workHidden(precinct.PermReadPersonal, 200)}},
		"GET /api/v1/grid-reports/{id}/photos/{photo}": {{name: "grid report photo", req: func(tg *target) request {
			return request{method: "GET", path: "/api/v1/grid-reports/" + tg.report + "/photos/" + tg.photo}
		}, want: workHidden("", 200)}},
		// A transfer to a department that does not exist is refused (400)
		// after authorization.
		"POST /api/v1/grid-reports/{id}/{action}": {{name: "grid report action", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/grid-reports/" + tg.report + "/transfer", body: map[string]string{"assignee": "dept:nope"}}
		}, want: workHidden(precinct.PermTriageWork, 400)}},
		"GET /api/v1/grid-categories": {{name: "grid categories", req: once(request{"GET", "/api/v1/grid-categories", nil}), want: can(precinct.PermReadWork, 200)}},
		"GET /api/v1/departments":     {{name: "departments", req: once(request{"GET", "/api/v1/departments", nil}), want: can(precinct.PermReadWork, 200)}},
		"PUT /api/v1/departments/{id}": {{name: "department edit", req: func(tg *target) request {
			return request{method: "PUT", path: "/api/v1/departments/law-" + tg.loc.SubBureauID, body: map[string]any{"name": "综合执法", "kind": "law_enforcement", "jurisdiction": map[string]string{"sub_bureau_id": tg.loc.SubBureauID}}}
		}, want: single(precinct.PermManageUsers, atSubBureau, 200, 403)}},
		"GET /api/v1/evaluation/grid-reports": {{name: "evaluation", req: once(request{"GET", "/api/v1/evaluation/grid-reports", nil}), want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(precinct.PermReadWork) || u.Scope.PoliceGridID != "" {
				return 403
			}
			return 200
		}}},
		"GET /api/v1/community-offices": {{name: "community offices", req: once(request{"GET", "/api/v1/community-offices", nil}), want: can(precinct.PermReadOrg, 200)}},
		"PUT /api/v1/org/{kind}/{id}": {{name: "org edit", req: func(tg *target) request {
			return request{method: "PUT", path: "/api/v1/org/stations/mx-" + tg.name, body: map[string]any{"sub_bureau_id": tg.loc.SubBureauID, "name": "矩阵所", "kind": "urban",
				"location": tg.point}}
		}, want: single(precinct.PermManageOrg, atSubBureau, 200, 403)}},
		"DELETE /api/v1/org/{kind}/{id}": {{name: "org retire", req: once(request{"DELETE", "/api/v1/org/community-offices/none", nil}), want: can(precinct.PermManageOrg, 404)}},
		"GET /api/v1/open311-keys":       {{name: "open311 keys", req: once(request{"GET", "/api/v1/open311-keys", nil}), want: can(precinct.PermManageUsers, 200)}},
		"POST /api/v1/open311-keys": {{name: "open311 key", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/open311-keys", body: map[string]string{"name": "app", "sub_bureau_id": tg.loc.SubBureauID}}
		}, want: single(precinct.PermManageUsers, atSubBureau, 201, 403)}},
		"POST /api/v1/disputes": {{name: "dispute", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/disputes", body: map[string]any{"kind": "neighbour", "location": tg.point, "parties": []map[string]string{{"name": "甲"}}}}
		}, want: single(precinct.PermMediate, atPlace, 201, 403)}},
		"GET /api/v1/disputes/{id}":          {{name: "dispute read", req: getf("/api/v1/disputes/%s", disputeOf), want: workHidden("", 200)}},
		"GET /api/v1/disputes/{id}/timeline": {{name: "dispute timeline", req: getf("/api/v1/disputes/%s/timeline", disputeOf), want: workHidden("", 200)}},
		"GET /api/v1/disputes/{id}/contacts": {{name: "dispute contacts", req: getf("/api/v1/disputes/%s/contacts?reason=matrix&unmasked=true", disputeOf), want: workHidden(precinct.PermReadPersonal, 200)}},
		// A session without its record is refused (400) after authorization.
		"POST /api/v1/disputes/{id}/{action}": {{name: "dispute action", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/disputes/" + tg.dispute + "/session"}
		}, want: workHidden(precinct.PermMediate, 400)}},
		"GET /api/v1/stats/disputes": {{name: "dispute figures", req: once(request{"GET", "/api/v1/stats/disputes", nil}), want: can(precinct.PermReadWork, 200)}},
		"GET /api/v1/tasks":          {{name: "tasks", req: once(request{"GET", "/api/v1/tasks?date=2026-03-02", nil}), want: can(precinct.PermReadWork, 200)}},
		// Open311 takes no bearer token: without its api_key, 403; a post
		// that is not a form (the matrix sends JSON) is 400 before any key.
		"GET /open311/v2/services.json":  {{name: "open311 services", req: once(request{"GET", "/open311/v2/services.json", nil}), want: always(403)}},
		"GET /open311/v2/services.xml":   {{name: "open311 services xml", req: once(request{"GET", "/open311/v2/services.xml", nil}), want: always(403)}},
		"GET /open311/v2/requests.json":  {{name: "open311 requests", req: once(request{"GET", "/open311/v2/requests.json", nil}), want: always(403)}},
		"GET /open311/v2/requests.xml":   {{name: "open311 requests xml", req: once(request{"GET", "/open311/v2/requests.xml", nil}), want: always(403)}},
		"GET /open311/v2/requests/{id}":  {{name: "open311 request", req: getf("/open311/v2/requests/%s.json", gridReport), want: always(403)}},
		"POST /open311/v2/requests.json": {{name: "open311 post", req: once(request{"POST", "/open311/v2/requests.json", "service_code=traffic&lat=29.1&long=108.1"}), want: always(400)}},
		"POST /open311/v2/requests.xml":  {{name: "open311 post xml", req: once(request{"POST", "/open311/v2/requests.xml", "service_code=traffic&lat=29.1&long=108.1"}), want: always(400)}},
		// A check-in belongs to the caller's own place, wherever the phone
		// is: a point far away is recorded as outside the geofence.
		"POST /api/v1/checkins": {{name: "check-in", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/checkins", body: map[string]any{"point": tg.point}}
		}, want: func(u *precinct.User, _ *target) int {
			if !u.Role.Can(precinct.PermCheckIn) {
				return 403
			}
			return 201
		}}},
	}
	lists := map[string]struct {
		name string
		path string
		pr   probe
	}{
		"GET /api/v1/sub-bureaus":     {"sub-bureaus", "/api/v1/sub-bureaus", list(org, atSubBureau, hasItem("id", subBureau))},
		"GET /api/v1/stations":        {"stations", "/api/v1/stations?limit=1000", list(org, atStation, hasItem("id", station))},
		"GET /api/v1/police-grids":    {"police grids", "/api/v1/police-grids?limit=1000", list(org, atPoliceGrid, hasItem("id", policeGrid))},
		"GET /api/v1/community-grids": {"community grids", "/api/v1/community-grids?limit=1000", list(org, atPlace, hasItem("id", communityGrid))},
		"GET /api/v1/people":          {"people", "/api/v1/people?limit=1000", list(org, atPerson, hasItem("id", person))},
		"GET /api/v1/units":           {"units", "/api/v1/units?limit=1000", list(org, atUnit, hasItem("id", unit))},
		"GET /api/v1/incidents":       {"incidents", "/api/v1/incidents?limit=1000", list(inc, atPlace, hasItem("id", incident))},
		"GET /api/v1/grid-reports":    {"grid reports", "/api/v1/grid-reports?limit=1000", list(precinct.PermReadWork, atPlace, hasItem("id", gridReport))},
		"GET /api/v1/disputes":        {"disputes", "/api/v1/disputes?limit=1000", list(precinct.PermReadWork, atPlace, hasItem("id", disputeOf))},
		"GET /api/v1/checkins":        {"check-ins", "/api/v1/checkins?limit=1000", list(org, atPlace, hasItem("id", func(tg *target) string { return tg.checkIn }))},
		"GET /api/v1/audit":           {"audit", "/api/v1/audit?limit=1000", list(precinct.PermReadAudit, atSubBureau, hasItem("entity_id", person))},
		// ss1 is bound to st1 and st2: reached through either.
		"GET /api/v1/service-stations": {"service stations", "/api/v1/service-stations", list(org, func(*target) precinct.Location {
			return precinct.Location{SubBureauID: "sb1", StationID: "st1"}
		}, hasItem("id", func(tg *target) string { return tg.serviceStation }))},
		"GET /api/v1/map": {"map", "/api/v1/map?layer=police-grids", list(org, atPoliceGrid, func(b []byte, tg *target) bool {
			var fc struct {
				Features []struct{ Properties map[string]any }
			}
			_ = json.Unmarshal(b, &fc)
			for _, f := range fc.Features {
				if f.Properties["id"] == tg.loc.PoliceGridID {
					return true
				}
			}
			return false
		})},
		"GET /api/v1/users": {"users", "/api/v1/users", list(precinct.PermManageUsers, func(tg *target) precinct.Location {
			return map[string]precinct.Location{"u3": {SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}, "cmd2": {SubBureauID: "sb1", StationID: "st2"},
				"u4": {SubBureauID: "sb2"}}[tg.user]
		}, hasItem("id", func(tg *target) string { return tg.user }))},
	}
	for route, prs := range registryProbes() {
		p[route] = append(p[route], prs...)
	}
	for route, prs := range dutyProbes() {
		p[route] = append(p[route], prs...)
	}
	for route, prs := range preventionProbes() {
		p[route] = append(p[route], prs...)
	}
	for route, prs := range performanceProbes() {
		p[route] = append(p[route], prs...)
	}
	for route, l := range lists {
		pr := l.pr
		pr.name, pr.req = l.name, func(tg *target) request {
			if l.name == "users" && tg.user == "" || l.name == "service stations" && tg.serviceStation == "" {
				return request{}
			}
			return request{method: "GET", path: l.path}
		}
		p[route] = append(p[route], pr)
	}
	return p
}

// TestAuthorizationMatrix sends, for every route of the server, requests
// aimed at the caller's own police grid, another grid of their station,
// another station and another sub-bureau, as users of every role bound to
// a sub-bureau, a station and a police grid, and expects what the policy
// (precinct.Authorize over the caller's scope) says: for a single thing its
// status, for a list whether the thing is in it. Personal data never shows
// in clear unless asked for with ?unmasked=true. The event stream, live
// and replayed, keeps to the same rules.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("admin")
	before, err := e.store.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var lastSeq int64
	if len(before) > 0 {
		lastSeq = before[len(before)-1].Seq
	}

	users := []*precinct.User{}
	tokens := map[string]string{}
	names := []string{"role-admin"}
	for _, role := range allRoles[1:] {
		for level := range matrixScopes {
			names = append(names, "role-"+string(role)+"-"+level)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		u, err := e.store.FindUserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		users, tokens[name] = append(users, u), e.login(name)
	}

	// Live streams open before anything happens at the targets.
	live := map[string]*streamReader{}
	for _, u := range users {
		live[u.Username] = e.openStream(tokens[u.Username], "?positions=1")
	}

	for _, tg := range targets {
		tg.incident = e.intakeAt(admin, tg.point.Lon, tg.point.Lat)
		tg.checkIn = "ci-" + tg.name
		ci := &precinct.CheckIn{ID: tg.checkIn, UserID: "admin", UnitID: tg.unit, Point: &tg.point, Location: tg.loc, At: time.Now()}
		if err := e.store.CreateCheckIn(ctx, ci, precinct.NewEvent(ctx, time.Now(), "checkin.created", tg.loc, "checkin", ci.ID, nil, ci, nil)); err != nil {
			t.Fatal(err)
		}
		var rep struct {
			ID     string
			Photos []struct{ ID string }
		}
		code, b := e.call(admin, "POST", "/api/v1/grid-reports", map[string]any{"category": "traffic", "description": "信号灯损坏", "location": tg.point,
			"reporter_kind": "citizen", "reporter": map[string]string{"name": "钱", "phone": "13912345678"}, "photos": []map[string]any{{"data": []byte("\x89PNG\r\n\x1a\nmatrix")}}})
		if code != 201 || json.Unmarshal(b, &rep) != nil || len(rep.Photos) != 1 {
			t.Fatalf("grid report at %s: %d %s", tg.name, code, b)
		}
		tg.report, tg.photo = rep.ID, rep.Photos[0].ID
		code, b = e.call(admin, "POST", "/api/v1/disputes", map[string]any{"kind": "family", "location": tg.point, "parties": []map[string]string{{"name": "钱", "phone": "13912345678"}}})
		if code != 201 || json.Unmarshal(b, &rep) != nil {
			t.Fatalf("dispute at %s: %d %s", tg.name, code, b)
		}
		tg.dispute = rep.ID
		seedDuty(t, e, tg)
		seedPrevention(t, e, admin, tg)
		if code, b := e.call(admin, "GET", "/api/v1/people/"+tg.person+"?unmasked=true&reason=matrix", nil); code != 200 {
			t.Fatalf("audit a read of %s: %d %s", tg.person, code, b)
		}
		if code, b := e.call(admin, "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{"unit_id": tg.unit, "point": tg.point, "at": time.Now().UTC()}}}); code != 202 {
			t.Fatalf("position of %s: %d %s", tg.unit, code, b)
		}
	}
	seedRegistry(t, e)
	// Every sb1 user and the administrator hear the rules change last.
	var rules precinct.RuleDocument
	_, b := e.call(admin, "GET", "/api/v1/rules?sub_bureau_id=sb1", nil)
	_ = json.Unmarshal(b, &rules)
	defaultRules = rules.Rules
	if code, b := e.call(admin, "PUT", "/api/v1/rules", rules); code != 200 {
		t.Fatalf("rules: %d %s", code, b)
	}

	all := probes()
	for _, route := range e.http.Routes() {
		if len(all[route]) == 0 {
			t.Errorf("route %s has no entry in the authorization matrix", route)
		}
	}
	for route := range all {
		if !slices.Contains(e.http.Routes(), route) {
			t.Errorf("the matrix has an entry for %s, which the server does not serve", route)
		}
	}

	clearData := append([]string{"13912345678", "13800000001", "13800000002", "13800000004", "13800000005", "500114199001011234", "500115199002021235"}, preventionClear...)
	for _, u := range users {
		tok := tokens[u.Username]
		for route, prs := range all {
			for _, pr := range prs {
				if pr.streamed || pr.req == nil {
					continue
				}
				for _, tg := range targets {
					r := pr.req(tg)
					if r.method == "" {
						continue
					}
					want := pr.want(u, tg)
					t.Run(fmt.Sprintf("%s/%s/%s", u.Username, pr.name, tg.name), func(t *testing.T) {
						token := tok
						if !strings.HasPrefix(route, "GET /api/v1/") && !strings.HasPrefix(route, "POST /api/v1/") && !strings.HasPrefix(route, "PUT /api/v1/") && !strings.HasPrefix(route, "PATCH /api/v1/") && !strings.HasPrefix(route, "DELETE /api/v1/") {
							token = ""
						}
						code, b := e.call(token, r.method, r.path, r.body)
						if code != want {
							t.Fatalf("%s %s: status %d, want %d: %.300s", r.method, r.path, code, want, b)
						}
						if pr.listed != nil && code == 200 {
							if got, want := pr.listed(b, tg), pr.inList(u, tg); got != want {
								t.Errorf("%s %s: %s listed %v, want %v", r.method, r.path, tg.name, got, want)
							}
						}
						if !strings.Contains(r.path, "unmasked=true") && r.path != "/metrics" { // figures may hold any digits
							for _, c := range clearData {
								if bytes.Contains(b, []byte(c)) {
									t.Errorf("%s %s shows %s in clear", r.method, r.path, c)
								}
							}
						}
					})
				}
			}
		}
	}

	// The stream, live and replayed from before the targets' incidents,
	// carries an incident exactly when a single read would show it, with
	// the reporter's phone masked; positions only of units the caller
	// reaches.
	for _, u := range users {
		t.Run(u.Username+"/stream", func(t *testing.T) {
			replay := e.openStream(tokens[u.Username], fmt.Sprintf("?last_event_id=%d", lastSeq))
			for name, st := range map[string]*streamReader{"live": live[u.Username], "replay": replay} {
				got := st.until(t, "rules.updated", name == "live")
				for _, tg := range targets {
					if seen, want := got.incidents[tg.incident], covers(u, tg.loc); seen != want {
						t.Errorf("%s stream: incident at %s seen %v, want %v", name, tg.name, seen, want)
					}
					if name == "live" {
						if seen, want := got.units[tg.unit], covers(u, tg.unitLoc); seen != want {
							t.Errorf("live stream: position of %s at %s seen %v, want %v", tg.unit, tg.name, seen, want)
						}
					}
				}
				for _, c := range clearData {
					if strings.Contains(got.raw, c) {
						t.Errorf("%s stream shows %s in clear", name, c)
					}
				}
			}
		})
	}

	// Logout, last: each user's token ends.
	for _, u := range users {
		code, _ := e.call(tokens[u.Username], "POST", "/api/v1/auth/logout", nil)
		if code != 204 {
			t.Errorf("%s logout: %d", u.Username, code)
		}
	}
}

// streamReader reads one event stream in the background.
type streamReader struct {
	mu     sync.Mutex
	lines  []string
	closed chan struct{}
	cancel context.CancelFunc
}

// openStream opens GET /api/v1/stream with a query as the user with token.
func (e *env) openStream(token, query string) *streamReader {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/stream"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("stream: %v %v", err, resp)
	}
	s := &streamReader{closed: make(chan struct{}), cancel: cancel}
	e.t.Cleanup(cancel)
	go func() {
		defer close(s.closed)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
		}
	}()
	return s
}

// heard is what a stream carried.
type heard struct {
	incidents map[string]bool
	units     map[string]bool
	raw       string
}

// until reads the stream until an event of type last (and, with
// positions, a positions message) or five seconds, then closes it.
func (s *streamReader) until(t *testing.T, last string, positions bool) heard {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		raw := strings.Join(s.lines, "\n")
		s.mu.Unlock()
		done := strings.Contains(raw, "event: "+last) && (!positions || strings.Contains(raw, "event: positions"))
		if done || time.Now().After(deadline) {
			s.cancel()
			if !strings.Contains(raw, "event: "+last) {
				t.Errorf("no %s event within 5 s", last)
			}
			return parseHeard(raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func parseHeard(raw string) heard {
	h := heard{incidents: map[string]bool{}, units: map[string]bool{}, raw: raw}
	event := ""
	for _, line := range strings.Split(raw, "\n") {
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := []byte(strings.TrimPrefix(line, "data: "))
			if event == "positions" {
				var m struct{ Positions []precinct.Position }
				_ = json.Unmarshal(data, &m)
				for _, p := range m.Positions {
					h.units[p.UnitID] = true
				}
			} else if strings.HasPrefix(event, "incident.") {
				var ev precinct.Event
				if json.Unmarshal(data, &ev) == nil {
					h.incidents[ev.EntityID] = true
				}
			}
		}
	}
	return h
}
