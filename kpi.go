package precinct

import (
	"context"
	"time"
)

// Outcome is how an incident's on-scene work ended.
type Outcome string

const (
	OutcomeOpen            Outcome = ""                  // not finished yet
	OutcomeResolvedOnScene Outcome = "resolved_on_scene" // 现场处置完毕
	OutcomeHandedOver      Outcome = "handed_over"       // 移交
)

// KPI is the key figures of one incident, computed from its timeline: flow
// time (received → first dispatch), response time (received → first
// arrival), and whether it was resolved on scene or handed over, and to whom.
// Figures not reached yet are nil.
type KPI struct {
	IncidentID      string     `json:"incident_id"`
	ReceivedAt      time.Time  `json:"received_at"`
	FirstDispatchAt *time.Time `json:"first_dispatch_at,omitempty"`
	FirstArrivalAt  *time.Time `json:"first_arrival_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	FlowTimeS       *float64   `json:"flow_time_s"`     // received → first dispatch
	ResponseTimeS   *float64   `json:"response_time_s"` // received → first arrival
	Outcome         Outcome    `json:"outcome,omitempty"`
	HandedOverTo    string     `json:"handed_over_to,omitempty"`
	// Units is how many different units were dispatched, Waves the highest
	// reinforcement tier used (1 without reinforcement).
	Units        int `json:"units"`
	Waves        int `json:"waves"`
	Satisfaction int `json:"satisfaction,omitempty"` // 1–5 from the callback
	// HandledByPatrol reports that the incident was routed to a service
	// station's patrol ("1+1").
	HandledByPatrol bool `json:"handled_by_patrol"`
}

// KPIService computes the KPIs of one incident the user may read.
type KPIService interface {
	KPIs(ctx context.Context, incidentID string) (*KPI, error)
}
