package main

import (
	"strings"
	"testing"

	"precinct"
)

// TestForceClueEntersGridLoop: a station's command office opens an account
// for a volunteer (群防群治) and gives them a missing-person task; the
// volunteer acknowledges it and reports a clue, which enters the grid loop
// as a grid report at once.
func TestForceClueEntersGridLoop(t *testing.T) {
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	cmdUser := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommand && u.Scope.StationID != "" })
	cmd := login(t, base, cmdUser.Username, testDemoPassword)
	vols := listAll[*precinct.Person](cmd, "/api/v1/people?kind=volunteer&station_id="+cmdUser.Scope.StationID)
	if len(vols) == 0 {
		t.Fatal("no volunteer at the station")
	}
	var acct precinct.User
	if code := cmd.do("POST", "/api/v1/force-accounts", map[string]any{"person_id": vols[0].ID, "username": "volunteer-e2e", "password": "volunteer-pass-1"}, &acct); code != 201 {
		t.Fatalf("force account: %d", code)
	}
	var task precinct.ForceTask
	body := map[string]any{"kind": "missing_person", "title": "寻找走失老人", "detail": "男，78 岁", "assignees": []map[string]string{{"user_id": acct.ID}}}
	if code := cmd.do("POST", "/api/v1/force-tasks", body, &task); code != 201 {
		t.Fatalf("task: %d", code)
	}
	vol := login(t, base, "volunteer-e2e", "volunteer-pass-1")
	if code := vol.do("POST", "/api/v1/force-tasks/"+task.ID+"/ack", nil, &task); code != 200 || task.Assignees[0].AckAt == nil {
		t.Fatalf("ack: %d %+v", code, task.Assignees)
	}
	var clue precinct.Clue
	st := stationPoint(t, cmd)
	if code := vol.do("POST", "/api/v1/clues", map[string]any{"task_id": task.ID, "text": "老人在村口小卖部", "point": st}, &clue); code != 201 {
		t.Fatalf("clue: %d", code)
	}
	if !clue.HandedOff || clue.Ref == "" {
		t.Fatalf("clue not handed to the grid loop: %+v", clue)
	}
	var rep struct {
		ID     string `json:"id"`
		Report struct {
			Description string `json:"description"`
		} `json:"report"`
	}
	if code := admin.do("GET", "/api/v1/grid-reports/"+clue.Ref, nil, &rep); code != 200 || !strings.Contains(rep.Report.Description, "老人在村口小卖部") {
		t.Errorf("grid report %s: %d %+v", clue.Ref, code, rep)
	}
	// The volunteer reads nothing else.
	if code := vol.do("GET", "/api/v1/rosters", nil, nil); code != 403 {
		t.Errorf("rosters for a volunteer: %d, want 403", code)
	}
}
