package org

import (
	"context"
	"slices"

	"precinct"
)

// AdminStore is what Admin reads and writes.
type AdminStore interface {
	LoadJurisdiction(ctx context.Context, subBureauID string) (*precinct.Jurisdiction, error)
	ApplyJurisdictions(ctx context.Context, js []*precinct.Jurisdiction, dryRun bool) (*precinct.OrgDiff, error)
	FindStation(ctx context.Context, id string) (*precinct.Station, error)
	FindPoliceGrid(ctx context.Context, id string) (*precinct.PoliceGrid, error)
	FindUserByUsername(ctx context.Context, username string) (*precinct.User, error)
	RecordAudit(ctx context.Context, r *precinct.AuditRecord) error
	SetPassword(ctx context.Context, userID, hash string) error
}

// Admin implements precinct.OrgAdminService: an edit is made to the whole
// stored jurisdiction of the entity's sub-bureau, checked whole and stored
// as an import is (one code path for imports and edits). HashPassword
// hashes a new user's password. A nil Clock is the system clock.
type Admin struct {
	Store        AdminStore
	Clock        precinct.Clock
	HashPassword func(string) (string, error)
	// Notify, if set, is called after each change is stored (it wakes the
	// relay that publishes the org.changed event to every node).
	Notify func()
}

var _ precinct.OrgAdminService = (*Admin)(nil)

// PutOrg creates or replaces one entity.
func (s *Admin) PutOrg(ctx context.Context, kind precinct.OrgEntityKind, id string, v any) (*precinct.OrgDiff, error) {
	u, _, err := caller(ctx, precinct.PermManageOrg)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "id", "缺少编号", "The ID is required.")
	}
	loc, err := s.place(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermManageOrg, loc); err != nil {
		return nil, err
	}
	j, err := s.Store.LoadJurisdiction(ctx, loc.SubBureauID)
	if err != nil {
		return nil, err
	}
	var password string
	switch e := v.(type) {
	case *precinct.Station:
		e.ID = id
		j.Stations = put(j.Stations, e, func(x *precinct.Station) string { return x.ID })
	case *precinct.ServiceStation:
		e.ID = id
		j.ServiceStations = put(j.ServiceStations, e, func(x *precinct.ServiceStation) string { return x.ID })
	case *precinct.CommunityOffice:
		e.ID = id
		j.CommunityOffices = put(j.CommunityOffices, e, func(x *precinct.CommunityOffice) string { return x.ID })
	case *precinct.PoliceGrid:
		e.ID = id
		j.PoliceGrids = put(j.PoliceGrids, e, func(x *precinct.PoliceGrid) string { return x.ID })
	case *precinct.CommunityGrid:
		e.ID = id
		j.CommunityGrids = put(j.CommunityGrids, e, func(x *precinct.CommunityGrid) string { return x.ID })
	case *precinct.Person:
		e.ID, e.SubBureauID = id, loc.SubBureauID
		j.People = put(j.People, e, func(x *precinct.Person) string { return x.ID })
	case *precinct.Unit:
		e.ID = id
		if i := slices.IndexFunc(j.Units, func(x *precinct.Unit) bool { return x.ID == id }); i < 0 && e.Status == "" {
			e.Status = precinct.UnitOffDuty
		}
		j.Units = put(j.Units, e, func(x *precinct.Unit) string { return x.ID })
	case *precinct.UserInput:
		nu := e.User
		nu.Username, nu.ID, nu.Disabled, nu.CreatedAt = id, "", false, s.now().Now()
		if old, err := s.Store.FindUserByUsername(ctx, id); err == nil {
			nu.ID, nu.CreatedAt = old.ID, old.CreatedAt
		} else {
			nu.ID = "user-" + id
		}
		password = e.Password
		j.Users = put(j.Users, &nu, func(x *precinct.User) string { return x.Username })
	default:
		return nil, precinct.Errorf(precinct.EINVALID, "未知的类别", "Unknown kind.")
	}
	if err := j.Check(); err != nil {
		return nil, err
	}
	d, err := s.Store.ApplyJurisdictions(ctx, []*precinct.Jurisdiction{j}, false)
	if err != nil {
		return nil, err
	}
	s.notify()
	if password != "" {
		if err := s.setPassword(ctx, id, password); err != nil {
			return nil, err
		}
	}
	return d, s.audit(ctx, kind, id, loc, "edit")
}

// RetireOrg retires one entity; what still refers to it must be changed
// or retired first (EINVALID naming it).
func (s *Admin) RetireOrg(ctx context.Context, kind precinct.OrgEntityKind, id string) (*precinct.OrgDiff, error) {
	u, _, err := caller(ctx, precinct.PermManageOrg)
	if err != nil {
		return nil, err
	}
	loc, err := s.existing(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermManageOrg, loc); err != nil {
		return nil, err
	}
	j, err := s.Store.LoadJurisdiction(ctx, loc.SubBureauID)
	if err != nil {
		return nil, err
	}
	n := 0
	switch kind {
	case precinct.OrgStations:
		j.Stations, n = without(j.Stations, id, func(x *precinct.Station) string { return x.ID })
	case precinct.OrgServiceStations:
		j.ServiceStations, n = without(j.ServiceStations, id, func(x *precinct.ServiceStation) string { return x.ID })
	case precinct.OrgCommunityOffices:
		j.CommunityOffices, n = without(j.CommunityOffices, id, func(x *precinct.CommunityOffice) string { return x.ID })
	case precinct.OrgPoliceGrids:
		j.PoliceGrids, n = without(j.PoliceGrids, id, func(x *precinct.PoliceGrid) string { return x.ID })
	case precinct.OrgCommunityGrids:
		j.CommunityGrids, n = without(j.CommunityGrids, id, func(x *precinct.CommunityGrid) string { return x.ID })
	case precinct.OrgPeople:
		j.People, n = without(j.People, id, func(x *precinct.Person) string { return x.ID })
	case precinct.OrgUnits:
		j.Units, n = without(j.Units, id, func(x *precinct.Unit) string { return x.ID })
	case precinct.OrgUsers:
		j.Users, n = without(j.Users, id, func(x *precinct.User) string { return x.Username })
	}
	if n == 0 {
		return nil, precinct.ErrNotFound(string(kind), string(kind), id)
	}
	if err := j.Check(); err != nil {
		e := err.(*precinct.Error)
		return nil, precinct.FieldErrorf(precinct.ECONFLICT, e.Field, "仍被引用，不能撤销：%s", "Still referred to; cannot be retired: %s", e.MessageEN)
	}
	d, err := s.Store.ApplyJurisdictions(ctx, []*precinct.Jurisdiction{j}, false)
	if err != nil {
		return nil, err
	}
	s.notify()
	return d, s.audit(ctx, kind, id, loc, "retire")
}

func (s *Admin) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

func (s *Admin) now() precinct.Clock {
	if s.Clock == nil {
		return precinct.SystemClock{}
	}
	return s.Clock
}

func (s *Admin) setPassword(ctx context.Context, username, password string) error {
	if s.HashPassword == nil {
		return precinct.Errorf(precinct.EINTERNAL, "无法设置密码", "Passwords cannot be set here.")
	}
	hash, err := s.HashPassword(password)
	if err != nil {
		return err
	}
	u, err := s.Store.FindUserByUsername(ctx, username)
	if err != nil {
		return err
	}
	return s.Store.SetPassword(ctx, u.ID, hash)
}

// audit records who changed what, where.
func (s *Admin) audit(ctx context.Context, kind precinct.OrgEntityKind, id string, loc precinct.Location, action string) error {
	rec := precinct.NewAuditRecord(ctx, s.now().Now(), "org."+string(kind), id, loc, action)
	rec.Action = string(precinct.PermManageOrg) + "." + action
	return s.Store.RecordAudit(ctx, rec)
}

// place is where a new or edited entity belongs.
func (s *Admin) place(ctx context.Context, v any) (precinct.Location, error) {
	station := func(id string) (precinct.Location, error) {
		st, err := s.Store.FindStation(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return precinct.Location{}, precinct.FieldErrorf(precinct.EINVALID, "station_id", "派出所 %s 不存在", "The station %s does not exist.", id)
		} else if err != nil {
			return precinct.Location{}, err
		}
		return precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID}, nil
	}
	need := func(sb string) (precinct.Location, error) {
		if sb == "" {
			return precinct.Location{}, precinct.FieldErrorf(precinct.EINVALID, "sub_bureau_id", "缺少分局", "The sub-bureau is required.")
		}
		return precinct.Location{SubBureauID: sb}, nil
	}
	switch e := v.(type) {
	case *precinct.Station:
		return need(e.SubBureauID)
	case *precinct.ServiceStation:
		return need(e.SubBureauID)
	case *precinct.Unit:
		return need(e.SubBureauID)
	case *precinct.CommunityOffice:
		return station(e.StationID)
	case *precinct.PoliceGrid:
		return station(e.StationID)
	case *precinct.CommunityGrid:
		g, err := s.Store.FindPoliceGrid(ctx, e.PoliceGridID)
		if err != nil {
			return precinct.Location{}, precinct.FieldErrorf(precinct.EINVALID, "police_grid_id", "警格 %s 不存在", "The police grid %s does not exist.", e.PoliceGridID)
		}
		loc, err := station(g.StationID)
		loc.PoliceGridID = g.ID
		return loc, err
	case *precinct.Person:
		if e.StationID != "" {
			return station(e.StationID)
		}
		return need(e.SubBureauID)
	case *precinct.UserInput:
		return need(e.Scope.SubBureauID)
	}
	return precinct.Location{}, precinct.Errorf(precinct.EINVALID, "未知的类别", "Unknown kind.")
}

// existing is where a stored entity is.
func (s *Admin) existing(ctx context.Context, kind precinct.OrgEntityKind, id string) (precinct.Location, error) {
	switch kind {
	case precinct.OrgStations:
		st, err := s.Store.FindStation(ctx, id)
		if err != nil {
			return precinct.Location{}, err
		}
		return precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID}, nil
	case precinct.OrgPoliceGrids:
		g, err := s.Store.FindPoliceGrid(ctx, id)
		if err != nil {
			return precinct.Location{}, err
		}
		st, err := s.Store.FindStation(ctx, g.StationID)
		if err != nil {
			return precinct.Location{}, err
		}
		return precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID, PoliceGridID: g.ID}, nil
	case precinct.OrgUsers:
		u, err := s.Store.FindUserByUsername(ctx, id)
		if err != nil {
			return precinct.Location{}, err
		}
		return precinct.Location{SubBureauID: u.Scope.SubBureauID, StationID: u.Scope.StationID}, nil
	}
	// The others are found through the sub-bureaus the caller manages.
	u := precinct.UserFromContext(ctx)
	sc := precinct.ScopeOf(u)
	sbs := []string{sc.SubBureauID}
	if sc.All {
		sbs = nil
		all, err := s.allSubBureaus(ctx)
		if err != nil {
			return precinct.Location{}, err
		}
		sbs = all
	}
	for _, sb := range sbs {
		j, err := s.Store.LoadJurisdiction(ctx, sb)
		if err != nil {
			return precinct.Location{}, err
		}
		if loc, ok := locate(j, kind, id); ok {
			return loc, nil
		}
	}
	return precinct.Location{}, precinct.ErrNotFound(string(kind), string(kind), id)
}

func (s *Admin) allSubBureaus(ctx context.Context) ([]string, error) {
	lister, ok := s.Store.(interface {
		ListSubBureaus(ctx context.Context) ([]*precinct.SubBureau, error)
	})
	if !ok {
		return nil, precinct.Errorf(precinct.EINTERNAL, "无法列出分局", "Cannot list sub-bureaus.")
	}
	sbs, err := lister.ListSubBureaus(ctx)
	var out []string
	for _, sb := range sbs {
		out = append(out, sb.ID)
	}
	return out, err
}

// locate finds an entity of a jurisdiction and its place.
func locate(j *precinct.Jurisdiction, kind precinct.OrgEntityKind, id string) (precinct.Location, bool) {
	sb := j.SubBureau.ID
	switch kind {
	case precinct.OrgServiceStations:
		for _, x := range j.ServiceStations {
			if x.ID == id {
				return precinct.Location{SubBureauID: sb}, true
			}
		}
	case precinct.OrgCommunityOffices:
		for _, x := range j.CommunityOffices {
			if x.ID == id {
				return precinct.Location{SubBureauID: sb, StationID: x.StationID}, true
			}
		}
	case precinct.OrgCommunityGrids:
		for _, x := range j.CommunityGrids {
			if x.ID == id {
				return precinct.Location{SubBureauID: sb}, true
			}
		}
	case precinct.OrgPeople:
		for _, x := range j.People {
			if x.ID == id {
				return x.Location(), true
			}
		}
	case precinct.OrgUnits:
		for _, x := range j.Units {
			if x.ID == id {
				return precinct.Location{SubBureauID: sb, StationID: x.StationID}, true
			}
		}
	}
	return precinct.Location{}, false
}

// put replaces the element with v's key, or appends v.
func put[T any](xs []T, v T, key func(T) string) []T {
	if i := slices.IndexFunc(xs, func(x T) bool { return key(x) == key(v) }); i >= 0 {
		xs[i] = v
		return xs
	}
	return append(xs, v)
}

// without drops the element with the key and says how many went.
func without[T any](xs []T, id string, key func(T) string) ([]T, int) {
	out := xs[:0:0]
	for _, x := range xs {
		if key(x) != id {
			out = append(out, x)
		}
	}
	return out, len(xs) - len(out)
}
