package precinct

import (
	"context"
	"encoding/json"
	"time"
)

// Prevention (预防警务): anti-fraud early warnings (反诈预警) pushed to the
// community officer of the person's police grid as dissuasion tasks [004].
// A warning names a person at risk; it is matched to a resident of the
// registry (ID number, then phone, then name and address), hence to a police
// grid and its officer. Warnings no resident matches wait in the triage
// queue of the sub-bureau, with the reason.

// WarningLevel is how urgent a warning is: the person is transferring money
// now (正在转账), at high risk, or at risk.
type WarningLevel string

// Warning levels.
const (
	LevelTransferring WarningLevel = "transferring" // 正在转账：分钟级劝阻
	LevelHigh         WarningLevel = "high"         // 高风险
	LevelRoutine      WarningLevel = "routine"      // 一般风险
)

// Valid reports whether l is a known level.
func (l WarningLevel) Valid() bool {
	return l == LevelTransferring || l == LevelHigh || l == LevelRoutine
}

// Urgency is the urgency of the dissuasion task of a warning of level l.
func (l WarningLevel) Urgency() Urgency {
	switch l {
	case LevelTransferring:
		return UrgencyUrgent
	case LevelHigh:
		return UrgencyPress
	}
	return UrgencyRoutine
}

// WarningStatus is where a warning is.
type WarningStatus string

// Warning statuses.
const (
	WarningPushed WarningStatus = "pushed" // matched; a dissuasion task was pushed to the officer
	WarningTriage WarningStatus = "triage" // no resident matched: in the sub-bureau's triage queue
)

// Ways a warning was matched to a resident.
const (
	MatchIDNumber    = "id_number"
	MatchPhone       = "phone"
	MatchNameAddress = "name_address"
	MatchTriage      = "triage" // placed by hand from the triage queue
)

// Warning is one anti-fraud early warning. The person's ID number and phone
// are masked here; they are stored sealed, with keyed hashes for matching.
type Warning struct {
	ID string `json:"id"`
	// SourceRef is the platform's reference for the warning (a CAP
	// identifier, a batch row's ref): a warning resent with the same
	// reference in the same sub-bureau is the same warning.
	SourceRef string `json:"source_ref"`
	// Source is how it came: json, cap or file.
	Source    string       `json:"source"`
	FraudType string       `json:"fraud_type"`
	Level     WarningLevel `json:"level"`
	IssuedAt  time.Time    `json:"issued_at"`
	// The person at risk; any of these may be missing.
	Name     string `json:"name,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Address  string `json:"address,omitempty"`
	Point    *Point `json:"point,omitempty"`
	// Amount is the sum at risk, in yuan, when the platform knows it.
	Amount float64 `json:"amount,omitempty"`
	Note   string  `json:"note,omitempty"`
	// Matched resident and address, and how; Reason says why a warning in
	// triage matched nobody.
	ResidentID string `json:"resident_id,omitempty"`
	AddressID  string `json:"address_id,omitempty"`
	MatchedBy  string `json:"matched_by,omitempty"`
	Reason     string `json:"reason,omitempty"`
	ReasonEN   string `json:"reason_en,omitempty"`
	// Location is the police grid of the matched address, or only the
	// sub-bureau while in triage.
	Location Location      `json:"jurisdiction"`
	Status   WarningStatus `json:"status"`
	// TaskID is the dissuasion task; OfficerID the user it was pushed to.
	TaskID    string `json:"task_id,omitempty"`
	OfficerID string `json:"officer_id,omitempty"`
	// Earlier counts the earlier warnings of the same person.
	Earlier    int       `json:"earlier"`
	ReceivedAt time.Time `json:"received_at"`
	CreatedBy  string    `json:"created_by"`
	Version    int       `json:"version"`
	// PersonKey is the keyed hash that finds the person's other warnings
	// (the ID number's, else the phone's); never in JSON.
	PersonKey   string `json:"-"`
	SealedID    Sealed `json:"-"`
	SealedPhone Sealed `json:"-"`
}

// WarningFilter selects warnings. The zero Scope selects nothing.
type WarningFilter struct {
	Scope     Scope
	Status    WarningStatus
	PersonKey string
	FraudType string
	// Triage keeps warnings in triage only to a scope without a station:
	// the store applies it always.
	Since, Until time.Time // by IssuedAt
	Cursor       string
	Limit        int
}

// PreventionStore keeps warnings and the records of prevention work.
type PreventionStore interface {
	// CreateWarnings stores warnings with the dissuasion tasks they open
	// and their events in one transaction: all of them, or none. It writes
	// in bulk and leaves the events' Seq unset.
	CreateWarnings(ctx context.Context, ws []*Warning, work []WorkChange, evs []*Event) error
	// ImportWarnings stores warnings of the past (prevention.Replay's) like
	// CreateWarnings: work holds the openings of their tasks and the later
	// changes, in order, and each task is written once as it ended, with
	// every assignee it had; the events are written in time order, marked
	// published at publishedAt, so that the relay leaves them alone.
	ImportWarnings(ctx context.Context, ws []*Warning, work []WorkChange, evs []*Event, publishedAt time.Time) error
	// UpdateWarning stores w if the stored version is prev, with the work
	// it opens, in one transaction; else ECONFLICT.
	UpdateWarning(ctx context.Context, w *Warning, prev int, work []WorkChange, evs []*Event) error
	FindWarning(ctx context.Context, id string) (*Warning, error)
	// WarningRefs returns, of the given source references, those stored in
	// the sub-bureau, with their warnings' IDs.
	WarningRefs(ctx context.Context, subBureauID string, refs []string) (map[string]string, error)
	// ListWarnings returns a page, newest first; a warning without a
	// station (in triage) only to a scope without one.
	ListWarnings(ctx context.Context, f WarningFilter) ([]*Warning, string, error)
	// CountWarnings counts, for each person key, the stored warnings.
	CountWarnings(ctx context.Context, keys []string) (map[string]int, error)
	// ResidentsByHash returns the active residents in scope whose keyed
	// hash of field ("id_number" or "phone") is one of hashes, with what
	// matching needs: ID, name, address, place, point and the hashes.
	ResidentsByHash(ctx context.Context, sc Scope, field string, hashes []string) ([]*Resident, error)
	// ResidentsByName returns the active residents in scope whose name is
	// one of names.
	ResidentsByName(ctx context.Context, sc Scope, names []string) ([]*Resident, error)

	// PutPreventionRecord stores a record of prevention work (publicity,
	// joint analysis, evaluation, exchange) with its event.
	PutPreventionRecord(ctx context.Context, r *PreventionRecord, ev *Event) error
	FindPreventionRecord(ctx context.Context, id string) (*PreventionRecord, error)
	ListPreventionRecords(ctx context.Context, f PreventionRecordFilter) ([]*PreventionRecord, error)
}

// PreventionRecord is a record of prevention work shared by the stations
// concerned: a joint-analysis ledger entry, a mutual evaluation, an exchange
// meeting, a warning notice sent out. Kind says which; Data is its content.
type PreventionRecord struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // ledger, evaluation, exchange, notice
	// Location is where it belongs; StationIDs the stations that share it
	// (a service station's bound stations).
	Location         Location        `json:"jurisdiction"`
	ServiceStationID string          `json:"service_station_id,omitempty"`
	StationIDs       []string        `json:"station_ids,omitempty"`
	Month            string          `json:"month,omitempty"` // YYYY-MM
	At               time.Time       `json:"at"`
	By               string          `json:"by"`
	Data             json.RawMessage `json:"data,omitempty"`
}

// PreventionRecordFilter selects records. The zero Scope selects nothing:
// a record is reached through its Location or any of its StationIDs.
type PreventionRecordFilter struct {
	Scope            Scope
	Kind             string
	ServiceStationID string
	Month            string
	Limit            int
}
