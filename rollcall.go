package precinct

import (
	"context"
	"time"
)

// RollCallTargets are what a roll call (点名) calls: patrol groups (units),
// posts such as school-gate duty, or a whole station. Each becomes the people
// on shift there when the call is made.
type RollCallTargets struct {
	UnitIDs   []string `json:"unit_ids,omitempty"`
	PostIDs   []string `json:"post_ids,omitempty"`
	StationID string   `json:"station_id,omitempty"`
}

// RollCallStatus is the state of a roll call.
type RollCallStatus string

const (
	RollCallOpen   RollCallStatus = "open"
	RollCallClosed RollCallStatus = "closed" // the deadline passed; misses are recorded
)

// AnswerStatus is a member's answer to a roll call.
type AnswerStatus string

const (
	AnswerPending  AnswerStatus = "pending"
	AnswerAnswered AnswerStatus = "answered"
	AnswerMissed   AnswerStatus = "missed"
)

// RollCall is the command office calling its patrol groups, posts or station
// to answer within a deadline, with their positions (seed 001).
type RollCall struct {
	ID          string           `json:"id"`
	SubBureauID string           `json:"sub_bureau_id"`
	StationID   string           `json:"station_id,omitempty"`
	Title       string           `json:"title"`
	Targets     RollCallTargets  `json:"targets"`
	CalledBy    string           `json:"called_by"`
	CalledAt    time.Time        `json:"called_at"`
	Deadline    time.Time        `json:"deadline"`
	Status      RollCallStatus   `json:"status"`
	Members     []RollCallMember `json:"members"`
}

// RollCallMember is one person called, and their answer.
type RollCallMember struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	// UserID is the account that answers in the officer app; "" when the
	// person has none (answered by radio, recorded by nobody: a miss).
	UserID     string       `json:"user_id,omitempty"`
	UnitID     string       `json:"unit_id,omitempty"`
	PostID     string       `json:"post_id,omitempty"`
	Status     AnswerStatus `json:"status"`
	AnsweredAt *time.Time   `json:"answered_at,omitempty"`
	// Point is where they answered; nil when the phone had no position.
	Point *Point `json:"point,omitempty"`
}

// RollCallFilter selects roll calls.
type RollCallFilter struct {
	Scope        Scope
	StationID    string
	Status       RollCallStatus
	PersonID     string // roll calls that call this person
	Since, Until time.Time
	// Cursor continues a list where the page before ended.
	Cursor string
	Limit  int
}

// PersonMisses is how often a person was called and did not answer in time,
// for the monthly performance list.
type PersonMisses struct {
	PersonID string `json:"person_id"`
	Called   int    `json:"called"`
	Missed   int    `json:"missed"`
}

// RollCallMissFilter selects the roll calls whose misses are counted: those
// called in [Since, Until), within Scope, optionally for some people only.
type RollCallMissFilter struct {
	Scope        Scope
	Since, Until time.Time
	PersonIDs    []string
}

// RollCallStore keeps roll calls and their answers.
type RollCallStore interface {
	CreateRollCall(ctx context.Context, rc *RollCall, ev *Event) error
	FindRollCall(ctx context.Context, id string) (*RollCall, error)
	// ListRollCalls returns a page of roll calls, newest first, and the
	// cursor of the next page ("" after the last).
	ListRollCalls(ctx context.Context, f RollCallFilter) ([]*RollCall, string, error)
	// AnswerRollCall records a member's answer if the roll call is open, the
	// member's answer pending and at no later than the deadline; ECONFLICT
	// otherwise, ENOTFOUND for a person not called.
	AnswerRollCall(ctx context.Context, id, personID string, at time.Time, p *Point, ev *Event) error
	// CloseRollCall closes an open roll call whose deadline has passed,
	// recording every pending answer as missed. It reports false if the
	// roll call was already closed (by this or another node).
	CloseRollCall(ctx context.Context, id string, ev *Event) (bool, error)
	// DueRollCalls returns open roll calls with deadlines at or before now.
	DueRollCalls(ctx context.Context, now time.Time) ([]*RollCall, error)
	// NextRollCallDeadline returns the earliest deadline of an open roll
	// call, or the zero time.
	NextRollCallDeadline(ctx context.Context) (time.Time, error)
	// RollCallMisses counts, per person called, the calls and the misses of
	// closed roll calls.
	RollCallMisses(ctx context.Context, f RollCallMissFilter) ([]PersonMisses, error)
}
