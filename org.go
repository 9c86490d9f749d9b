package precinct

import "context"

// SubBureau is a public-security sub-bureau (分局) under a city bureau (市局),
// with its command centre (指挥中心). It is the top of a jurisdiction in Precinct.
type SubBureau struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CityBureau string `json:"city_bureau"` // name of the city bureau above it
	Code       string `json:"code"`        // administrative division code, e.g. 500114
	Datum      Datum  `json:"datum"`       // datum of every coordinate in this jurisdiction
	// Boundary is the district outline.
	Boundary MultiPolygon `json:"boundary,omitempty"`
	// Derived reports that polygons below the district outline were generated
	// (no public village boundaries exist) rather than surveyed.
	Derived bool `json:"derived"`
}

// StationKind is the kind of a police station (派出所).
type StationKind string

const (
	StationUrban   StationKind = "urban"   // 城区所: two teams and one office
	StationCentral StationKind = "central" // 中心所: coordinates 1–2 base stations
	StationBase    StationKind = "base"    // 基础所
	StationBorder  StationKind = "border"  // 边界所: cooperates across the district boundary
)

// Valid reports whether k is a known station kind.
func (k StationKind) Valid() bool {
	switch k {
	case StationUrban, StationCentral, StationBase, StationBorder:
		return true
	}
	return false
}

// Station is a police station (派出所). Each has a case-handling team, a
// community-policing team and an integrated command office (两队一室).
type Station struct {
	ID          string      `json:"id"`
	SubBureauID string      `json:"sub_bureau_id"`
	Name        string      `json:"name"`
	Code        string      `json:"code"` // division code of the town or street it serves
	Kind        StationKind `json:"kind"`
	// CentralID is, for a base station, the central station that coordinates it.
	CentralID string `json:"central_id,omitempty"`
	// Partners are, for a border station, the stations across the district
	// boundary it cooperates with (六联协作). They are outside Precinct's data.
	Partners []string     `json:"partners,omitempty"`
	Location Point        `json:"location"` // where the station building is
	Boundary MultiPolygon `json:"boundary,omitempty"`
}

// TeamKind names one of the three parts of a station.
type TeamKind string

const (
	TeamCase      TeamKind = "case"      // 案件办理队
	TeamCommunity TeamKind = "community" // 社区警务队
	TeamCommand   TeamKind = "command"   // 综合指挥室
)

// CommunityOffice is a community police office (警务室), one per village or
// community, where the community officer of a police grid works.
type CommunityOffice struct {
	ID           string `json:"id"`
	StationID    string `json:"station_id"`
	PoliceGridID string `json:"police_grid_id"`
	Name         string `json:"name"`
	Location     Point  `json:"location"`
}

// ServiceStation is a police service station (警务站) of the patrol unit, bound
// to two police stations ("1+1"), with patrol groups and armed vehicle crews on
// 24-hour duty.
type ServiceStation struct {
	ID          string    `json:"id"`
	SubBureauID string    `json:"sub_bureau_id"`
	Name        string    `json:"name"`
	Location    Point     `json:"location"`
	StationIDs  [2]string `json:"station_ids"`
}

// Binds reports whether the service station is bound to the station.
func (s *ServiceStation) Binds(stationID string) bool {
	return s.StationIDs[0] == stationID || s.StationIDs[1] == stationID
}

// StationFilter selects stations within Scope. Other zero fields match
// everything.
type StationFilter struct {
	Scope       Scope
	SubBureauID string
	Kind        StationKind
	IDs         []string // only these stations (a caller's jurisdiction)
	Cursor      string
	Limit       int
}

// OrgStore keeps the organisation of a jurisdiction.
type OrgStore interface {
	// ImportJurisdiction stores a whole jurisdiction (organisation, grids,
	// people, units, users) in one transaction. ECONFLICT if its sub-bureau exists.
	ImportJurisdiction(ctx context.Context, j *Jurisdiction) error
	// ApplyJurisdictions stores jurisdictions again, as an update in one
	// transaction: what is new is added, what differs is changed, and what
	// is no longer there is retired (kept for history). Runtime state (a
	// unit's status and position, a user's password) is left as it is.
	// Retiring a station or unit that an open incident holds is ECONFLICT.
	// With dryRun nothing is written; the diff says what would change.
	ApplyJurisdictions(ctx context.Context, js []*Jurisdiction, dryRun bool) (*OrgDiff, error)
	// Empty reports whether no sub-bureau is stored yet.
	Empty(ctx context.Context) (bool, error)

	FindSubBureau(ctx context.Context, id string) (*SubBureau, error)
	ListSubBureaus(ctx context.Context) ([]*SubBureau, error)
	FindStation(ctx context.Context, id string) (*Station, error) // ENOTFOUND
	ListStations(ctx context.Context, f StationFilter) ([]*Station, string, error)
	// ListServiceStations returns the police service stations of a
	// sub-bureau ("" for all); they are few, and callers keep to a scope.
	ListServiceStations(ctx context.Context, subBureauID string) ([]*ServiceStation, error)
	ListCommunityOffices(ctx context.Context, stationID string) ([]*CommunityOffice, error)
}

// OrgService reads the organisation of the jurisdictions a caller reaches.
// Every method authorizes against the user in ctx: an entity outside the
// caller's scope is EFORBIDDEN, and lists keep to the scope. People are
// masked; RevealPerson returns one in full, audited first.
type OrgService interface {
	SubBureaus(ctx context.Context) ([]*SubBureau, error)
	SubBureau(ctx context.Context, id string) (*SubBureau, error)
	Stations(ctx context.Context, f StationFilter) ([]*Station, string, error)
	Station(ctx context.Context, id string) (*Station, error)
	ServiceStations(ctx context.Context) ([]*ServiceStation, error)
	PoliceGrids(ctx context.Context, f GridFilter) ([]*PoliceGrid, string, error)
	PoliceGrid(ctx context.Context, id string) (*PoliceGrid, error)
	CommunityGrids(ctx context.Context, f GridFilter) ([]*CommunityGrid, string, error)
	// Resolve locates a point in a sub-bureau the caller reaches.
	Resolve(ctx context.Context, p Point) (Location, error)
	People(ctx context.Context, f PersonFilter) ([]*Person, string, error)
	Person(ctx context.Context, id string) (*Person, error)
	// RevealPerson returns a person with phone and ID number in clear: it
	// takes personal.read over the person and is audited, with the reason
	// given, before it returns.
	RevealPerson(ctx context.Context, id, reason string) (*Person, error)
	Categories(ctx context.Context) ([]Category, error)
	Audit(ctx context.Context, f AuditFilter) ([]*AuditRecord, string, error)
	Users(ctx context.Context) ([]*User, error)
}

// Jurisdiction is everything below one sub-bureau, as imported in one piece
// (the demo, a scenario, or an import file).
type Jurisdiction struct {
	SubBureau        SubBureau
	Stations         []*Station
	ServiceStations  []*ServiceStation
	CommunityOffices []*CommunityOffice
	PoliceGrids      []*PoliceGrid
	CommunityGrids   []*CommunityGrid
	People           []*Person
	Units            []*Unit
	Users            []*User // PasswordHash set; plain passwords never stored
}

// OrgCounts counts the organisation of one or more jurisdictions, by kind.
type OrgCounts struct {
	SubBureaus       int `json:"sub_bureaus"`
	Stations         int `json:"stations"`
	ServiceStations  int `json:"service_stations"`
	CommunityOffices int `json:"community_offices"`
	PoliceGrids      int `json:"police_grids"`
	CommunityGrids   int `json:"community_grids"`
	People           int `json:"people"`
	Units            int `json:"units"`
	Users            int `json:"users"`
}

// CountOrg returns the counts of js.
func CountOrg(js ...*Jurisdiction) OrgCounts {
	var c OrgCounts
	for _, j := range js {
		c.SubBureaus++
		c.Stations += len(j.Stations)
		c.ServiceStations += len(j.ServiceStations)
		c.CommunityOffices += len(j.CommunityOffices)
		c.PoliceGrids += len(j.PoliceGrids)
		c.CommunityGrids += len(j.CommunityGrids)
		c.People += len(j.People)
		c.Units += len(j.Units)
		c.Users += len(j.Users)
	}
	return c
}

// Add adds o to c.
func (c *OrgCounts) Add(o OrgCounts) {
	c.SubBureaus += o.SubBureaus
	c.Stations += o.Stations
	c.ServiceStations += o.ServiceStations
	c.CommunityOffices += o.CommunityOffices
	c.PoliceGrids += o.PoliceGrids
	c.CommunityGrids += o.CommunityGrids
	c.People += o.People
	c.Units += o.Units
	c.Users += o.Users
}

// OrgDiff is what storing a jurisdiction again added, changed and removed
// (retired: history keeps what was removed).
type OrgDiff struct {
	Added   OrgCounts `json:"added"`
	Changed OrgCounts `json:"changed"`
	Removed OrgCounts `json:"removed"`
	// NewUsers are the usernames of the users the import added.
	NewUsers []string `json:"new_users,omitempty"`
}

// EventOrgChanged is recorded when the organisation of a sub-bureau changes
// (an import, an administrator's edit); its data is the OrgDiff. Every node
// rebuilds its point resolver and live index when it arrives.
const EventOrgChanged = "org.changed"
