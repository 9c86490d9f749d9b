package registry

import (
	"context"

	"precinct"
)

// Performance is the registry's source of the monthly performance list
// (precinct.PerformanceSource): the visits each officer made, the records
// they registered, verified and corrected, the familiarity surveys they took
// and the contact cards they issued — as recorded, never typed in.
type Performance struct {
	Store precinct.PerformanceStore
}

var _ precinct.PerformanceSource = Performance{}

// Metrics describes the figures.
func (Performance) Metrics() []precinct.PerformanceMetricInfo {
	return []precinct.PerformanceMetricInfo{
		{Metric: precinct.WorkVisits, Name: "走访次数", NameEN: "Visits", Source: "registry"},
		{Metric: precinct.WorkRecordsAdded, Name: "采集登记", NameEN: "Records added", Source: "registry"},
		{Metric: precinct.WorkRecordsVerified, Name: "核实记录", NameEN: "Records verified", Source: "registry"},
		{Metric: precinct.WorkRecordsCorrected, Name: "更正记录", NameEN: "Records corrected", Source: "registry"},
		{Metric: precinct.WorkFamiliarity, Name: "双向熟悉调查", NameEN: "Familiarity surveys", Source: "registry"},
		{Metric: precinct.WorkCards, Name: "发放联系卡", NameEN: "Contact cards issued", Source: "registry"},
	}
}

// CountWork counts the registry work of the officers in [q.From, q.To).
func (p Performance) CountWork(ctx context.Context, q precinct.OfficerWorkQuery) ([]precinct.PerformanceCount, error) {
	ids := make([]string, len(q.Officers))
	for i, o := range q.Officers {
		ids[i] = o.UserID
	}
	return p.Store.RegistryWork(ctx, ids, q.From, q.To)
}
