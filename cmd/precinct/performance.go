package main

import (
	"precinct"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/gridloop"
	"precinct/mediation"
	"precinct/prevention"
	"precinct/registry"
	"precinct/report"
	"precinct/workflow"
)

// performance builds the monthly performance list of the node from the
// sources of recorded work. A new kind of work adds its source here: a
// workflow kind (dissuasion tasks…) as a workflow.Performance naming the
// action that completes it, any other context as its own
// precinct.PerformanceSource.
func (m *Main) performance() *report.Performance {
	return &report.Performance{Users: m.Store, Clock: m.Clock, Sources: append([]precinct.PerformanceSource{
		registry.Performance{Store: m.Store},
		dispatch.Performance{Store: m.Store},
		workflow.Performance{Store: m.Store, Kind: mediation.Kind, Actions: []precinct.WorkAction{mediation.ActionAgree},
			Info: precinct.PerformanceMetricInfo{Metric: precinct.WorkDisputesAgreed, Name: "纠纷调解成功", NameEN: "Disputes settled"}},
		workflow.Performance{Store: m.Store, Kind: mediation.Kind, Actions: []precinct.WorkAction{mediation.ActionClose},
			Info: precinct.PerformanceMetricInfo{Metric: precinct.WorkDisputesClosed, Name: "纠纷回访结案", NameEN: "Disputes closed after follow-up"}},
		workflow.Performance{Store: m.Store, Kind: gridloop.Kind, Actions: []precinct.WorkAction{gridloop.ActionFeedback},
			Info: precinct.PerformanceMetricInfo{Metric: precinct.WorkGridReportsDone, Name: "网格事项处置", NameEN: "Grid reports handled"}},
		duty.Performance{Store: m.Store, Work: m.Store},
	}, prevention.Performance(m.Store)...)}
}
