package duty

import (
	"context"
	"slices"
	"strings"
	"time"

	"precinct"
)

// weeksAround returns the weeks whose shifts may cover t: a 24-hour shift
// that began yesterday belongs to yesterday's week.
func weeksAround(t time.Time) []string {
	return appendNew(nil, WeekOf(t.Add(-24*time.Hour)), WeekOf(t), WeekOf(t.Add(24*time.Hour)))
}

// effective returns the rosters of owners for weeks: the stored one, else
// the one their patterns generate. With owners nil, the owners are those
// that have patterns or stored rosters.
func effective(patterns []*precinct.ShiftPattern, stored []*precinct.Roster, owners []Owner, weeks []string) []*precinct.Roster {
	byID := map[string]*precinct.Roster{}
	for _, r := range stored {
		byID[r.ID] = r
	}
	if owners == nil {
		seen := map[string]bool{}
		add := func(o Owner) {
			if !seen[o.ID] {
				seen[o.ID] = true
				owners = append(owners, o)
			}
		}
		for _, p := range patterns {
			add(OwnerOf(p))
		}
		for _, r := range stored {
			add(Owner{ID: r.Owner(), SubBureauID: r.SubBureauID, StationID: r.StationID, ServiceStationID: r.ServiceStationID})
		}
	}
	var out []*precinct.Roster
	for _, o := range owners {
		for _, w := range weeks {
			if r := byID[precinct.RosterID(o.ID, w)]; r != nil {
				out = append(out, r)
				continue
			}
			week, err := ParseWeek(w, "week")
			if err != nil {
				continue
			}
			out = append(out, Generated(o, week, patterns))
		}
	}
	return out
}

// load returns the effective rosters of the owners in sc (all of them
// when owners is nil) for weeks, and the patterns in sc.
func (s *Service) load(ctx context.Context, sc precinct.Scope, owners []*owner, weeks []string) ([]*precinct.Roster, []*precinct.ShiftPattern, error) {
	patterns, err := s.Store.ListShiftPatterns(ctx, precinct.DutyFilter{Scope: sc})
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.Store.ListRosters(ctx, precinct.DutyFilter{Scope: sc}, weeks)
	if err != nil {
		return nil, nil, err
	}
	var os []Owner
	if owners != nil {
		os = []Owner{}
		for _, o := range owners {
			os = append(os, o.Owner)
		}
	}
	return effective(patterns, stored, os, weeks), patterns, nil
}

// ListShiftPatterns returns the patterns in the caller's scope.
func (s *Service) ListShiftPatterns(ctx context.Context, f precinct.DutyFilter) ([]*precinct.ShiftPattern, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListShiftPatterns(ctx, f)
}

// PutShiftPattern creates (no ID) or replaces a pattern of a station or
// service station in the caller's scope. The unit it crews must be the
// owner's; its crews known people.
func (s *Service) PutShiftPattern(ctx context.Context, p *precinct.ShiftPattern) (*precinct.ShiftPattern, error) {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	if (p.StationID == "") == (p.ServiceStationID == "") {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "station_id", "班次须属于一个派出所或一个警务站", "A shift belongs to one station or one police service station.")
	}
	o, err := s.ownerOf(ctx, sc, firstNonEmpty(p.ServiceStationID, p.StationID))
	if err != nil {
		return nil, err
	}
	if o.ServiceStationID != p.ServiceStationID {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "service_station_id", "%s 不是警务站", "%s is not a police service station.", p.ServiceStationID)
	}
	p.SubBureauID = o.SubBureauID
	if err := ValidatePattern(p); err != nil {
		return nil, err
	}
	if p.ID == "" {
		p.ID = precinct.NewID("pat", s.now())
	} else if old, err := s.Store.FindShiftPattern(ctx, p.ID); err == nil {
		if _, err := s.ownerOf(ctx, sc, old.Owner()); err != nil {
			return nil, precinct.ErrNotFound("班次", "Shift pattern", p.ID)
		}
	} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return nil, err
	}
	if p.UnitID != "" {
		u, err := s.Store.FindUnit(ctx, p.UnitID)
		belongs := err == nil && (p.ServiceStationID != "" && u.ServiceStationID == p.ServiceStationID ||
			p.ServiceStationID == "" && u.ServiceStationID == "" && u.StationID == p.StationID)
		if !belongs {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "unit_id", "警力 %s 不属于该派出所或警务站", "Unit %s does not belong to this station or service station.", p.UnitID)
		}
	}
	if p.PostID != "" {
		post, err := s.Store.FindPost(ctx, p.PostID)
		if err != nil || !slices.ContainsFunc(o.place, func(l precinct.Location) bool { return l.StationID == post.StationID }) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "post_id", "岗位 %s 不属于该派出所", "Post %s does not belong to this station.", p.PostID)
		}
	}
	known := s.people(ctx).reachable(sc)
	for _, crew := range p.Crews {
		for _, id := range crew {
			if !known(id) {
				return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "crews", "人员不存在：%s", "Person not found: %s", id)
			}
		}
	}
	now := s.now()
	p.UpdatedAt = now
	if err := s.Store.PutShiftPattern(ctx, p, o.place.event(ctx, now, "duty.pattern.updated", "shift_pattern", p.ID, p, nil)); err != nil {
		return nil, err
	}
	s.rostered()
	return p, nil
}

// DeleteShiftPattern deletes a pattern in the caller's scope.
func (s *Service) DeleteShiftPattern(ctx context.Context, id string) error {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return err
	}
	p, err := s.Store.FindShiftPattern(ctx, id)
	if err != nil {
		return err
	}
	o, err := s.ownerOf(ctx, sc, p.Owner())
	if err != nil {
		return precinct.ErrNotFound("班次", "Shift pattern", id)
	}
	if err := s.Store.DeleteShiftPattern(ctx, id, o.place.event(ctx, s.now(), "duty.pattern.deleted", "shift_pattern", id, nil, nil)); err != nil {
		return err
	}
	s.rostered()
	return nil
}

// Rosters returns a week's roster of each station and service station in
// the caller's scope that has patterns or a stored roster, or of the one
// station or service station f names.
func (s *Service) Rosters(ctx context.Context, f precinct.DutyFilter, week string) ([]*precinct.Roster, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	if week == "" {
		week = WeekOf(s.now())
	}
	if _, err := ParseWeek(week, "week"); err != nil {
		return nil, err
	}
	var owners []*owner
	if id := firstNonEmpty(f.ServiceStationID, f.StationID); id != "" {
		o, err := s.ownerOf(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		owners = []*owner{o}
	}
	rs, _, err := s.load(ctx, sc, owners, []string{week})
	if err != nil {
		return nil, err
	}
	rs = slices.DeleteFunc(rs, func(r *precinct.Roster) bool { return !sc.CoversAny(rosterPlace(r)...) })
	return rs, s.dress(ctx, rs...)
}

// rosterPlace is where a roster sits, as far as the roster itself says: its
// station, or its sub-bureau for a service station's (whose stations the
// store's scope already checked).
func rosterPlace(r *precinct.Roster) place {
	return place{{SubBureauID: r.SubBureauID, StationID: r.StationID}}
}

// dress fills what a roster shows but does not store: the names of its
// people, units and posts, and the officers seconded to its station.
func (s *Service) dress(ctx context.Context, rs ...*precinct.Roster) error {
	ps := s.people(ctx)
	for _, r := range rs {
		r.Names = map[string]string{}
		for _, id := range People(r) {
			r.Names[id] = ps.name(id)
		}
		for _, sh := range r.Shifts {
			if sh.UnitID != "" && r.Names[sh.UnitID] == "" {
				if u, err := s.Store.FindUnit(ctx, sh.UnitID); err == nil {
					r.Names[sh.UnitID] = u.Callsign
				}
			}
			if sh.PostID != "" && r.Names[sh.PostID] == "" {
				if p, err := s.Store.FindPost(ctx, sh.PostID); err == nil {
					r.Names[sh.PostID] = p.Name
				}
			}
		}
		if r.StationID == "" || r.ServiceStationID != "" {
			continue
		}
		secs, err := s.Store.ListSecondments(ctx, precinct.DutyFilter{Scope: precinct.Everywhere, StationID: r.StationID})
		if err != nil {
			return err
		}
		monday, _ := ParseWeek(r.Week, "week")
		last := Date(monday.AddDate(0, 0, 6))
		for _, sec := range secs {
			if sec.Start <= last && sec.End >= r.Week {
				r.Seconded = append(r.Seconded, sec)
			}
		}
	}
	return nil
}

// parseRosterID splits "<owner>@<week>".
func parseRosterID(id string) (string, string, error) {
	o, w, ok := strings.Cut(id, "@")
	if !ok || o == "" {
		return "", "", precinct.ErrNotFound("排班表", "Roster", id)
	}
	if _, err := ParseWeek(w, "id"); err != nil {
		return "", "", precinct.ErrNotFound("排班表", "Roster", id)
	}
	return o, w, nil
}

// roster returns the effective roster id in sc, with its owner.
func (s *Service) roster(ctx context.Context, sc precinct.Scope, id string) (*precinct.Roster, *owner, error) {
	oid, week, err := parseRosterID(id)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.ownerOf(ctx, sc, oid)
	if err != nil {
		return nil, nil, precinct.ErrNotFound("排班表", "Roster", id)
	}
	rs, _, err := s.load(ctx, precinct.Everywhere, []*owner{o}, []string{week})
	if err != nil {
		return nil, nil, err
	}
	return rs[0], o, nil
}

// Roster returns one week's roster of a station or service station.
func (s *Service) Roster(ctx context.Context, id string) (*precinct.Roster, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	r, _, err := s.roster(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	return r, s.dress(ctx, r)
}

// EditRoster applies one edit (leave, swap, cover, or the shifts in full)
// to a roster, made from the version the editor read: a roster changed
// since is ECONFLICT. Units whose crew it changes go on or off shift at
// once, on every node.
func (s *Service) EditRoster(ctx context.Context, id string, e precinct.RosterEdit) (*precinct.Roster, error) {
	u, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	r, o, err := s.roster(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if e.Version != r.Version {
		return nil, precinct.FieldErrorf(precinct.ECONFLICT, "version", "排班表已被他人修改（当前版本 %d），请刷新后重试", "The roster has changed (now version %d); reload it and try again.", r.Version)
	}
	prev, now := r.Version, s.now()
	if err := Edit(r, e, u.ID, now, s.people(ctx).reachable(sc)); err != nil {
		return nil, err
	}
	r.UpdatedAt = now
	ev := o.place.event(ctx, now, "duty.roster.updated", "roster", r.ID, nil, r.Changes[len(r.Changes)-1])
	if err := s.Store.PutRosters(ctx, []precinct.RosterWrite{{Roster: r, PrevVersion: prev, Event: ev}}); err != nil {
		return nil, err
	}
	s.rostered()
	return r, s.dress(ctx, r)
}

// ListPosts returns the posts in the caller's scope.
func (s *Service) ListPosts(ctx context.Context, f precinct.DutyFilter) ([]*precinct.Post, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListPosts(ctx, f)
}

// postKinds are the kinds of post.
var postKinds = []string{"school_gate", "checkpoint", "patrol_point", "other"}

// PutPost creates (no ID) or replaces a post of a station in the caller's
// scope.
func (s *Service) PutPost(ctx context.Context, p *precinct.Post) (*precinct.Post, error) {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	o, err := s.ownerOf(ctx, sc, p.StationID)
	if err != nil || o.StationID == "" {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "station_id", "派出所不存在：%s", "Station not found: %s", p.StationID)
	}
	if p.Kind == "" {
		p.Kind = "school_gate"
	}
	if p.RadiusM == 0 {
		p.RadiusM = RadiusPost
	}
	switch {
	case text("name", p.Name, true, maxName) != nil:
		return nil, text("name", p.Name, true, maxName)
	case !slices.Contains(postKinds, p.Kind):
		return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "岗位类型应为 %s", "The kind of post is one of %s.", strings.Join(postKinds, ", "))
	case p.RadiusM < 20 || p.RadiusM > 2000:
		return nil, precinct.FieldErrorf(precinct.EINVALID, "radius_m", "打卡范围应为 20 至 2000 米", "The check-in radius is 20 to 2000 metres.")
	}
	if err := p.Location.Validate("location"); err != nil {
		return nil, err
	}
	if p.ID == "" {
		p.ID = precinct.NewID("post", s.now())
	} else if old, err := s.Store.FindPost(ctx, p.ID); err == nil && !sc.Covers(precinct.Location{SubBureauID: old.SubBureauID, StationID: old.StationID}) {
		return nil, precinct.ErrNotFound("岗位", "Post", p.ID)
	}
	p.SubBureauID = o.SubBureauID
	if err := s.Store.PutPost(ctx, p, o.place.event(ctx, s.now(), "duty.post.updated", "post", p.ID, p, nil)); err != nil {
		return nil, err
	}
	s.notify()
	return p, nil
}
