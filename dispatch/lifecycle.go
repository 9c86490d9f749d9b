package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"unicode/utf8"

	"precinct"
)

// FindIncident returns one incident the user may see.
func (s *Service) FindIncident(ctx context.Context, id string) (*precinct.Incident, error) {
	return s.readable(ctx, id)
}

// RevealIncident returns an incident with the reporter's phone in clear,
// given a reason (precinct.CheckReason), after recording the read in the
// audit trail.
func (s *Service) RevealIncident(ctx context.Context, id, reason string) (*precinct.Incident, error) {
	inc, err := s.readable(ctx, id)
	if err != nil {
		return nil, err
	}
	// The crew of a unit on the incident calls the reporter back (tap to
	// call in the officer app): they need the number, not the right to read
	// every person's data. Their read is audited like any other.
	u := precinct.UserFromContext(ctx)
	crew := u != nil && u.UnitID != "" && u.Role.Can(precinct.PermRespond) && slices.Contains(inc.Units, u.UnitID)
	if err := precinct.Authorize(u, precinct.PermReadPersonal, inc.Locations()...); err != nil && !crew {
		return nil, err
	}
	if err := precinct.CheckReason(reason); err != nil {
		return nil, err
	}
	rec := precinct.NewAuditRecord(ctx, s.now(), "incident", inc.ID, inc.Location, reason, "reporter.phone")
	if err := s.Store.RecordAudit(ctx, rec); err != nil {
		return nil, err
	}
	return inc, nil
}

// readable finds an incident and checks the user may read it; one outside
// the user's jurisdiction is ENOTFOUND, as if it did not exist.
func (s *Service) readable(ctx context.Context, id string) (*precinct.Incident, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, err
	}
	inc, err := s.Store.FindIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	if ok, err := s.visible(ctx, u, inc); err != nil {
		return nil, err
	} else if !ok {
		return nil, precinct.ErrNotFound("警情", "Incident", id)
	}
	return inc, nil
}

// visible reports whether u may read inc: it lies in their jurisdiction, or
// their unit is or was sent to it, even outside their own grid or station (a
// neighbouring station's call [002]).
func (s *Service) visible(ctx context.Context, u *precinct.User, inc *precinct.Incident) (bool, error) {
	if precinct.Authorize(u, precinct.PermReadIncident, inc.Locations()...) == nil {
		return true, nil
	}
	if u == nil || u.UnitID == "" {
		return false, nil
	}
	if slices.Contains(inc.Units, u.UnitID) {
		return true, nil
	}
	sent, err := s.Store.SentUnits(ctx, inc.ID)
	return slices.Contains(sent, u.UnitID), err
}

// ListIncidents lists the incidents the caller reaches: the store applies
// the same rule as a single read (precinct.IncidentFilter). Asking for a
// station or police grid outside the caller's own is EFORBIDDEN.
func (s *Service) ListIncidents(ctx context.Context, f precinct.IncidentFilter) ([]*precinct.Incident, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, "", err
	}
	sc := precinct.ScopeOf(u)
	own := f.UnitID != "" && f.UnitID == sc.UnitID // an officer's own unit's incidents, wherever it was sent
	if !own {
		if sc.SubBureauID != "" && f.SubBureauID != "" && f.SubBureauID != sc.SubBureauID ||
			sc.StationID != "" && len(f.StationIDs) > 0 && !slices.Contains(f.StationIDs, sc.StationID) ||
			sc.PoliceGridID != "" && f.PoliceGridID != "" && f.PoliceGridID != sc.PoliceGridID {
			return nil, "", precinct.ErrForbidden()
		}
	}
	f.Scope = sc
	return s.Store.ListIncidents(ctx, f)
}

// IncidentEvent is the stream's rule for incident events: the read rule of
// FindIncident — the incident's place or a station it is shared with in the
// caller's scope, or the caller's unit on it — with the reporter's phone
// masked in the states the event carries.
func (s *Service) IncidentEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if precinct.Authorize(u, precinct.PermReadIncident) != nil {
		return nil
	}
	var inc precinct.Incident
	if json.Unmarshal(e.After, &inc) != nil || inc.ID == "" {
		return nil
	}
	sc := precinct.ScopeOf(u)
	if !sc.CoversAny(inc.Locations()...) && !sendsUnit(e, &inc, sc.UnitID) {
		return nil
	}
	out := *e
	out.Before, out.After = maskedState(e.Before), maskedState(e.After)
	return &out
}

// sendsUnit reports whether the incident holds the unit or the event sends
// or releases it: an officer hears of the incidents their unit works,
// wherever they are.
func sendsUnit(e *precinct.Event, inc *precinct.Incident, unitID string) bool {
	if unitID == "" {
		return false
	}
	if slices.Contains(inc.Units, unitID) {
		return true
	}
	var d ActionData
	return json.Unmarshal(e.Data, &d) == nil && slices.Contains(d.Units, unitID)
}

// maskedState returns an incident's state as an event carries it, with the
// reporter's phone masked.
func maskedState(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var inc precinct.Incident
	if json.Unmarshal(raw, &inc) != nil {
		return nil
	}
	inc.Reporter.Phone = precinct.MaskPhone(inc.Reporter.Phone)
	b, err := json.Marshal(&inc)
	if err != nil {
		return nil
	}
	return b
}

// Timeline returns the events of an incident, oldest first.
func (s *Service) Timeline(ctx context.Context, id string) ([]*precinct.Event, error) {
	if _, err := s.readable(ctx, id); err != nil {
		return nil, err
	}
	tl, err := s.Store.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.named(ctx, tl), nil
}

// KPIs returns the KPIs of an incident computed from its timeline.
func (s *Service) KPIs(ctx context.Context, id string) (*precinct.KPI, error) {
	inc, err := s.readable(ctx, id)
	if err != nil {
		return nil, err
	}
	tl, err := s.Store.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	k := KPIs(inc, tl)
	return &k, nil
}

// Recommend ranks units for an incident: the first wave, a second at once
// for urgent incidents, and further waves as reinforcement was requested.
// The incident and its requested wave come from the recommendation cache
// (recCache); the caller's right to read the incident is checked on every
// call, as readable does.
func (s *Service) Recommend(ctx context.Context, id string) (*precinct.Recommendation, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, err
	}
	inc, wave, err := s.recommendable(ctx, id)
	if err != nil {
		return nil, err
	}
	if ok, err := s.visible(ctx, u, inc); err != nil {
		return nil, err
	} else if !ok {
		return nil, precinct.ErrNotFound("警情", "Incident", id)
	}
	sc, err := s.context(ctx, inc.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	return Recommend(ctx, s.Live, s.router(), sc.rules, sc.org, inc, sc.rules.WavesFor(inc.Priority, wave))
}

// requestedWave is the highest reinforcement wave recorded on a timeline.
func requestedWave(tl []*precinct.Event) int {
	w := 1
	for _, e := range tl {
		if e.Type == EventReinforced {
			var d ActionData
			if json.Unmarshal(e.Data, &d) == nil {
				w = max(w, d.Wave)
			}
		}
	}
	return w
}

// mayAct checks that u may take an action needing perm on inc: in their
// jurisdiction, or as the crew of a unit on it, which reports on it wherever
// it is. An incident u may not even read is ENOTFOUND.
func (s *Service) mayAct(ctx context.Context, u *precinct.User, perm precinct.Permission, inc *precinct.Incident) error {
	err := precinct.Authorize(u, perm, inc.Locations()...)
	if err == nil || perm == precinct.PermRespond && u.UnitID != "" && slices.Contains(inc.Units, u.UnitID) {
		return nil
	}
	if ok, verr := s.visible(ctx, u, inc); verr != nil {
		return verr
	} else if !ok {
		return precinct.ErrNotFound("警情", "Incident", inc.ID)
	}
	return err
}

// replayed reports whether inc's timeline holds the action req already, sent
// by the same user with the same Idempotency-Key. A key used for another
// action or by another user is ECONFLICT.
func (s *Service) replayed(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest) (bool, error) {
	tl, err := s.Store.Timeline(ctx, inc.ID)
	if err != nil {
		return false, err
	}
	actor := precinct.ActorFromContext(ctx)
	for _, e := range tl {
		var d ActionData
		if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil || d.Key != req.IdempotencyKey {
			continue
		}
		if e.Actor != actor || d.Action != req.Action {
			err := precinct.FieldErrorf(precinct.ECONFLICT, "Idempotency-Key", "Idempotency-Key 已用于本警情的另一操作", "The Idempotency-Key was used for another action on this incident.")
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// permissionOf returns the permission an action needs.
func permissionOf(a precinct.Action) (precinct.Permission, error) {
	switch a {
	case precinct.ActionDispatch, precinct.ActionReinforce, precinct.ActionPush, precinct.ActionCancel, precinct.ActionReassign,
		precinct.ActionNote, precinct.ActionCorrect, precinct.ActionLink:
		return precinct.PermDispatch, nil
	case precinct.ActionAccept, precinct.ActionEnRoute, precinct.ActionArrive, precinct.ActionResolve, precinct.ActionHandover:
		return precinct.PermRespond, nil
	case precinct.ActionClose, precinct.ActionCallback:
		return precinct.PermClose, nil
	}
	return "", precinct.FieldErrorf(precinct.EINVALID, "action", "未知的操作：%q", "Unknown action %q.", a)
}

// Act applies one action to an incident: the lifecycle moves by
// precinct.IncidentStatus.Next, units are claimed and released in the same
// database transaction as the incident and its event, so that a unit serves
// one active incident at a time. A unit held elsewhere is ECONFLICT naming
// the incident that holds it.
func (s *Service) Act(ctx context.Context, id string, req precinct.ActionRequest) (*precinct.Incident, error) {
	perm, err := permissionOf(req.Action)
	if err != nil {
		return nil, err
	}
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, perm); err != nil {
		return nil, err
	}
	old, err := s.Store.FindIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayAct(ctx, u, perm, old); err != nil {
		return nil, err
	}
	if req.IdempotencyKey != "" {
		if done, err := s.replayed(ctx, old, req); done || err != nil {
			return old, err
		}
	}
	next, err := old.Status.Next(req.Action)
	if err != nil {
		return nil, err
	}
	now := s.now()
	inc := *old
	inc.Units = slices.Clone(old.Units)
	inc.SharedWith = slices.Clone(old.SharedWith)
	inc.Status, inc.UpdatedAt, inc.Version = next, now, old.Version+1
	c := precinct.IncidentChange{Incident: &inc, PrevVersion: old.Version, UnitStatus: map[string]precinct.UnitStatus{}}
	data := ActionData{Action: req.Action, Note: req.Note, Key: req.IdempotencyKey}
	if utf8.RuneCountInString(req.Note) > maxNote {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "note", "备注过长", "The note is too long.")
	}

	switch req.Action {
	case precinct.ActionDispatch, precinct.ActionReinforce:
		units, err := s.claimable(ctx, &inc, req.Units, req.Action == precinct.ActionDispatch)
		if err != nil {
			return nil, err
		}
		c.Claim = units
		for _, uid := range units {
			c.UnitStatus[uid] = precinct.UnitDispatched
		}
		inc.Units = append(inc.Units, units...)
		data.Units = units
		if len(units) > 0 && inc.DispatchedAt == nil {
			inc.DispatchedAt = &now
		}
		if req.Action == precinct.ActionReinforce {
			sc, err := s.context(ctx, inc.Location.SubBureauID)
			if err != nil {
				return nil, err
			}
			tl, err := s.Store.Timeline(ctx, id)
			if err != nil {
				return nil, err
			}
			// Units sent with a reinforcement belong to the wave they were
			// recommended in (a spare unit of the first wave is wave 1);
			// without units it asks for the next wave.
			wave, low := req.Wave, 2
			if len(units) > 0 {
				low = 1
			}
			if wave == 0 {
				wave = requestedWave(tl) + 1
			}
			if wave < low || wave > sc.rules.MaxWave() {
				return nil, precinct.FieldErrorf(precinct.EINVALID, "wave", "增援梯次应在 %d 至 %d 之间", "The reinforcement wave must be %d to %d.", low, sc.rules.MaxWave())
			}
			data.Wave = wave
		}
	case precinct.ActionPush:
		if inc.Route.RuleID == RulePush {
			return nil, precinct.Errorf(precinct.ECONFLICT, "警情已推送警务站，不能重复推送", "The incident was pushed to the service station already.")
		}
		sc, err := s.context(ctx, inc.Location.SubBureauID)
		if err != nil {
			return nil, err
		}
		d, err := PushRoute(sc.rules, Facts{Incident: &inc, Org: sc.org})
		if err != nil {
			return nil, err
		}
		inc.Route = d.Route
		data.Route = &inc.Route
	case precinct.ActionAccept, precinct.ActionEnRoute, precinct.ActionArrive:
		units, err := assigned(&inc, req.Units)
		if err != nil {
			return nil, err
		}
		data.Units = units
		st := map[precinct.Action]precinct.UnitStatus{precinct.ActionEnRoute: precinct.UnitEnRoute, precinct.ActionArrive: precinct.UnitOnScene}[req.Action]
		if st != "" {
			for _, uid := range units {
				c.UnitStatus[uid] = st
			}
		}
		if req.Action == precinct.ActionArrive && inc.ArrivedAt == nil {
			inc.ArrivedAt = &now
		}
	case precinct.ActionResolve, precinct.ActionHandover:
		if req.Action == precinct.ActionHandover {
			if req.To == "" {
				return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "请填写移交对象（派出所、案件办理队或联动部门）", "Say whom it is handed over to (the station, the case team or a linked department).")
			}
			if utf8.RuneCountInString(req.To) > maxShortText {
				return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "移交对象过长", "The handover target is too long.")
			}
			inc.HandedOverTo, data.To = req.To, req.To
			if s.Handover != nil {
				if c.Work, err = s.Handover.HandoverWork(ctx, &inc, req); err != nil {
					return nil, err
				}
			}
		}
		inc.FinishedAt = &now
		c.Release, data.Units, inc.Units = inc.Units, inc.Units, nil
	case precinct.ActionClose:
		sc, err := s.context(ctx, inc.Location.SubBureauID)
		if err != nil {
			return nil, err
		}
		if err := DeskOf(sc.rules).disposition(req.Disposition); err != nil {
			return nil, err
		}
		inc.Disposition, data.Disposition = req.Disposition, req.Disposition
		inc.ClosedAt = &now
		c.Release, inc.Units = inc.Units, nil
	case precinct.ActionCancel, precinct.ActionReassign:
		if err := s.cancelOrReassign(ctx, &inc, req, &c, &data); err != nil {
			return nil, err
		}
	case precinct.ActionNote:
		if req.Note == "" {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "note", "请填写追加的警情内容", "Write what the caller added.")
		}
	case precinct.ActionCorrect:
		if err := s.correct(ctx, &inc, req, &data); err != nil {
			return nil, err
		}
	case precinct.ActionLink:
		if err := s.link(ctx, &inc, req, &data); err != nil {
			return nil, err
		}
	case precinct.ActionCallback:
		if req.Satisfaction < 1 || req.Satisfaction > 5 {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "satisfaction", "满意度应为 1 至 5", "Satisfaction must be 1 to 5.")
		}
		if utf8.RuneCountInString(req.Comment) > maxNote {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "comment", "评价过长", "The comment is too long.")
		}
		inc.Satisfaction, data.Satisfaction, data.Comment = req.Satisfaction, req.Satisfaction, req.Comment
	}
	if len(c.UnitStatus) == 0 {
		c.UnitStatus = nil
	}
	ev := precinct.NewEvent(ctx, now, EventType(req.Action), inc.Location, "incident", inc.ID, old, &inc, data)
	ev.Stations = inc.SharedWith
	c.Events = []*precinct.Event{ev}
	err = s.Store.UpdateIncident(ctx, c)
	s.forgetIncident(id) // whether or not it applied, as another writer may have
	if err != nil {
		if req.IdempotencyKey != "" && precinct.ErrorCode(err) == precinct.ECONFLICT {
			// The same action may have been sent twice at once: if the
			// other one applied, this one is its replay.
			if cur, ferr := s.Store.FindIncident(ctx, id); ferr == nil {
				if done, rerr := s.replayed(ctx, cur, req); done || rerr != nil {
					return cur, rerr
				}
			}
		}
		return nil, heldError(err)
	}
	for _, uid := range c.Claim {
		s.Live.SetStatus(uid, precinct.UnitDispatched, inc.ID)
	}
	for uid, st := range c.UnitStatus {
		s.Live.SetStatus(uid, st, inc.ID)
	}
	for _, uid := range c.Release {
		s.Live.SetStatus(uid, precinct.UnitAvailable, "")
	}
	s.notify()
	return &inc, nil
}

// claimable checks the units to claim: known, of the incident's sub-bureau,
// not already on it, on duty and, by the roster, on shift. dispatch needs at least one.
func (s *Service) claimable(ctx context.Context, inc *precinct.Incident, ids []string, required bool) ([]string, error) {
	if required && len(ids) == 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "units", "请选择至少一个警力", "Choose at least one unit.")
	}
	var out []string
	for _, id := range ids {
		if slices.Contains(out, id) {
			continue
		}
		if slices.Contains(inc.Units, id) {
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "units", "警力 %s 已在本警情中", "Unit %s is already on this incident.", id)
		}
		unit, err := s.Store.FindUnit(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "units", "警力不存在：%s", "Unit not found: %s", id)
		} else if err != nil {
			return nil, err
		}
		if unit.SubBureauID != inc.Location.SubBureauID {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "units", "警力 %s 不属于本分局", "Unit %s belongs to another sub-bureau.", id)
		}
		switch unit.Status {
		case precinct.UnitOffDuty:
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "units", "警力 %s 不在岗", "Unit %s is off duty.", id)
		case precinct.UnitBusy:
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "units", "警力 %s 忙碌（其他工作）", "Unit %s is busy with other work.", id)
		}
		if !s.Live.OnShift(id) {
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "units", "警力 %s 不在班（按排班表）", "Unit %s is off shift (by the roster).", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// assigned returns the units an action reports for: those given, which must
// be on the incident, or all of its units.
func assigned(inc *precinct.Incident, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return slices.Clone(inc.Units), nil
	}
	for _, id := range ids {
		if !slices.Contains(inc.Units, id) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "units", "警力 %s 未被派往本警情", "Unit %s is not on this incident.", id)
		}
	}
	return slices.Clone(ids), nil
}

// heldError rewords the store's conflict over a held unit so that it names
// the incident holding it.
func heldError(err error) error {
	var e *precinct.Error
	if !errors.As(err, &e) || e.Code != precinct.ECONFLICT || e.Data["unit_id"] == "" || e.Data["incident_id"] == "" {
		return err
	}
	out := precinct.Errorf(precinct.ECONFLICT, "警力 %s 正在处置警情 %s", "Unit %s is serving incident %s.", e.Data["unit_id"], e.Data["incident_id"])
	out.Field, out.Data = "units", e.Data
	return out
}

// cancelOrReassign takes req.Units off inc (cancel), or replaces the one
// unit req.Units names with req.NewUnit (reassign), in the same change: the
// units taken off are free again, the new one is claimed. An incident left
// without units waits for dispatch again; a new unit starts from dispatched.
func (s *Service) cancelOrReassign(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest, c *precinct.IncidentChange, data *ActionData) error {
	if len(req.Units) == 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "units", "请选择要取消的警力", "Choose the unit to take off.")
	}
	off, err := assigned(inc, req.Units)
	if err != nil {
		return err
	}
	if req.Action == precinct.ActionReassign {
		if len(off) != 1 || req.NewUnit == "" {
			return precinct.FieldErrorf(precinct.EINVALID, "new_unit", "改派需要一个原警力和一个新警力", "Reassigning takes one unit off and one new unit.")
		}
		claim, err := s.claimable(ctx, inc, []string{req.NewUnit}, true)
		if err != nil {
			return err
		}
		c.Claim = claim
		c.UnitStatus[claim[0]] = precinct.UnitDispatched
		data.NewUnit = claim[0]
	}
	c.Release, data.Units = off, off
	inc.Units = slices.DeleteFunc(inc.Units, func(id string) bool { return slices.Contains(off, id) })
	inc.Units = append(inc.Units, c.Claim...)
	switch {
	case len(inc.Units) == 0:
		inc.Status = precinct.IncidentReceived
	case req.Action == precinct.ActionReassign && len(inc.Units) == 1:
		inc.Status = precinct.IncidentDispatched
	}
	return nil
}

// correct applies a correction of intake facts; the event keeps what was
// recorded before and what replaces it.
func (s *Service) correct(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest, data *ActionData) error {
	k := req.Correction
	if k == nil || k.Address == nil && k.Description == nil && k.Category == nil && k.Priority == nil && k.PlaceType == nil {
		return precinct.FieldErrorf(precinct.EINVALID, "correction", "请填写要更正的内容", "Say what to correct.")
	}
	if req.Note == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "note", "请说明更正原因", "Say why it is corrected.")
	}
	was := map[string]any{}
	if k.Address != nil {
		if utf8.RuneCountInString(*k.Address) > maxShortText {
			return precinct.FieldErrorf(precinct.EINVALID, "correction.address", "地址过长", "The address is too long.")
		}
		was["address"], inc.Address = inc.Address, *k.Address
	}
	if k.Description != nil {
		if utf8.RuneCountInString(*k.Description) > maxDescription {
			return precinct.FieldErrorf(precinct.EINVALID, "correction.description", "警情描述过长", "The description is too long.")
		}
		was["description"], inc.Description = inc.Description, *k.Description
	}
	if k.Category != nil {
		sc, err := s.context(ctx, inc.Location.SubBureauID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(sc.cats, func(c precinct.Category) bool { return c.Code == *k.Category }) {
			return precinct.FieldErrorf(precinct.EINVALID, "correction.category", "未知的警情类别：%q", "Unknown category %q.", *k.Category)
		}
		was["category"], inc.Category = inc.Category, *k.Category
	}
	if k.Priority != nil {
		if *k.Priority < 1 || *k.Priority > 4 {
			return precinct.FieldErrorf(precinct.EINVALID, "correction.priority", "优先级应为 1 至 4", "Priority must be 1 to 4.")
		}
		was["priority"], inc.Priority = inc.Priority, *k.Priority
	}
	if k.PlaceType != nil {
		if !k.PlaceType.Valid() {
			return precinct.FieldErrorf(precinct.EINVALID, "correction.place_type", "未知的场所类型：%q", "Unknown place type %q.", *k.PlaceType)
		}
		was["place_type"], inc.PlaceType = inc.PlaceType, *k.PlaceType
	}
	data.Correction, data.Was = k, was
	return nil
}

// link marks inc a duplicate of another incident the caller may act on.
func (s *Service) link(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest, data *ActionData) error {
	if req.DuplicateOf == "" || req.DuplicateOf == inc.ID {
		return precinct.FieldErrorf(precinct.EINVALID, "duplicate_of", "请选择本警情重复的警情", "Choose the incident this one repeats.")
	}
	if inc.DuplicateOf != "" {
		return precinct.Errorf(precinct.ECONFLICT, "本警情已关联为重复报警", "The incident is linked as a repeated call already.")
	}
	other, err := s.readable(ctx, req.DuplicateOf)
	if err != nil {
		return err
	}
	if err := s.mayAct(ctx, precinct.UserFromContext(ctx), precinct.PermDispatch, other); err != nil {
		return err
	}
	if other.DuplicateOf == inc.ID {
		return precinct.FieldErrorf(precinct.ECONFLICT, "duplicate_of", "该警情已关联为本警情的重复报警", "That incident is linked to this one already.")
	}
	inc.DuplicateOf, data.DuplicateOf = other.ID, other.ID
	return nil
}
