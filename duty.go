package precinct

import (
	"context"
	"time"
)

// DateLayout is the form of a calendar date in China Standard Time, as duty
// uses them: "2026-11-23".
const DateLayout = "2006-01-02"

// ShiftKind is what a shift is for.
type ShiftKind string

const (
	// ShiftPrimary is the primary duty officer (正班) of a police service
	// station: at the station 08:00–18:00, directing its auxiliaries' dispatch.
	ShiftPrimary ShiftKind = "primary"
	// ShiftSecondary is the secondary duty officer (副班): the leader of the
	// bound armed vehicle crew, who directs dispatch after the primary leaves;
	// the next day the primary becomes the secondary (seed 003).
	ShiftSecondary ShiftKind = "secondary"
	ShiftCrew      ShiftKind = "crew"         // 24-hour crew of an armed vehicle or patrol group
	ShiftDay       ShiftKind = "day_patrol"   // 白班巡逻组
	ShiftNight     ShiftKind = "night_patrol" // 夜班巡逻组
	ShiftOffice    ShiftKind = "office_hours" // 社区民警警务室工作时间
	ShiftPost      ShiftKind = "post"         // 岗位勤务，如护学岗
	ShiftCommand   ShiftKind = "command"      // 综合指挥室值班
)

// Valid reports whether k is a known shift kind.
func (k ShiftKind) Valid() bool {
	switch k {
	case ShiftPrimary, ShiftSecondary, ShiftCrew, ShiftDay, ShiftNight, ShiftOffice, ShiftPost, ShiftCommand:
		return true
	}
	return false
}

// ShiftPattern is the one definition of a recurring shift of a station or a
// police service station: when it starts (China Standard Time), how long it
// lasts, on which weekdays, which unit it crews or which post it stands, and
// who: Crews rotate daily, day d (counted from 2000-01-03) having
// Crews[(d+Offset) mod len(Crews)]. The 正副班 of seed 003 is two patterns
// over the same rotation of officers, the secondary's Offset one less than
// the primary's, so that today's primary is tomorrow's secondary. The server's
// rosters and the simulator both read patterns; neither keeps another
// definition of a shift.
type ShiftPattern struct {
	ID               string    `json:"id"`
	SubBureauID      string    `json:"sub_bureau_id"`
	StationID        string    `json:"station_id,omitempty"`
	ServiceStationID string    `json:"service_station_id,omitempty"`
	Name             string    `json:"name"`
	Kind             ShiftKind `json:"kind"`
	// Start is the time of day it begins, "08:00".
	Start string `json:"start"`
	// Minutes is how long it lasts, up to 1440 (24 hours).
	Minutes int `json:"minutes"`
	// Weekdays it begins on, 1 = Monday … 7 = Sunday; none means every day.
	Weekdays []int `json:"weekdays,omitempty"`
	// UnitID is the unit it crews: the unit is on shift, for recommendation
	// and dispatch, only while one of its shifts has someone present.
	UnitID string `json:"unit_id,omitempty"`
	// PostID is the post it stands (a school gate), if any.
	PostID string `json:"post_id,omitempty"`
	// MinCrew is the least crew the unit needs while this shift is on; fewer
	// present (after leave) flags the unit as short.
	MinCrew   int        `json:"min_crew"`
	Crews     [][]string `json:"crews"` // person IDs
	Offset    int        `json:"offset,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Owner returns the station or service station the pattern belongs to.
func (p *ShiftPattern) Owner() string {
	if p.ServiceStationID != "" {
		return p.ServiceStationID
	}
	return p.StationID
}

// Shift is one shift on one day of a roster: a pattern made concrete, with
// its crew as it stands after leave, swaps and cover.
type Shift struct {
	// ID is "<date>/<pattern ID>", stable within a roster.
	ID        string       `json:"id"`
	PatternID string       `json:"pattern_id"`
	Name      string       `json:"name"`
	Kind      ShiftKind    `json:"kind"`
	UnitID    string       `json:"unit_id,omitempty"`
	PostID    string       `json:"post_id,omitempty"`
	Start     time.Time    `json:"start"`
	End       time.Time    `json:"end"`
	MinCrew   int          `json:"min_crew"`
	Crew      []CrewMember `json:"crew"`
}

// Covers reports whether t falls in [Start, End).
func (s *Shift) Covers(t time.Time) bool { return !t.Before(s.Start) && t.Before(s.End) }

// CrewMember is one person on a shift.
type CrewMember struct {
	PersonID string `json:"person_id"`
	// For is the person this one stands in for (顶班) or swapped with (换班).
	For string `json:"for,omitempty"`
}

// Leave is a person's absence (请假、休假) in a roster's week.
type Leave struct {
	PersonID string    `json:"person_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reason   string    `json:"reason,omitempty"`
	// CoverID, if set, stands in for the person on the shifts the leave takes
	// them from.
	CoverID string `json:"cover_id,omitempty"`
}

// RosterChangeKind names an edit of a roster.
type RosterChangeKind string

const (
	ChangeLeave  RosterChangeKind = "leave"  // 请假
	ChangeSwap   RosterChangeKind = "swap"   // 换班
	ChangeCover  RosterChangeKind = "cover"  // 顶班
	ChangeEdit   RosterChangeKind = "edit"   // 编辑
	ChangeImport RosterChangeKind = "import" // 从表格导入
)

// RosterChange records one edit of a roster: who made it, when, and what.
type RosterChange struct {
	Kind     RosterChangeKind `json:"kind"`
	At       time.Time        `json:"at"`
	Actor    string           `json:"actor"`
	ShiftIDs []string         `json:"shift_ids,omitempty"`
	PersonID string           `json:"person_id,omitempty"`
	OtherID  string           `json:"other_id,omitempty"`
	Reason   string           `json:"reason,omitempty"`
}

// Roster is the week of shifts (排班表) of one station or service station,
// Monday to Sunday in China Standard Time. A week nobody has edited is
// generated from the owner's patterns; the first edit stores it.
type Roster struct {
	// ID is "<owner ID>@<week>", e.g. "ss-1@2026-11-23".
	ID               string         `json:"id"`
	SubBureauID      string         `json:"sub_bureau_id"`
	StationID        string         `json:"station_id,omitempty"`
	ServiceStationID string         `json:"service_station_id,omitempty"`
	Week             string         `json:"week"` // its Monday, DateLayout
	Shifts           []Shift        `json:"shifts"`
	Leaves           []Leave        `json:"leaves"`
	Changes          []RosterChange `json:"changes"`
	Version          int            `json:"version"` // 0: generated, never stored
	UpdatedAt        time.Time      `json:"updated_at"`
	// Seconded lists officers seconded to the station during the week
	// (filled on reads, never stored with the roster).
	Seconded []*Secondment `json:"seconded,omitempty"`
	// Names maps the person IDs of the roster to names (filled on reads).
	Names map[string]string `json:"names,omitempty"`
}

// Owner returns the station or service station of the roster.
func (r *Roster) Owner() string {
	if r.ServiceStationID != "" {
		return r.ServiceStationID
	}
	return r.StationID
}

// RosterWrite is a roster to store over the version its editor read, with
// the event that records the change.
type RosterWrite struct {
	Roster      *Roster
	PrevVersion int
	Event       *Event
}

// RosterID returns the ID of an owner's roster for a week.
func RosterID(owner, week string) string { return owner + "@" + week }

// Post is a place a shift stands (护学岗 at a school gate, a checkpoint), with
// the geofence its check-ins are judged by.
type Post struct {
	ID          string `json:"id"`
	SubBureauID string `json:"sub_bureau_id"`
	StationID   string `json:"station_id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // school_gate, checkpoint, patrol_point…
	Location    Point  `json:"location"`
	RadiusM     int    `json:"radius_m"`
}

// UnitShiftState is whether a unit governed by shift patterns is on shift,
// and with how many, as of a shift boundary or a roster edit.
type UnitShiftState struct {
	UnitID           string   `json:"unit_id"`
	SubBureauID      string   `json:"sub_bureau_id"`
	StationID        string   `json:"station_id,omitempty"`
	ServiceStationID string   `json:"service_station_id,omitempty"`
	PoliceGridID     string   `json:"police_grid_id,omitempty"` // a community unit's
	OnShift          bool     `json:"on_shift"`
	Crew             []string `json:"crew"` // people present now
	MinCrew          int      `json:"min_crew"`
	Short            bool     `json:"short"` // fewer present than MinCrew
	ShiftIDs         []string `json:"shift_ids,omitempty"`
	// AsOf is the boundary or roster edit the state holds from; a node
	// records a state only over an older one.
	AsOf time.Time `json:"as_of"`
	// Until is the next boundary of the unit's shifts, when known.
	Until time.Time `json:"until,omitempty"`
}

// ShiftStateChange is a new state of a unit with the event that records it,
// appended only when the state changes.
type ShiftStateChange struct {
	State *UnitShiftState
	Event *Event
}

// Secondment is an officer seconded down from the bureau (机关警力下沉) to a
// station for a cycle of one or two years (seed 002): shown on the station's
// roster and counted in its strength while it lasts.
type Secondment struct {
	ID          string `json:"id"`
	PersonID    string `json:"person_id"`
	Name        string `json:"name"`
	SubBureauID string `json:"sub_bureau_id"`
	StationID   string `json:"station_id"`
	HomeUnit    string `json:"home_unit"` // the bureau unit the officer comes from
	CycleYears  int    `json:"cycle_years"`
	Start       string `json:"start"` // DateLayout
	End         string `json:"end"`   // last day, DateLayout
}

// ActiveOn reports whether the secondment covers the date (DateLayout).
func (s *Secondment) ActiveOn(date string) bool { return s.Start <= date && date <= s.End }

// DutyItem is one task of a station's standard duty list (职责清单).
type DutyItem struct {
	ID     string `json:"id"`
	Group  string `json:"group"` // common, or a station kind
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// Source is "seed" for a task the reports name, "derived" for one written
	// in their spirit.
	Source string `json:"source"`
}

// DutyAssignment is the part of the duty list a person holds.
type DutyAssignment struct {
	PersonID    string    `json:"person_id"`
	Name        string    `json:"name"`
	SubBureauID string    `json:"sub_bureau_id"`
	StationID   string    `json:"station_id"`
	ItemIDs     []string  `json:"item_ids"`
	AssignedBy  string    `json:"assigned_by"`
	At          time.Time `json:"at"`
}

// DutyFilter selects duty records: Scope always (an empty Scope matches
// nothing), and optionally one station or service station.
type DutyFilter struct {
	Scope            Scope
	StationID        string
	ServiceStationID string
	PoliceGridID     string
	// Date, for secondments, keeps those active on it (DateLayout).
	Date string
}

// DutyStore keeps shift patterns, rosters, posts, shift states, secondments
// and duty lists. Every list applies the filter's Scope.
type DutyStore interface {
	// PutShiftPattern creates or replaces a pattern with its event.
	PutShiftPattern(ctx context.Context, p *ShiftPattern, ev *Event) error
	DeleteShiftPattern(ctx context.Context, id string, ev *Event) error // ENOTFOUND
	FindShiftPattern(ctx context.Context, id string) (*ShiftPattern, error)
	ListShiftPatterns(ctx context.Context, f DutyFilter) ([]*ShiftPattern, error)

	// FindRoster returns a stored roster; ENOTFOUND if the week was never edited.
	FindRoster(ctx context.Context, id string) (*Roster, error)
	// ListRosters returns the stored rosters of the given weeks.
	ListRosters(ctx context.Context, f DutyFilter, weeks []string) ([]*Roster, error)
	// PutRosters stores rosters in one transaction, each if its stored
	// version is its PrevVersion (0: none stored), else ECONFLICT and
	// nothing is stored; each Roster.Version becomes PrevVersion+1.
	PutRosters(ctx context.Context, ws []RosterWrite) error

	PutPost(ctx context.Context, p *Post, ev *Event) error
	FindPost(ctx context.Context, id string) (*Post, error)
	ListPosts(ctx context.Context, f DutyFilter) ([]*Post, error)

	// SaveShiftStates records the states that are newer (AsOf) than the
	// stored ones, appending each one's event only when on-shift, crew or
	// shortness changed (the first state of a unit is no change). With several nodes computing the same states, each
	// change is recorded once. It returns the states whose events it appended.
	SaveShiftStates(ctx context.Context, cs []ShiftStateChange) ([]*UnitShiftState, error)
	ListShiftStates(ctx context.Context, f DutyFilter) ([]*UnitShiftState, error)

	PutSecondment(ctx context.Context, s *Secondment, ev *Event) error
	DeleteSecondment(ctx context.Context, id string, ev *Event) error
	FindSecondment(ctx context.Context, id string) (*Secondment, error)
	ListSecondments(ctx context.Context, f DutyFilter) ([]*Secondment, error)

	PutDutyAssignment(ctx context.Context, a *DutyAssignment, ev *Event) error
	ListDutyAssignments(ctx context.Context, f DutyFilter) ([]*DutyAssignment, error)
	FindDutyAssignment(ctx context.Context, personID string) (*DutyAssignment, error)
}

// RosterEditKind names an edit of a roster: see RosterEdit.
type RosterEditKind = RosterChangeKind

// SwapSide is one side of a swap: a person on a shift.
type SwapSide struct {
	ShiftID  string `json:"shift_id"`
	PersonID string `json:"person_id"`
}

// RosterEdit is one edit of a roster, made from the version the editor read.
// Kind says which part applies: Leave for leave, A and B for a swap (each
// takes the other's place), ShiftID, PersonID and CoverID for a cover, and
// Shifts (the week's shifts in full) for an edit.
type RosterEdit struct {
	Version  int              `json:"version"`
	Kind     RosterChangeKind `json:"-"`
	Leave    *Leave           `json:"leave,omitempty"`
	A        *SwapSide        `json:"a,omitempty"`
	B        *SwapSide        `json:"b,omitempty"`
	ShiftID  string           `json:"shift_id,omitempty"`
	PersonID string           `json:"person_id,omitempty"`
	CoverID  string           `json:"cover_id,omitempty"`
	Shifts   []Shift          `json:"shifts,omitempty"`
	Reason   string           `json:"reason,omitempty"`
}

// BoardShift is one of today's shifts on the duty board.
type BoardShift struct {
	Shift
	RosterID string `json:"roster_id"`
	Owner    string `json:"owner"`
	On       bool   `json:"on"`    // under way now
	Short    bool   `json:"short"` // under way with fewer than its minimum crew
}

// StationStrength is the duty strength of a station or service station now.
type StationStrength struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`     // station or service_station
	Staff      int    `json:"staff"`    // the station's own officers and auxiliaries
	Seconded   int    `json:"seconded"` // officers seconded to it now
	Total      int    `json:"total"`    // its strength: staff and seconded
	OnDuty     int    `json:"on_duty"`  // people on shift now
	UnitsOn    int    `json:"units_on"`
	UnitsOff   int    `json:"units_off"`
	UnitsShort int    `json:"units_short"`
}

// DutyBoard is the console's duty board (勤务看板): today's shifts, who is on,
// units short of crew, roll calls, strength.
type DutyBoard struct {
	At        time.Time         `json:"at"`
	Date      string            `json:"date"`
	Shifts    []BoardShift      `json:"shifts"`
	Units     []*UnitShiftState `json:"units"`
	RollCalls []*RollCall       `json:"roll_calls"`
	Strength  []StationStrength `json:"strength"`
	Names     map[string]string `json:"names"`
}

// MyDuty is what the officer app shows of a person's duty: today's shifts,
// roll calls and emergency calls waiting for them, their duty list and
// tasks.
type MyDuty struct {
	At             time.Time        `json:"at"`
	Shifts         []BoardShift     `json:"shifts"`
	RollCalls      []*RollCall      `json:"roll_calls"`
	EmergencyCalls []*EmergencyCall `json:"emergency_calls"`
	DutyItems      []DutyItem       `json:"duty_items"`
	Tasks          []*ForceTask     `json:"tasks"`
	CheckIns       []*CheckIn       `json:"check_ins"`
	Place          *CheckInPlace    `json:"place,omitempty"`
}

// RollCallInput is a roll call as the command office makes it.
type RollCallInput struct {
	Title     string          `json:"title"`
	Targets   RollCallTargets `json:"targets"`
	DeadlineS int             `json:"deadline_s"` // seconds to answer; default 300
}

// DutyService runs duty: shift patterns and rosters that drive availability,
// roll calls, check-ins, emergency units, duty lists, secondments and the
// mass-prevention forces. Every method authorizes the user in ctx and keeps
// to their scope; records outside it are ENOTFOUND.
type DutyService interface {
	ListShiftPatterns(ctx context.Context, f DutyFilter) ([]*ShiftPattern, error)
	PutShiftPattern(ctx context.Context, p *ShiftPattern) (*ShiftPattern, error)
	DeleteShiftPattern(ctx context.Context, id string) error
	// Rosters returns the week's roster of every station and service station
	// in scope (or the one in f), stored or generated from the patterns.
	Rosters(ctx context.Context, f DutyFilter, week string) ([]*Roster, error)
	Roster(ctx context.Context, id string) (*Roster, error)
	EditRoster(ctx context.Context, id string, e RosterEdit) (*Roster, error)
	ImportRosters(ctx context.Context, xlsx []byte) ([]*Roster, error)
	ExportRoster(ctx context.Context, id string) ([]byte, error)
	ListPosts(ctx context.Context, f DutyFilter) ([]*Post, error)
	PutPost(ctx context.Context, p *Post) (*Post, error)
	Board(ctx context.Context, f DutyFilter) (*DutyBoard, error)
	Strength(ctx context.Context, f DutyFilter) ([]StationStrength, error)
	MyDuty(ctx context.Context) (*MyDuty, error)

	CallRoll(ctx context.Context, in RollCallInput) (*RollCall, error)
	RollCall(ctx context.Context, id string) (*RollCall, error)
	ListRollCalls(ctx context.Context, f RollCallFilter) ([]*RollCall, string, error)
	AnswerRollCall(ctx context.Context, id string, p *Point) (*RollCall, error)
	RollCallMisses(ctx context.Context, f RollCallMissFilter) ([]PersonMisses, error)

	CheckIn(ctx context.Context, in CheckInInput) (c *CheckIn, created bool, err error)
	ListCheckIns(ctx context.Context, f CheckInFilter) ([]*CheckIn, string, error)
	Ledger(ctx context.Context, date, stationID string) (*CheckInLedger, error)
	LedgerXLSX(ctx context.Context, date, stationID string) ([]byte, error)

	ListEmergencyUnits(ctx context.Context, f EmergencyFilter) ([]*EmergencyUnit, error)
	PutEmergencyUnit(ctx context.Context, u *EmergencyUnit) (*EmergencyUnit, error)
	CallEmergencyUnit(ctx context.Context, id, incidentID, note string) (*EmergencyCall, error)
	EmergencyCall(ctx context.Context, id string) (*EmergencyCall, error)
	ListEmergencyCalls(ctx context.Context, f EmergencyFilter) ([]*EmergencyCall, error)
	AckEmergencyCall(ctx context.Context, id string) (*EmergencyCall, error)
	NotePhoneCall(ctx context.Context, id, personID, note string, reached bool) (*EmergencyCall, error)

	DutyLists(ctx context.Context) (map[string][]DutyItem, error)
	ListDutyAssignments(ctx context.Context, f DutyFilter) ([]*DutyAssignment, error)
	AssignDuties(ctx context.Context, personID string, itemIDs []string) (*DutyAssignment, error)

	ListSecondments(ctx context.Context, f DutyFilter) ([]*Secondment, error)
	PutSecondment(ctx context.Context, s *Secondment) (*Secondment, error)
	DeleteSecondment(ctx context.Context, id string) error

	CreateForceAccount(ctx context.Context, a ForceAccount) (*User, error)
	ListForceTasks(ctx context.Context, f ForceFilter) ([]*ForceTask, error)
	CreateForceTask(ctx context.Context, t *ForceTask) (*ForceTask, error)
	AckForceTask(ctx context.Context, id string) (*ForceTask, error)
	ReportClue(ctx context.Context, c *Clue) (*Clue, error)
	ListClues(ctx context.Context, f ForceFilter) ([]*Clue, error)
}
