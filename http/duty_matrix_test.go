package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/duty"
)

// Duty's part of the authorization matrix: records of each kind at each
// target, and one or more probes per duty route, with the statuses the
// policy gives. A record outside the caller's reach is 404, as if absent.

// dutyRecords are the duty records at one target.
type dutyRecords struct {
	pattern, post, rollCall, emergencyUnit, emergencyCall, secondment, forceTask, clue, forceUser string
}

var dutyAt = map[string]*dutyRecords{}

// week is the roster week the probes read.
var week = duty.WeekOf(time.Now())

func rosterOf(tg *target) string { return precinct.RosterID(tg.loc.StationID, week) }

func dutyRec(tg *target) *dutyRecords { return dutyAt[tg.name] }

// seedDuty stores, at a target, a shift pattern, a post, a roll call, an
// emergency unit and a call of it, a secondment, a member of the forces
// with a task and a clue, and the target person's duty list.
func seedDuty(t *testing.T, e *env, tg *target) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	st := precinct.Location{SubBureauID: tg.loc.SubBureauID, StationID: tg.loc.StationID}
	grid := precinct.Location{SubBureauID: tg.loc.SubBureauID, StationID: tg.loc.StationID, PoliceGridID: tg.loc.PoliceGridID}
	r := &dutyRecords{pattern: "pat-" + tg.name, post: "post-" + tg.name, rollCall: "rc-" + tg.name, emergencyUnit: "eu-" + tg.name, emergencyCall: "ec-" + tg.name,
		secondment: "sec-" + tg.name, forceTask: "ft-" + tg.name, clue: "clue-" + tg.name, forceUser: "force-" + tg.name}
	ev := func(typ, entity, id string, loc precinct.Location, after any) *precinct.Event {
		return precinct.NewEvent(ctx, now, typ, loc, entity, id, nil, after, nil)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := &precinct.ShiftPattern{ID: r.pattern, SubBureauID: st.SubBureauID, StationID: st.StationID, Name: "指挥室值班", Kind: precinct.ShiftCommand,
		Start: "08:00", Minutes: 600, Crews: [][]string{{tg.person}}, UpdatedAt: now}
	must(e.store.PutShiftPattern(ctx, p, ev("duty.pattern.updated", "shift_pattern", p.ID, st, p)))
	post := &precinct.Post{ID: r.post, SubBureauID: st.SubBureauID, StationID: st.StationID, Name: "护学岗", Kind: "school_gate", Location: tg.point, RadiusM: 100}
	must(e.store.PutPost(ctx, post, ev("duty.post.updated", "post", post.ID, st, post)))
	rc := &precinct.RollCall{ID: r.rollCall, SubBureauID: st.SubBureauID, StationID: st.StationID, Title: "点名", CalledBy: "admin", CalledAt: now,
		Deadline: now.Add(time.Hour), Status: precinct.RollCallOpen, Members: []precinct.RollCallMember{{PersonID: tg.person, Name: "x", Status: precinct.AnswerPending}}}
	must(e.store.CreateRollCall(ctx, rc, ev("duty.roll_call.created", "roll_call", rc.ID, st, nil)))
	eu := &precinct.EmergencyUnit{ID: r.emergencyUnit, SubBureauID: grid.SubBureauID, StationID: grid.StationID, PoliceGridID: grid.PoliceGridID, Name: "最小应急处置单元",
		Members: []precinct.EmergencyMember{{PersonID: tg.person, Name: "x", Role: precinct.EmergencyOfficer}}}
	must(e.store.PutEmergencyUnit(ctx, eu, ev("duty.emergency_unit.updated", "emergency_unit", eu.ID, grid, eu)))
	call := &precinct.EmergencyCall{ID: r.emergencyCall, EmergencyUnitID: eu.ID, IncidentID: tg.incident, SubBureauID: grid.SubBureauID, StationID: grid.StationID,
		PoliceGridID: grid.PoliceGridID, At: now, Members: []precinct.EmergencyCallMember{{PersonID: tg.person, Name: "x", Role: precinct.EmergencyOfficer, Channel: precinct.ChannelPhone, Status: precinct.CallNotified}}}
	must(e.store.CreateEmergencyCall(ctx, call, ev("duty.emergency.called", "emergency_call", call.ID, grid, call)))
	sec := &precinct.Secondment{ID: r.secondment, PersonID: tg.person, SubBureauID: st.SubBureauID, StationID: st.StationID, HomeUnit: "治安大队", CycleYears: 1,
		Start: duty.Date(now.AddDate(0, -1, 0)), End: duty.Date(now.AddDate(0, 6, 0))}
	must(e.store.PutSecondment(ctx, sec, ev("duty.secondment.updated", "secondment", sec.ID, st, sec)))
	must(e.store.CreateUser(ctx, &precinct.User{ID: r.forceUser, Username: r.forceUser, Name: "义警", Role: precinct.RoleForce, Scope: st, CreatedAt: now}))
	task := &precinct.ForceTask{ID: r.forceTask, SubBureauID: grid.SubBureauID, StationID: grid.StationID, PoliceGridID: grid.PoliceGridID, Kind: precinct.TaskPatrol,
		Title: "巡防", At: now, Assignees: []precinct.ForceAssignee{{UserID: r.forceUser}}}
	must(e.store.CreateForceTask(ctx, task, ev("force.task.created", "force_task", task.ID, grid, task)))
	clue := &precinct.Clue{ID: r.clue, SubBureauID: grid.SubBureauID, StationID: grid.StationID, PoliceGridID: grid.PoliceGridID, ReporterID: r.forceUser, Text: "线索", At: now}
	must(e.store.CreateClue(ctx, clue, ev("force.clue.reported", "clue", clue.ID, grid, clue)))
	a := &precinct.DutyAssignment{PersonID: tg.person, SubBureauID: st.SubBureauID, StationID: st.StationID, ItemIDs: []string{"c01"}, At: now}
	must(e.store.PutDutyAssignment(ctx, a, ev("duty.list.assigned", "duty_assignment", a.PersonID, st, a)))
	dutyAt[tg.name] = r
}

func dutyPost(path func(*target) string, body func(*target) any) func(*target) request {
	return func(tg *target) request { return request{method: "POST", path: path(tg), body: body(tg)} }
}

func dutyPut(path func(*target) string, body func(*target) any) func(*target) request {
	return func(tg *target) request { return request{method: "PUT", path: path(tg), body: body(tg)} }
}

func dutyPath(format string, arg func(*target) string) func(*target) string {
	return func(tg *target) string { return strings.ReplaceAll(format, "%s", arg(tg)) }
}

func dutyFixed(p string) func(*target) string { return func(*target) string { return p } }

// dutyProbes are the matrix entries of duty's routes.
func dutyProbes() map[string][]probe {
	org, manage := precinct.PermReadOrg, precinct.PermManageDuty
	rec := func(field func(*dutyRecords) string) func(*target) string {
		return func(tg *target) string { return field(dutyRec(tg)) }
	}
	pattern := rec(func(r *dutyRecords) string { return r.pattern })
	rollCall := rec(func(r *dutyRecords) string { return r.rollCall })
	eu := rec(func(r *dutyRecords) string { return r.emergencyUnit })
	ec := rec(func(r *dutyRecords) string { return r.emergencyCall })
	sec := rec(func(r *dutyRecords) string { return r.secondment })
	forceUser := rec(func(r *dutyRecords) string { return r.forceUser })
	stale := func(tg *target) any { return map[string]any{"version": 999, "shift_id": "x", "cover_id": tg.person} }
	patternBody := func(tg *target) any {
		return map[string]any{"station_id": tg.loc.StationID, "name": "白班", "kind": "day_patrol", "start": "08:00", "minutes": 720, "crews": [][]string{{tg.person}}}
	}
	p := map[string][]probe{
		"GET /api/v1/rosters/{id}":           {{name: "roster", req: getf("/api/v1/rosters/%s", rosterOf), want: single(org, atStation, 200, 404)}},
		"PUT /api/v1/rosters/{id}":           {{name: "roster edit", req: dutyPut(dutyPath("/api/v1/rosters/%s", rosterOf), stale), want: single(manage, atStation, 409, 404)}},
		"POST /api/v1/rosters/{id}/leaves":   {{name: "leave", req: dutyPost(dutyPath("/api/v1/rosters/%s/leaves", rosterOf), stale), want: single(manage, atStation, 409, 404)}},
		"POST /api/v1/rosters/{id}/swaps":    {{name: "swap", req: dutyPost(dutyPath("/api/v1/rosters/%s/swaps", rosterOf), stale), want: single(manage, atStation, 409, 404)}},
		"POST /api/v1/rosters/{id}/covers":   {{name: "cover", req: dutyPost(dutyPath("/api/v1/rosters/%s/covers", rosterOf), stale), want: single(manage, atStation, 409, 404)}},
		"POST /api/v1/rosters/import":        {{name: "roster import", req: once(request{"POST", "/api/v1/rosters/import", "not a workbook"}), want: can(manage, 400)}},
		"POST /api/v1/shift-patterns":        {{name: "pattern create", req: dutyPost(dutyFixed("/api/v1/shift-patterns"), patternBody), want: single(manage, atStation, 201, 404)}},
		"PUT /api/v1/shift-patterns/{id}":    {{name: "pattern put", req: dutyPut(dutyPath("/api/v1/shift-patterns/%s", pattern), patternBody), want: single(manage, atStation, 200, 404)}},
		"DELETE /api/v1/shift-patterns/{id}": {{name: "pattern delete", req: once(request{"DELETE", "/api/v1/shift-patterns/pat-nope", nil}), want: can(manage, 404)}},
		"POST /api/v1/posts": {{name: "post", req: dutyPost(dutyFixed("/api/v1/posts"), func(tg *target) any {
			return map[string]any{"station_id": tg.loc.StationID, "name": "二小护学岗", "location": tg.point}
		}), want: single(manage, atStation, 201, 404)}},
		"GET /api/v1/duty/board":    {{name: "duty board", req: getf("/api/v1/duty/board?station_id=%s", station), want: single(org, atStation, 200, 404)}},
		"GET /api/v1/duty/strength": {{name: "strength", req: getf("/api/v1/duty/strength?station_id=%s", station), want: single(org, atStation, 200, 404)}},
		"GET /api/v1/me/duty":       {{name: "my duty", req: once(request{"GET", "/api/v1/me/duty", nil}), want: always(200)}},
		"POST /api/v1/roll-calls": {{name: "roll call", req: dutyPost(dutyFixed("/api/v1/roll-calls"), func(tg *target) any {
			return map[string]any{"title": "全所点名", "targets": map[string]any{"station_id": tg.loc.StationID}, "deadline_s": 60}
		}), want: single(manage, atStation, 201, 404)}},
		"GET /api/v1/roll-calls/{id}":           {{name: "roll call read", req: getf("/api/v1/roll-calls/%s", rollCall), want: single(org, atStation, 200, 404)}},
		"POST /api/v1/roll-calls/{id}/ack":      {{name: "roll call ack", req: dutyPost(dutyPath("/api/v1/roll-calls/%s/ack", rollCall), func(*target) any { return map[string]any{} }), want: can(precinct.PermCheckIn, 404)}},
		"GET /api/v1/roll-calls/misses":         {{name: "misses", req: once(request{"GET", "/api/v1/roll-calls/misses", nil}), want: can(org, 200)}},
		"GET /api/v1/checkins/ledger":           {{name: "ledger", req: getf("/api/v1/checkins/ledger?station_id=%s", station), want: single(org, atStation, 200, 404)}, {name: "ledger xlsx", req: getf("/api/v1/checkins/ledger?format=xlsx&station_id=%s", station), want: single(org, atStation, 200, 404)}},
		"GET /api/v1/emergency-calls/{id}":      {{name: "emergency call", req: getf("/api/v1/emergency-calls/%s", ec), want: single(org, atPoliceGrid, 200, 404)}},
		"POST /api/v1/emergency-calls/{id}/ack": {{name: "emergency ack", req: dutyPost(dutyPath("/api/v1/emergency-calls/%s/ack", ec), func(*target) any { return nil }), want: can(precinct.PermCheckIn, 404)}},
		"POST /api/v1/emergency-calls/{id}/phone-notes": {{name: "phone note", req: dutyPost(dutyPath("/api/v1/emergency-calls/%s/phone-notes", ec), func(tg *target) any {
			return map[string]any{"person_id": tg.person, "note": "电话已通知", "reached": true}
		}), want: single(precinct.PermDispatch, atPoliceGrid, 200, 404)}},
		"POST /api/v1/emergency-units": {{name: "emergency unit create", req: dutyPost(dutyFixed("/api/v1/emergency-units"), func(tg *target) any {
			return map[string]any{"police_grid_id": tg.loc.PoliceGridID, "members": []map[string]string{{"person_id": tg.person, "role": "officer"}}}
		}), want: single(manage, atPoliceGrid, 201, 404)}},
		"PUT /api/v1/emergency-units/{id}": {{name: "emergency unit put", req: dutyPut(dutyPath("/api/v1/emergency-units/%s", eu), func(tg *target) any {
			return map[string]any{"police_grid_id": tg.loc.PoliceGridID, "members": []map[string]string{{"person_id": tg.person, "role": "officer"}}}
		}), want: single(manage, atPoliceGrid, 200, 404)}},
		"POST /api/v1/emergency-units/{id}/call": {{name: "emergency call out", req: dutyPost(dutyPath("/api/v1/emergency-units/%s/call", eu), func(tg *target) any {
			return map[string]any{"incident_id": tg.incident, "note": "速到"}
		}), want: single(precinct.PermDispatch, atPoliceGrid, 201, 404)}},
		"GET /api/v1/duty-lists": {{name: "duty lists", req: once(request{"GET", "/api/v1/duty-lists", nil}), want: can(org, 200)}},
		"PUT /api/v1/duty-lists/assignments/{person_id}": {{name: "assign duties", req: dutyPut(dutyPath("/api/v1/duty-lists/assignments/%s", person), func(*target) any {
			return map[string]any{"item_ids": []string{"c01"}}
		}), want: single(manage, atPerson, 200, 404)}},
		"POST /api/v1/secondments": {{name: "secondment create", req: dutyPost(dutyFixed("/api/v1/secondments"), func(tg *target) any {
			return map[string]any{"person_id": tg.person, "station_id": tg.loc.StationID, "home_unit": "刑侦大队", "cycle_years": 2, "start": "2026-01-01", "end": "2027-06-30"}
		}), want: single(manage, atStation, 201, 404)}},
		"PUT /api/v1/secondments/{id}": {{name: "secondment put", req: dutyPut(dutyPath("/api/v1/secondments/%s", sec), func(tg *target) any {
			return map[string]any{"person_id": tg.person, "station_id": tg.loc.StationID, "home_unit": "刑侦大队", "cycle_years": 2, "start": "2026-01-01", "end": "2027-06-30"}
		}), want: single(manage, atStation, 200, 404)}},
		"DELETE /api/v1/secondments/{id}": {{name: "secondment delete", req: once(request{"DELETE", "/api/v1/secondments/sec-nope", nil}), want: can(manage, 404)}},
		// A police officer is not of the mass-prevention forces: 400 shows
		// the caller got past role and jurisdiction.
		"POST /api/v1/force-accounts": {{name: "force account", req: dutyPost(dutyFixed("/api/v1/force-accounts"), func(tg *target) any {
			return map[string]any{"person_id": tg.person, "username": "x-" + tg.name, "password": "password-123"}
		}), want: single(manage, atPerson, 400, 404)}},
		"POST /api/v1/force-tasks": {{name: "force task", req: dutyPost(dutyFixed("/api/v1/force-tasks"), func(tg *target) any {
			return map[string]any{"station_id": tg.loc.StationID, "kind": "patrol", "title": "夜间巡防", "assignees": []map[string]string{{"user_id": forceUser(tg)}}}
		}), want: single(manage, atStation, 201, 404)}},
		"POST /api/v1/force-tasks/{id}/ack": {{name: "force task ack", req: dutyPost(dutyPath("/api/v1/force-tasks/%s/ack", rec(func(r *dutyRecords) string { return r.forceTask })), func(*target) any { return nil }), want: can(precinct.PermForceWork, 200)}},
		"POST /api/v1/clues":                {{name: "clue", req: once(request{"POST", "/api/v1/clues", map[string]any{"text": "线索"}}), want: can(precinct.PermForceWork, 201)}},
	}
	id := func(field string, f func(*dutyRecords) string) func([]byte, *target) bool {
		return hasItem(field, rec(f))
	}
	lists := map[string]struct {
		name string
		path string
		pr   probe
	}{
		"GET /api/v1/rosters":                {"rosters", "/api/v1/rosters?week=" + week, list(org, atStation, hasItem("id", rosterOf))},
		"GET /api/v1/shift-patterns":         {"patterns", "/api/v1/shift-patterns", list(org, atStation, id("id", func(r *dutyRecords) string { return r.pattern }))},
		"GET /api/v1/posts":                  {"posts", "/api/v1/posts", list(org, atStation, id("id", func(r *dutyRecords) string { return r.post }))},
		"GET /api/v1/roll-calls":             {"roll calls", "/api/v1/roll-calls?limit=1000", list(org, atStation, id("id", func(r *dutyRecords) string { return r.rollCall }))},
		"GET /api/v1/emergency-units":        {"emergency units", "/api/v1/emergency-units", list(org, atPoliceGrid, id("id", func(r *dutyRecords) string { return r.emergencyUnit }))},
		"GET /api/v1/emergency-calls":        {"emergency calls", "/api/v1/emergency-calls?limit=1000", list(org, atPoliceGrid, id("id", func(r *dutyRecords) string { return r.emergencyCall }))},
		"GET /api/v1/secondments":            {"secondments", "/api/v1/secondments", list(org, atStation, id("id", func(r *dutyRecords) string { return r.secondment }))},
		"GET /api/v1/duty-lists/assignments": {"duty assignments", "/api/v1/duty-lists/assignments", list(org, atStation, hasItem("person_id", person))},
		"GET /api/v1/force-tasks":            {"force tasks", "/api/v1/force-tasks?limit=1000", list(org, atPoliceGrid, id("id", func(r *dutyRecords) string { return r.forceTask }))},
		"GET /api/v1/clues":                  {"clues", "/api/v1/clues?limit=1000", list(org, atPoliceGrid, id("id", func(r *dutyRecords) string { return r.clue }))},
	}
	for route, l := range lists {
		pr := l.pr
		pr.name, pr.req = l.name, get(l.path)
		p[route] = append(p[route], pr)
	}
	return p
}

// TestForceRoleIsNarrow: a member of the mass-prevention forces, signed in
// with RoleForce, gets an answer on every route of the server only where the
// role allows: their own account and duty, their tasks, clues and
// check-ins; nothing of the organisation, incidents, rosters or people.
func TestForceRoleIsNarrow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hash, _ := auth.HashPassword(password)
	u := &precinct.User{ID: "vol", Username: "volunteer", Role: precinct.RoleForce, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, PasswordHash: hash}
	if err := e.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok := e.login("volunteer")
	allowed := map[string]bool{
		"GET /api/v1/me": true, "GET /api/v1/me/duty": true, "GET /api/v1/force-tasks": true, "POST /api/v1/clues": true, "POST /api/v1/checkins": true,
		"GET /api/v1/openapi.json": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	}
	for _, route := range e.http.Routes() {
		method, p, _ := strings.Cut(route, " ")
		if route == "POST /api/v1/auth/login" || route == "POST /api/v1/auth/logout" {
			continue
		}
		p = strings.NewReplacer("{id}", "x", "{person_id}", "p1", "{action}", "close").Replace(p)
		var body any
		switch route {
		case "POST /api/v1/clues":
			body = map[string]any{"text": "发现走失老人"}
		case "POST /api/v1/checkins":
			body = map[string]any{}
		default:
			if method != "GET" && method != "DELETE" {
				body = map[string]any{}
			}
		}
		code, b := e.call(tok, method, p, body)
		ok := code < 300
		switch {
		case allowed[route] && !ok:
			t.Errorf("%s: %d, want an answer: %.200s", route, code, b)
		case !allowed[route] && ok:
			t.Errorf("%s: %d, want a refusal: %.200s", route, code, b)
		}
	}
}
