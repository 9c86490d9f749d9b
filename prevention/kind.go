// Package prevention is prevention work (预防警务): anti-fraud early
// warnings (反诈预警) taken in as JSON batches, OASIS CAP 1.2 alerts or
// ledgers, matched to a registry resident and so to a police grid, and
// pushed to that grid's community officer as a dissuasion task (劝阻) with a
// deadline by level; the officer reports whether the person was reached and
// dissuaded, money lost, a referral to the case team; tasks not done in time
// escalate to the station's command office [004]. Its figures by grid,
// station, month and fraud type set the reach rate beside the seeds'
// reference (3.99 M of 6.15 M). Warning notices go out to the residents of
// an area or category as CAP 1.2 alerts; targeted publicity is proposed
// where one kind of incident clusters [001]; a service station and its two
// bound stations analyse the six property crimes jointly and rate each other
// monthly [003]. The dissuasion task is a kind of the workflow engine.
package prevention

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/workflow"
)

// Kind is the kind of work item of a dissuasion task.
const Kind precinct.WorkKind = "dissuasion"

// States of a dissuasion task.
const (
	StatePushed    precinct.WorkState = "pushed"    // 已推送，待劝阻
	StateReported  precinct.WorkState = "reported"  // 已联系并反馈
	StateUnreached precinct.WorkState = "unreached" // 未联系上
)

// Actions on a dissuasion task.
const (
	ActionReport    precinct.WorkAction = "report"    // 反馈劝阻结果
	ActionUnreached precinct.WorkAction = "unreached" // 反馈未联系上
	ActionTransfer  precinct.WorkAction = "transfer"  // 改派
)

// Ways the officer reached the person.
const (
	ContactPhone    = "phone"     // 电话劝阻
	ContactInPerson = "in_person" // 上门劝阻
)

// ReachWithin is the time allowed to reach the person by level: minutes
// when they are transferring money now, hours otherwise.
var ReachWithin = [3]time.Duration{15 * time.Minute, 2 * time.Hour, 12 * time.Hour}

func t(zh, en string) workflow.Text { return workflow.Text{ZH: zh, EN: en} }

func states(ss ...precinct.WorkState) []precinct.WorkState { return ss }

// DissuasionKind is the table of a dissuasion task.
var DissuasionKind = &workflow.Kind{
	Name: Kind, Label: t("反诈劝阻", "Dissuasion"), IDPrefix: "dsn",
	Initial: StatePushed, OpenPerm: precinct.PermIntakeWarning, OpenCount: []precinct.WorkMetric{precinct.MetricOpened, precinct.MetricAssigned},
	Tiers: []workflow.Text{t("社区民警", "Community officer"), t("派出所综合指挥室", "Station command office")},
	States: []workflow.State{
		{Name: StatePushed, Label: t("待劝阻", "to dissuade"),
			Due: &workflow.Due{Step: ActionReport, ByUrgency: ReachWithin, Escalate: true, Task: true}},
		{Name: StateReported, Label: t("已劝阻反馈", "reported"), Closed: true},
		{Name: StateUnreached, Label: t("未联系上", "not reached"), Closed: true},
	},
	Table: []workflow.Transition{
		{Action: ActionReport, Label: t("反馈劝阻结果", "report the outcome"), From: states(StatePushed), To: StateReported,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.Photos},
			Count: []precinct.WorkMetric{precinct.MetricDone, precinct.MetricClosed}, Late: precinct.MetricDoneLate},
		{Action: ActionUnreached, Label: t("反馈未联系上", "report not reached"), From: states(StatePushed), To: StateUnreached,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricClosed}, Late: precinct.MetricDoneLate},
		{Action: ActionTransfer, Label: t("改派", "transfer"), From: states(StatePushed),
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Assign, workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricAssigned}},
		{Action: precinct.ActionEscalate, Label: t("超时升级至综合指挥室", "escalate to the command office"), From: states(StatePushed),
			By: workflow.BySystem, Effects: []workflow.Effect{workflow.Escalate}, Count: []precinct.WorkMetric{precinct.MetricEscalated}},
	},
	Apply: apply,
}

// Task is the record of a dissuasion task (the item's Data). The person's
// personal data is kept apart, as the item's contact.
type Task struct {
	WarningID string                `json:"warning_id"`
	FraudType string                `json:"fraud_type"`
	Level     precinct.WarningLevel `json:"level"`
	Amount    float64               `json:"amount,omitempty"`
	IssuedAt  time.Time             `json:"issued_at"`
	// ResidentID is the matched resident; Earlier the person's earlier
	// warnings when this one came.
	ResidentID string `json:"resident_id,omitempty"`
	Earlier    int    `json:"earlier"`
	// RuleID and Reason are the routing rule that chose the handler.
	RuleID   string   `json:"rule_id,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	ReasonEN string   `json:"reason_en,omitempty"`
	Outcome  *Outcome `json:"outcome,omitempty"`
}

// Outcome is what the officer reports.
type Outcome struct {
	// Contact is how the person was reached: phone or in_person; empty
	// when not reached.
	Contact   string `json:"contact,omitempty"`
	Dissuaded bool   `json:"dissuaded"`
	// Lost is money already lost, in yuan.
	Lost float64 `json:"lost,omitempty"`
	// Referred: the case was referred to the case team (money lost).
	Referred  bool      `json:"referred"`
	ReachedAt time.Time `json:"reached_at"`
	Note      string    `json:"note,omitempty"`
}

// Reached reports whether the person was reached.
func (o *Outcome) Reached() bool { return o != nil && o.Contact != "" }

// maxAmount bounds amounts (yuan).
const maxAmount = 1e11

func validAmount(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxAmount {
		return precinct.FieldErrorf(precinct.EINVALID, field, "金额应为 0 至 1000 亿元", "The amount must be between 0 and 100 billion yuan.")
	}
	return nil
}

// apply records the outcome, and on escalation hands the task to the
// station's command office.
func apply(it *precinct.WorkItem, tr *workflow.Transition, req precinct.WorkRequest, now time.Time) error {
	var d Task
	if err := json.Unmarshal(it.Data, &d); err != nil {
		return err
	}
	switch tr.Action {
	case precinct.ActionEscalate:
		it.Assignee = precinct.TeamAssignee(it.Location.StationID, precinct.TeamCommand)
	case ActionReport:
		var o Outcome
		if len(req.Data) == 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "请填写劝阻结果", "The outcome is required.")
		}
		dec := json.NewDecoder(strings.NewReader(string(req.Data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "劝阻结果格式不正确：%s", "The outcome is malformed: %s", err.Error())
		}
		if o.Contact != ContactPhone && o.Contact != ContactInPerson {
			return precinct.FieldErrorf(precinct.EINVALID, "data.contact", "联系方式应为 phone（电话）或 in_person（上门）", "Contact must be phone or in_person.")
		}
		if err := validAmount("data.lost", o.Lost); err != nil {
			return err
		}
		if o.Lost > 0 && !o.Referred {
			return precinct.FieldErrorf(precinct.EINVALID, "data.referred", "已有损失的须移交案件办理队", "Money was lost: refer the case to the case team.")
		}
		if utf8.RuneCountInString(o.Note) > workflow.MaxNote {
			return precinct.FieldErrorf(precinct.EINVALID, "data.note", "说明过长", "The note is too long.")
		}
		if o.ReachedAt.IsZero() || o.ReachedAt.After(now) || o.ReachedAt.Before(it.OpenedAt) {
			o.ReachedAt = now
		}
		if o.Note == "" {
			o.Note = req.Note
		}
		d.Outcome = &o
	case ActionUnreached:
		if len(req.Data) > 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "未联系上无需附加内容", "Not reached takes no detail.")
		}
		d.Outcome = &Outcome{ReachedAt: now, Note: req.Note}
	default:
		if len(req.Data) > 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "data", "此操作没有附加内容", "This action takes no detail.")
		}
		return nil
	}
	b, err := json.Marshal(d)
	it.Data = b
	return err
}

// Figures of the performance list that prevention adds.
const (
	MetricDissuasions precinct.PerformanceMetric = "dissuasions_reported" // 反诈劝阻反馈
	MetricPublicity   precinct.PerformanceMetric = "publicity_done"       // 宣防任务完成
)

// Performance returns the sources of the performance list for prevention
// work: the officers' dissuasion outcomes reported (reached or not) and
// their publicity tasks done.
func Performance(st precinct.PerformanceStore) []precinct.PerformanceSource {
	return []precinct.PerformanceSource{
		workflow.Performance{Store: st, Kind: Kind, Actions: []precinct.WorkAction{ActionReport, ActionUnreached},
			Info: precinct.PerformanceMetricInfo{Metric: MetricDissuasions, Name: "反诈劝阻反馈", NameEN: "Dissuasions reported"}},
		workflow.Performance{Store: st, Kind: PublicityKindName, Actions: []precinct.WorkAction{ActionDone},
			Info: precinct.PerformanceMetricInfo{Metric: MetricPublicity, Name: "宣防任务完成", NameEN: "Publicity tasks done"}},
	}
}
