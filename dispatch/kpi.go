package dispatch

import (
	"encoding/json"
	"time"

	"precinct"
)

// Event types of the incident lifecycle.
const (
	EventCreated     = "incident.created"
	EventDispatched  = "incident.dispatched"
	EventAccepted    = "incident.accepted"
	EventEnRoute     = "incident.en_route"
	EventArrived     = "incident.arrived"
	EventReinforced  = "incident.reinforced"
	EventPushed      = "incident.pushed"
	EventResolved    = "incident.resolved"
	EventHandedOver  = "incident.handed_over"
	EventClosed      = "incident.closed"
	EventCallback    = "incident.callback"
	EventRulesEdited = "rules.updated"
)

// EventType returns the event type that records action a.
func EventType(a precinct.Action) string {
	switch a {
	case precinct.ActionDispatch:
		return EventDispatched
	case precinct.ActionAccept:
		return EventAccepted
	case precinct.ActionEnRoute:
		return EventEnRoute
	case precinct.ActionArrive:
		return EventArrived
	case precinct.ActionReinforce:
		return EventReinforced
	case precinct.ActionPush:
		return EventPushed
	case precinct.ActionResolve:
		return EventResolved
	case precinct.ActionHandover:
		return EventHandedOver
	case precinct.ActionClose:
		return EventClosed
	case precinct.ActionCallback:
		return EventCallback
	case precinct.ActionCancel:
		return "incident.unit_cancelled"
	case precinct.ActionReassign:
		return "incident.reassigned"
	case precinct.ActionNote:
		return "incident.noted"
	case precinct.ActionCorrect:
		return "incident.corrected"
	case precinct.ActionLink:
		return "incident.linked"
	}
	return "incident." + string(a)
}

// ActionData is the Data of a lifecycle event: what the action carried.
type ActionData struct {
	Action       precinct.Action `json:"action"`
	Units        []string        `json:"units,omitempty"`
	To           string          `json:"to,omitempty"`
	Note         string          `json:"note,omitempty"`
	Satisfaction int             `json:"satisfaction,omitempty"`
	Comment      string          `json:"comment,omitempty"`
	Wave         int             `json:"wave,omitempty"`
	// Route is the routing decision, on incident.created and incident.pushed.
	Route *precinct.Route `json:"route,omitempty"`
	// SharedWith are the stations the incident is shared with.
	SharedWith []string `json:"shared_with,omitempty"`
	// Key is the action's Idempotency-Key, if it had one.
	Key string `json:"idempotency_key,omitempty"`
	// Disposition is the closing code (close).
	Disposition string `json:"disposition,omitempty"`
	// NewUnit is the unit sent in place of Units (reassign).
	NewUnit string `json:"new_unit,omitempty"`
	// DuplicateOf is the incident this one repeats (link).
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Correction and Was are the corrected facts and what they replaced.
	Correction *precinct.Correction `json:"correction,omitempty"`
	Was        map[string]any       `json:"was,omitempty"`
}

// KPIs computes an incident's KPIs from its timeline (oldest first). Flow time
// runs from receipt to the first dispatch, response time from receipt to the
// first arrival; the outcome is the first resolve or handover.
func KPIs(inc *precinct.Incident, timeline []*precinct.Event) precinct.KPI {
	k := precinct.KPI{IncidentID: inc.ID, ReceivedAt: inc.ReceivedAt, Waves: 1,
		HandledByPatrol: inc.Route.Handler == precinct.HandlerPatrol}
	units := map[string]bool{}
	for _, e := range timeline {
		var d ActionData
		if len(e.Data) > 0 {
			_ = json.Unmarshal(e.Data, &d) // events this package did not write carry no ActionData
		}
		switch e.Type {
		case EventDispatched, EventReinforced:
			if len(d.Units) > 0 && k.FirstDispatchAt == nil {
				k.FirstDispatchAt = timePtr(e.At)
				k.FlowTimeS = secondsPtr(e.At.Sub(k.ReceivedAt))
			}
			for _, u := range d.Units {
				units[u] = true
			}
			if e.Type == EventReinforced {
				k.Waves = max(k.Waves, d.Wave)
			}
		case EventArrived:
			if k.FirstArrivalAt == nil {
				k.FirstArrivalAt = timePtr(e.At)
				k.ResponseTimeS = secondsPtr(e.At.Sub(k.ReceivedAt))
			}
		case EventResolved, EventHandedOver:
			if k.Outcome == precinct.OutcomeOpen {
				k.FinishedAt = timePtr(e.At)
				k.Outcome = precinct.OutcomeResolvedOnScene
				if e.Type == EventHandedOver {
					k.Outcome, k.HandedOverTo = precinct.OutcomeHandedOver, d.To
				}
			}
		case EventPushed:
			k.HandledByPatrol = true
		case EventClosed:
			if k.ClosedAt == nil {
				k.ClosedAt = timePtr(e.At)
			}
		case EventCallback:
			k.Satisfaction = d.Satisfaction
		}
	}
	k.Units = len(units)
	return k
}

func timePtr(t time.Time) *time.Time { return &t }

func secondsPtr(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}
