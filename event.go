package precinct

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Event records one state change: who, what, when, before and after. Events
// are appended to the event log in the transaction that makes the change and
// then published on the bus under Subject().
type Event struct {
	Seq   int64     `json:"seq"`  // assigned by the store, increasing
	ID    string    `json:"id"`   // unique; the bus deduplicates on it
	Type  string    `json:"type"` // "<entity>.<verb>", e.g. incident.created
	At    time.Time `json:"at"`
	Actor string    `json:"actor"` // user ID or "system"
	// ActorName is the actor's name, filled where a timeline is read for
	// people (not stored).
	ActorName   string `json:"actor_name,omitempty"`
	SubBureauID string `json:"sub_bureau_id"`
	StationID   string `json:"station_id,omitempty"`
	// Stations are further stations that may see the event (shared incidents).
	Stations   []string        `json:"stations,omitempty"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"` // action detail (units, note, rule)
}

// NewEvent returns an event of the given type about an entity, with before and
// after encoded as JSON (nil stays empty).
func NewEvent(ctx context.Context, now time.Time, typ string, loc Location, entityType, entityID string, before, after, data any) *Event {
	e := &Event{
		ID: NewID("evt", now), Type: typ, At: now, Actor: ActorFromContext(ctx),
		SubBureauID: loc.SubBureauID, StationID: loc.StationID,
		EntityType: entityType, EntityID: entityID,
	}
	e.Before, e.After, e.Data = mustJSON(before), mustJSON(after), mustJSON(data)
	return e
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("precinct: event payload: " + err.Error())
	}
	return b
}

// SubjectPrefix starts every subject Precinct publishes on.
const SubjectPrefix = "precinct"

// Subject is the bus subject of e: precinct.<sub-bureau>.<station>.<type>,
// with "_" for a missing station, so subscribers filter by jurisdiction with
// NATS wildcards.
func (e *Event) Subject() string {
	st := e.StationID
	if st == "" {
		st = "_"
	}
	return strings.Join([]string{SubjectPrefix, token(e.SubBureauID), token(st), e.Type}, ".")
}

// token makes s safe as one NATS subject token.
func token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '\n', '\r':
			return '_'
		}
		return r
	}, s)
}

// Visible reports whether a caller with scope s may see e by its place alone.
// Events about a resource with a read rule of its own (an incident) are
// filtered by that rule as well; see the services' EventFilter.
func (e *Event) Visible(s Scope) bool {
	if s.Covers(Location{SubBureauID: e.SubBureauID, StationID: e.StationID}) {
		return true
	}
	for _, st := range e.Stations {
		if s.Covers(Location{SubBureauID: e.SubBureauID, StationID: st}) {
			return true
		}
	}
	return false
}

// EventRule decides what a caller sees of an event on the stream: the event
// as they may see it (personal data masked), or nil. Each context declares
// one per entity type, built on the read rule its own GET and lists use; an
// entity type without a rule is never streamed (fail closed).
type EventRule func(u *User, e *Event) *Event

// EventFilter selects events from the log within Scope (by sub-bureau; the
// stream applies each entity type's EventRule on top).
type EventFilter struct {
	Scope       Scope
	AfterSeq    int64
	SubBureauID string
	EntityID    string
	Types       []string
	Limit       int
}

// EventStore reads the event log. Events are written by the other stores, in
// the transactions of the changes they record.
type EventStore interface {
	ListEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// Unpublished returns events not yet marked published, oldest first.
	Unpublished(ctx context.Context, limit int) ([]*Event, error)
	MarkPublished(ctx context.Context, seqs []int64) error
}

// EventBus carries events between Precinct's parts and nodes.
type EventBus interface {
	// Publish sends events; it returns once the bus has them (JetStream ack).
	Publish(ctx context.Context, events ...*Event) error
	// Subscribe calls fn for every event published on subjects matching
	// filter (NATS syntax, e.g. "precinct.sb1.>") until ctx ends or the
	// returned stop is called.
	Subscribe(ctx context.Context, filter string, fn func(*Event)) (stop func(), err error)
	// Ping checks that the bus is reachable.
	Ping(ctx context.Context) error
}

// AuditRecord is one audited read of personal data or another sensitive act.
type AuditRecord struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"` // e.g. "personal.read"
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Fields     []string  `json:"fields,omitempty"`
	Address    string    `json:"address,omitempty"` // client address
	// SubBureauID is the jurisdiction of what was read: auditors read the
	// records of their own sub-bureau.
	SubBureauID string `json:"sub_bureau_id"`
	// Reason is what the reader gave for a full view.
	Reason string `json:"reason,omitempty"`
}

// MaxReasonLength is the longest reason, in characters, a reader may give
// for a full view of personal data.
const MaxReasonLength = 200

// CheckReason is the one rule for the reason given for a full view of
// personal data: required, and at most MaxReasonLength characters. Every
// service checks it before it reads anything in full.
func CheckReason(reason string) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(reason)); {
	case n == 0:
		return FieldErrorf(EINVALID, "reason", "查看完整个人信息须填写事由", "Give a reason to read personal data in full.")
	case utf8.RuneCountInString(reason) > MaxReasonLength:
		return FieldErrorf(EINVALID, "reason", "事由过长（最多 %d 字）", "The reason is too long (%d characters at most).", MaxReasonLength)
	}
	return nil
}

// NewAuditRecord returns the record of the caller in ctx reading fields of
// an entity at loc in full (personal.read), with the reason they gave.
func NewAuditRecord(ctx context.Context, now time.Time, entityType, entityID string, loc Location, reason string, fields ...string) *AuditRecord {
	return &AuditRecord{
		ID: NewID("aud", now), At: now, Actor: ActorFromContext(ctx), Action: string(PermReadPersonal),
		EntityType: entityType, EntityID: entityID, Fields: fields, Address: AddressFromContext(ctx),
		SubBureauID: loc.SubBureauID, Reason: reason,
	}
}

// AuditStore keeps the audit trail. Writes are durable before the audited
// data is returned.
type AuditStore interface {
	RecordAudit(ctx context.Context, r *AuditRecord) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditRecord, string, error)
}

// AuditFilter selects audit records within Scope (by sub-bureau).
type AuditFilter struct {
	Scope    Scope
	Actor    string
	EntityID string
	Cursor   string
	Limit    int
}

// RuleStore keeps each sub-bureau's routing rules as a versioned JSON document
// whose schema the dispatch package owns.
type RuleStore interface {
	// Rules returns the document and its version; ENOTFOUND if none is stored.
	Rules(ctx context.Context, subBureauID string) (doc []byte, version int, err error)
	// PutRules replaces the document if the stored version is prevVersion
	// (0 for none), else ECONFLICT.
	PutRules(ctx context.Context, subBureauID string, doc []byte, prevVersion int, ev *Event) (version int, err error)
}

// Store is everything a Precinct node keeps, on one database engine.
type Store interface {
	OrgStore
	GridStore
	PersonStore
	UserStore
	IncidentStore
	IncidentFactStore
	UnitStore
	EventStore
	AuditStore
	RuleStore
	DutyStore
	RollCallStore
	CheckInStore
	EmergencyStore
	ForceStore
	WorkStore
	RegistryStore
	PerformanceStore
	PreventionStore
	Ping(ctx context.Context) error
	Close() error
}
