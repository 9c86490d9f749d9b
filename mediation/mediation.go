// Package mediation is disputes and their mediation (矛盾纠纷化解): a
// dispute opened from an incident, a grid report or a visit, with its
// parties, kind, risk and group flag; mediation sessions with mediators,
// lawyers and property managers; the agreement; follow-up visits at set
// intervals; the closing reported back to the command office; and the
// figures the seeds judge by (screening and resolution counts by month, year
// on year; success rates per mediator, officer and station; risk disputes
// open too long). A dispute is a kind of the workflow engine.
package mediation

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/workflow"
)

// Kind is the kind of work item of a dispute.
const Kind precinct.WorkKind = "dispute"

// States of a dispute.
const (
	StateRegistered precinct.WorkState = "registered"   // 已登记，待调解
	StateMediating  precinct.WorkState = "mediating"    // 调解中
	StateFollowUp   precinct.WorkState = "following_up" // 已达成协议，回访中
	StateResolved   precinct.WorkState = "resolved"     // 已化解，已反馈指挥室
	StateUnresolved precinct.WorkState = "unresolved"   // 调解不成（引导诉讼、仲裁）
)

// Actions on a dispute.
const (
	ActionSession  precinct.WorkAction = "session"   // 调解
	ActionAgree    precinct.WorkAction = "agree"     // 达成协议
	ActionFollowUp precinct.WorkAction = "follow_up" // 回访
	ActionClose    precinct.WorkAction = "close"     // 结案并反馈指挥室
	ActionFail     precinct.WorkAction = "fail"      // 调解不成
)

// Kinds of disputes.
var DisputeKinds = map[string]workflow.Text{
	"neighbour": {ZH: "邻里纠纷", EN: "Neighbours"}, "family": {ZH: "婚姻家庭纠纷", EN: "Family"}, "land": {ZH: "土地纠纷", EN: "Land"},
	"wages": {ZH: "劳资纠纷", EN: "Wages"}, "property": {ZH: "物业纠纷", EN: "Property management"}, "blasting": {ZH: "施工炮损纠纷", EN: "Blasting damage"},
	"tenancy": {ZH: "租赁纠纷", EN: "Tenancy"}, "contract": {ZH: "合同纠纷", EN: "Contract"}, "traffic": {ZH: "交通事故纠纷", EN: "Traffic accident"},
	"other": {ZH: "其他纠纷", EN: "Other"},
}

// Risk levels and the urgency they give.
var risks = map[string]precinct.Urgency{"high": precinct.UrgencyUrgent, "medium": precinct.UrgencyPress, "low": precinct.UrgencyRoutine}

// Roles of people at a mediation session.
var attendeeRoles = []string{"officer", "mediator", "lawyer", "property_manager", "cadre", "grid_worker", "party", "other"}

func t(zh, en string) workflow.Text { return workflow.Text{ZH: zh, EN: en} }

func states(ss ...precinct.WorkState) []precinct.WorkState { return ss }

// FollowUps are the intervals of follow-up visits after an agreement: a
// week, a month, three months.
var FollowUps = []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour}

// DisputeKind is the table of a dispute's mediation.
var DisputeKind = &workflow.Kind{
	Name: Kind, Label: t("矛盾纠纷", "Dispute"), IDPrefix: "dsp",
	Initial: StateRegistered, OpenPerm: precinct.PermMediate, OpenCount: []precinct.WorkMetric{precinct.MetricOpened},
	Tiers: []workflow.Text{t("派出所", "Station")},
	States: []workflow.State{
		{Name: StateRegistered, Label: t("待调解", "to mediate"),
			Due: &workflow.Due{Step: ActionSession, ByUrgency: [3]time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour}, Task: true}},
		{Name: StateMediating, Label: t("调解中", "in mediation"),
			Due: &workflow.Due{Step: ActionSession, ByUrgency: [3]time.Duration{3 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}, Task: true}},
		{Name: StateFollowUp, Label: t("回访中", "following up"),
			Due: &workflow.Due{Step: ActionFollowUp, Schedule: FollowUps, Task: true}},
		{Name: StateResolved, Label: t("已化解", "resolved"), Closed: true},
		{Name: StateUnresolved, Label: t("调解不成", "not resolved"), Closed: true},
	},
	Table: []workflow.Transition{
		{Action: ActionSession, Label: t("调解", "mediation session"), From: states(StateRegistered, StateMediating), To: StateMediating,
			Perm: precinct.PermMediate, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Repeat, workflow.Photos}},
		{Action: ActionAgree, Label: t("达成协议", "agreement"), From: states(StateMediating), To: StateFollowUp,
			Perm: precinct.PermMediate, By: workflow.ByScope, Count: []precinct.WorkMetric{precinct.MetricDone}, Late: precinct.MetricDoneLate},
		{Action: ActionFollowUp, Label: t("回访", "follow-up visit"), From: states(StateFollowUp),
			Perm: precinct.PermMediate, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Repeat, workflow.Touch, workflow.NeedNote}},
		{Action: ActionClose, Label: t("结案反馈", "close and report"), From: states(StateFollowUp), To: StateResolved,
			Perm: precinct.PermMediate, By: workflow.ByScope, Effects: []workflow.Effect{workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricClosed, precinct.MetricResolved}},
		{Action: ActionFail, Label: t("调解不成", "mediation failed"), From: states(StateRegistered, StateMediating), To: StateUnresolved,
			Perm: precinct.PermMediate, By: workflow.ByScope, Effects: []workflow.Effect{workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricClosed}},
	},
	Apply: apply,
}

// Dispute is the record of a dispute (the item's Data). Parties' phones and
// ID numbers are kept apart, as the item's contacts.
type Dispute struct {
	Kind    string  `json:"kind"`
	Risk    string  `json:"risk"`
	Group   bool    `json:"group"` // 群体性纠纷
	Summary string  `json:"summary"`
	Parties []Party `json:"parties"`
	// OfficerID is the officer in charge (a user).
	OfficerID string     `json:"officer_id,omitempty"`
	Sessions  []Session  `json:"sessions,omitempty"`
	Agreement *Agreement `json:"agreement,omitempty"`
	FollowUps []FollowUp `json:"follow_ups,omitempty"`
	Closing   *Closing   `json:"closing,omitempty"`
}

// Party is one party to a dispute: a name, and the registry's person when
// known.
type Party struct {
	Name       string `json:"name"`
	RegistryID string `json:"registry_id,omitempty"`
}

// Attendee is someone at a mediation session.
type Attendee struct {
	Name     string `json:"name"`
	Role     string `json:"role"` // officer, mediator, lawyer, property_manager, cadre, grid_worker, party, other
	PersonID string `json:"person_id,omitempty"`
}

// Session is one mediation session.
type Session struct {
	At        time.Time  `json:"at"`
	Place     string     `json:"place"`
	Attendees []Attendee `json:"attendees"`
	Outcome   string     `json:"outcome"`
}

// Agreement is the mediation agreement.
type Agreement struct {
	Text   string    `json:"text"`
	Signed bool      `json:"signed"`
	At     time.Time `json:"at"`
}

// FollowUp is one follow-up visit.
type FollowUp struct {
	At        time.Time `json:"at"`
	Note      string    `json:"note"`
	Fulfilled bool      `json:"fulfilled"` // the agreement is kept
}

// Closing is the closing reported to the command office.
type Closing struct {
	At   time.Time `json:"at"`
	Note string    `json:"note"`
}

func tooLong(field, s string, n int) error {
	if utf8.RuneCountInString(s) > n {
		return precinct.FieldErrorf(precinct.EINVALID, field, "%s 过长（不超过 %d 字）", "%s is too long (at most %d characters).", field, n)
	}
	return nil
}

// decodeDetail reads an action's detail strictly.
func decodeDetail(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "data", "请填写详细内容", "The detail is required.")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return precinct.FieldErrorf(precinct.EINVALID, "data", "详细内容格式不正确：%s", "The detail is malformed: %s", err.Error())
	}
	return nil
}

// apply records an action's detail in the dispute.
func apply(it *precinct.WorkItem, tr *workflow.Transition, req precinct.WorkRequest, now time.Time) error {
	var d Dispute
	if err := json.Unmarshal(it.Data, &d); err != nil {
		return err
	}
	switch tr.Action {
	case ActionSession:
		var s Session
		if err := decodeDetail(req.Data, &s); err != nil {
			return err
		}
		if s.At.IsZero() {
			s.At = now
		}
		if strings.TrimSpace(s.Place) == "" || strings.TrimSpace(s.Outcome) == "" || len(s.Attendees) == 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "调解记录须有地点、参加人员和结果", "A session needs its place, attendees and outcome.")
		}
		if len(s.Attendees) > 50 {
			return precinct.FieldErrorf(precinct.EINVALID, "data.attendees", "参加人员过多", "Too many attendees.")
		}
		for _, a := range s.Attendees {
			if strings.TrimSpace(a.Name) == "" || !slices.Contains(attendeeRoles, a.Role) {
				return precinct.FieldErrorf(precinct.EINVALID, "data.attendees", "参加人员须有姓名和身份（调解员、律师、物业等）", "Each attendee needs a name and a role (mediator, lawyer, property manager…).")
			}
			if err := tooLong("data.attendees.name", a.Name, 50); err != nil {
				return err
			}
		}
		for _, f := range []struct{ n, v string }{{"data.place", s.Place}, {"data.outcome", s.Outcome}} {
			if err := tooLong(f.n, f.v, 2000); err != nil {
				return err
			}
		}
		d.Sessions = append(d.Sessions, s)
	case ActionAgree:
		var a Agreement
		if err := decodeDetail(req.Data, &a); err != nil {
			return err
		}
		if strings.TrimSpace(a.Text) == "" {
			return precinct.FieldErrorf(precinct.EINVALID, "data.text", "请填写协议内容", "The agreement's text is required.")
		}
		if err := tooLong("data.text", a.Text, 8000); err != nil {
			return err
		}
		a.At = now
		d.Agreement = &a
	case ActionFollowUp:
		var f FollowUp
		if len(req.Data) > 0 {
			if err := decodeDetail(req.Data, &f); err != nil {
				return err
			}
		}
		f.At, f.Note = now, req.Note
		d.FollowUps = append(d.FollowUps, f)
	case ActionClose:
		if len(req.Data) > 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "结案没有附加内容", "Closing takes no detail.")
		}
		d.Closing = &Closing{At: now, Note: req.Note}
	case ActionFail:
		if len(req.Data) > 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "此操作没有附加内容", "This action takes no detail.")
		}
		d.Closing = &Closing{At: now, Note: req.Note}
	}
	b, err := json.Marshal(d)
	it.Data = b
	return err
}
