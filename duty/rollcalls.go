package duty

import (
	"context"
	"slices"
	"time"

	"precinct"
)

// Roll-call deadlines, in seconds.
const (
	DefaultRollCallDeadline = 300
	minRollCallDeadline     = 30
	maxRollCallDeadline     = 3600
	maxRollCallTargets      = 200
)

// view shows a roll call as it stands at now: past its deadline, an
// answer still pending is a miss (the scheduler records it soon after).
func view(rc *precinct.RollCall, now time.Time) *precinct.RollCall {
	if rc.Status == precinct.RollCallOpen && now.After(rc.Deadline) {
		for i := range rc.Members {
			if rc.Members[i].Status == precinct.AnswerPending {
				rc.Members[i].Status = precinct.AnswerMissed
			}
		}
	}
	return rc
}

// called returns the people a roll call calls.
func called(rc *precinct.RollCall) []string {
	out := make([]string, len(rc.Members))
	for i, m := range rc.Members {
		out[i] = m.PersonID
	}
	return out
}

// rollCallPlace is where a roll call sits.
func rollCallPlace(rc *precinct.RollCall) place {
	return place{{SubBureauID: rc.SubBureauID, StationID: rc.StationID}}
}

// CallRoll calls the patrol groups, posts or station of the targets: each
// becomes the people on shift there now (a patrol group the roster does not
// govern: its crew), and each must answer in the officer app before the
// deadline.
func (s *Service) CallRoll(ctx context.Context, in precinct.RollCallInput) (*precinct.RollCall, error) {
	u, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	if in.Title == "" {
		in.Title = "点名"
	}
	if err := text("title", in.Title, true, maxName); err != nil {
		return nil, err
	}
	if in.DeadlineS == 0 {
		in.DeadlineS = DefaultRollCallDeadline
	}
	if in.DeadlineS < minRollCallDeadline || in.DeadlineS > maxRollCallDeadline {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "deadline_s", "应答时限应为 30 至 3600 秒", "The time to answer is 30 to 3600 seconds.")
	}
	tg := in.Targets
	if len(tg.UnitIDs)+len(tg.PostIDs) == 0 && tg.StationID == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "targets", "请选择点名对象：巡逻组、岗位或整个派出所", "Choose whom to call: patrol groups, posts or a whole station.")
	}
	if len(tg.UnitIDs)+len(tg.PostIDs) > maxRollCallTargets {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "targets", "点名对象过多（最多 200 个）", "Too many targets (at most 200).")
	}
	now := s.now()
	rc := &precinct.RollCall{ID: precinct.NewID("rc", now), SubBureauID: u.Scope.SubBureauID, StationID: firstNonEmpty(tg.StationID, u.Scope.StationID),
		Title: in.Title, Targets: tg, CalledBy: u.ID, CalledAt: now, Deadline: now.Add(time.Duration(in.DeadlineS) * time.Second), Status: precinct.RollCallOpen}
	var stations []string
	add := func(personID, unitID, postID string) {
		if personID == "" || slices.ContainsFunc(rc.Members, func(m precinct.RollCallMember) bool { return m.PersonID == personID }) {
			return
		}
		rc.Members = append(rc.Members, precinct.RollCallMember{PersonID: personID, UnitID: unitID, PostID: postID, Status: precinct.AnswerPending})
	}
	var units []*precinct.Unit
	for _, id := range tg.UnitIDs {
		un, err := s.Store.FindUnit(ctx, id)
		if err != nil || !sc.Covers(precinct.Location{SubBureauID: un.SubBureauID, StationID: un.StationID, PoliceGridID: un.PoliceGridID}) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "targets.unit_ids", "警力不存在：%s", "Unit not found: %s", id)
		}
		units = append(units, un)
		rc.SubBureauID = firstNonEmpty(rc.SubBureauID, un.SubBureauID)
		stations = appendNew(stations, un.StationID)
	}
	var posts []*precinct.Post
	for _, id := range tg.PostIDs {
		p, err := s.Store.FindPost(ctx, id)
		if err != nil || !sc.Covers(precinct.Location{SubBureauID: p.SubBureauID, StationID: p.StationID}) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "targets.post_ids", "岗位不存在：%s", "Post not found: %s", id)
		}
		posts = append(posts, p)
		rc.SubBureauID = firstNonEmpty(rc.SubBureauID, p.SubBureauID)
		stations = appendNew(stations, p.StationID)
	}
	var station *owner
	if tg.StationID != "" {
		if station, err = s.ownerOf(ctx, sc, tg.StationID); err != nil || station.StationID == "" {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "targets.station_id", "派出所不存在：%s", "Station not found: %s", tg.StationID)
		}
		rc.SubBureauID = station.SubBureauID
	}
	if rc.SubBureauID == "" {
		return nil, precinct.ErrForbidden()
	}
	// Who is on shift now, by the rosters of the sub-bureau in scope.
	rs, patterns, err := s.load(ctx, sc, nil, weeksAround(now))
	if err != nil {
		return nil, err
	}
	onNow := OnNow(rs, now)
	governed := Governed(patterns, rs)
	for _, un := range units {
		if !governed[un.ID] {
			for _, p := range un.Members {
				add(p, un.ID, "")
			}
			continue
		}
		for _, sh := range onNow {
			if sh.UnitID == un.ID {
				for _, m := range sh.Crew {
					add(m.PersonID, un.ID, "")
				}
			}
		}
	}
	for _, p := range posts {
		for _, sh := range onNow {
			if sh.PostID == p.ID {
				for _, m := range sh.Crew {
					add(m.PersonID, sh.UnitID, p.ID)
				}
			}
		}
	}
	if station != nil {
		for _, r := range rs {
			if r.StationID != station.StationID || r.ServiceStationID != "" {
				continue
			}
			for _, sh := range r.Shifts {
				if sh.Covers(now) {
					for _, m := range sh.Crew {
						add(m.PersonID, sh.UnitID, sh.PostID)
					}
				}
			}
		}
		all, err := s.unitsIn(ctx, precinct.Scope{Location: precinct.Location{SubBureauID: station.SubBureauID, StationID: station.StationID}})
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(all))
		for id := range all {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if un := all[id]; station.owns(un) && !governed[id] && un.Status != precinct.UnitOffDuty {
				for _, p := range un.Members {
					add(p, un.ID, "")
				}
			}
		}
	}
	if len(rc.Members) == 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "targets", "所选对象当前无人在班，无人可点", "Nobody is on shift there now; there is no one to call.")
	}
	users, err := s.usersByPerson(ctx)
	if err != nil {
		return nil, err
	}
	ps := s.people(ctx)
	for i := range rc.Members {
		m := &rc.Members[i]
		m.Name = ps.name(m.PersonID)
		if acct := users[m.PersonID]; acct != nil {
			m.UserID = acct.ID
		}
	}
	pl := rollCallPlace(rc)
	for _, st := range stations {
		pl = append(pl, precinct.Location{SubBureauID: rc.SubBureauID, StationID: st})
	}
	ev := pl.event(ctx, now, "duty.roll_call.created", "roll_call", rc.ID, nil, map[string]any{"title": rc.Title, "deadline": rc.Deadline, "people": called(rc)})
	if err := s.Store.CreateRollCall(ctx, rc, ev); err != nil {
		return nil, err
	}
	s.rostered()
	return rc, nil
}

// readableRollCall returns a roll call the caller may read: in their scope,
// or one that calls them.
func (s *Service) readableRollCall(ctx context.Context, id string) (*precinct.RollCall, *precinct.User, error) {
	u := precinct.UserFromContext(ctx)
	if u == nil {
		return nil, nil, precinct.Authorize(u, precinct.PermReadOrg)
	}
	rc, err := s.Store.FindRollCall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	called := u.PersonID != "" && slices.ContainsFunc(rc.Members, func(m precinct.RollCallMember) bool { return m.PersonID == u.PersonID })
	if !called && precinct.Authorize(u, precinct.PermReadOrg, rollCallPlace(rc)...) != nil {
		return nil, nil, precinct.ErrNotFound("点名", "Roll call", id)
	}
	return rc, u, nil
}

// RollCall returns one roll call: who answered, where, and who missed.
func (s *Service) RollCall(ctx context.Context, id string) (*precinct.RollCall, error) {
	rc, _, err := s.readableRollCall(ctx, id)
	if err != nil {
		return nil, err
	}
	return view(rc, s.now()), nil
}

// ListRollCalls returns a page of the roll calls in the caller's scope,
// newest first, and the cursor of the next page.
func (s *Service) ListRollCalls(ctx context.Context, f precinct.RollCallFilter) ([]*precinct.RollCall, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	rcs, next, err := s.Store.ListRollCalls(ctx, f)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	for _, rc := range rcs {
		view(rc, now)
	}
	return rcs, next, nil
}

// AnswerRollCall records the caller's answer, with their position when the
// phone has one. Answering twice returns the roll call as it is; after the
// deadline it is ECONFLICT and the miss stands.
func (s *Service) AnswerRollCall(ctx context.Context, id string, p *precinct.Point) (*precinct.RollCall, error) {
	if _, _, err := caller(ctx, precinct.PermCheckIn); err != nil {
		return nil, err
	}
	if err := point(p, "point"); err != nil {
		return nil, err
	}
	rc, u, err := s.readableRollCall(ctx, id)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rc.Members, func(m precinct.RollCallMember) bool { return m.PersonID == u.PersonID })
	if u.PersonID == "" || i < 0 {
		return nil, precinct.Errorf(precinct.ENOTFOUND, "您不在本次点名之列", "You are not called in this roll call.")
	}
	if rc.Members[i].Status == precinct.AnswerAnswered {
		return view(rc, s.now()), nil
	}
	now := s.now()
	ev := rollCallPlace(rc).event(ctx, now, "duty.roll_call.answered", "roll_call", rc.ID, nil, map[string]any{"person_id": u.PersonID, "point": p, "people": called(rc)})
	if err := s.Store.AnswerRollCall(ctx, id, u.PersonID, now, p, ev); err != nil {
		return nil, err
	}
	s.notify()
	rc, err = s.Store.FindRollCall(ctx, id)
	if err != nil {
		return nil, err
	}
	return view(rc, now), nil
}

// RollCallMisses counts, per person in the caller's scope, the roll calls
// that called them in [f.Since, f.Until) and those they missed: the query
// the monthly performance list uses.
func (s *Service) RollCallMisses(ctx context.Context, f precinct.RollCallMissFilter) ([]precinct.PersonMisses, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	if f.Until.IsZero() {
		f.Until = s.now()
	}
	if !f.Since.Before(f.Until) || f.Until.Sub(f.Since) > 366*24*time.Hour {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "from", "统计期应有起止，且不超过 366 天", "The period has a start before its end, at most 366 days.")
	}
	f.Scope = sc
	out, err := s.Store.RollCallMisses(ctx, f)
	if out == nil && err == nil {
		out = []precinct.PersonMisses{}
	}
	return out, err
}

// CloseDue closes the open roll calls whose deadline has passed, recording
// their misses, and returns how many this call closed. Several nodes may
// run it at once: each roll call is closed once.
func (s *Service) CloseDue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.Store.DueRollCalls(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rc := range due {
		var missed []string
		for _, m := range rc.Members {
			if m.Status == precinct.AnswerPending {
				missed = append(missed, m.PersonID)
			}
		}
		ev := rollCallPlace(rc).event(ctx, now, "duty.roll_call.closed", "roll_call", rc.ID, nil, map[string]any{"missed": missed, "people": called(rc)})
		ok, err := s.Store.CloseRollCall(ctx, rc.ID, ev)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		s.notify()
	}
	return n, nil
}
