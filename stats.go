package precinct

import (
	"context"
	"time"
)

// CST is China Standard Time (UTC+8), the zone of days and hours in
// statistics.
var CST = time.FixedZone("CST", 8*3600)

// DayStart returns midnight, China Standard Time, of the day t falls on there.
func DayStart(t time.Time) time.Time {
	t = t.In(CST)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, CST)
}

// IncidentFact is what statistics read of one incident.
type IncidentFact struct {
	ReceivedAt   time.Time
	StationID    string
	Category     string
	Status       IncidentStatus
	Point        Point
	DispatchedAt *time.Time
	ArrivedAt    *time.Time
	Outcome      Outcome
	Satisfaction int     // 0 without a callback
	Handler      Handler // whom the routing rules gave it to
	Disposition  string  // the closing code, "" while not closed
}

// Count is how many incidents share a key (a category, status or station).
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// Durations summarises a set of durations in seconds. The figures are nil
// when the set is empty.
type Durations struct {
	N     int      `json:"n"`
	MeanS *float64 `json:"mean_s"`
	P50S  *float64 `json:"p50_s"`
	P90S  *float64 `json:"p90_s"`
}

// HeatCell is a square of the heat map and how many incidents fell in it.
type HeatCell struct {
	Lon float64 `json:"lon"` // of the cell's centre
	Lat float64 `json:"lat"`
	N   int     `json:"n"`
}

// IncidentStats summarises the incidents received in [From, To).
type IncidentStats struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Total int       `json:"total"`
	// Open counts incidents not yet closed.
	Open       int     `json:"open"`
	ByCategory []Count `json:"by_category"`
	ByStatus   []Count `json:"by_status"`
	ByStation  []Count `json:"by_station"`
	// ByHandler counts incidents by whom the routing rules gave them to
	// (community office, case team, patrol, station, command centre,
	// central station); PatrolShare is the share given to a service
	// station's patrol ("1+1" [003]).
	ByHandler []Count `json:"by_handler"`
	// ByDisposition counts closed incidents by their closing code (处警结果).
	ByDisposition []Count  `json:"by_disposition"`
	PatrolShare   *float64 `json:"patrol_share"`
	// ByHour counts incidents by hour of the day, China Standard Time.
	ByHour [24]int `json:"by_hour"`
	// FlowTime runs from receipt to the first dispatch, ResponseTime from
	// receipt to the first arrival.
	FlowTime     Durations `json:"flow_time"`
	ResponseTime Durations `json:"response_time"`
	// ResolvedOnScene and HandedOver count finished incidents by outcome;
	// OnSceneRate is the share resolved on scene.
	ResolvedOnScene int      `json:"resolved_on_scene"`
	HandedOver      int      `json:"handed_over"`
	OnSceneRate     *float64 `json:"on_scene_rate"`
	// Callbacks counts incidents with a satisfaction score; SatisfiedRate is
	// the share scored 4 or 5.
	Callbacks        int      `json:"callbacks"`
	SatisfactionMean *float64 `json:"satisfaction_mean"`
	SatisfiedRate    *float64 `json:"satisfied_rate"`
	// Heat counts incidents by square cell, busiest first, when asked for;
	// HeatTruncated says that only the busiest were kept.
	Heat          []HeatCell `json:"heat,omitempty"`
	HeatTruncated bool       `json:"heat_truncated,omitempty"`
}

// Change compares a period with the same period a year before (同比): the
// relative change of the count and the difference of the mean times and
// rates. Figures that cannot be compared are nil.
type Change struct {
	TotalPct          *float64 `json:"total_pct"`
	FlowTimeMeanS     *float64 `json:"flow_time_mean_s"`
	ResponseTimeMeanS *float64 `json:"response_time_mean_s"`
	OnSceneRate       *float64 `json:"on_scene_rate"`
	SatisfiedRate     *float64 `json:"satisfied_rate"`
	PatrolShare       *float64 `json:"patrol_share"`
}

// IncidentReport is the statistics of a period, and optionally of the same
// period a year before with the change between them.
type IncidentReport struct {
	SubBureauID  string         `json:"sub_bureau_id,omitempty"`
	StationID    string         `json:"station_id,omitempty"`
	PoliceGridID string         `json:"police_grid_id,omitempty"`
	Current      IncidentStats  `json:"current"`
	PreviousYear *IncidentStats `json:"previous_year,omitempty"`
	Change       *Change        `json:"change,omitempty"`
}

// StatsQuery asks for the statistics of the incidents received in [From, To)
// in the user's jurisdiction (sub-bureau, station or police grid), or in one
// station of it.
type StatsQuery struct {
	From, To  time.Time
	StationID string
	// CompareYear adds the same period a year before (同比).
	CompareYear bool
	// HeatCellDeg, when positive, adds a heat map of cells of that side.
	HeatCellDeg float64
}

// StatsService computes incident statistics the user may read.
type StatsService interface {
	IncidentStats(ctx context.Context, q StatsQuery) (*IncidentReport, error)
}

// StatsStore is what incident statistics read: the incidents' facts, and
// the stations a query may name.
type StatsStore interface {
	IncidentFactStore
	FindStation(ctx context.Context, id string) (*Station, error) // ENOTFOUND
}

// IncidentFactStore reads the facts of the incidents a filter selects
// (Cursor and Limit aside), in no particular order.
type IncidentFactStore interface {
	IncidentFacts(ctx context.Context, f IncidentFilter, fn func(*IncidentFact) error) error
}

// StatsExport is a file of statistics: a spreadsheet or CSV.
type StatsExport struct {
	Name        string // a file name, e.g. 警情统计-2026-11-01-2026-11-30.xlsx
	ContentType string
	Body        []byte
}

// StatsExportService builds statistics files the user may read, by the same
// rule as StatsService.
type StatsExportService interface {
	// ExportIncidentStats returns the statistics of q as format "xlsx" or
	// "csv", labelled in lang ("zh" or "en"). Another format is EINVALID.
	ExportIncidentStats(ctx context.Context, q StatsQuery, format, lang string) (*StatsExport, error)
}
