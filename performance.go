package precinct

import (
	"context"
	"time"
)

// The monthly performance list (绩效清单): per officer and month, figures
// generated from recorded work — visits, records captured, verified and
// corrected, incidents taken and finished, check-in days — never typed in.
// Each figure comes from a WorkSource; a new kind of work (disputes,
// dissuasion tasks, roll calls) is a new source.

// WorkMetric names one figure of the performance list.
type WorkMetric string

const (
	WorkVisits           WorkMetric = "visits"              // 走访次数
	WorkRecordsAdded     WorkMetric = "records_added"       // 采集登记
	WorkRecordsVerified  WorkMetric = "records_verified"    // 核实
	WorkRecordsCorrected WorkMetric = "records_corrected"   // 更正（含迁入迁出、租住变动）
	WorkFamiliarity      WorkMetric = "familiarity_surveys" // 双向熟悉调查
	WorkCards            WorkMetric = "cards_issued"        // 警民联系卡
	WorkFirstReceipts    WorkMetric = "first_receipts"      // 首接警情
	WorkAttended         WorkMetric = "incidents_attended"  // 出警
	WorkResolvedOnScene  WorkMetric = "resolved_on_scene"   // 现场处置完毕
	WorkSatisfaction     WorkMetric = "satisfaction"        // 回访满意度（均值）
	WorkCheckInDays      WorkMetric = "checkin_days"        // 打卡天数
)

// WorkMetricInfo describes a figure: its names and whether it is a mean (not
// summed, compared as a difference).
type WorkMetricInfo struct {
	Metric WorkMetric `json:"metric"`
	Name   string     `json:"name"`
	NameEN string     `json:"name_en"`
	Mean   bool       `json:"mean,omitempty"`
	// Source names the source that contributes it.
	Source string `json:"source"`
}

// Officer is someone whose work a performance list counts: a user, with the
// person and unit their work is recorded under.
type Officer struct {
	UserID   string   `json:"user_id"`
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Role     Role     `json:"role"`
	PersonID string   `json:"person_id,omitempty"`
	UnitID   string   `json:"unit_id,omitempty"`
	Location Location `json:"jurisdiction"`
}

// WorkQuery asks a source for the work of officers in [From, To).
type WorkQuery struct {
	Officers []Officer
	From, To time.Time
}

// WorkCount is one figure of one officer.
type WorkCount struct {
	UserID string
	Metric WorkMetric
	Value  float64
}

// WorkSource contributes figures to the performance list from work recorded
// in one context.
type WorkSource interface {
	Metrics() []WorkMetricInfo
	CountWork(ctx context.Context, q WorkQuery) ([]WorkCount, error)
}

// PerformanceQuery asks for the list of one month (YYYY-MM, China Standard
// Time), of every officer the caller may see or of one.
type PerformanceQuery struct {
	Month  string
	UserID string
}

// PerformanceEntry is one officer's figures of the month, of the month
// before and of the same month a year before.
type PerformanceEntry struct {
	Officer       Officer                `json:"officer"`
	Current       map[WorkMetric]float64 `json:"current"`
	PreviousMonth map[WorkMetric]float64 `json:"previous_month"`
	PreviousYear  map[WorkMetric]float64 `json:"previous_year"`
}

// PerformanceList is the performance list of a month.
type PerformanceList struct {
	Month         string             `json:"month"`
	From          time.Time          `json:"from"`
	To            time.Time          `json:"to"`
	PreviousMonth string             `json:"previous_month"`
	PreviousYear  string             `json:"previous_year"`
	Metrics       []WorkMetricInfo   `json:"metrics"`
	Entries       []PerformanceEntry `json:"entries"`
	GeneratedAt   time.Time          `json:"generated_at"`
}

// PerformanceService builds performance lists. Each officer sees their own;
// PermReadPerformance lets a station chief or command office see the
// officers of their jurisdiction.
type PerformanceService interface {
	PerformanceList(ctx context.Context, q PerformanceQuery) (*PerformanceList, error)
}
