package precinct

import (
	"context"
	"time"
)

// EmergencyRole is a member's part in a minimal emergency unit.
type EmergencyRole string

const (
	EmergencyOfficer    EmergencyRole = "officer"     // 民警
	EmergencyCadre      EmergencyRole = "cadre"       // 村（社区）干部
	EmergencyGridWorker EmergencyRole = "grid_worker" // 网格员
	EmergencyActivist   EmergencyRole = "activist"    // 治安积极分子
)

// Valid reports whether r is a known role.
func (r EmergencyRole) Valid() bool {
	switch r {
	case EmergencyOfficer, EmergencyCadre, EmergencyGridWorker, EmergencyActivist:
		return true
	}
	return false
}

// EmergencyUnit is the minimal emergency unit (最小应急处置单元) of a police
// grid: its officer, a village cadre, a grid worker and activists, called
// out together to an incident (seed 002).
type EmergencyUnit struct {
	ID           string            `json:"id"`
	SubBureauID  string            `json:"sub_bureau_id"`
	StationID    string            `json:"station_id"`
	PoliceGridID string            `json:"police_grid_id"`
	Name         string            `json:"name"`
	Members      []EmergencyMember `json:"members"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// EmergencyMember is one member of an emergency unit.
type EmergencyMember struct {
	PersonID string        `json:"person_id"`
	Name     string        `json:"name"`
	Role     EmergencyRole `json:"role"`
	// UserID is the member's account in the officer app; "" means the
	// command office calls them by phone and records the call.
	UserID string `json:"user_id,omitempty"`
}

// Channel is how a member of a call is reached.
type Channel string

const (
	ChannelApp   Channel = "app"   // notified in the app, acknowledges there
	ChannelPhone Channel = "phone" // called by the command office, which records the call
)

// CallStatus is where a member of an emergency call stands.
type CallStatus string

const (
	CallNotified     CallStatus = "notified"     // told, no acknowledgement yet
	CallAcknowledged CallStatus = "acknowledged" // on their way
	CallUnreached    CallStatus = "unreached"    // the phone call did not reach them
)

// EmergencyCall is an emergency unit called out to an incident.
type EmergencyCall struct {
	ID              string                `json:"id"`
	EmergencyUnitID string                `json:"emergency_unit_id"`
	Name            string                `json:"name"`
	IncidentID      string                `json:"incident_id"`
	SubBureauID     string                `json:"sub_bureau_id"`
	StationID       string                `json:"station_id"`
	PoliceGridID    string                `json:"police_grid_id"`
	Note            string                `json:"note,omitempty"`
	CalledBy        string                `json:"called_by"`
	At              time.Time             `json:"at"`
	Members         []EmergencyCallMember `json:"members"`
}

// EmergencyCallMember is one member's part in a call.
type EmergencyCallMember struct {
	PersonID string        `json:"person_id"`
	Name     string        `json:"name"`
	Role     EmergencyRole `json:"role"`
	UserID   string        `json:"user_id,omitempty"`
	Channel  Channel       `json:"channel"`
	Status   CallStatus    `json:"status"`
	AckAt    *time.Time    `json:"ack_at,omitempty"`
	// PhoneNote is the command office's record of the phone call.
	PhoneNote string `json:"phone_note,omitempty"`
	NotedBy   string `json:"noted_by,omitempty"`
}

// EmergencyFilter selects emergency units and calls.
type EmergencyFilter struct {
	Scope        Scope
	PoliceGridID string
	IncidentID   string
	PersonID     string // calls with this member
	Since        time.Time
	Limit        int
}

// EmergencyStore keeps emergency units and their calls.
type EmergencyStore interface {
	PutEmergencyUnit(ctx context.Context, u *EmergencyUnit, ev *Event) error
	FindEmergencyUnit(ctx context.Context, id string) (*EmergencyUnit, error)
	ListEmergencyUnits(ctx context.Context, f EmergencyFilter) ([]*EmergencyUnit, error)
	CreateEmergencyCall(ctx context.Context, c *EmergencyCall, ev *Event) error
	FindEmergencyCall(ctx context.Context, id string) (*EmergencyCall, error)
	ListEmergencyCalls(ctx context.Context, f EmergencyFilter) ([]*EmergencyCall, error)
	// UpdateEmergencyCall applies fn to the stored call under a lock and
	// stores the result with the event fn returns (nil: nothing changes).
	UpdateEmergencyCall(ctx context.Context, id string, fn func(c *EmergencyCall) (*Event, error)) (*EmergencyCall, error)
}
