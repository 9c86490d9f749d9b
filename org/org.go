// Package org reads the organisation of the jurisdictions a caller reaches:
// sub-bureaus, stations, police service stations, grids, people, category
// dictionaries, users and the audit trail. Every method checks the caller's
// role and scope here, in the service, and passes the scope down to the
// store, so that a single read, a list and an export keep to one rule.
// People are masked; a full view is audited, with the reason given, before
// it is returned.
package org

import (
	"context"

	"precinct"
)

// Store is what the service reads.
type Store interface {
	precinct.OrgStore
	precinct.GridStore
	precinct.PersonStore
	precinct.AuditStore
	ListUsers(ctx context.Context) ([]*precinct.User, error)
	ListCategories(ctx context.Context, subBureauID string) ([]precinct.Category, error)
}

// Service implements precinct.OrgService. Store and Resolver are required;
// a nil Clock is the system clock.
type Service struct {
	Store    Store
	Resolver precinct.Resolver
	Clock    precinct.Clock
}

var _ precinct.OrgService = (*Service)(nil)

func (s *Service) now() precinct.Clock {
	if s.Clock == nil {
		return precinct.SystemClock{}
	}
	return s.Clock
}

// caller returns the user in ctx with their scope, once they hold perm.
func caller(ctx context.Context, perm precinct.Permission) (*precinct.User, precinct.Scope, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, perm); err != nil {
		return nil, precinct.Scope{}, err
	}
	return u, precinct.ScopeOf(u), nil
}

// SubBureaus lists the sub-bureaus the caller reaches, without outlines.
func (s *Service) SubBureaus(ctx context.Context) ([]*precinct.SubBureau, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.ListSubBureaus(ctx)
	if err != nil {
		return nil, err
	}
	var out []*precinct.SubBureau
	for _, sb := range all {
		if sc.Covers(precinct.Location{SubBureauID: sb.ID}) {
			sb.Boundary = nil // the list stays light; read one for its outline
			out = append(out, sb)
		}
	}
	return out, nil
}

// SubBureau returns one sub-bureau with its outline.
func (s *Service) SubBureau(ctx context.Context, id string) (*precinct.SubBureau, error) {
	u, _, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	sb, err := s.Store.FindSubBureau(ctx, id)
	if err != nil {
		return nil, err
	}
	return sb, precinct.Authorize(u, precinct.PermReadOrg, precinct.Location{SubBureauID: sb.ID})
}

// Stations lists the stations the caller reaches. Asking for another
// sub-bureau than the caller's own is EFORBIDDEN.
func (s *Service) Stations(ctx context.Context, f precinct.StationFilter) ([]*precinct.Station, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, "", err
	}
	if f.SubBureauID != "" && !sc.Covers(precinct.Location{SubBureauID: f.SubBureauID}) {
		return nil, "", precinct.ErrForbidden()
	}
	f.Scope = sc
	return s.Store.ListStations(ctx, f)
}

// Station returns one station.
func (s *Service) Station(ctx context.Context, id string) (*precinct.Station, error) {
	u, _, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.FindStation(ctx, id)
	if err != nil {
		return nil, err
	}
	return st, precinct.Authorize(u, precinct.PermReadOrg, precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID})
}

// ServiceStations lists the police service stations bound to a station the
// caller reaches.
func (s *Service) ServiceStations(ctx context.Context) ([]*precinct.ServiceStation, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.ListServiceStations(ctx, sc.SubBureauID)
	if err != nil {
		return nil, err
	}
	var out []*precinct.ServiceStation
	for _, ss := range all {
		if sc.CoversAny(precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[0]},
			precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[1]}) {
			out = append(out, ss)
		}
	}
	return out, nil
}

// CommunityOffices lists the community police offices of the stations
// (and, for a grid's scope, of the police grid) the caller reaches.
func (s *Service) CommunityOffices(ctx context.Context) ([]*precinct.CommunityOffice, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	sub := map[string]string{}
	for cursor := ""; ; {
		page, next, err := s.Store.ListStations(ctx, precinct.StationFilter{Scope: sc, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, st := range page {
			sub[st.ID] = st.SubBureauID
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	stationID := ""
	if !sc.All && sc.StationID != "" {
		stationID = sc.StationID
	}
	all, err := s.Store.ListCommunityOffices(ctx, stationID)
	if err != nil {
		return nil, err
	}
	out := []*precinct.CommunityOffice{}
	for _, o := range all {
		if sb, ok := sub[o.StationID]; ok && sc.Covers(precinct.Location{SubBureauID: sb, StationID: o.StationID, PoliceGridID: o.PoliceGridID}) {
			out = append(out, o)
		}
	}
	return out, nil
}

// PoliceGrids lists the police grids the caller reaches.
func (s *Service) PoliceGrids(ctx context.Context, f precinct.GridFilter) ([]*precinct.PoliceGrid, string, error) {
	if err := s.gridFilter(ctx, &f); err != nil {
		return nil, "", err
	}
	return s.Store.ListPoliceGrids(ctx, f)
}

// CommunityGrids lists the community grids the caller reaches.
func (s *Service) CommunityGrids(ctx context.Context, f precinct.GridFilter) ([]*precinct.CommunityGrid, string, error) {
	if err := s.gridFilter(ctx, &f); err != nil {
		return nil, "", err
	}
	return s.Store.ListCommunityGrids(ctx, f)
}

// gridFilter sets the caller's scope on f; asking for a station or police
// grid outside it is EFORBIDDEN.
func (s *Service) gridFilter(ctx context.Context, f *precinct.GridFilter) error {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return err
	}
	if !sc.All && (f.SubBureauID != "" && f.SubBureauID != sc.SubBureauID ||
		f.StationID != "" && sc.StationID != "" && f.StationID != sc.StationID ||
		f.PoliceGridID != "" && sc.PoliceGridID != "" && f.PoliceGridID != sc.PoliceGridID) {
		return precinct.ErrForbidden()
	}
	f.Scope = sc
	return nil
}

// PoliceGrid returns one police grid.
func (s *Service) PoliceGrid(ctx context.Context, id string) (*precinct.PoliceGrid, error) {
	u, _, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	g, err := s.Store.FindPoliceGrid(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.FindStation(ctx, g.StationID)
	if err != nil {
		return nil, err
	}
	return g, precinct.Authorize(u, precinct.PermReadOrg, precinct.Location{SubBureauID: st.SubBureauID, StationID: g.StationID, PoliceGridID: g.ID})
}

// Resolve locates a point; a point in a sub-bureau the caller does not
// reach is EFORBIDDEN.
func (s *Service) Resolve(ctx context.Context, p precinct.Point) (precinct.Location, error) {
	u, _, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return precinct.Location{}, err
	}
	if err := p.Validate("location"); err != nil {
		return precinct.Location{}, err
	}
	loc, err := s.Resolver.Resolve(p)
	if err != nil {
		return precinct.Location{}, err
	}
	return loc, precinct.Authorize(u, precinct.PermReadOrg, precinct.Location{SubBureauID: loc.SubBureauID})
}

// People lists the people the caller reaches, masked.
func (s *Service) People(ctx context.Context, f precinct.PersonFilter) ([]*precinct.Person, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, "", err
	}
	if f.StationID != "" && sc.StationID != "" && f.StationID != sc.StationID {
		return nil, "", precinct.ErrForbidden()
	}
	f.Scope = sc
	items, next, err := s.Store.ListPeople(ctx, f)
	for i, p := range items {
		m := p.Masked()
		items[i] = &m
	}
	return items, next, err
}

// person returns a person the caller reaches with perm.
func (s *Service) person(ctx context.Context, id string, perm precinct.Permission) (*precinct.Person, error) {
	u, _, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, precinct.Authorize(u, perm, p.Location())
}

// Person returns one person, masked.
func (s *Service) Person(ctx context.Context, id string) (*precinct.Person, error) {
	p, err := s.person(ctx, id, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	m := p.Masked()
	return &m, nil
}

// RevealPerson returns a person in full: personal.read where the person
// works and a reason (precinct.CheckReason), audited first.
func (s *Service) RevealPerson(ctx context.Context, id, reason string) (*precinct.Person, error) {
	p, err := s.person(ctx, id, precinct.PermReadPersonal)
	if err != nil {
		return nil, err
	}
	if err := precinct.CheckReason(reason); err != nil {
		return nil, err
	}
	rec := precinct.NewAuditRecord(ctx, s.now().Now(), "person", p.ID, p.Location(), reason, "phone", "id_number")
	if err := s.Store.RecordAudit(ctx, rec); err != nil {
		return nil, err
	}
	return p, nil
}

// Categories returns the incident category dictionary of the caller's
// sub-bureau (the default dictionary for an administrator of every one).
func (s *Service) Categories(ctx context.Context) ([]precinct.Category, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	if sc.All {
		return append([]precinct.Category(nil), precinct.DefaultCategories...), nil
	}
	return s.Store.ListCategories(ctx, sc.SubBureauID)
}

// Audit lists the audit records of the sub-bureaus the caller reaches.
func (s *Service) Audit(ctx context.Context, f precinct.AuditFilter) ([]*precinct.AuditRecord, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadAudit)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	return s.Store.ListAudit(ctx, f)
}

// Users lists the accounts of the jurisdictions the caller reaches.
func (s *Service) Users(ctx context.Context) ([]*precinct.User, error) {
	_, sc, err := caller(ctx, precinct.PermManageUsers)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*precinct.User
	for _, u := range all {
		if sc.All || u.Scope.SubBureauID != "" && sc.Covers(u.Scope) {
			out = append(out, u)
		}
	}
	return out, nil
}
