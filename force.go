package precinct

import (
	"context"
	"time"
)

// ForceKinds are the kinds of people of the mass-prevention forces
// (群防群治力量), who may hold an account with RoleForce.
var ForceKinds = []PersonKind{PersonVolunteer, PersonSecurityGuard, PersonGridWorker, PersonVillageAuxiliary, PersonCadre}

// ForceAccount asks for an account with the narrow RoleForce for a person of
// the mass-prevention forces.
type ForceAccount struct {
	PersonID string `json:"person_id"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// ForceTaskKind is the kind of a task given to mass-prevention forces.
type ForceTaskKind string

const (
	TaskMissingPerson ForceTaskKind = "missing_person" // 寻找走失人员
	TaskPatrol        ForceTaskKind = "patrol"         // 治安巡防
	TaskSchoolGate    ForceTaskKind = "school_gate"    // 护学岗
	TaskOther         ForceTaskKind = "other"
)

// Valid reports whether k is a known task kind.
func (k ForceTaskKind) Valid() bool {
	switch k {
	case TaskMissingPerson, TaskPatrol, TaskSchoolGate, TaskOther:
		return true
	}
	return false
}

// ForceTask is a task given to members of the mass-prevention forces, who
// acknowledge it and report clues.
type ForceTask struct {
	ID           string          `json:"id"`
	SubBureauID  string          `json:"sub_bureau_id"`
	StationID    string          `json:"station_id"`
	PoliceGridID string          `json:"police_grid_id,omitempty"`
	Kind         ForceTaskKind   `json:"kind"`
	Title        string          `json:"title"`
	Detail       string          `json:"detail,omitempty"`
	Point        *Point          `json:"point,omitempty"`
	Due          *time.Time      `json:"due,omitempty"`
	CreatedBy    string          `json:"created_by"`
	At           time.Time       `json:"at"`
	Assignees    []ForceAssignee `json:"assignees"`
}

// ForceAssignee is one member given a task.
type ForceAssignee struct {
	UserID   string     `json:"user_id"`
	PersonID string     `json:"person_id,omitempty"`
	Name     string     `json:"name"`
	AckAt    *time.Time `json:"ack_at,omitempty"`
}

// Clue is something a member of the forces reports (线索): it enters the
// grid loop (网格吹哨) through a ClueSink; until one takes it, it waits with
// HandedOff false.
type Clue struct {
	ID           string    `json:"id"`
	TaskID       string    `json:"task_id,omitempty"`
	SubBureauID  string    `json:"sub_bureau_id"`
	StationID    string    `json:"station_id"`
	PoliceGridID string    `json:"police_grid_id,omitempty"`
	ReporterID   string    `json:"reporter_id"` // user
	Reporter     string    `json:"reporter"`    // name
	Text         string    `json:"text"`
	Point        *Point    `json:"point,omitempty"`
	At           time.Time `json:"at"`
	HandedOff    bool      `json:"handed_off"`
	// Ref is what the grid loop calls the clue once it has taken it.
	Ref string `json:"ref,omitempty"`
}

// ClueSink takes clues into the grid loop and returns its reference for
// each. The grid-loop context implements it.
type ClueSink interface {
	TakeClue(ctx context.Context, c *Clue) (ref string, err error)
}

// ForceFilter selects force tasks and clues.
type ForceFilter struct {
	Scope   Scope
	UserID  string // tasks given to this user
	TaskID  string
	Pending bool // clues not yet handed off
	Since   time.Time
	Limit   int
}

// ForceStore keeps the tasks and clues of mass-prevention forces.
type ForceStore interface {
	CreateForceTask(ctx context.Context, t *ForceTask, ev *Event) error
	FindForceTask(ctx context.Context, id string) (*ForceTask, error)
	ListForceTasks(ctx context.Context, f ForceFilter) ([]*ForceTask, error)
	// UpdateForceTask applies fn to the stored task under a lock and stores
	// the result with the event fn returns (nil: nothing changes).
	UpdateForceTask(ctx context.Context, id string, fn func(t *ForceTask) (*Event, error)) (*ForceTask, error)
	CreateClue(ctx context.Context, c *Clue, ev *Event) error
	ListClues(ctx context.Context, f ForceFilter) ([]*Clue, error)
	// MarkClueHandedOff records the grid loop's reference for a clue; false
	// if it was already handed off.
	MarkClueHandedOff(ctx context.Context, id, ref string, ev *Event) (bool, error)
}
