package precinct

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// WorkKind names a kind of work item that flows through the workflow engine:
// a grid report (网格吹哨), a dispute (矛盾纠纷), a dissuasion task… Each kind
// declares its states, transitions, deadlines and escalation as a table.
type WorkKind string

// WorkState is a state of a work item; its meaning belongs to its kind.
type WorkState string

// WorkAction is something done to a work item (triage, transfer, accept…).
type WorkAction string

// ActionEscalate is the action the deadline sweeper takes when an item's
// deadline passes and its kind escalates it a tier.
const ActionEscalate WorkAction = "escalate"

// Urgency says how soon a work item must be handled: 1 urgent (紧急),
// 2 pressing (较急), 3 routine (一般). Deadlines depend on it.
type Urgency int

// Urgencies.
const (
	UrgencyUrgent  Urgency = 1
	UrgencyPress   Urgency = 2
	UrgencyRoutine Urgency = 3
)

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return u >= UrgencyUrgent && u <= UrgencyRoutine }

// Escalation tiers of a work item: who is answerable for it now.
const (
	TierTownship = 0 // 乡镇（街道）: the station and the township governance centre
	TierDistrict = 1 // 区县: the sub-bureau's command centre and the district governance centre
)

// Assignee names who handles a work item now: a linked department
// ("dept:<id>"), a station team ("team:<station>:<team>") or one user
// ("user:<id>"). The empty Assignee is nobody yet.
type Assignee string

// DepartmentAssignee is the assignee of a linked department.
func DepartmentAssignee(id string) Assignee { return Assignee("dept:" + id) }

// TeamAssignee is the assignee of a team of a station (两队一室).
func TeamAssignee(stationID string, team TeamKind) Assignee {
	return Assignee("team:" + stationID + ":" + string(team))
}

// UserAssignee is the assignee of one user.
func UserAssignee(userID string) Assignee { return Assignee("user:" + userID) }

// Department returns the department ID of a department assignee.
func (a Assignee) Department() (string, bool) {
	id, ok := strings.CutPrefix(string(a), "dept:")
	return id, ok && id != ""
}

// Team returns the station and team of a team assignee.
func (a Assignee) Team() (stationID string, team TeamKind, ok bool) {
	rest, ok := strings.CutPrefix(string(a), "team:")
	if !ok {
		return "", "", false
	}
	st, tm, ok := strings.Cut(rest, ":")
	return st, TeamKind(tm), ok && st != "" && (TeamKind(tm) == TeamCase || TeamKind(tm) == TeamCommunity || TeamKind(tm) == TeamCommand)
}

// User returns the user ID of a user assignee.
func (a Assignee) User() (string, bool) {
	id, ok := strings.CutPrefix(string(a), "user:")
	return id, ok && id != ""
}

// Valid reports whether a is empty or well formed.
func (a Assignee) Valid() bool {
	if a == "" {
		return true
	}
	_, d := a.Department()
	_, _, t := a.Team()
	_, u := a.User()
	return d || t || u
}

// WorkSource says where a work item came from: an incident, a grid report,
// a visit, an outside system (Open311), or "" for one typed in.
type WorkSource struct {
	Kind string `json:"kind,omitempty"` // incident, grid_report, visit, open311, dispute
	ID   string `json:"id,omitempty"`
}

// WorkItem is one item of work that flows: its state, where it is, who
// handles it, what is due by when, and the kind's own record (Data). Personal
// data of the people in it is kept apart (WorkContact), never in Data.
type WorkItem struct {
	ID       string     `json:"id"`
	Kind     WorkKind   `json:"kind"`
	State    WorkState  `json:"state"`
	Category string     `json:"category"`
	Urgency  Urgency    `json:"urgency"`
	Title    string     `json:"title"`
	Point    Point      `json:"location"`
	Address  string     `json:"address,omitempty"`
	Location Location   `json:"jurisdiction"`
	Assignee Assignee   `json:"assignee,omitempty"`
	Tier     int        `json:"tier"`
	DueAt    *time.Time `json:"due_at,omitempty"`
	// DueStep is the action that must be taken by DueAt.
	DueStep WorkAction `json:"due_step,omitempty"`
	// Overdue is set when DueAt passed and the kind does not escalate.
	Overdue bool `json:"overdue,omitempty"`
	// Late is set when the current step missed a deadline (it was
	// escalated or marked overdue); the state's next change clears it.
	Late bool `json:"late,omitempty"`
	// Steps counts repetitions of the current step (follow-up visits done).
	Steps     int   `json:"steps"`
	Returns   int   `json:"returns"`
	Satisfied *bool `json:"satisfied,omitempty"`
	// TouchedAt is when someone last checked on the item (督办).
	TouchedAt *time.Time `json:"touched_at,omitempty"`
	Source    WorkSource `json:"source"`
	// ReporterID is the user who filed the item, if a user did.
	ReporterID string     `json:"reporter_id,omitempty"`
	OpenedAt   time.Time  `json:"opened_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Version    int        `json:"version"`
	CreatedBy  string     `json:"created_by"`
	// Data is the kind's own record (a report's description and photos, a
	// dispute's parties and sessions).
	Data           json.RawMessage `json:"data,omitempty"`
	IdempotencyKey string          `json:"-"`
}

// Open reports whether the item is not closed.
func (w *WorkItem) Open() bool { return w.ClosedAt == nil }

// WorkContact is the personal data of one person named in a work item (the
// reporter, a party to a dispute). It is stored apart from the item, never
// put in events or lists, and read in full only with PermReadPersonal after
// the read is audited.
type WorkContact struct {
	Role     string `json:"role"` // reporter, party
	Index    int    `json:"index"`
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
}

// Masked returns c with phone, e-mail and ID number masked.
func (c WorkContact) Masked() WorkContact {
	c.Phone, c.IDNumber = MaskPhone(c.Phone), MaskIDNumber(c.IDNumber)
	if at := strings.IndexByte(c.Email, '@'); at > 0 {
		c.Email = mask(c.Email[:at], 1, 0) + c.Email[at:]
	} else {
		c.Email = mask(c.Email, 1, 0)
	}
	return c
}

// Photo is an image attached to a work item (a report, a feedback), stored
// with its bytes in the database.
type Photo struct {
	ID          string    `json:"id"`
	ItemID      string    `json:"item_id"`
	Step        string    `json:"step"` // report, feedback, session…
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	At          time.Time `json:"at"`
	Data        []byte    `json:"-"`
}

// WorkMetric names a counter of the evaluation (考核评价) that a transition
// adds to.
type WorkMetric string

// Metrics of the evaluation.
const (
	MetricOpened       WorkMetric = "opened"        // filed (排查)
	MetricAssigned     WorkMetric = "assigned"      // transferred to a handler (转办)
	MetricAccepted     WorkMetric = "accepted"      // accepted by the handler (签收)
	MetricAcceptedLate WorkMetric = "accepted_late" // accepted after the deadline
	MetricEscalated    WorkMetric = "escalated"     // escalated a tier (超时升级)
	MetricDone         WorkMetric = "done"          // handled, feedback given (办结)
	MetricDoneLate     WorkMetric = "done_late"     // handled after the deadline
	MetricReturned     WorkMetric = "returned"      // sent back as not done (退回)
	MetricEvaluated    WorkMetric = "evaluated"     // evaluated by the reporter or grid officer
	MetricSatisfied    WorkMetric = "satisfied"     // evaluated satisfied
	MetricClosed       WorkMetric = "closed"        // closed
	MetricResolved     WorkMetric = "resolved"      // closed as resolved (化解)
)

// WorkMetrics lists every metric in column order.
var WorkMetrics = []WorkMetric{MetricOpened, MetricAssigned, MetricAccepted, MetricAcceptedLate, MetricEscalated, MetricDone,
	MetricDoneLate, MetricReturned, MetricEvaluated, MetricSatisfied, MetricClosed, MetricResolved}

// WorkTally holds one count per metric, in the order of WorkMetrics.
type WorkTally [12]int

// Add adds n to metric m.
func (t *WorkTally) Add(m WorkMetric, n int) {
	for i, x := range WorkMetrics {
		if x == m {
			t[i] += n
			return
		}
	}
}

// Get returns the count of metric m.
func (t WorkTally) Get(m WorkMetric) int {
	for i, x := range WorkMetrics {
		if x == m {
			return t[i]
		}
	}
	return 0
}

// Plus adds o to t.
func (t *WorkTally) Plus(o WorkTally) {
	for i := range t {
		t[i] += o[i]
	}
}

// WorkCount is the tally of one day (China Standard Time), kind, station
// (township) and assignee: the rows the evaluation sums.
type WorkCount struct {
	Day         time.Time
	Kind        WorkKind
	SubBureauID string
	StationID   string
	Assignee    Assignee
	Tally       WorkTally
}

// WorkCountFilter selects daily tallies to sum.
type WorkCountFilter struct {
	Scope    Scope
	Kind     WorkKind
	From, To time.Time // days in [From, To)
	// ByAssignee and ByStation say how to group the sums.
	ByAssignee, ByStation bool
	// Assignees keeps only these assignees (a department user's own).
	Assignees []Assignee
}

// WorkFilter selects work items. Scope is required: the zero Scope selects
// nothing.
type WorkFilter struct {
	Scope  Scope
	Kind   WorkKind
	States []WorkState
	// Open keeps open items (true), closed ones (false) or both (nil).
	Open *bool
	// Assignees keeps items handled now by one of these.
	Assignees []Assignee
	// HandledBy keeps items ever assigned to one of these (a department's
	// history), whatever their place.
	HandledBy []Assignee
	Category  string
	// MinTier keeps items escalated to at least this tier.
	MinTier int
	// DueBefore keeps open items with a deadline before it.
	DueBefore    time.Time
	ReporterID   string
	Source       WorkSource
	Since, Until time.Time // by OpenedAt
	Cursor       string
	Limit        int
}

// WorkChange is one atomic change to a work item: its new state, the events
// that record it, the tallies it adds to, and the photos and contacts it
// brings.
type WorkChange struct {
	Item *WorkItem
	// PrevVersion is the version the change applies to (0 to create).
	PrevVersion int
	Events      []*Event
	Counts      []WorkCount
	Photos      []*Photo
	// Contacts replace the item's contacts when not nil.
	Contacts []WorkContact
}

// Department is a linked department (联动部门: 综合执法, 市场监管, 住建,
// 民政, 应急, 交通…) that grid reports are transferred to, at the district
// or one township, with its own accounts (users of role department).
type Department struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Kind     DepartmentKind `json:"kind"`
	Location Location       `json:"jurisdiction"` // the sub-bureau (district) and, for a township's, its station
	// Categories are the report categories it usually handles.
	Categories []string `json:"categories,omitempty"`
	// Members are the users who act for it.
	Members []string `json:"members,omitempty"`
}

// DepartmentKind is the line of work of a linked department.
type DepartmentKind string

// Kinds of linked departments.
const (
	DeptLawEnforcement DepartmentKind = "law_enforcement" // 综合行政执法
	DeptMarket         DepartmentKind = "market"          // 市场监督管理
	DeptHousing        DepartmentKind = "housing"         // 住房和城乡建设
	DeptCivil          DepartmentKind = "civil_affairs"   // 民政
	DeptEmergency      DepartmentKind = "emergency"       // 应急管理
	DeptTransport      DepartmentKind = "transport"       // 交通运输
	DeptEnvironment    DepartmentKind = "environment"     // 生态环境
	DeptGovernance     DepartmentKind = "governance"      // 乡镇（街道）基层治理中心
)

// DepartmentKinds lists every kind.
var DepartmentKinds = []DepartmentKind{DeptLawEnforcement, DeptMarket, DeptHousing, DeptCivil, DeptEmergency, DeptTransport, DeptEnvironment, DeptGovernance}

// Valid reports whether k is a known kind.
func (k DepartmentKind) Valid() bool {
	for _, x := range DepartmentKinds {
		if x == k {
			return true
		}
	}
	return false
}

// DepartmentFilter selects departments within a scope.
type DepartmentFilter struct {
	Scope Scope
	Kind  DepartmentKind
}

// APIKey is a key an outside system (a citizen app, a property manager's
// system) posts Open311 service requests with, bound to one sub-bureau. Only
// its hash is stored.
type APIKey struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	SubBureauID string `json:"sub_bureau_id"`
	// ReporterKind is who reports through it (citizen, property_manager,
	// security_guard, owners_committee).
	ReporterKind string    `json:"reporter_kind"`
	Hash         string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled,omitempty"`
}

// WorkStore keeps work items, their timelines, photos and contacts, the
// daily tallies of the evaluation, linked departments and Open311 keys.
type WorkStore interface {
	// CreateWork stores a new item with its events, tallies, photos and
	// contacts in one transaction. A reused IdempotencyKey writes nothing
	// and returns the stored item with created false.
	CreateWork(ctx context.Context, c WorkChange) (stored *WorkItem, created bool, err error)
	// UpdateWork applies c atomically if the stored version is
	// c.PrevVersion, else ECONFLICT.
	UpdateWork(ctx context.Context, c WorkChange) error
	FindWork(ctx context.Context, id string) (*WorkItem, error)
	// ListWork returns a page of items, newest first; the filter's Scope
	// is applied in the query (an empty Scope returns nothing).
	ListWork(ctx context.Context, f WorkFilter) ([]*WorkItem, string, error)
	// DueWork returns open items whose deadline is at or before now and
	// that were not yet marked overdue, earliest first.
	DueWork(ctx context.Context, now time.Time, limit int) ([]*WorkItem, error)
	// WorkTimeline returns the events of one item, oldest first.
	WorkTimeline(ctx context.Context, id string) ([]*Event, error)
	// WorkHandlers returns every assignee an item ever had.
	WorkHandlers(ctx context.Context, id string) ([]Assignee, error)
	WorkContacts(ctx context.Context, id string) ([]WorkContact, error)
	FindPhoto(ctx context.Context, id string) (*Photo, error)
	ListPhotos(ctx context.Context, itemID string) ([]*Photo, error)
	// WorkCounts sums the daily tallies f selects, grouped as it asks.
	WorkCounts(ctx context.Context, f WorkCountFilter) ([]WorkCount, error)

	PutDepartment(ctx context.Context, d *Department, ev *Event) error
	FindDepartment(ctx context.Context, id string) (*Department, error)
	ListDepartments(ctx context.Context, f DepartmentFilter) ([]*Department, error)
	// UserDepartments returns the departments a user acts for.
	UserDepartments(ctx context.Context, userID string) ([]string, error)

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKey returns the key with this hash; ENOTFOUND if none.
	FindAPIKey(ctx context.Context, hash string) (*APIKey, error)
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
}

// WorkRequest is one action on a work item. Which fields apply depends on
// the kind and action.
type WorkRequest struct {
	Action   WorkAction `json:"-"`
	Note     string     `json:"note,omitempty"`
	Assignee Assignee   `json:"assignee,omitempty"`
	Category string     `json:"category,omitempty"`
	Urgency  Urgency    `json:"urgency,omitempty"`
	// Satisfied is the evaluation's verdict.
	Satisfied *bool `json:"satisfied,omitempty"`
	// Data is the action's detail for the kind (a mediation session, an
	// agreement).
	Data   json.RawMessage `json:"data,omitempty"`
	Photos []PhotoUpload   `json:"photos,omitempty"`
	// IdempotencyKey makes a resent action take effect once.
	IdempotencyKey string `json:"-"`
}

// PhotoUpload is a photo sent with a report or an action, base64 in JSON.
type PhotoUpload struct {
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Task is one thing an officer has to do on a day, drawn from the
// workflows (an overdue grid report of their grid, a dispute follow-up due,
// a re-visit, a dissuasion task), shown on the police-grid map.
type Task struct {
	ID       string     `json:"id"` // stable: the item and step
	Source   string     `json:"source"`
	Kind     WorkKind   `json:"kind,omitempty"`
	ItemID   string     `json:"item_id,omitempty"`
	Title    string     `json:"title"`
	Step     WorkAction `json:"step,omitempty"` // the action that does it
	DueAt    *time.Time `json:"due_at,omitempty"`
	Overdue  bool       `json:"overdue"`
	Point    Point      `json:"location"`
	Location Location   `json:"jurisdiction"`
	Assignee Assignee   `json:"assignee,omitempty"`
}

// TaskQuery asks for the tasks of a day within a scope.
type TaskQuery struct {
	Scope Scope
	User  *User
	// Day is the day's start, China Standard Time.
	Day          time.Time
	PoliceGridID string
}

// TaskSource yields tasks of one origin (a workflow, the registry's
// re-visits…). The tasks service merges its sources.
type TaskSource interface {
	Tasks(ctx context.Context, q TaskQuery) ([]Task, error)
}

// TaskService returns the day's tasks the caller may see.
type TaskService interface {
	Tasks(ctx context.Context, day time.Time, policeGridID string) ([]Task, error)
}

// HandoverWork turns an incident being handed over into the work items it
// opens (a grid report to triage, a dispute to mediate). The items are stored
// in the incident's own transaction.
type HandoverWork interface {
	HandoverWork(ctx context.Context, inc *Incident, req ActionRequest) ([]WorkChange, error)
}
