// Package workflow is the one engine every work item that flows runs on:
// grid reports, disputes, daily tasks, dissuasion tasks. A kind of item is
// declared as data — its states, a transitions table with the permission,
// the actor and the effects of each action, deadlines by category and
// urgency, escalation tiers — and the engine applies it: it checks who may
// act, moves the state, sets and clears deadlines, counts the evaluation's
// tallies, and stores the change with its event in one transaction. The
// sweeper escalates items whose deadline passed, once, even with several
// nodes on one database (the change is conditional on the version read).
//
// Adding a kind is declaring its Kind; the engine has no code per kind. A
// kind may add a hook (Apply) that checks an action's detail and updates
// its own record.
package workflow

import (
	"fmt"
	"slices"
	"time"

	"precinct"
)

// Text is a label in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// Actor says who, among those holding a transition's permission, may take it.
type Actor string

// Actors.
const (
	// ByScope: anyone with the permission whose jurisdiction covers the item.
	ByScope Actor = "scope"
	// ByAssignee: the accounts of the item's current assignee (the
	// department's members, the station team, the user).
	ByAssignee Actor = "assignee"
	// ByReporter: the user who filed the item, or anyone with the
	// permission whose jurisdiction covers it (the grid's officer).
	ByReporter Actor = "reporter"
	// BySystem: only the node itself (the deadline sweeper).
	BySystem Actor = "system"
)

// Effect is something an action does besides moving the state.
type Effect string

// Effects.
const (
	Assign     Effect = "assign"     // the request names the new assignee (required)
	Unassign   Effect = "unassign"   // the item goes back to nobody
	Reclassify Effect = "reclassify" // category and urgency may be corrected
	NeedNote   Effect = "note"       // a note is required
	Evaluate   Effect = "evaluate"   // the request's verdict is required and recorded
	Return     Effect = "return"     // counts a return (sent back as not done)
	Escalate   Effect = "escalate"   // one tier up, and the deadline starts again
	Repeat     Effect = "repeat"     // the step is done once more (a follow-up visit)
	Touch      Effect = "touch"      // someone checked on the item (督办)
	Photos     Effect = "photos"     // photos may come with the action
)

// Due is the deadline of a state: the step that must be taken, and by when.
type Due struct {
	Step precinct.WorkAction
	// ByUrgency is the time allowed by urgency (urgent, pressing, routine).
	ByUrgency [3]time.Duration
	// ByCategory overrides ByUrgency for some categories.
	ByCategory map[string][3]time.Duration
	// Schedule, when set, replaces both: the n-th time the step is done
	// (the item's Steps) waits Schedule[n], the last entry repeating.
	Schedule []time.Duration
	// Escalate: a missed deadline escalates the item a tier (until the last
	// tier); otherwise it is marked overdue.
	Escalate bool
	// Task: the step shows as a daily task of the police grid's officer
	// on the day it is due (and after).
	Task bool
	// OverdueTask, if set, is the officer's task once the deadline has
	// passed or the item was escalated (督办 an overdue report).
	OverdueTask precinct.WorkAction
}

// Allowed returns the time allowed for the step.
func (d *Due) Allowed(category string, u precinct.Urgency, steps int) time.Duration {
	if len(d.Schedule) > 0 {
		return d.Schedule[min(steps, len(d.Schedule)-1)]
	}
	if !u.Valid() {
		u = precinct.UrgencyRoutine
	}
	if c, ok := d.ByCategory[category]; ok {
		return c[u-1]
	}
	return d.ByUrgency[u-1]
}

// State is a state of a kind.
type State struct {
	Name   precinct.WorkState
	Label  Text
	Closed bool // an item in this state is closed
	Due    *Due
}

// Transition is one row of a kind's table.
type Transition struct {
	Action precinct.WorkAction
	Label  Text
	From   []precinct.WorkState
	To     precinct.WorkState // "" keeps the state
	Perm   precinct.Permission
	By     Actor
	// Effects are what the action does besides moving the state.
	Effects []Effect
	// Count are the tallies the action adds to, for the item's assignee
	// after the action.
	Count []precinct.WorkMetric
	// Late is added besides when the action comes after the deadline.
	Late precinct.WorkMetric
}

// Has reports whether t has effect e.
func (t *Transition) Has(e Effect) bool { return slices.Contains(t.Effects, e) }

// Kind is the declaration of a kind of work item.
type Kind struct {
	Name  precinct.WorkKind
	Label Text
	// IDPrefix starts the IDs of its items ("gr", "dsp").
	IDPrefix string
	// Initial is the state an item opens in; OpenPerm the permission to
	// open one; OpenCount the tallies opening adds to.
	Initial   precinct.WorkState
	OpenPerm  precinct.Permission
	OpenCount []precinct.WorkMetric
	States    []State
	Table     []Transition
	// Tiers names the escalation tiers, lowest first.
	Tiers []Text
	// Apply, if set, checks an action's detail and updates the item's own
	// record (Data) before it is stored. It is called after the engine's
	// checks, with the item as it will be stored.
	Apply func(it *precinct.WorkItem, t *Transition, req precinct.WorkRequest, now time.Time) error
}

// State returns the declaration of state s.
func (k *Kind) State(s precinct.WorkState) *State {
	for i := range k.States {
		if k.States[i].Name == s {
			return &k.States[i]
		}
	}
	return nil
}

// Transition returns the row of action a.
func (k *Kind) Transition(a precinct.WorkAction) *Transition {
	for i := range k.Table {
		if k.Table[i].Action == a {
			return &k.Table[i]
		}
	}
	return nil
}

// Next returns the transition for action a from state s: EINVALID for an
// action the kind does not know, ECONFLICT for one its state forbids now.
func (k *Kind) Next(s precinct.WorkState, a precinct.WorkAction) (*Transition, error) {
	t := k.Transition(a)
	if t == nil {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "action", "未知的操作：%q", "Unknown action %q.", a)
	}
	if !slices.Contains(t.From, s) {
		st := k.State(s)
		label := Text{string(s), string(s)}
		if st != nil {
			label = st.Label
		}
		return nil, &precinct.Error{Code: precinct.ECONFLICT,
			Message:   fmt.Sprintf("当前状态为“%s”，不能执行“%s”", label.ZH, t.Label.ZH),
			MessageEN: fmt.Sprintf("The item is %s; %s is not allowed now.", label.EN, t.Label.EN)}
	}
	return t, nil
}

// Validate checks that the table hangs together: known states, a
// permission and an actor for every action, deadlines that are positive.
func (k *Kind) Validate() error {
	if k.Name == "" || k.IDPrefix == "" || k.OpenPerm == "" || len(k.Tiers) == 0 {
		return fmt.Errorf("workflow: kind %q lacks a name, ID prefix, open permission or tiers", k.Name)
	}
	if k.State(k.Initial) == nil {
		return fmt.Errorf("workflow: kind %s: initial state %q is not declared", k.Name, k.Initial)
	}
	seen := map[precinct.WorkState]bool{}
	for _, s := range k.States {
		if seen[s.Name] {
			return fmt.Errorf("workflow: kind %s: state %s declared twice", k.Name, s.Name)
		}
		seen[s.Name] = true
		if s.Due == nil {
			continue
		}
		if s.Closed {
			return fmt.Errorf("workflow: kind %s: closed state %s has a deadline", k.Name, s.Name)
		}
		if k.Transition(s.Due.Step) == nil {
			return fmt.Errorf("workflow: kind %s: state %s is due for unknown step %s", k.Name, s.Name, s.Due.Step)
		}
		all := append([]time.Duration{}, s.Due.Schedule...)
		if len(s.Due.Schedule) == 0 {
			all = append(all, s.Due.ByUrgency[:]...)
			for _, c := range s.Due.ByCategory {
				all = append(all, c[:]...)
			}
		}
		for _, d := range all {
			if d <= 0 {
				return fmt.Errorf("workflow: kind %s: state %s has a deadline that is not positive", k.Name, s.Name)
			}
		}
		if s.Due.Escalate && (k.Transition(precinct.ActionEscalate) == nil || !slices.Contains(k.Transition(precinct.ActionEscalate).From, s.Name)) {
			return fmt.Errorf("workflow: kind %s: state %s escalates but no escalate action starts from it", k.Name, s.Name)
		}
	}
	actions := map[precinct.WorkAction]bool{}
	for _, t := range k.Table {
		if actions[t.Action] {
			return fmt.Errorf("workflow: kind %s: action %s declared twice", k.Name, t.Action)
		}
		actions[t.Action] = true
		if t.Perm == "" && t.By != BySystem || t.By == "" {
			return fmt.Errorf("workflow: kind %s: action %s lacks a permission or an actor", k.Name, t.Action)
		}
		if len(t.From) == 0 {
			return fmt.Errorf("workflow: kind %s: action %s starts from no state", k.Name, t.Action)
		}
		for _, s := range append(slices.Clone(t.From), t.To) {
			if s != "" && !seen[s] {
				return fmt.Errorf("workflow: kind %s: action %s names unknown state %s", k.Name, t.Action, s)
			}
		}
		if t.Has(Assign) && t.Has(Unassign) {
			return fmt.Errorf("workflow: kind %s: action %s both assigns and unassigns", k.Name, t.Action)
		}
	}
	return nil
}

// Kinds is the set of kinds an engine runs, by name.
type Kinds map[precinct.WorkKind]*Kind

// NewKinds checks each kind and returns the set.
func NewKinds(ks ...*Kind) (Kinds, error) {
	out := Kinds{}
	for _, k := range ks {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if out[k.Name] != nil {
			return nil, fmt.Errorf("workflow: kind %s declared twice", k.Name)
		}
		out[k.Name] = k
	}
	return out, nil
}
