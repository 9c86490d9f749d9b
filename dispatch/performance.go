package dispatch

import (
	"context"

	"precinct"
)

// Performance is dispatch's source of the monthly performance list
// (precinct.PerformanceSource): the incidents each officer received first
// as the grid's first-receipt officer (首接), those their unit was sent to,
// those resolved on scene, and the mean callback satisfaction of them.
type Performance struct {
	Store precinct.PerformanceStore
}

var _ precinct.PerformanceSource = Performance{}

// Metrics describes the figures.
func (Performance) Metrics() []precinct.PerformanceMetricInfo {
	return []precinct.PerformanceMetricInfo{
		{Metric: precinct.WorkFirstReceipts, Name: "首接警情", NameEN: "First receipts", Source: "dispatch"},
		{Metric: precinct.WorkAttended, Name: "出警", NameEN: "Incidents attended", Source: "dispatch"},
		{Metric: precinct.WorkResolvedOnScene, Name: "现场处置完毕", NameEN: "Resolved on scene", Source: "dispatch"},
		{Metric: precinct.WorkSatisfaction, Name: "回访满意度", NameEN: "Callback satisfaction", Mean: true, Source: "dispatch"},
	}
}

// CountWork counts the incidents of the officers received in [q.From, q.To).
func (p Performance) CountWork(ctx context.Context, q precinct.OfficerWorkQuery) ([]precinct.PerformanceCount, error) {
	return p.Store.IncidentWork(ctx, q)
}
