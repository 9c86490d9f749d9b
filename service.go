package precinct

import (
	"context"
	"time"
)

// IncidentInput is a new incident as reported, before it is located and routed.
type IncidentInput struct {
	Source      Source    `json:"source"`
	Category    string    `json:"category"`
	PlaceType   PlaceType `json:"place_type"`
	Point       Point     `json:"location"`
	Address     string    `json:"address,omitempty"`
	Description string    `json:"description,omitempty"`
	Priority    int       `json:"priority"`
	Reporter    Reporter  `json:"reporter"`
	// DuplicateOf links the call, as it is registered, to an incident it
	// repeats (重复报警关联), one the caller may dispatch for.
	DuplicateOf    string `json:"duplicate_of,omitempty"`
	IdempotencyKey string `json:"-"` // from the Idempotency-Key header
}

// ActionRequest is one action on an incident. Which fields apply depends on
// the action: Units for dispatch and reinforce (and for the unit that reports
// en route or arrival), To and Note for handover, Satisfaction and Comment for
// callback.
type ActionRequest struct {
	Action       Action   `json:"-"` // from the URL
	Units        []string `json:"units,omitempty"`
	To           string   `json:"to,omitempty"` // handover target: station, case_team or a linked department
	Note         string   `json:"note,omitempty"`
	Satisfaction int      `json:"satisfaction,omitempty"`
	Comment      string   `json:"comment,omitempty"`
	// Wave asks reinforce for a given tier; 0 means the next one.
	Wave int `json:"wave,omitempty"`
	// Disposition is the code close records (处警结果).
	Disposition string `json:"disposition,omitempty"`
	// NewUnit is the unit reassign sends in place of Units[0].
	NewUnit string `json:"new_unit,omitempty"`
	// DuplicateOf is the incident link marks this one a duplicate of.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Correction holds the facts correct changes; nil fields stay.
	Correction *Correction `json:"correction,omitempty"`
	// IdempotencyKey, from the Idempotency-Key header, makes a resent action
	// take effect once: the same key from the same user for the same action
	// on the same incident returns the incident as it is, applying nothing.
	IdempotencyKey string `json:"-"`
}

// Correction is what a dispatcher corrects in an incident's intake (更正):
// each field set replaces the recorded one, and the timeline keeps both.
type Correction struct {
	Address     *string    `json:"address,omitempty"`
	Description *string    `json:"description,omitempty"`
	Category    *string    `json:"category,omitempty"`
	Priority    *int       `json:"priority,omitempty"`
	PlaceType   *PlaceType `json:"place_type,omitempty"`
}

// Candidate is one unit recommended for an incident.
type Candidate struct {
	Unit      *Unit         `json:"unit"`
	ETA       time.Duration `json:"eta"`
	ETASec    float64       `json:"eta_s"`
	DistanceM float64       `json:"distance_m"`
	Stale     bool          `json:"position_stale"`
	Wave      int           `json:"wave"` // 1 for the first wave, 2+ for reinforcement tiers
	StationID string        `json:"station_id"`
}

// Exclusion says why a unit was left out of a recommendation.
type Exclusion struct {
	UnitID   string `json:"unit_id"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
}

// Recommendation is the ranked list of units for an incident, with the rule
// that produced it.
type Recommendation struct {
	IncidentID string      `json:"incident_id"`
	Route      Route       `json:"route"`
	Router     string      `json:"router"`
	Candidates []Candidate `json:"candidates"`
	Excluded   []Exclusion `json:"excluded"`
}

// IncidentService takes incidents in, routes them and moves them through their
// lifecycle. Every method authorizes against the user in ctx.
type IncidentService interface {
	// Intake validates, locates, routes and stores a new incident; it returns
	// once the incident is durable. created is false for a replayed
	// Idempotency-Key.
	Intake(ctx context.Context, in IncidentInput) (inc *Incident, created bool, err error)
	FindIncident(ctx context.Context, id string) (*Incident, error)
	// RevealIncident returns an incident with the reporter's phone in
	// clear: it takes personal.read over the incident and is audited, with
	// the reason given, before it returns.
	RevealIncident(ctx context.Context, id, reason string) (*Incident, error)
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, string, error)
	Act(ctx context.Context, id string, req ActionRequest) (*Incident, error)
	Recommend(ctx context.Context, id string) (*Recommendation, error)
	Timeline(ctx context.Context, id string) ([]*Event, error)
	// Duplicates lists the incidents the caller reaches that may be the
	// same event as incident id: the same category (or one of its family)
	// near the same place, received within the sub-bureau's window, not
	// already linked to it.
	Duplicates(ctx context.Context, id string) ([]*Incident, error)
	// CallDuplicates lists, for a call still being taken at p, the
	// incidents the caller reaches that it may repeat: the same category
	// family near p, received within the sub-bureau's window before now.
	// It takes the right to take a call at p (EFORBIDDEN outside it).
	CallDuplicates(ctx context.Context, p Point, category string) ([]*Incident, error)
}

// UnitService reads units and changes their duty status. A unit of a
// station is reached by that station's scope, a unit of a police service
// station by the scopes of both stations it is bound to, a community unit
// by its police grid's scope, and an officer's own unit always; others are
// EFORBIDDEN.
type UnitService interface {
	FindUnit(ctx context.Context, id string) (*Unit, error)
	ListUnits(ctx context.Context, f UnitFilter) ([]*Unit, string, error)
	// SetUnitStatus puts a unit serving no incident on or off duty or busy:
	// an officer their own unit, a command office or dispatcher any unit
	// they reach.
	SetUnitStatus(ctx context.Context, id string, s UnitStatus) error
	// Trajectory returns a page of a unit's positions (f.UnitID) and, on
	// the first page, its check-ins in [f.From, f.To).
	Trajectory(ctx context.Context, f TrajectoryFilter) (*Trajectory, error)
}

// Trajectory is a page of a unit's track.
type Trajectory struct {
	Unit       *Unit      `json:"unit"`
	Positions  []Position `json:"items"`
	CheckIns   []*CheckIn `json:"check_ins"`
	NextCursor string     `json:"next_cursor"`
}

// PositionService takes live positions of units.
type PositionService interface {
	// ReportPositions stores a batch durably and updates the live picture.
	// A position it does not believe is stored with its Flag set (in ps)
	// and does not move the unit.
	ReportPositions(ctx context.Context, ps []Position) error
}
