package precinct

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ByUnitAndTime returns the indexes of ps ordered by unit, then time; of
// two positions of a unit at the same time, the first sent comes first.
func ByUnitAndTime(ps []Position) []int {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := strings.Compare(ps[a].UnitID, ps[b].UnitID); c != 0 {
			return c
		}
		return ps[a].At.Compare(ps[b].At)
	})
	return order
}

// UnitKind is the kind of a deployable unit.
type UnitKind string

const (
	UnitPatrolCar    UnitKind = "patrol_car"    // 巡逻车
	UnitFootPatrol   UnitKind = "foot_patrol"   // 步巡组（2 人）
	UnitArmedVehicle UnitKind = "armed_vehicle" // 武装处突车组（3 人）
	UnitMotorcycle   UnitKind = "motorcycle"    // 摩托车巡逻
	UnitCommunity    UnitKind = "community"     // 社区民警（警务室）
	UnitCaseTeam     UnitKind = "case_team"     // 案件办理组
	UnitVolunteer    UnitKind = "volunteer"     // 义警、群防力量
)

// Valid reports whether k is a known unit kind.
func (k UnitKind) Valid() bool {
	switch k {
	case UnitPatrolCar, UnitFootPatrol, UnitArmedVehicle, UnitMotorcycle, UnitCommunity, UnitCaseTeam, UnitVolunteer:
		return true
	}
	return false
}

// UnitStatus is a state of a unit.
type UnitStatus string

const (
	UnitAvailable  UnitStatus = "available"
	UnitDispatched UnitStatus = "dispatched"
	UnitEnRoute    UnitStatus = "en_route"
	UnitOnScene    UnitStatus = "on_scene"
	UnitBusy       UnitStatus = "busy"     // occupied with other work
	UnitOffDuty    UnitStatus = "off_duty" // 下班、休息
)

// Unit is a deployable force: a patrol group, an armed vehicle crew, a
// community officer with an auxiliary, a case team.
type Unit struct {
	ID               string     `json:"id"`
	Callsign         string     `json:"callsign"`
	Kind             UnitKind   `json:"kind"`
	SubBureauID      string     `json:"sub_bureau_id"`
	StationID        string     `json:"station_id,omitempty"`
	ServiceStationID string     `json:"service_station_id,omitempty"`
	PoliceGridID     string     `json:"police_grid_id,omitempty"` // home patch of a community unit
	Members          []string   `json:"members,omitempty"`        // Person IDs
	Status           UnitStatus `json:"status"`
	// StatusSince is when the unit took its status (zero where unknown).
	StatusSince time.Time `json:"status_since,omitzero"`
	IncidentID  string    `json:"incident_id,omitempty"` // the active incident it serves
	Position    Point     `json:"position"`
	PositionAt  time.Time `json:"position_at"`
}

// Location is where the unit belongs: its sub-bureau, its station (none for a
// police service station's unit) and, for a community unit, its police grid.
func (u *Unit) Location() Location {
	return Location{SubBureauID: u.SubBureauID, StationID: u.StationID, PoliceGridID: u.PoliceGridID}
}

// Position is one reported position of a unit.
type Position struct {
	UnitID   string    `json:"unit_id"`
	Point    Point     `json:"point"`
	At       time.Time `json:"at"`
	SpeedMPS float64   `json:"speed_mps,omitempty"`
	Heading  float64   `json:"heading,omitempty"`
	// Flag, when set, says why the position was stored but not taken as
	// the unit's live position.
	Flag PositionFlag `json:"flag,omitempty"`
}

// PositionFlag says why a reported position is not believed.
type PositionFlag string

const (
	// PositionImplausibleSpeed: reaching the point from the unit's previous
	// position would take a speed no police vehicle has.
	PositionImplausibleSpeed PositionFlag = "implausible_speed"
	// PositionOutside: the point is far outside the unit's sub-bureau.
	PositionOutside PositionFlag = "outside_jurisdiction"
)

// Limits of a reported position's own figures.
const (
	MaxReportedSpeedMPS = 120 // 432 km/h: more is a device error
)

// Page sizes of a trajectory: the default and the most a page holds.
const (
	TrajectoryPage    = 10000
	MaxTrajectoryPage = 100000
)

// TrajectoryFilter selects a unit's positions in [From, To), oldest first,
// a page at a time.
type TrajectoryFilter struct {
	UnitID   string
	From, To time.Time
	Cursor   string
	Limit    int
}

// UnitFilter selects units within Scope: a unit of a station is reached by
// that station's scope, a unit of a police service station by the scopes of
// both stations it is bound to, and a community unit of a police grid by
// that grid's scope; the caller's own unit (Scope.UnitID) always. Other zero
// fields match everything.
type UnitFilter struct {
	Scope            Scope
	SubBureauID      string
	StationIDs       []string
	ServiceStationID string
	Kinds            []UnitKind
	Status           []UnitStatus
	Cursor           string
	Limit            int
}

// UnitStore keeps units and their positions.
type UnitStore interface {
	FindUnit(ctx context.Context, id string) (*Unit, error)
	ListUnits(ctx context.Context, f UnitFilter) ([]*Unit, string, error)
	// SetUnitStatus changes the status of a unit that serves no incident
	// (going on or off duty, busy); ECONFLICT if it serves one.
	SetUnitStatus(ctx context.Context, id string, s UnitStatus, ev *Event) error
	// SavePositions stores a batch of positions and updates each unit's last
	// position from those not flagged, in one transaction. A (unit, time)
	// already stored is kept once. Unknown unit IDs are ENOTFOUND and
	// nothing is written.
	SavePositions(ctx context.Context, ps []Position) error
	// Trajectory returns a page of a unit's positions, flagged ones
	// included, and the cursor of the next page ("" at the end).
	Trajectory(ctx context.Context, f TrajectoryFilter) ([]Position, string, error)
}
