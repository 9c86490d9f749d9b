package duty

import (
	"context"
	"sort"
	"time"

	"precinct"
)

const maxNote = 500

// placeFor returns where u checks in at t: the post of a shift of theirs
// under way, else their service station, else the community office of
// their police grid, else their station; nil when they belong nowhere.
func (s *Service) placeFor(ctx context.Context, u *precinct.User, t time.Time) (*precinct.CheckInPlace, error) {
	var p *precinct.Person
	if u.PersonID != "" {
		var err error
		if p, err = s.Store.FindPerson(ctx, u.PersonID); err != nil && precinct.ErrorCode(err) != precinct.ENOTFOUND {
			return nil, err
		}
	}
	if p != nil {
		shifts, err := s.shiftsOf(ctx, p.ID, t, t.Add(time.Nanosecond), t)
		if err != nil {
			return nil, err
		}
		for _, sh := range shifts {
			if sh.PostID == "" {
				continue
			}
			if post, err := s.Store.FindPost(ctx, sh.PostID); err == nil {
				return &precinct.CheckInPlace{Kind: precinct.PlacePost, ID: post.ID, Name: post.Name, Location: post.Location, RadiusM: post.RadiusM}, nil
			}
		}
	}
	serviceStation, grid, station := "", u.Scope.PoliceGridID, u.Scope.StationID
	if p != nil {
		serviceStation = p.ServiceStationID
		grid, station = firstNonEmpty(p.PoliceGridID, grid), firstNonEmpty(p.StationID, station)
	}
	if u.UnitID != "" && serviceStation == "" {
		if un, err := s.Store.FindUnit(ctx, u.UnitID); err == nil {
			serviceStation = un.ServiceStationID
			grid = firstNonEmpty(grid, un.PoliceGridID)
		}
	}
	if serviceStation != "" {
		sbs, err := s.Store.ListSubBureaus(ctx)
		if err != nil {
			return nil, err
		}
		for _, sb := range sbs {
			sss, err := s.Store.ListServiceStations(ctx, sb.ID)
			if err != nil {
				return nil, err
			}
			for _, ss := range sss {
				if ss.ID == serviceStation {
					return &precinct.CheckInPlace{Kind: precinct.PlaceServiceStation, ID: ss.ID, Name: ss.Name, Location: ss.Location, RadiusM: RadiusServiceStation}, nil
				}
			}
		}
	}
	if grid != "" && station != "" {
		cos, err := s.Store.ListCommunityOffices(ctx, station)
		if err != nil {
			return nil, err
		}
		for _, co := range cos {
			if co.PoliceGridID == grid {
				return &precinct.CheckInPlace{Kind: precinct.PlaceCommunityOffice, ID: co.ID, Name: co.Name, Location: co.Location, RadiusM: RadiusCommunityOffice}, nil
			}
		}
	}
	if station != "" {
		st, err := s.Store.FindStation(ctx, station)
		if err == nil {
			return &precinct.CheckInPlace{Kind: precinct.PlaceStation, ID: st.ID, Name: st.Name, Location: st.Location, RadiusM: RadiusStation}, nil
		} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
			return nil, err
		}
	}
	return nil, nil
}

// checkInLocation is the jurisdiction a check-in belongs to: its place's,
// narrowed no further than the user's own scope.
func (s *Service) checkInLocation(ctx context.Context, u *precinct.User, pl *precinct.CheckInPlace) precinct.Location {
	loc := u.Scope
	if pl == nil || loc.StationID != "" {
		return loc
	}
	// A sub-bureau user (a patrol officer) at a station's place: the
	// check-in belongs to that station.
	switch pl.Kind {
	case precinct.PlaceStation:
		loc.StationID = pl.ID
	case precinct.PlacePost:
		if post, err := s.Store.FindPost(ctx, pl.ID); err == nil {
			loc.StationID = post.StationID
		}
	}
	return loc
}

// CheckIn records the caller's check-in, judged against the geofence of
// the place they belong to: inside it is valid; outside it, or without a
// position, it is recorded as such and says so. A check-in resent with the
// same Idempotency-Key is recorded once (created false).
func (s *Service) CheckIn(ctx context.Context, in precinct.CheckInInput) (*precinct.CheckIn, bool, error) {
	u, _, err := caller(ctx, precinct.PermCheckIn)
	if err != nil {
		return nil, false, err
	}
	if err := point(in.Point, "point"); err != nil {
		return nil, false, err
	}
	if err := text("note", in.Note, false, maxNote); err != nil {
		return nil, false, err
	}
	now := s.now()
	pl, err := s.placeFor(ctx, u, now)
	if err != nil {
		return nil, false, err
	}
	loc := s.checkInLocation(ctx, u, pl)
	if err := precinct.Authorize(u, precinct.PermCheckIn, loc); err != nil {
		return nil, false, err
	}
	id := precinct.NewID("chk", now)
	if in.IdempotencyKey != "" {
		id = keyedID("chk", u.ID, in.IdempotencyKey)
	}
	verdict, dist := Judge(pl, in.Point)
	c := &precinct.CheckIn{ID: id, UserID: u.ID, PersonID: u.PersonID, UnitID: u.UnitID, Point: in.Point, Location: loc, At: now, Note: in.Note,
		Place: pl, Verdict: verdict, Valid: verdict == precinct.CheckInInside, DistanceM: dist}
	ev := precinct.NewEvent(ctx, now, "checkin.created", loc, "checkin", c.ID, nil, c, nil)
	err = s.Store.CreateCheckIn(ctx, c, ev)
	if precinct.ErrorCode(err) == precinct.ECONFLICT && in.IdempotencyKey != "" {
		old, ferr := s.Store.FindCheckIn(ctx, id)
		if ferr == nil && old.UserID == u.ID {
			return old, false, nil
		}
		return nil, false, err
	} else if err != nil {
		return nil, false, err
	}
	s.notify()
	return c, true, nil
}

// ListCheckIns returns check-ins in the caller's scope, oldest first.
func (s *Service) ListCheckIns(ctx context.Context, f precinct.CheckInFilter) ([]*precinct.CheckIn, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	return s.Store.ListCheckIns(ctx, f)
}

// Ledger returns a station's check-in ledger of a day (打卡台账): one row
// per person expected to check in (the station's community team, and
// everyone on its shifts that day) or who did, grouped by community, with
// their first check-in and the best verdict of the day. A station user
// gets their own station; others name one.
func (s *Service) Ledger(ctx context.Context, date, stationID string) (*precinct.CheckInLedger, error) {
	u, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	if date == "" {
		date = Date(s.now())
	}
	day, err := ParseDate(date, "date")
	if err != nil {
		return nil, err
	}
	stationID = firstNonEmpty(stationID, u.Scope.StationID)
	if stationID == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "station_id", "请选择派出所", "Choose a station.")
	}
	o, err := s.ownerOf(ctx, sc, stationID)
	if err != nil || o.StationID == "" {
		return nil, precinct.ErrNotFound("派出所", "Station", stationID)
	}
	grids := map[string]string{} // police grid → name
	gf := precinct.GridFilter{Scope: sc, StationID: o.StationID, Limit: 1000}
	for {
		page, next, err := s.Store.ListPoliceGrids(ctx, gf)
		if err != nil {
			return nil, err
		}
		for _, g := range page {
			grids[g.ID] = g.Name
		}
		if gf.Cursor = next; next == "" {
			break
		}
	}
	rows := map[string]*precinct.LedgerRow{}
	row := func(p *precinct.Person) *precinct.LedgerRow {
		r := rows[p.ID]
		if r == nil {
			r = &precinct.LedgerRow{StationID: o.StationID, PoliceGridID: p.PoliceGridID, Community: grids[p.PoliceGridID], PersonID: p.ID, Name: p.Name, Kind: string(p.Kind)}
			if r.Community == "" {
				r.PoliceGridID, r.Community = "", o.Name
			}
			rows[p.ID] = r
		}
		return r
	}
	pf := precinct.PersonFilter{Scope: sc, StationID: o.StationID, Limit: 1000}
	for {
		page, next, err := s.Store.ListPeople(ctx, pf)
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			if p.Team == precinct.TeamCommunity && (p.Kind == precinct.PersonOfficer || p.Kind == precinct.PersonAuxiliary) {
				row(p).Expected = true
			}
		}
		if pf.Cursor = next; next == "" {
			break
		}
	}
	ps := s.people(ctx)
	rs, _, err := s.load(ctx, precinct.Everywhere, []*owner{o}, appendNew(nil, WeekOf(day), WeekOf(day.AddDate(0, 0, -1))))
	if err != nil {
		return nil, err
	}
	for _, sh := range boardShifts(rs, day, day.AddDate(0, 0, 1), day, nil) {
		for _, m := range sh.Crew {
			if p := ps.get(m.PersonID); p != nil {
				row(p).Expected = true
			}
		}
	}
	rank := map[precinct.CheckInVerdict]int{precinct.CheckInInside: 4, precinct.CheckInOutside: 3, precinct.CheckInNoPlace: 2, precinct.CheckInNoPosition: 1}
	f := precinct.CheckInFilter{Scope: sc, StationID: o.StationID, Since: day, Until: day.AddDate(0, 0, 1), Limit: 1000}
	for {
		cs, next, err := s.Store.ListCheckIns(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			p := ps.get(c.PersonID)
			if p == nil {
				p = &precinct.Person{ID: firstNonEmpty(c.PersonID, c.UserID), Name: firstNonEmpty(c.PersonID, c.UserID)}
			}
			r := row(p)
			r.Count++
			if r.First == nil || c.At.Before(*r.First) {
				at := c.At
				r.First = &at
			}
			if rank[c.Verdict] > rank[r.Verdict] {
				r.Verdict = c.Verdict
				if c.Place != nil {
					r.Place = c.Place.Name
				}
			}
		}
		if f.Cursor = next; next == "" {
			break
		}
	}
	l := &precinct.CheckInLedger{Date: date, StationID: o.StationID, Rows: []precinct.LedgerRow{}}
	for _, r := range rows {
		switch {
		case r.Count == 0:
			l.Missing++
		case r.Verdict == precinct.CheckInInside:
			l.Valid++
		case r.Verdict == precinct.CheckInOutside:
			l.Outside++
		case r.Verdict == precinct.CheckInNoPosition:
			l.NoPos++
		}
		l.Rows = append(l.Rows, *r)
	}
	sort.Slice(l.Rows, func(i, j int) bool {
		a, b := l.Rows[i], l.Rows[j]
		if a.Community != b.Community {
			return a.Community < b.Community
		}
		return a.PersonID < b.PersonID
	})
	return l, nil
}

// LedgerXLSX returns the ledger as a workbook.
func (s *Service) LedgerXLSX(ctx context.Context, date, stationID string) ([]byte, error) {
	l, err := s.Ledger(ctx, date, stationID)
	if err != nil {
		return nil, err
	}
	name := l.StationID
	if st, err := s.Store.FindStation(ctx, l.StationID); err == nil {
		name = st.Name
	}
	return LedgerWorkbook(l, name)
}
