package duty

import (
	"context"
	"slices"

	"precinct"
)

const maxEmergencyMembers = 30

func emergencyPlace(u *precinct.EmergencyUnit) place {
	return place{{SubBureauID: u.SubBureauID, StationID: u.StationID, PoliceGridID: u.PoliceGridID}}
}

func callPlace(c *precinct.EmergencyCall) place {
	return place{{SubBureauID: c.SubBureauID, StationID: c.StationID, PoliceGridID: c.PoliceGridID}}
}

// ListEmergencyUnits returns the minimal emergency units in the caller's
// scope.
func (s *Service) ListEmergencyUnits(ctx context.Context, f precinct.EmergencyFilter) ([]*precinct.EmergencyUnit, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListEmergencyUnits(ctx, f)
}

// PutEmergencyUnit creates (no ID) or replaces the minimal emergency unit
// of a police grid in the caller's scope: its officer, village cadre, grid
// worker and activists, each a known person. Members with an account are
// called in the officer app; the others by phone.
func (s *Service) PutEmergencyUnit(ctx context.Context, in *precinct.EmergencyUnit) (*precinct.EmergencyUnit, error) {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	g, err := s.Store.FindPoliceGrid(ctx, in.PoliceGridID)
	if err != nil {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", in.PoliceGridID)
	}
	st, err := s.Store.FindStation(ctx, g.StationID)
	if err != nil {
		return nil, err
	}
	u := &precinct.EmergencyUnit{ID: in.ID, SubBureauID: st.SubBureauID, StationID: st.ID, PoliceGridID: g.ID, Name: in.Name, UpdatedAt: s.now()}
	if !sc.CoversAny(emergencyPlace(u)...) {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", in.PoliceGridID)
	}
	if u.Name == "" {
		u.Name = g.Name + "最小应急处置单元"
	}
	if err := text("name", u.Name, true, maxName); err != nil {
		return nil, err
	}
	if len(in.Members) == 0 || len(in.Members) > maxEmergencyMembers {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "members", "应急单元应有 1 至 30 名成员", "An emergency unit has 1 to 30 members.")
	}
	users, err := s.usersByPerson(ctx)
	if err != nil {
		return nil, err
	}
	ps := s.people(ctx)
	for i, m := range in.Members {
		p := ps.get(m.PersonID)
		switch {
		case p == nil:
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "members", "人员不存在：%s", "Person not found: %s", m.PersonID)
		case !m.Role.Valid():
			return nil, precinct.FieldErrorf(precinct.EINVALID, "members", "成员角色应为 officer、cadre、grid_worker 或 activist", "A member's role is officer, cadre, grid_worker or activist.")
		case slices.ContainsFunc(in.Members[:i], func(o precinct.EmergencyMember) bool { return o.PersonID == m.PersonID }):
			return nil, precinct.FieldErrorf(precinct.EINVALID, "members", "成员重复：%s", "%s is listed twice.", p.Name)
		}
		member := precinct.EmergencyMember{PersonID: p.ID, Name: p.Name, Role: m.Role}
		if acct := users[p.ID]; acct != nil {
			member.UserID = acct.ID
		}
		u.Members = append(u.Members, member)
	}
	if u.ID == "" {
		u.ID = precinct.NewID("eu", u.UpdatedAt)
	} else if old, err := s.Store.FindEmergencyUnit(ctx, u.ID); err == nil && !sc.CoversAny(emergencyPlace(old)...) {
		return nil, precinct.ErrNotFound("最小应急处置单元", "Emergency unit", u.ID)
	}
	if err := s.Store.PutEmergencyUnit(ctx, u, emergencyPlace(u).event(ctx, u.UpdatedAt, "duty.emergency_unit.updated", "emergency_unit", u.ID, u, nil)); err != nil {
		return nil, err
	}
	s.notify()
	return u, nil
}

// CallEmergencyUnit calls an emergency unit of the caller's scope out to an
// incident they may read: members with an account are notified in the
// officer app (the event names them) and acknowledge there; the command
// office calls the others and records each call.
func (s *Service) CallEmergencyUnit(ctx context.Context, id, incidentID, note string) (*precinct.EmergencyCall, error) {
	u, sc, err := caller(ctx, precinct.PermDispatch)
	if err != nil {
		return nil, err
	}
	if err := text("note", note, false, maxNote); err != nil {
		return nil, err
	}
	eu, err := s.Store.FindEmergencyUnit(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sc.CoversAny(emergencyPlace(eu)...) {
		return nil, precinct.ErrNotFound("最小应急处置单元", "Emergency unit", id)
	}
	if s.Incidents == nil {
		return nil, precinct.Errorf(precinct.EINTERNAL, "警情服务未配置", "The incident service is not configured.")
	}
	inc, err := s.Incidents.FindIncident(ctx, incidentID)
	if err != nil {
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "incident_id", "警情不存在：%s", "Incident not found: %s", incidentID)
		}
		return nil, err
	}
	if inc.Status != precinct.IncidentReceived && !inc.Status.Active() {
		return nil, precinct.FieldErrorf(precinct.ECONFLICT, "incident_id", "警情 %s 已处置完毕，无需调度应急单元", "Incident %s is finished; there is nothing to call out to.", incidentID)
	}
	now := s.now()
	c := &precinct.EmergencyCall{ID: precinct.NewID("ec", now), EmergencyUnitID: eu.ID, Name: eu.Name, IncidentID: inc.ID, SubBureauID: eu.SubBureauID,
		StationID: eu.StationID, PoliceGridID: eu.PoliceGridID, Note: note, CalledBy: u.ID, At: now}
	for _, m := range eu.Members {
		cm := precinct.EmergencyCallMember{PersonID: m.PersonID, Name: m.Name, Role: m.Role, UserID: m.UserID, Channel: precinct.ChannelPhone, Status: precinct.CallNotified}
		if m.UserID != "" {
			cm.Channel = precinct.ChannelApp
		}
		c.Members = append(c.Members, cm)
	}
	pl := append(callPlace(c), inc.Location)
	ev := pl.event(ctx, now, "duty.emergency.called", "emergency_call", c.ID, c, nil)
	if err := s.Store.CreateEmergencyCall(ctx, c, ev); err != nil {
		return nil, err
	}
	s.notify()
	return c, nil
}

// readableCall returns a call the caller may read: in their scope, or one
// that calls them.
func (s *Service) readableCall(ctx context.Context, id string) (*precinct.EmergencyCall, *precinct.User, error) {
	u := precinct.UserFromContext(ctx)
	if u == nil {
		return nil, nil, precinct.Authorize(u, precinct.PermReadOrg)
	}
	c, err := s.Store.FindEmergencyCall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if memberOf(c, u) < 0 && precinct.Authorize(u, precinct.PermReadOrg, callPlace(c)...) != nil {
		return nil, nil, precinct.ErrNotFound("应急调度", "Emergency call", id)
	}
	return c, u, nil
}

// memberOf returns the index of u among the call's members, or -1.
func memberOf(c *precinct.EmergencyCall, u *precinct.User) int {
	return slices.IndexFunc(c.Members, func(m precinct.EmergencyCallMember) bool {
		return m.UserID != "" && m.UserID == u.ID || u.PersonID != "" && m.PersonID == u.PersonID
	})
}

// EmergencyCall returns one call with each member's answer.
func (s *Service) EmergencyCall(ctx context.Context, id string) (*precinct.EmergencyCall, error) {
	c, _, err := s.readableCall(ctx, id)
	return c, err
}

// ListEmergencyCalls returns calls in the caller's scope, newest first.
func (s *Service) ListEmergencyCalls(ctx context.Context, f precinct.EmergencyFilter) ([]*precinct.EmergencyCall, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListEmergencyCalls(ctx, f)
}

// AckEmergencyCall records the caller's acknowledgement of a call that
// calls them; acknowledging twice changes nothing.
func (s *Service) AckEmergencyCall(ctx context.Context, id string) (*precinct.EmergencyCall, error) {
	u := precinct.UserFromContext(ctx)
	if precinct.Authorize(u, precinct.PermCheckIn) != nil {
		if err := precinct.Authorize(u, precinct.PermForceWork); err != nil {
			return nil, err
		}
	}
	if _, _, err := s.readableCall(ctx, id); err != nil {
		return nil, err
	}
	now := s.now()
	c, err := s.Store.UpdateEmergencyCall(ctx, id, func(c *precinct.EmergencyCall) (*precinct.Event, error) {
		i := memberOf(c, u)
		if i < 0 {
			return nil, precinct.Errorf(precinct.ENOTFOUND, "您不在本次调度之列", "You are not called in this call-out.")
		}
		m := &c.Members[i]
		if m.Status == precinct.CallAcknowledged {
			return nil, nil
		}
		m.Status, m.AckAt = precinct.CallAcknowledged, &now
		return callPlace(c).event(ctx, now, "duty.emergency.acknowledged", "emergency_call", c.ID, c, map[string]any{"person_id": m.PersonID}), nil
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return c, nil
}

// NotePhoneCall records the command office's phone call to a member: what
// was said, and whether it reached them (then it counts as their
// acknowledgement).
func (s *Service) NotePhoneCall(ctx context.Context, id, personID, note string, reached bool) (*precinct.EmergencyCall, error) {
	u, _, err := caller(ctx, precinct.PermDispatch)
	if err != nil {
		return nil, err
	}
	if err := text("note", note, true, maxNote); err != nil {
		return nil, err
	}
	old, err := s.Store.FindEmergencyCall(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermDispatch, callPlace(old)...); err != nil {
		return nil, precinct.ErrNotFound("应急调度", "Emergency call", id)
	}
	now := s.now()
	c, err := s.Store.UpdateEmergencyCall(ctx, id, func(c *precinct.EmergencyCall) (*precinct.Event, error) {
		i := slices.IndexFunc(c.Members, func(m precinct.EmergencyCallMember) bool { return m.PersonID == personID })
		if i < 0 {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "person_id", "%s 不是该应急单元的成员", "%s is not a member of this emergency unit.", personID)
		}
		m := &c.Members[i]
		m.PhoneNote, m.NotedBy = note, u.ID
		if reached {
			if m.Status != precinct.CallAcknowledged {
				m.Status, m.AckAt = precinct.CallAcknowledged, &now
			}
		} else if m.Status != precinct.CallAcknowledged {
			m.Status = precinct.CallUnreached
		}
		return callPlace(c).event(ctx, now, "duty.emergency.phoned", "emergency_call", c.ID, c, map[string]any{"person_id": personID, "reached": reached}), nil
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return c, nil
}
