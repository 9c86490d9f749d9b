package prevention

import (
	"context"
	"encoding/json"

	"precinct"
)

// WarningView is a warning as the API shows it: masked, with its task and
// the person's other warnings.
type WarningView struct {
	*precinct.Warning
	Task    *precinct.WorkItem `json:"task,omitempty"`
	Outcome *Outcome           `json:"outcome,omitempty"`
	// History is the person's warnings the caller may read, newest first.
	History []HistoryEntry `json:"history"`
}

// HistoryEntry is one warning of the person's history.
type HistoryEntry struct {
	ID        string                 `json:"id"`
	IssuedAt  string                 `json:"issued_at"`
	FraudType string                 `json:"fraud_type"`
	Level     precinct.WarningLevel  `json:"level"`
	Status    precinct.WarningStatus `json:"status"`
	TaskID    string                 `json:"task_id,omitempty"`
}

// visible is the one read rule of warnings: work.read, and a jurisdiction
// that covers the warning; one in triage (no station) only a jurisdiction
// without a station (the sub-bureau's anti-fraud centre).
func visible(u *precinct.User, w *precinct.Warning) bool {
	if precinct.Authorize(u, precinct.PermReadWork) != nil {
		return false
	}
	sc := precinct.ScopeOf(u)
	if w.Location.StationID == "" && !sc.All && sc.StationID != "" {
		return false
	}
	return sc.Covers(w.Location)
}

// Find returns one warning the caller may read; another is ENOTFOUND.
func (s *Service) Find(ctx context.Context, id string) (*WarningView, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	w, err := s.Engine.Store.FindWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(u, w) {
		return nil, precinct.ErrNotFound("预警", "Warning", id)
	}
	v := &WarningView{Warning: w, History: []HistoryEntry{}}
	if w.TaskID != "" {
		if it, err := s.Engine.Find(ctx, w.TaskID); err == nil {
			v.Task = it
			var d Task
			if json.Unmarshal(it.Data, &d) == nil {
				v.Outcome = d.Outcome
			}
		}
	}
	if w.PersonKey != "" {
		hs, _, err := s.Engine.Store.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.ScopeOf(u), PersonKey: w.PersonKey, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			v.History = append(v.History, HistoryEntry{ID: h.ID, IssuedAt: h.IssuedAt.In(precinct.CST).Format("2006-01-02 15:04"),
				FraudType: h.FraudType, Level: h.Level, Status: h.Status, TaskID: h.TaskID})
		}
	}
	return v, nil
}

// List returns warnings the caller may read, newest first.
func (s *Service) List(ctx context.Context, f precinct.WarningFilter) ([]*precinct.Warning, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, "", err
	}
	f.Scope, f.PersonKey = precinct.ScopeOf(u), ""
	return s.Engine.Store.ListWarnings(ctx, f)
}

// Person is the full personal data of a warning's person.
type Person struct {
	Name     string `json:"name,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Reveal returns the person's ID number and phone in full: personal.read
// at the warning's place and a reason; audited before it returns.
func (s *Service) Reveal(ctx context.Context, id, reason, address string) (*Person, error) {
	u := precinct.UserFromContext(ctx)
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermReadPersonal, v.Location); err != nil {
		return nil, err
	}
	if err := precinct.CheckReason(reason); err != nil {
		return nil, err
	}
	p := &Person{Name: v.Name}
	if p.IDNumber, err = s.Vault.Open(sealIDNumber, v.SealedID.Sealed); err != nil {
		return nil, err
	}
	if p.Phone, err = s.Vault.Open(sealPhone, v.SealedPhone.Sealed); err != nil {
		return nil, err
	}
	err = s.Engine.Store.RecordAudit(ctx, &precinct.AuditRecord{At: now(s.Engine), Actor: u.ID, Action: string(precinct.PermReadPersonal),
		EntityType: "warning", EntityID: id, Fields: []string{"id_number", "phone"}, Address: address, SubBureauID: v.Location.SubBureauID, Reason: reason})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// PlaceInput places a warning from the triage queue: the resident it is
// (found by hand), or the police grid it belongs to.
type PlaceInput struct {
	ResidentID   string `json:"resident_id,omitempty"`
	PoliceGridID string `json:"police_grid_id,omitempty"`
	Version      int    `json:"version"`
	Note         string `json:"note,omitempty"`
}

// Place takes a warning out of triage and pushes its dissuasion task: to
// the grid of the resident named, or of the police grid named. Needs
// warning.intake at the sub-bureau and at the grid.
func (s *Service) Place(ctx context.Context, id string, in PlaceInput) (*WarningView, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermIntakeWarning); err != nil {
		return nil, err
	}
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	old := v.Warning
	if err := precinct.Authorize(u, precinct.PermIntakeWarning, old.Location); err != nil {
		return nil, err
	}
	if old.Status != precinct.WarningTriage {
		return nil, precinct.Errorf(precinct.ECONFLICT, "预警已推送，不在研判队列中", "The warning was pushed already; it is not in triage.")
	}
	if in.Version != old.Version {
		return nil, precinct.FieldErrorf(precinct.ECONFLICT, "version", "预警已被他人修改，请刷新后重试", "The warning was changed meanwhile; reload and try again.")
	}
	w := *old
	w.Version++
	var loc precinct.Location
	var pt precinct.Point
	switch {
	case in.ResidentID != "" && in.PoliceGridID != "":
		return nil, precinct.FieldErrorf(precinct.EINVALID, "resident_id", "请只指定实有人口或警格之一", "Name a resident or a police grid, not both.")
	case in.ResidentID != "":
		r, err := s.Engine.Store.FindResident(ctx, in.ResidentID)
		if err != nil || !precinct.ScopeOf(u).Covers(r.Location) || r.Location.SubBureauID != old.Location.SubBureauID {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "resident_id", "实有人口不存在：%s", "Resident not found: %s", in.ResidentID)
		}
		loc, pt, w.ResidentID, w.AddressID = r.Location, r.Point, r.ID, r.AddressID
	case in.PoliceGridID != "":
		g, err := s.Engine.Store.FindPoliceGrid(ctx, in.PoliceGridID)
		if err != nil {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", in.PoliceGridID)
		}
		st, err := s.Engine.Store.FindStation(ctx, g.StationID)
		if err != nil || st.SubBureauID != old.Location.SubBureauID {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", in.PoliceGridID)
		}
		loc = precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID, PoliceGridID: g.ID}
	default:
		return nil, precinct.FieldErrorf(precinct.EINVALID, "resident_id", "请指定实有人口或警格", "Name the resident or the police grid.")
	}
	if err := precinct.Authorize(u, precinct.PermIntakeWarning, loc); err != nil {
		return nil, err
	}
	w.MatchedBy, w.Reason, w.ReasonEN = precinct.MatchTriage, "", ""
	name, idn, ph := w.Name, "", ""
	if idn, err = s.Vault.Open(sealIDNumber, w.SealedID.Sealed); err != nil {
		return nil, err
	}
	if ph, err = s.Vault.Open(sealPhone, w.SealedPhone.Sealed); err != nil {
		return nil, err
	}
	c, err := s.push(ctx, &w, loc, pt, precinct.WorkContact{Role: "person", Name: name, Phone: ph, IDNumber: idn}, &officerCache{}, map[string]precinct.Route{})
	if err != nil {
		return nil, err
	}
	ev := precinct.NewEvent(ctx, now(s.Engine), EventWarningPlaced, w.Location, "warning", w.ID, old, &w, map[string]string{"note": in.Note})
	if err := s.Engine.Store.UpdateWarning(ctx, &w, old.Version, []precinct.WorkChange{c}, []*precinct.Event{ev}); err != nil {
		return nil, err
	}
	if s.Engine.Notify != nil {
		s.Engine.Notify()
	}
	return s.Find(ctx, id)
}

// Act records an action on a dissuasion task: the outcome (report), not
// reached, or a transfer.
func (s *Service) Act(ctx context.Context, taskID string, req precinct.WorkRequest) (*precinct.WorkItem, error) {
	it, err := s.Engine.Find(ctx, taskID)
	if err != nil {
		return nil, err
	}
	if it.Kind != Kind {
		return nil, precinct.ErrNotFound("劝阻任务", "Dissuasion task", taskID)
	}
	return s.Engine.Act(ctx, taskID, req)
}

// Tasks returns dissuasion tasks the caller may read.
func (s *Service) Tasks(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	f.Kind = Kind
	return s.Engine.List(ctx, f)
}

// EventRules are the stream's read rules of warnings: the same as Find.
func (s *Service) EventRules() map[string]precinct.EventRule {
	return map[string]precinct.EventRule{
		"warning": func(u *precinct.User, ev *precinct.Event) *precinct.Event {
			var w precinct.Warning
			if json.Unmarshal(ev.After, &w) != nil || w.ID == "" || !visible(u, &w) {
				return nil
			}
			return ev
		},
		"prevention_record": func(u *precinct.User, ev *precinct.Event) *precinct.Event {
			var r precinct.PreventionRecord
			if json.Unmarshal(ev.After, &r) != nil || r.ID == "" || !recordVisible(u, &r) {
				return nil
			}
			return ev
		},
	}
}
