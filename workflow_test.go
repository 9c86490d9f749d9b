package precinct_test

import (
	"testing"

	"precinct"
)

// TestWorkPermissions checks the permissions of the grid loop and mediation
// for every role, written out apart from the policy in authz.go.
func TestWorkPermissions(t *testing.T) {
	perms := []precinct.Permission{precinct.PermReadWork, precinct.PermReportWork, precinct.PermTriageWork, precinct.PermHandleWork, precinct.PermMediate}
	want := map[precinct.Role]string{
		precinct.RoleAdmin:      "xxxxx",
		precinct.RoleDispatcher: "xxx..",
		precinct.RoleCommand:    "xxxxx",
		precinct.RoleChief:      "x.x..",
		precinct.RoleCase:       "xx.x.",
		precinct.RoleCommunity:  "xxxxx",
		precinct.RolePatrol:     "xx...",
		precinct.RoleAuxiliary:  "xx...",
		precinct.RoleAuditor:    "x....",
		precinct.RoleGridWorker: "xx...",
		precinct.RoleGovernance: "xxx..",
		precinct.RoleDepartment: "x..x.",
	}
	for role, row := range want {
		if !role.Valid() {
			t.Errorf("role %s is not valid", role)
		}
		for i, p := range perms {
			if got := role.Can(p); got != (row[i] == 'x') {
				t.Errorf("%s can %s: %v, want %v", role, p, got, !got)
			}
		}
	}
	// Those outside the police reach no incident, organisation write or
	// personal data.
	for _, role := range []precinct.Role{precinct.RoleGridWorker, precinct.RoleGovernance, precinct.RoleDepartment} {
		for _, p := range []precinct.Permission{precinct.PermReadIncident, precinct.PermCreateIncident, precinct.PermDispatch,
			precinct.PermReadPersonal, precinct.PermManageOrg, precinct.PermManageUsers, precinct.PermMediate} {
			if role.Can(p) {
				t.Errorf("%s can %s", role, p)
			}
		}
	}
	// A department user without a jurisdiction reaches nothing.
	u := &precinct.User{ID: "d", Username: "d", Role: precinct.RoleDepartment}
	if u.Validate() == nil || precinct.Authorize(u, precinct.PermReadWork) == nil {
		t.Error("a department user without a jurisdiction is accepted")
	}
}

func TestAssignee(t *testing.T) {
	if id, ok := precinct.DepartmentAssignee("d1").Department(); !ok || id != "d1" {
		t.Error("department assignee")
	}
	if st, tm, ok := precinct.TeamAssignee("st1", precinct.TeamCase).Team(); !ok || st != "st1" || tm != precinct.TeamCase {
		t.Error("team assignee")
	}
	for _, bad := range []precinct.Assignee{"dept:", "team:st1", "team:st1:kitchen", "user:", "x"} {
		if bad.Valid() {
			t.Errorf("%q is valid", bad)
		}
	}
}
