package precinct

import "slices"

// Permission is something a role may do. Whether a user may do it to a
// particular thing also depends on the user's jurisdiction (Scope).
type Permission string

const (
	PermReadOrg         Permission = "org.read"          // stations, grids, units, people (masked)
	PermManageOrg       Permission = "org.manage"        // change organisation and grids
	PermReadIncident    Permission = "incident.read"     // incidents, timelines, recommendations, the stream
	PermCreateIncident  Permission = "incident.create"   // intake
	PermDispatch        Permission = "incident.dispatch" // dispatch, reinforce, push to a service station
	PermRespond         Permission = "incident.respond"  // accept, en route, arrive, resolve, hand over
	PermClose           Permission = "incident.close"    // close and callback
	PermReportPosition  Permission = "position.report"
	PermCheckIn         Permission = "duty.checkin"  // check in, answer roll calls and emergency calls
	PermManageDuty      Permission = "duty.manage"   // shifts, rosters, roll calls, emergency units, duty lists, forces' tasks
	PermForceWork       Permission = "force.work"    // a mass-prevention member's tasks and clues
	PermReadPersonal    Permission = "personal.read" // unmasked ID numbers and phones (audited)
	PermEditRules       Permission = "rules.edit"
	PermReadAudit       Permission = "audit.read"
	PermManageUsers     Permission = "users.manage"
	PermReadWork        Permission = "work.read"         // grid reports, disputes, tasks, their figures
	PermReportWork      Permission = "work.report"       // file a grid report (网格吹哨)
	PermTriageWork      Permission = "work.triage"       // triage, transfer, evaluate, close (分级转办、考核评价)
	PermHandleWork      Permission = "work.handle"       // accept and give feedback on work assigned to one's team or department
	PermMediate         Permission = "dispute.mediate"   // open disputes, record mediation, agreements, follow-ups
	PermReadRegistry    Permission = "registry.read"     // residents, houses, organisations, visits (masked)
	PermEditRegistry    Permission = "registry.edit"     // capture, correct, visit, import
	PermExport          Permission = "registry.export"   // export ledgers (masked, audited)
	PermReadPerformance Permission = "performance.read"  // other officers' performance lists
	PermIntakeWarning   Permission = "warning.intake"    // take anti-fraud warnings in, place those in triage (反诈中心)
	PermPrevention      Permission = "prevention.manage" // publicity tasks, warning notices, joint analysis, mutual evaluation
)

// rolePermissions is the authorization matrix: the one place that says which
// role may do what. Jurisdiction is checked separately by Scope.Covers.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: {PermReadOrg, PermManageOrg, PermReadIncident, PermCreateIncident, PermDispatch, PermRespond,
		PermClose, PermReportPosition, PermReadPersonal, PermEditRules, PermReadAudit, PermManageUsers, PermManageDuty,
		PermReadWork, PermReportWork, PermTriageWork, PermHandleWork, PermMediate,
		PermReadRegistry, PermEditRegistry, PermExport, PermReadPerformance, PermIntakeWarning, PermPrevention},
	RoleDispatcher: {PermReadOrg, PermReadIncident, PermCreateIncident, PermDispatch, PermRespond, PermClose, PermReadPersonal, PermManageDuty,
		PermReadWork, PermReportWork, PermTriageWork, PermIntakeWarning},
	RoleCommand: {PermReadOrg, PermReadIncident, PermCreateIncident, PermDispatch, PermRespond, PermClose, PermReadPersonal, PermManageDuty,
		PermReadWork, PermReportWork, PermTriageWork, PermHandleWork, PermMediate,
		PermReadRegistry, PermEditRegistry, PermExport, PermReadPerformance, PermIntakeWarning, PermPrevention},
	RoleChief: {PermReadOrg, PermReadIncident, PermDispatch, PermClose, PermReadPersonal, PermEditRules, PermManageDuty, PermReadWork, PermTriageWork,
		PermReadRegistry, PermExport, PermReadPerformance, PermPrevention},
	RoleCase: {PermReadOrg, PermReadIncident, PermCreateIncident, PermRespond, PermReportPosition, PermCheckIn, PermReadWork, PermReportWork, PermHandleWork,
		PermReadRegistry},
	RoleCommunity: {PermReadOrg, PermReadIncident, PermCreateIncident, PermRespond, PermReportPosition, PermCheckIn,
		PermReadWork, PermReportWork, PermTriageWork, PermHandleWork, PermMediate,
		PermReadRegistry, PermEditRegistry},
	RolePatrol: {PermReadOrg, PermReadIncident, PermCreateIncident, PermRespond, PermReportPosition, PermCheckIn, PermReadWork, PermReportWork},
	RoleAuxiliary: {PermReadOrg, PermReadIncident, PermCreateIncident, PermReportPosition, PermCheckIn, PermReadWork, PermReportWork,
		PermReadRegistry, PermEditRegistry},
	RoleAuditor: {PermReadOrg, PermReadIncident, PermReadAudit, PermReadWork},
	// Those outside the police: grid workers report from their grid; the
	// governance centres triage and transfer; a linked department reads
	// and handles only what is transferred to it (checked by the service).
	RoleGridWorker: {PermReadWork, PermReportWork},
	RoleGovernance: {PermReadOrg, PermReadWork, PermReportWork, PermTriageWork},
	RoleDepartment: {PermReadWork, PermHandleWork},
	// A member of the mass-prevention forces: check-ins, their tasks and clues.
	RoleForce: {PermCheckIn, PermForceWork},
}

// Permissions returns what role r may do, somewhere: the clients show only
// what the role can use (the services still check every request).
func (r Role) Permissions() []Permission { return slices.Clone(rolePermissions[r]) }

// Can reports whether role r has permission p anywhere.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Covers reports whether a jurisdiction s includes the location l: every level
// set in both must agree. An empty s covers nothing (fail closed: the one
// scope that reaches everything is Everywhere, see ScopeOf). A location
// coarser than s (a station, for a police-grid scope) is covered when it is
// one of s's ancestors, so a community officer reads their own station.
func (s Location) Covers(l Location) bool {
	if s.SubBureauID == "" || l.SubBureauID == "" {
		return false
	}
	if s.SubBureauID != l.SubBureauID {
		return false
	}
	if s.StationID != "" && l.StationID != "" && s.StationID != l.StationID {
		return false
	}
	if s.PoliceGridID != "" && l.PoliceGridID != "" && s.PoliceGridID != l.PoliceGridID {
		return false
	}
	if s.CommunityGridID != "" && l.CommunityGridID != "" && s.CommunityGridID != l.CommunityGridID {
		return false
	}
	return true
}

// Authorize returns nil if u may do p at any one of the locations (none means
// "anywhere in u's scope"), EUNAUTHORIZED for no user, else EFORBIDDEN.
func Authorize(u *User, p Permission, at ...Location) error {
	if u == nil {
		return Errorf(EUNAUTHORIZED, "未登录或登录已过期", "Not signed in, or the session has expired.")
	}
	if u.Disabled || !u.Role.Can(p) {
		return ErrForbidden()
	}
	sc := ScopeOf(u)
	if sc.Empty() {
		return ErrForbidden()
	}
	if len(at) == 0 || sc.CoversAny(at...) {
		return nil
	}
	return ErrForbidden()
}
