package precinct

import (
	"context"
	"time"
)

// CheckInPlaceKind is the kind of place a check-in belongs to.
type CheckInPlaceKind string

const (
	PlaceCommunityOffice CheckInPlaceKind = "community_office" // 警务室
	PlaceServiceStation  CheckInPlaceKind = "service_station"  // 警务站
	PlacePost            CheckInPlaceKind = "post"             // 岗位（护学岗等）
	PlaceStation         CheckInPlaceKind = "station"          // 派出所
)

// CheckInPlace is the place a person checks in at, with its geofence: a
// circle of RadiusM metres around Location.
type CheckInPlace struct {
	Kind     CheckInPlaceKind `json:"kind"`
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	Location Point            `json:"location"`
	RadiusM  int              `json:"radius_m"`
}

// CheckInVerdict says what a check-in shows.
type CheckInVerdict string

const (
	CheckInInside     CheckInVerdict = "inside"      // within the place's geofence: valid
	CheckInOutside    CheckInVerdict = "outside"     // recorded, but away from the place
	CheckInNoPosition CheckInVerdict = "no_position" // the phone gave no position
	CheckInNoPlace    CheckInVerdict = "no_place"    // the person has no place to check in at
)

// CheckIn is a check-in (打卡) at the start of duty: valid inside the geofence
// of the community office, service station or post the person belongs to;
// outside it, or without a position, it is recorded as such and says so.
type CheckIn struct {
	ID       string `json:"id"`
	UserID   string `json:"user_id"`
	PersonID string `json:"person_id,omitempty"`
	UnitID   string `json:"unit_id,omitempty"`
	// Point is where the phone was; nil when it had no position.
	Point *Point `json:"point"`
	// Location is the jurisdiction the check-in belongs to: its place's
	// (the office's police grid, the station), else the person's own.
	Location  Location       `json:"jurisdiction"`
	At        time.Time      `json:"at"`
	Note      string         `json:"note,omitempty"`
	Place     *CheckInPlace  `json:"place,omitempty"`
	Verdict   CheckInVerdict `json:"verdict"`
	Valid     bool           `json:"valid"`
	DistanceM *float64       `json:"distance_m,omitempty"`
}

// CheckInInput is a check-in as the officer app sends it.
type CheckInInput struct {
	Point *Point `json:"point"`
	Note  string `json:"note,omitempty"`
	// IdempotencyKey, from the Idempotency-Key header, makes a check-in
	// resent from the app's offline queue count once.
	IdempotencyKey string `json:"-"`
}

// CheckInFilter selects check-ins. Scope always applies (an empty Scope
// matches nothing).
type CheckInFilter struct {
	Scope        Scope
	SubBureauID  string
	StationID    string
	PoliceGridID string
	UserID       string
	UnitID       string
	Since, Until time.Time
	Cursor       string
	Limit        int
}

// LedgerRow is one person's line in a day's check-in ledger (打卡台账).
type LedgerRow struct {
	StationID    string `json:"station_id"`
	PoliceGridID string `json:"police_grid_id,omitempty"`
	// Community names the police grid (village or community) or, for people
	// of no grid, the station.
	Community string `json:"community"`
	PersonID  string `json:"person_id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	// Expected is set for people on shift or on the community team that day.
	Expected bool           `json:"expected"`
	Count    int            `json:"count"`
	First    *time.Time     `json:"first,omitempty"`
	Verdict  CheckInVerdict `json:"verdict,omitempty"` // of the best check-in of the day
	Place    string         `json:"place,omitempty"`
}

// CheckInLedger is the check-ins of one day, per community and station.
type CheckInLedger struct {
	Date      string      `json:"date"`
	StationID string      `json:"station_id,omitempty"`
	Rows      []LedgerRow `json:"rows"`
	Valid     int         `json:"valid"`
	Outside   int         `json:"outside"`
	NoPos     int         `json:"no_position"`
	Missing   int         `json:"missing"` // expected, no check-in
}

// CheckInStore keeps check-ins.
type CheckInStore interface {
	// CreateCheckIn stores a check-in with its event; ECONFLICT if its ID
	// exists (a replayed Idempotency-Key).
	CreateCheckIn(ctx context.Context, c *CheckIn, ev *Event) error
	FindCheckIn(ctx context.Context, id string) (*CheckIn, error)
	ListCheckIns(ctx context.Context, f CheckInFilter) ([]*CheckIn, string, error)
}
