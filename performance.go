package precinct

import (
	"context"
	"time"
)

// The monthly performance list (绩效清单): per officer and month, figures
// generated from recorded work — visits, records captured, verified and
// corrected, incidents taken and finished, check-in days — never typed in.
// Each figure comes from a PerformanceSource; a new kind of work (disputes,
// dissuasion tasks, roll calls) is a new source.

// PerformanceMetric names one figure of the performance list.
type PerformanceMetric string

const (
	WorkVisits           PerformanceMetric = "visits"              // 走访次数
	WorkRecordsAdded     PerformanceMetric = "records_added"       // 采集登记
	WorkRecordsVerified  PerformanceMetric = "records_verified"    // 核实
	WorkRecordsCorrected PerformanceMetric = "records_corrected"   // 更正（含迁入迁出、租住变动）
	WorkFamiliarity      PerformanceMetric = "familiarity_surveys" // 双向熟悉调查
	WorkCards            PerformanceMetric = "cards_issued"        // 警民联系卡
	WorkFirstReceipts    PerformanceMetric = "first_receipts"      // 首接警情
	WorkAttended         PerformanceMetric = "incidents_attended"  // 出警
	WorkResolvedOnScene  PerformanceMetric = "resolved_on_scene"   // 现场处置完毕
	WorkSatisfaction     PerformanceMetric = "satisfaction"        // 回访满意度（均值）
	WorkCheckInDays      PerformanceMetric = "checkin_days"        // 打卡天数
	WorkDisputesAgreed   PerformanceMetric = "disputes_agreed"     // 矛盾纠纷调解成功（达成协议）
	WorkDisputesClosed   PerformanceMetric = "disputes_closed"     // 矛盾纠纷回访结案
	WorkGridReportsDone  PerformanceMetric = "grid_reports_done"   // 网格吹哨事项处置反馈
	WorkDissuasions      PerformanceMetric = "dissuasions_done"    // 劝阻任务完成（prevention 提供）
)

// PerformanceMetricInfo describes a figure: its names and whether it is a mean (not
// summed, compared as a difference).
type PerformanceMetricInfo struct {
	Metric PerformanceMetric `json:"metric"`
	Name   string            `json:"name"`
	NameEN string            `json:"name_en"`
	Mean   bool              `json:"mean,omitempty"`
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

// OfficerWorkQuery asks a source for the work of officers in [From, To).
type OfficerWorkQuery struct {
	Officers []Officer
	From, To time.Time
}

// PerformanceCount is one figure of one officer.
type PerformanceCount struct {
	UserID string
	Metric PerformanceMetric
	Value  float64
}

// PerformanceSource contributes figures to the performance list from work recorded
// in one context.
type PerformanceSource interface {
	Metrics() []PerformanceMetricInfo
	CountWork(ctx context.Context, q OfficerWorkQuery) ([]PerformanceCount, error)
}

// PerformanceStore counts the recorded work the sources of the list read.
// Each method counts [from, to) and only the users or people it is given.
type PerformanceStore interface {
	// RegistryWork counts, per user, visits made, records registered,
	// verified and corrected (corrections, moves, tenancies, records found
	// gone), familiarity surveys taken and contact cards issued.
	RegistryWork(ctx context.Context, userIDs []string, from, to time.Time) ([]PerformanceCount, error)
	// IncidentWork counts, per officer, incidents received in [from, to)
	// whose route named the officer's person as first-receipt officer,
	// those their unit was sent to, those of them resolved on scene, and the
	// mean callback satisfaction of those with a callback.
	IncidentWork(ctx context.Context, q OfficerWorkQuery) ([]PerformanceCount, error)
	// CheckInDays counts, per user, the days (China Standard Time) with a
	// check-in.
	CheckInDays(ctx context.Context, userIDs []string, from, to time.Time) ([]PerformanceCount, error)
	// ActorEvents counts, per actor and event type, the events of these
	// types the actors recorded — the work a workflow records (a dispute's
	// agreement, a grid report's feedback, a dissuasion).
	ActorEvents(ctx context.Context, actors, types []string, from, to time.Time) ([]ActorEventCount, error)
}

// ActorEventCount is how many events of one type one actor recorded.
type ActorEventCount struct {
	Actor string
	Type  string
	N     int
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
	Officer       Officer                       `json:"officer"`
	Current       map[PerformanceMetric]float64 `json:"current"`
	PreviousMonth map[PerformanceMetric]float64 `json:"previous_month"`
	PreviousYear  map[PerformanceMetric]float64 `json:"previous_year"`
}

// PerformanceList is the performance list of a month.
type PerformanceList struct {
	Month         string                  `json:"month"`
	From          time.Time               `json:"from"`
	To            time.Time               `json:"to"`
	PreviousMonth string                  `json:"previous_month"`
	PreviousYear  string                  `json:"previous_year"`
	Metrics       []PerformanceMetricInfo `json:"metrics"`
	Entries       []PerformanceEntry      `json:"entries"`
	GeneratedAt   time.Time               `json:"generated_at"`
}

// PerformanceService builds performance lists. Each officer sees their own;
// PermReadPerformance lets a station chief or command office see the
// officers of their jurisdiction.
type PerformanceService interface {
	PerformanceList(ctx context.Context, q PerformanceQuery) (*PerformanceList, error)
}

// PerformanceExportService builds performance-list files by the same rule
// as PerformanceService.
type PerformanceExportService interface {
	// ExportPerformance returns the list of q as format "xlsx" or "csv",
	// labelled in lang ("zh" or "en"). Another format is EINVALID.
	ExportPerformance(ctx context.Context, q PerformanceQuery, format, lang string) (*StatsExport, error)
}
