// Package gridloop is the grid whistle loop of the "one network" (一张网):
// a report from the grid (网格吹哨) is triaged by the grid's officer or the
// township governance centre and transferred to a station team or a linked
// department with a deadline by category and urgency (分级转办); not
// accepted in time it escalates from the township to the district; the
// handler's feedback goes back to the reporter and the grid (处置反馈), who
// evaluate it or return it (考核评价). Collection is separate from handling
// (采办分离). Reports come from staff with accounts, from outside systems
// and citizens' apps through Open311 GeoReport v2, and from incidents
// handed over. The loop is a kind of the workflow engine.
package gridloop

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/workflow"
)

// Kind is the kind of work item of a grid report.
const Kind precinct.WorkKind = "grid_report"

// States of a grid report.
const (
	StateReported precinct.WorkState = "reported" // 已上报，待研判
	StateAssigned precinct.WorkState = "assigned" // 已转办，待签收
	StateAccepted precinct.WorkState = "accepted" // 已签收，处置中
	StateDone     precinct.WorkState = "done"     // 已反馈，待评价
	StateClosed   precinct.WorkState = "closed"   // 已办结
	StateRejected precinct.WorkState = "rejected" // 不予受理（无效、重复）
)

// Actions on a grid report.
const (
	ActionTransfer precinct.WorkAction = "transfer" // 转办
	ActionReject   precinct.WorkAction = "reject"   // 不予受理
	ActionAccept   precinct.WorkAction = "accept"   // 签收
	ActionDecline  precinct.WorkAction = "decline"  // 退回研判（非本单位职责）
	ActionFeedback precinct.WorkAction = "feedback" // 处置反馈
	ActionEvaluate precinct.WorkAction = "evaluate" // 评价
	ActionReturn   precinct.WorkAction = "return"   // 退回重办
	ActionUrge     precinct.WorkAction = "urge"     // 督办
)

// Category is a category of grid reports and who usually handles it.
type Category struct {
	Code   string                  `json:"code"`
	Name   string                  `json:"name"`
	NameEN string                  `json:"name_en"`
	Dept   precinct.DepartmentKind `json:"department_kind,omitempty"` // the linked department that usually handles it
	Team   precinct.TeamKind       `json:"team,omitempty"`            // or the station team
}

// Categories of grid reports.
var Categories = []Category{
	{Code: "safety_hazard", Name: "安全隐患", NameEN: "Safety hazard", Dept: precinct.DeptEmergency},
	{Code: "dispute", Name: "矛盾纠纷", NameEN: "Dispute", Team: precinct.TeamCommunity},
	{Code: "public_order", Name: "治安问题", NameEN: "Public order", Team: precinct.TeamCommunity},
	{Code: "environment", Name: "环境卫生", NameEN: "Environment and sanitation", Dept: precinct.DeptLawEnforcement},
	{Code: "illegal_construction", Name: "违章搭建", NameEN: "Illegal construction", Dept: precinct.DeptLawEnforcement},
	{Code: "traffic", Name: "交通秩序", NameEN: "Traffic", Dept: precinct.DeptTransport},
	{Code: "market", Name: "市场秩序", NameEN: "Market order", Dept: precinct.DeptMarket},
	{Code: "housing", Name: "房屋安全", NameEN: "Housing safety", Dept: precinct.DeptHousing},
	{Code: "welfare", Name: "民生救助", NameEN: "Welfare and relief", Dept: precinct.DeptCivil},
	{Code: "other", Name: "其他", NameEN: "Other", Team: precinct.TeamCommand},
}

// CategoryOf returns the category with a code.
func CategoryOf(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Deadlines (urgent, pressing, routine).
var (
	triageWithin = [3]time.Duration{30 * time.Minute, 2 * time.Hour, 8 * time.Hour}
	acceptWithin = [3]time.Duration{30 * time.Minute, 2 * time.Hour, 8 * time.Hour}
	handleWithin = [3]time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	// Hazards to life and property are accepted and handled sooner.
	acceptByCategory = map[string][3]time.Duration{"safety_hazard": {15 * time.Minute, time.Hour, 4 * time.Hour}, "housing": {15 * time.Minute, time.Hour, 4 * time.Hour}}
	handleByCategory = map[string][3]time.Duration{"safety_hazard": {2 * time.Hour, 12 * time.Hour, 48 * time.Hour},
		"illegal_construction": {24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour}}
)

func t(zh, en string) workflow.Text { return workflow.Text{ZH: zh, EN: en} }

func states(ss ...precinct.WorkState) []precinct.WorkState { return ss }

// ReportKind is the table of the grid whistle loop.
var ReportKind = &workflow.Kind{
	Name: Kind, Label: t("网格吹哨", "Grid report"), IDPrefix: "gr",
	Initial: StateReported, OpenPerm: precinct.PermReportWork, OpenCount: []precinct.WorkMetric{precinct.MetricOpened},
	Tiers: []workflow.Text{t("乡镇（街道）", "Township"), t("区县", "District")},
	States: []workflow.State{
		{Name: StateReported, Label: t("待研判", "to triage"),
			Due: &workflow.Due{Step: ActionTransfer, ByUrgency: triageWithin, Escalate: true, Task: true}},
		{Name: StateAssigned, Label: t("待签收", "to accept"),
			Due: &workflow.Due{Step: ActionAccept, ByUrgency: acceptWithin, ByCategory: acceptByCategory, Escalate: true, OverdueTask: ActionUrge}},
		{Name: StateAccepted, Label: t("处置中", "being handled"),
			Due: &workflow.Due{Step: ActionFeedback, ByUrgency: handleWithin, ByCategory: handleByCategory, OverdueTask: ActionUrge}},
		{Name: StateDone, Label: t("待评价", "to evaluate"),
			Due: &workflow.Due{Step: ActionEvaluate, Schedule: []time.Duration{72 * time.Hour}, Task: true}},
		{Name: StateClosed, Label: t("已办结", "closed"), Closed: true},
		{Name: StateRejected, Label: t("不予受理", "rejected"), Closed: true},
	},
	Table: []workflow.Transition{
		{Action: ActionTransfer, Label: t("转办", "transfer"), From: states(StateReported, StateAssigned), To: StateAssigned,
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Assign, workflow.Reclassify},
			Count: []precinct.WorkMetric{precinct.MetricAssigned}},
		{Action: ActionReject, Label: t("不予受理", "reject"), From: states(StateReported), To: StateRejected,
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricClosed}},
		{Action: ActionAccept, Label: t("签收", "accept"), From: states(StateAssigned), To: StateAccepted,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee,
			Count: []precinct.WorkMetric{precinct.MetricAccepted}, Late: precinct.MetricAcceptedLate},
		{Action: ActionDecline, Label: t("退回研判", "decline"), From: states(StateAssigned), To: StateReported,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.NeedNote, workflow.Unassign}},
		{Action: ActionFeedback, Label: t("处置反馈", "feedback"), From: states(StateAccepted), To: StateDone,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.NeedNote, workflow.Photos},
			Count: []precinct.WorkMetric{precinct.MetricDone}, Late: precinct.MetricDoneLate},
		{Action: ActionEvaluate, Label: t("评价", "evaluate"), From: states(StateDone), To: StateClosed,
			Perm: precinct.PermTriageWork, By: workflow.ByReporter, Effects: []workflow.Effect{workflow.Evaluate},
			Count: []precinct.WorkMetric{precinct.MetricClosed, precinct.MetricResolved}},
		{Action: ActionReturn, Label: t("退回重办", "return"), From: states(StateDone), To: StateAccepted,
			Perm: precinct.PermTriageWork, By: workflow.ByReporter, Effects: []workflow.Effect{workflow.NeedNote, workflow.Return},
			Count: []precinct.WorkMetric{precinct.MetricReturned}},
		{Action: ActionUrge, Label: t("督办", "urge"), From: states(StateAssigned, StateAccepted),
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Touch}},
		{Action: precinct.ActionEscalate, Label: t("超时升级", "escalate"), From: states(StateReported, StateAssigned),
			By: workflow.BySystem, Effects: []workflow.Effect{workflow.Escalate}, Count: []precinct.WorkMetric{precinct.MetricEscalated}},
	},
	Apply: applyReport,
}

// Report is the record of a grid report (the item's Data).
type Report struct {
	// ReporterKind is who reported it: grid_worker, community_officer,
	// security_guard, property_manager, owners_committee, citizen, incident.
	ReporterKind string `json:"reporter_kind"`
	Description  string `json:"description"`
	// MediaURL is a link to media an outside system gave (Open311).
	MediaURL string `json:"media_url,omitempty"`
	// Feedback is the handler's latest feedback, for the reporter and the grid.
	Feedback *Feedback `json:"feedback,omitempty"`
	// Comment is the evaluation's or the return's remark.
	Comment string `json:"comment,omitempty"`
}

// Feedback is what the handler did.
type Feedback struct {
	Note string    `json:"note"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
}

// ReporterKinds lists who may report.
var ReporterKinds = []string{"grid_worker", "community_officer", "security_guard", "property_manager", "owners_committee", "citizen", "incident"}

// applyReport keeps the feedback and evaluation remark in the report.
func applyReport(it *precinct.WorkItem, tr *workflow.Transition, req precinct.WorkRequest, now time.Time) error {
	if len(req.Data) > 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "data", "网格事项的操作没有附加内容", "Actions on grid reports take no detail.")
	}
	var r Report
	if err := json.Unmarshal(it.Data, &r); err != nil {
		return err
	}
	switch tr.Action {
	case ActionFeedback:
		r.Feedback = &Feedback{Note: req.Note, At: now}
		if id, ok := it.Assignee.Department(); ok {
			r.Feedback.By = id
		} else {
			r.Feedback.By = string(it.Assignee)
		}
	case ActionEvaluate, ActionReturn:
		r.Comment = req.Note
	default:
		return nil
	}
	b, err := json.Marshal(r)
	it.Data = b
	return err
}

// maxDescription bounds a report's description, as Open311 does.
const maxDescription = 4000

func checkText(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return precinct.FieldErrorf(precinct.EINVALID, field, "%s 过长（不超过 %d 字）", "%s is too long (at most %d characters).", field, max)
	}
	return nil
}
