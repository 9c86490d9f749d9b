package http_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"precinct"
)

// Prevention's part of the authorization matrix: at each target a warning
// pushed to the target's police grid (with its dissuasion task), and in
// each sub-bureau a warning waiting in triage.

// preventionRecords are the prevention records at one target.
type preventionRecords struct {
	warning, task, triage, publicity, notice string
}

var preventionAt = map[string]*preventionRecords{}

// warningRefs numbers the matrix's warnings, so that each is new.
var warningRefs atomic.Int64

// preventionClear are the phones of the matrix's warnings, never shown in
// clear.
var preventionClear = []string{"13612340001", "13612340002"}

func prevRec(tg *target) *preventionRecords { return preventionAt[tg.name] }

// seedPrevention takes in, as the administrator, two warnings for the
// target's sub-bureau that match no resident (triage), and places the
// first at the target's police grid.
func seedPrevention(t *testing.T, e *env, admin string, tg *target) {
	t.Helper()
	n := warningRefs.Add(1)
	code, b := e.call(admin, "POST", "/api/v1/warnings", map[string]any{"sub_bureau_id": tg.loc.SubBureauID, "warnings": []map[string]any{
		{"ref": fmt.Sprintf("M-%d-a", n), "fraud_type": "investment", "level": "high", "name": "矩阵预警", "phone": preventionClear[0]},
		{"ref": fmt.Sprintf("M-%d-b", n), "fraud_type": "loan", "phone": preventionClear[1]},
	}})
	var res struct {
		Rows []struct {
			WarningID string `json:"warning_id"`
			Status    string
		}
	}
	if code != 201 || json.Unmarshal(b, &res) != nil || len(res.Rows) != 2 || res.Rows[0].Status != "triage" {
		t.Fatalf("warnings at %s: %d %s", tg.name, code, b)
	}
	r := &preventionRecords{warning: res.Rows[0].WarningID, triage: res.Rows[1].WarningID}
	code, b = e.call(admin, "POST", "/api/v1/warnings/"+r.warning+"/place", map[string]any{"police_grid_id": tg.loc.PoliceGridID, "version": 1})
	var v struct {
		TaskID string `json:"task_id"`
	}
	if code != 200 || json.Unmarshal(b, &v) != nil || v.TaskID == "" {
		t.Fatalf("place at %s: %d %s", tg.name, code, b)
	}
	r.task = v.TaskID
	var made struct{ ID string }
	code, b = e.call(admin, "POST", "/api/v1/publicity-tasks", map[string]any{"police_grid_id": tg.loc.PoliceGridID, "title": "防盗宣传", "what": "发放防盗宣传资料", "where": "小区停车场"})
	if code != 201 || json.Unmarshal(b, &made) != nil {
		t.Fatalf("publicity at %s: %d %s", tg.name, code, b)
	}
	r.publicity = made.ID
	code, b = e.call(admin, "POST", "/api/v1/warning-notices", map[string]any{"police_grid_id": tg.loc.PoliceGridID, "headline": "警惕刷单返利诈骗", "description": "刷单就是诈骗"})
	if code != 201 || json.Unmarshal(b, &made) != nil {
		t.Fatalf("notice at %s: %d %s", tg.name, code, b)
	}
	r.notice = made.ID
	preventionAt[tg.name] = r
}

// evaluationMonths numbers the matrix's evaluations: each for a month of
// its own, so that none is refused as given already.
var evaluationMonths atomic.Int64

// inTriage reports whether u reaches the triage queue of tg's sub-bureau:
// work.read, and a jurisdiction of that sub-bureau bound to no station.
func inTriage(u *precinct.User, tg *target) bool {
	sc := precinct.ScopeOf(u)
	return u.Role.Can(precinct.PermReadWork) && sc.Covers(atSubBureau(tg)) && (sc.All || sc.StationID == "")
}

func preventionProbes() map[string][]probe {
	intake := single(precinct.PermIntakeWarning, atSubBureau, 201, 403)
	warning := func(tg *target) string { return prevRec(tg).warning }
	return map[string][]probe{
		"POST /api/v1/warnings": {{name: "warnings", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/warnings", body: map[string]any{"sub_bureau_id": tg.loc.SubBureauID, "warnings": []map[string]any{
				{"ref": fmt.Sprintf("P-%d", warningRefs.Add(1)), "fraud_type": "loan", "phone": preventionClear[1]}}}}
		}, want: intake}},
		"POST /api/v1/warnings/import": {{name: "warning ledger", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/warnings/import?format=csv&sub_bureau_id=" + tg.loc.SubBureauID,
				body: fmt.Sprintf("编号,诈骗类型,姓名,电话\nF-%d,网购退款,矩阵,%s\n", warningRefs.Add(1), preventionClear[1])}
		}, want: intake}},
		"GET /api/v1/warnings": {
			{name: "warnings list", req: func(*target) request { return request{method: "GET", path: "/api/v1/warnings?limit=1000"} },
				want: can(precinct.PermReadWork, 200), listed: hasItem("id", warning), inList: func(u *precinct.User, tg *target) bool {
					return u.Role.Can(precinct.PermReadWork) && covers(u, atPoliceGrid(tg))
				}},
			{name: "triage queue", req: func(*target) request {
				return request{method: "GET", path: "/api/v1/warnings?status=triage&limit=1000"}
			},
				want: can(precinct.PermReadWork, 200), listed: hasItem("id", func(tg *target) string { return prevRec(tg).triage }), inList: inTriage},
		},
		"GET /api/v1/warnings/{id}": {
			{name: "warning", req: getf("/api/v1/warnings/%s", warning), want: workHidden("", 200)},
			{name: "warning in triage", req: getf("/api/v1/warnings/%s", func(tg *target) string { return prevRec(tg).triage }),
				want: func(u *precinct.User, tg *target) int {
					switch {
					case !u.Role.Can(precinct.PermReadWork):
						return 403
					case !inTriage(u, tg):
						return 404
					}
					return 200
				}},
		},
		"GET /api/v1/warnings/{id}/person": {{name: "warning person", req: getf("/api/v1/warnings/%s/person?reason=matrix&unmasked=true", warning),
			want: workHidden(precinct.PermReadPersonal, 200)}},
		// Placing a warning already pushed is refused (409) past authorization.
		"POST /api/v1/warnings/{id}/place": {{name: "warning place", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/warnings/" + warning(tg) + "/place", body: map[string]any{"police_grid_id": tg.loc.PoliceGridID, "version": 2}}
		}, want: func(u *precinct.User, tg *target) int {
			switch {
			case !u.Role.Can(precinct.PermIntakeWarning), !u.Role.Can(precinct.PermReadWork):
				return 403
			case !covers(u, tg.loc):
				return 404
			}
			return 409
		}}},
		"GET /api/v1/dissuasion-tasks": {{name: "dissuasion tasks", req: func(*target) request {
			return request{method: "GET", path: "/api/v1/dissuasion-tasks?limit=1000"}
		}, want: can(precinct.PermReadWork, 200), listed: hasItem("id", func(tg *target) string { return prevRec(tg).task }),
			inList: func(u *precinct.User, tg *target) bool {
				return u.Role.Can(precinct.PermReadWork) && covers(u, atPoliceGrid(tg))
			}}},
		// A transfer without its note is refused (400) past authorization.
		"POST /api/v1/dissuasion-tasks/{id}/{action}": {{name: "dissuasion action", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/dissuasion-tasks/" + prevRec(tg).task + "/transfer"}
		}, want: workHidden(precinct.PermTriageWork, 400)}},
		"GET /api/v1/stats/warnings": {{name: "warning figures", req: once(request{"GET", "/api/v1/stats/warnings", nil}), want: can(precinct.PermReadWork, 200)}},

		"GET /api/v1/publicity/proposals": {{name: "publicity proposals", req: once(request{"GET", "/api/v1/publicity/proposals", nil}), want: can(precinct.PermReadIncident, 200)}},
		"POST /api/v1/publicity-tasks": {{name: "publicity task", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/publicity-tasks", body: map[string]any{"police_grid_id": tg.loc.PoliceGridID, "title": "防诈宣传", "what": "入户宣传", "where": "村委会"}}
		}, want: single(precinct.PermPrevention, atPoliceGrid, 201, 403)}},
		"GET /api/v1/publicity-tasks": {{name: "publicity tasks", req: func(*target) request { return request{method: "GET", path: "/api/v1/publicity-tasks?limit=1000"} },
			want: can(precinct.PermReadWork, 200), listed: hasItem("id", func(tg *target) string { return prevRec(tg).publicity }),
			inList: func(u *precinct.User, tg *target) bool {
				return u.Role.Can(precinct.PermReadWork) && covers(u, atPoliceGrid(tg))
			}}},
		// A cancel without its note is refused (400) past authorization.
		"POST /api/v1/publicity-tasks/{id}/{action}": {{name: "publicity action", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/publicity-tasks/" + prevRec(tg).publicity + "/cancel"}
		}, want: workHidden(precinct.PermPrevention, 400)}},
		"POST /api/v1/warning-notices": {{name: "warning notice", req: func(tg *target) request {
			return request{method: "POST", path: "/api/v1/warning-notices", body: map[string]any{"police_grid_id": tg.loc.PoliceGridID, "headline": "警惕网购退款诈骗", "description": "客服不会主动联系退款"}}
		}, want: func(u *precinct.User, tg *target) int {
			switch {
			case !u.Role.Can(precinct.PermPrevention):
				return 403
			case !covers(u, atPoliceGrid(tg)):
				return 404
			}
			return 201
		}}},
		"GET /api/v1/warning-notices": {{name: "warning notices", req: func(*target) request { return request{method: "GET", path: "/api/v1/warning-notices"} },
			want: can(precinct.PermReadWork, 200), listed: hasItem("id", func(tg *target) string { return prevRec(tg).notice }),
			inList: func(u *precinct.User, tg *target) bool {
				return u.Role.Can(precinct.PermReadWork) && covers(u, atPoliceGrid(tg))
			}}},
		"GET /api/v1/warning-notices/{id}": {{name: "warning notice read", req: getf("/api/v1/warning-notices/%s?format=cap", func(tg *target) string { return prevRec(tg).notice }), want: workHidden("", 200)}},
		// ss1 is bound to st1 and st2: every matrix account of sb1 reaches it.
		"GET /api/v1/joint-analysis": {{name: "joint analysis", req: once(request{"GET", "/api/v1/joint-analysis?service_station_id=ss1", nil}), want: can(precinct.PermReadIncident, 200)}},
		"GET /api/v1/crime-groups":   {{name: "crime groups", req: once(request{"GET", "/api/v1/crime-groups?sub_bureau_id=sb1", nil}), want: can(precinct.PermReadIncident, 200)}},
		"PUT /api/v1/crime-groups": {{name: "crime groups edit", req: func(tg *target) request {
			return request{method: "PUT", path: "/api/v1/crime-groups", body: map[string]any{"sub_bureau_id": tg.loc.SubBureauID,
				"groups": []map[string]any{{"code": "robbery", "name": "抢劫抢夺", "categories": []string{"robbery"}}}}}
		}, want: func(u *precinct.User, tg *target) int {
			if !u.Role.Can(precinct.PermPrevention) || !covers(u, atSubBureau(tg)) || u.Scope.StationID != "" {
				return 403
			}
			return 200
		}}},
		"GET /api/v1/joint-records": {{name: "joint records", req: once(request{"GET", "/api/v1/joint-records?service_station_id=ss1&kind=ledger", nil}), want: can(precinct.PermReadWork, 200)}},
		"POST /api/v1/joint-records": {{name: "joint record", req: once(request{"POST", "/api/v1/joint-records", map[string]any{"service_station_id": "ss1", "kind": "ledger",
			"date": "2026-03-01", "title": "会商", "findings": "夜间多发"}}), want: can(precinct.PermPrevention, 201)}},
		"GET /api/v1/mutual-evaluations": {{name: "mutual evaluations", req: once(request{"GET", "/api/v1/mutual-evaluations?service_station_id=ss1", nil}), want: can(precinct.PermReadWork, 200)}},
		"POST /api/v1/mutual-evaluations": {{name: "mutual evaluation", req: func(tg *target) request {
			if tg != targets[0] {
				return request{}
			}
			// Counted back from the first of this month: AddDate from the
			// 30th would fold "February 30" into March and repeat a month.
			now := time.Now().In(precinct.CST)
			m := time.Date(now.Year(), now.Month()-time.Month(evaluationMonths.Add(1)), 1, 0, 0, 0, 0, precinct.CST).Format("2006-01")
			return request{method: "POST", path: "/api/v1/mutual-evaluations", body: map[string]any{"service_station_id": "ss1", "station_id": "st1", "month": m,
				"direction": "by_station", "scores": map[string]int{"response": 4, "sharing": 4, "joint_work": 5}}}
		}, want: can(precinct.PermPrevention, 201)}},
	}
}
