package precinct

import "context"

// OrgEntityKind names a kind of organisation entity an administrator edits.
type OrgEntityKind string

const (
	OrgStations         OrgEntityKind = "stations"
	OrgServiceStations  OrgEntityKind = "service-stations"
	OrgCommunityOffices OrgEntityKind = "community-offices"
	OrgPoliceGrids      OrgEntityKind = "police-grids"
	OrgCommunityGrids   OrgEntityKind = "community-grids"
	OrgPeople           OrgEntityKind = "people"
	OrgUnits            OrgEntityKind = "units"
	OrgUsers            OrgEntityKind = "users"
)

// New returns a pointer to a new entity of the kind, to decode into; nil
// for an unknown kind.
func (k OrgEntityKind) New() any {
	switch k {
	case OrgStations:
		return &Station{}
	case OrgServiceStations:
		return &ServiceStation{}
	case OrgCommunityOffices:
		return &CommunityOffice{}
	case OrgPoliceGrids:
		return &PoliceGrid{}
	case OrgCommunityGrids:
		return &CommunityGrid{}
	case OrgPeople:
		return &Person{}
	case OrgUnits:
		return &Unit{}
	case OrgUsers:
		return &UserInput{}
	}
	return nil
}

// UserInput is a user as an administrator gives it, with a new password
// (empty keeps the current one; a new user without one cannot sign in).
type UserInput struct {
	User
	Password string `json:"password,omitempty"`
}

// OrgAdminService creates, edits and retires the organisation of a
// sub-bureau: stations, police service stations, community police offices,
// police and community grids (a GeoJSON polygon), people, units and users.
// It takes org.manage over the entity's place, checks the whole
// jurisdiction after the change (EINVALID with the field at fault), stores
// it as an import does (retired entities keep their history; a station or
// unit held by an open incident is not retired: ECONFLICT), audits the
// change and tells every node (org.changed).
type OrgAdminService interface {
	// PutOrg creates or replaces the entity of kind with ID id (for users,
	// the username) from v, a pointer from kind.New().
	PutOrg(ctx context.Context, kind OrgEntityKind, id string, v any) (*OrgDiff, error)
	// RetireOrg retires an entity (a user is disabled).
	RetireOrg(ctx context.Context, kind OrgEntityKind, id string) (*OrgDiff, error)
}
