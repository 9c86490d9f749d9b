package precinct

// Scope is the part of the jurisdiction tree a caller reaches. Services derive
// it from the caller (ScopeOf) and pass it down: every store query of
// jurisdiction-bound data takes one and returns only what it covers, so a list,
// an export and the event stream keep to the same rule as a single read.
//
// The zero Scope reaches nothing: a store given no scope returns no rows (fail
// closed). Only an administrator bound to no jurisdiction, and the node's own
// work (Everywhere), reach everything.
type Scope struct {
	// All reaches every jurisdiction.
	All bool `json:"all,omitempty"`
	// Location is the narrowest level the caller is bound to: a sub-bureau, a
	// station, a police grid or a community grid.
	Location
	// UnitID is the caller's own unit, which an officer reaches wherever it is
	// and whose incidents they read wherever it is sent.
	UnitID string `json:"unit_id,omitempty"`
}

// Everywhere is the scope of the node's own work: loading the live index,
// building the point resolver, relaying events. Never a user's.
var Everywhere = Scope{All: true}

// ScopeOf returns the scope of u. No user, a disabled user, or a user other
// than an administrator without a jurisdiction reaches nothing.
func ScopeOf(u *User) Scope {
	if u == nil || u.Disabled {
		return Scope{}
	}
	if u.Scope.SubBureauID == "" {
		if u.Role == RoleAdmin {
			return Everywhere
		}
		return Scope{}
	}
	return Scope{Location: u.Scope, UnitID: u.UnitID}
}

// Covers reports whether s reaches l (see Location.Covers).
func (s Scope) Covers(l Location) bool {
	return s.All || s.Location.Covers(l)
}

// CoversAny reports whether s reaches one of ls.
func (s Scope) CoversAny(ls ...Location) bool {
	for _, l := range ls {
		if s.Covers(l) {
			return true
		}
	}
	return false
}

// Empty reports whether s reaches nothing.
func (s Scope) Empty() bool { return !s.All && s.SubBureauID == "" }

// Level names the narrowest level of s: "all", "sub_bureau", "station",
// "police_grid", "community_grid", or "" for an empty scope.
func (s Scope) Level() string {
	switch {
	case s.All:
		return "all"
	case s.CommunityGridID != "":
		return "community_grid"
	case s.PoliceGridID != "":
		return "police_grid"
	case s.StationID != "":
		return "station"
	case s.SubBureauID != "":
		return "sub_bureau"
	}
	return ""
}
