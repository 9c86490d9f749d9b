package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/dispatch/live"
)

// Defaults of Service.
const (
	DefaultCacheTTL     = 10 * time.Second
	DefaultMaxClockSkew = 30 * time.Second
	maxDescription      = 4000 // runes
	maxShortText        = 200  // runes: names, phones, addresses, notes' targets
	maxNote             = 2000
)

// Service takes incidents in, routes them by the rules, recommends units from
// the live index, and moves incidents through their lifecycle. It implements
// precinct.IncidentService, precinct.PositionService and
// precinct.RuleService. Store, Resolver and Live are required; a nil Router
// is the straight-line router and a nil Clock the system clock.
type Service struct {
	Store    precinct.Store
	Resolver precinct.Resolver
	Router   precinct.Router
	Clock    precinct.Clock
	Live     *live.Index
	// Notify is called after every commit so the event relay publishes at
	// once. It may be nil.
	Notify func()
	// CacheTTL is how long rules, categories and the organisation of a
	// sub-bureau are kept before they are read again (default 10 s).
	CacheTTL time.Duration
	// MaxClockSkew is how far in the future a reported position may be.
	MaxClockSkew time.Duration

	mu    sync.Mutex
	cache map[string]*subBureauCache
}

var (
	_ precinct.IncidentService = (*Service)(nil)
	_ precinct.PositionService = (*Service)(nil)
	_ precinct.RuleService     = (*Service)(nil)
	_ precinct.KPIService      = (*Service)(nil)
)

// subBureauCache holds what intake reads for every incident of a sub-bureau.
type subBureauCache struct {
	loaded  time.Time
	rules   *Rules
	version int
	cats    []precinct.Category
	org     *Org
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) router() precinct.Router {
	if s.Router == nil {
		return &StraightLine{}
	}
	return s.Router
}

func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

// context returns the rules, categories and organisation of a sub-bureau,
// from the cache when fresh.
func (s *Service) context(ctx context.Context, subBureauID string) (*subBureauCache, error) {
	ttl := s.CacheTTL
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	now := s.now()
	s.mu.Lock()
	c := s.cache[subBureauID]
	s.mu.Unlock()
	if c != nil && now.Sub(c.loaded) < ttl && !now.Before(c.loaded) {
		return c, nil
	}
	c = &subBureauCache{loaded: now}
	var err error
	if c.rules, c.version, err = s.loadRules(ctx, subBureauID); err != nil {
		return nil, err
	}
	if c.cats, err = s.Store.ListCategories(ctx, subBureauID); err != nil {
		return nil, err
	}
	if len(c.cats) == 0 {
		c.cats = precinct.DefaultCategories
	}
	if c.org, err = s.loadOrg(ctx, subBureauID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = make(map[string]*subBureauCache)
	}
	s.cache[subBureauID] = c
	s.mu.Unlock()
	return c, nil
}

// forget drops a sub-bureau's cache (after its rules change).
func (s *Service) forget(subBureauID string) {
	s.mu.Lock()
	delete(s.cache, subBureauID)
	s.mu.Unlock()
}

func (s *Service) loadRules(ctx context.Context, subBureauID string) (*Rules, int, error) {
	doc, version, err := s.Store.Rules(ctx, subBureauID)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return DefaultRules(), 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	r, err := ParseRules(doc, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("dispatch: stored rules of %s: %w", subBureauID, err)
	}
	return r, version, nil
}

func (s *Service) loadOrg(ctx context.Context, subBureauID string) (*Org, error) {
	sb, err := s.Store.FindSubBureau(ctx, subBureauID)
	if err != nil {
		return nil, err
	}
	org := &Org{SubBureau: sb}
	for cursor := ""; ; {
		page, next, err := s.Store.ListStations(ctx, precinct.StationFilter{SubBureauID: subBureauID, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		org.Stations = append(org.Stations, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if org.ServiceStations, err = s.Store.ListServiceStations(ctx, subBureauID); err != nil {
		return nil, err
	}
	return org, nil
}

// LoadUnits fills the live index with every unit in the store.
func (s *Service) LoadUnits(ctx context.Context) error {
	for cursor := ""; ; {
		units, next, err := s.Store.ListUnits(ctx, precinct.UnitFilter{Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		s.Live.Put(units...)
		if cursor = next; cursor == "" {
			return nil
		}
	}
}

// Intake validates, locates, routes and stores a new incident with its
// incident.created event, which carries both the sub-bureau and the station
// (and the stations it is shared with) so that the command centre and the
// station command office see it at once [000].
func (s *Service) Intake(ctx context.Context, in precinct.IncidentInput) (*precinct.Incident, bool, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermCreateIncident); err != nil {
		return nil, false, err
	}
	if err := validateInput(in); err != nil {
		return nil, false, err
	}
	loc, err := s.Resolver.Resolve(in.Point)
	if err != nil {
		return nil, false, err
	}
	if err := precinct.Authorize(u, precinct.PermCreateIncident, loc); err != nil {
		return nil, false, err
	}
	sc, err := s.context(ctx, loc.SubBureauID)
	if err != nil {
		return nil, false, err
	}
	i := slices.IndexFunc(sc.cats, func(c precinct.Category) bool { return c.Code == in.Category })
	if i < 0 {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "category", "未知的警情类别：%q", "Unknown category %q.", in.Category)
	}
	now := s.now()
	inc := &precinct.Incident{
		ID: precinct.NewID("inc", now), Source: in.Source, Category: in.Category, PlaceType: in.PlaceType,
		Point: in.Point, Address: in.Address, Description: in.Description, Priority: in.Priority,
		Reporter: in.Reporter, Status: precinct.IncidentReceived, Location: loc,
		IdempotencyKey: in.IdempotencyKey, ReceivedAt: now, UpdatedAt: now, Version: 1,
		CreatedBy: precinct.ActorFromContext(ctx),
	}
	f := Facts{Incident: inc, Category: sc.cats[i], Org: sc.org}
	if loc.PoliceGridID != "" {
		if f.PoliceGrid, err = s.Store.FindPoliceGrid(ctx, loc.PoliceGridID); err != nil && precinct.ErrorCode(err) != precinct.ENOTFOUND {
			return nil, false, err
		}
	}
	if f.Force, err = s.force(ctx, sc.rules, sc.org, inc); err != nil {
		return nil, false, err
	}
	d := Route(sc.rules, f)
	inc.Route, inc.SharedWith = d.Route, d.SharedWith
	ev := precinct.NewEvent(ctx, now, EventCreated, loc, "incident", inc.ID, nil, inc,
		ActionData{Action: "intake", Route: &inc.Route, SharedWith: inc.SharedWith})
	ev.Stations = inc.SharedWith
	stored, created, err := s.Store.CreateIncident(ctx, inc, []*precinct.Event{ev})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.notify()
	}
	return stored, created, nil
}

func validateInput(in precinct.IncidentInput) error {
	if !in.Source.Valid() {
		return precinct.FieldErrorf(precinct.EINVALID, "source", "未知的警情来源：%q", "Unknown source %q.", in.Source)
	}
	if in.Category == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "category", "请填写警情类别", "The category is required.")
	}
	if !in.PlaceType.Valid() {
		return precinct.FieldErrorf(precinct.EINVALID, "place_type", "未知的地点类型：%q", "Unknown place type %q.", in.PlaceType)
	}
	if in.Priority < 1 || in.Priority > 4 {
		return precinct.FieldErrorf(precinct.EINVALID, "priority", "警情等级应为 1 至 4，收到 %d", "Priority must be 1 to 4, got %d.", in.Priority)
	}
	if err := in.Point.Validate("location"); err != nil {
		return err
	}
	if in.Point.IsZero() {
		return precinct.FieldErrorf(precinct.EINVALID, "location", "请填写警情位置（经纬度）", "The location (longitude and latitude) is required.")
	}
	for _, t := range []struct {
		field, v string
		max      int
	}{
		{"description", in.Description, maxDescription}, {"address", in.Address, maxShortText},
		{"reporter.name", in.Reporter.Name, maxShortText}, {"reporter.phone", in.Reporter.Phone, 40},
	} {
		if n := utf8.RuneCountInString(t.v); n > t.max {
			return precinct.FieldErrorf(precinct.EINVALID, t.field, "内容过长：%d 字，最多 %d 字", "Too long: %d characters, at most %d.", n, t.max)
		}
	}
	return nil
}

// force measures, for the rural rule, the travel time of the nearest
// available unit of the home station and of its nearest neighbours.
func (s *Service) force(ctx context.Context, r *Rules, org *Org, inc *precinct.Incident) (map[string]time.Duration, error) {
	home := org.Station(inc.Location.StationID)
	if !r.Rural.Enabled || home == nil || !slices.Contains(r.Rural.StationKinds, home.Kind) {
		return nil, nil
	}
	ids := []string{home.ID}
	for _, st := range org.NearestStations(inc.Point, r.Rural.Neighbours, home.ID) {
		ids = append(ids, st.ID)
	}
	m := make(map[string]time.Duration, len(ids))
	for _, id := range ids {
		cands, _, err := s.Live.Nearest(ctx, s.router(), live.Query{Point: inc.Point, K: 1, Kinds: r.Rural.UnitKinds, StationIDs: []string{id}})
		if err != nil {
			return nil, err
		}
		if len(cands) > 0 {
			m[id] = cands[0].ETA
		}
	}
	return m, nil
}

// FindIncident returns one incident the user may see.
func (s *Service) FindIncident(ctx context.Context, id string) (*precinct.Incident, error) {
	return s.readable(ctx, id)
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

// ListIncidents lists incidents within the user's jurisdiction.
func (s *Service) ListIncidents(ctx context.Context, f precinct.IncidentFilter) ([]*precinct.Incident, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, "", err
	}
	sc := u.Scope
	if sc.SubBureauID != "" {
		if f.SubBureauID != "" && f.SubBureauID != sc.SubBureauID {
			return nil, "", precinct.ErrForbidden()
		}
		f.SubBureauID = sc.SubBureauID
	}
	if f.UnitID != "" && f.UnitID == u.UnitID {
		// An officer's own unit's incidents, wherever it was sent.
		return s.Store.ListIncidents(ctx, f)
	}
	if sc.StationID != "" {
		if len(f.StationIDs) > 0 && !slices.Contains(f.StationIDs, sc.StationID) {
			return nil, "", precinct.ErrForbidden()
		}
		f.StationIDs = []string{sc.StationID}
	}
	if sc.PoliceGridID != "" {
		if f.PoliceGridID != "" && f.PoliceGridID != sc.PoliceGridID {
			return nil, "", precinct.ErrForbidden()
		}
		f.PoliceGridID = sc.PoliceGridID
	}
	return s.Store.ListIncidents(ctx, f)
}

// Timeline returns the events of an incident, oldest first.
func (s *Service) Timeline(ctx context.Context, id string) ([]*precinct.Event, error) {
	if _, err := s.readable(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.Timeline(ctx, id)
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
func (s *Service) Recommend(ctx context.Context, id string) (*precinct.Recommendation, error) {
	inc, err := s.readable(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := s.context(ctx, inc.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	tl, err := s.Store.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	return Recommend(ctx, s.Live, s.router(), sc.rules, sc.org, inc, sc.rules.WavesFor(inc.Priority, requestedWave(tl)))
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
	case precinct.ActionDispatch, precinct.ActionReinforce, precinct.ActionPush:
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
			wave := req.Wave
			if wave == 0 {
				wave = requestedWave(tl) + 1
			}
			if wave < 2 || wave > sc.rules.MaxWave() {
				return nil, precinct.FieldErrorf(precinct.EINVALID, "wave", "增援梯次应在 2 至 %d 之间", "The reinforcement wave must be 2 to %d.", sc.rules.MaxWave())
			}
			data.Wave = wave
		}
	case precinct.ActionPush:
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
		}
		inc.FinishedAt = &now
		c.Release, data.Units, inc.Units = inc.Units, inc.Units, nil
	case precinct.ActionClose:
		inc.ClosedAt = &now
		c.Release, inc.Units = inc.Units, nil
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
	if err := s.Store.UpdateIncident(ctx, c); err != nil {
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
// not already on it, on duty. dispatch needs at least one.
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
	if !errors.As(err, &e) || e.Code != precinct.ECONFLICT || e.Data["unit_id"] == "" {
		return err
	}
	out := precinct.Errorf(precinct.ECONFLICT, "警力 %s 正在处置警情 %s", "Unit %s is serving incident %s.", e.Data["unit_id"], e.Data["incident_id"])
	out.Field, out.Data = "units", e.Data
	return out
}

// SetUnitStatus puts a unit that serves no incident on or off duty or busy,
// and keeps the live index in step.
func (s *Service) SetUnitStatus(ctx context.Context, id string, st precinct.UnitStatus) error {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermRespond); err != nil {
		return err
	}
	switch st {
	case precinct.UnitAvailable, precinct.UnitBusy, precinct.UnitOffDuty:
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "status", "状态只能设为 available、busy 或 off_duty", "Status can only be set to available, busy or off_duty.")
	}
	unit, err := s.Store.FindUnit(ctx, id)
	if err != nil {
		return err
	}
	loc := precinct.Location{SubBureauID: unit.SubBureauID, StationID: unit.StationID}
	if err := precinct.Authorize(u, precinct.PermRespond, loc); err != nil {
		return err
	}
	now := s.now()
	after := *unit
	after.Status = st
	ev := precinct.NewEvent(ctx, now, "unit.status", loc, "unit", id, map[string]any{"status": unit.Status}, map[string]any{"status": st}, nil)
	if err := s.Store.SetUnitStatus(ctx, id, st, ev); err != nil {
		return err
	}
	if !s.Live.SetStatus(id, st, "") {
		s.Live.Put(&after)
	}
	s.notify()
	return nil
}

// ReportPositions validates a batch of positions, stores it durably (for
// trajectories) and moves the units in the live index.
func (s *Service) ReportPositions(ctx context.Context, ps []precinct.Position) error {
	if err := precinct.Authorize(precinct.UserFromContext(ctx), precinct.PermReportPosition); err != nil {
		return err
	}
	return s.ingest(ctx, ps)
}

// ingest is ReportPositions without the user: the same path for the HTTP
// batch and for devices publishing on the bus.
func (s *Service) ingest(ctx context.Context, ps []precinct.Position) error {
	skew := s.MaxClockSkew
	if skew <= 0 {
		skew = DefaultMaxClockSkew
	}
	latest := s.now().Add(skew)
	var unknown []string
	for i, p := range ps {
		f := fmt.Sprintf("positions[%d]", i)
		if p.UnitID == "" {
			return precinct.FieldErrorf(precinct.EINVALID, f+".unit_id", "缺少警力编号", "The unit_id is missing.")
		}
		if err := p.Point.Validate(f + ".point"); err != nil {
			return err
		}
		if p.Point.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f+".point", "缺少坐标", "The point is missing.")
		}
		if p.At.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f+".at", "缺少定位时间", "The time (at) is missing.")
		}
		if p.At.After(latest) {
			return precinct.FieldErrorf(precinct.EINVALID, f+".at", "定位时间 %s 晚于当前时间", "The time %s is in the future.", p.At.Format(time.RFC3339))
		}
		if !s.Live.Has(p.UnitID) && !slices.Contains(unknown, p.UnitID) {
			unknown = append(unknown, p.UnitID)
		}
	}
	// Units created since the index was loaded join it; others are ENOTFOUND.
	for _, id := range unknown {
		unit, err := s.Store.FindUnit(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return precinct.FieldErrorf(precinct.ENOTFOUND, "positions", "警力不存在：%s", "Unit not found: %s", id)
		} else if err != nil {
			return err
		}
		s.Live.Put(unit)
	}
	if err := s.Store.SavePositions(ctx, ps); err != nil {
		return err
	}
	s.Live.Move(ps)
	return nil
}

// Rules returns the routing rules of a sub-bureau ("" for the user's own).
func (s *Service) Rules(ctx context.Context, subBureauID string) (*precinct.RuleDocument, error) {
	sb, err := s.ruleScope(ctx, subBureauID, precinct.PermReadIncident)
	if err != nil {
		return nil, err
	}
	r, version, err := s.loadRules(ctx, sb)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &precinct.RuleDocument{SubBureauID: sb, Version: version, Rules: doc}, nil
}

// PutRules validates and stores a sub-bureau's routing rules if d.Version is
// the stored version, recording a rules.updated event.
func (s *Service) PutRules(ctx context.Context, d precinct.RuleDocument) (*precinct.RuleDocument, error) {
	sb, err := s.ruleScope(ctx, d.SubBureauID, precinct.PermEditRules)
	if err != nil {
		return nil, err
	}
	cats, err := s.Store.ListCategories(ctx, sb)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		cats = precinct.DefaultCategories
	}
	r, err := ParseRules(d.Rules, cats)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	ev := precinct.NewEvent(ctx, s.now(), EventRulesEdited, precinct.Location{SubBureauID: sb}, "rules", sb, nil, nil,
		map[string]int{"prev_version": d.Version})
	version, err := s.Store.PutRules(ctx, sb, doc, d.Version, ev)
	if err != nil {
		return nil, err
	}
	s.forget(sb)
	s.notify()
	return &precinct.RuleDocument{SubBureauID: sb, Version: version, Rules: doc}, nil
}

// ruleScope resolves the sub-bureau of a rules request and authorizes it.
func (s *Service) ruleScope(ctx context.Context, subBureauID string, p precinct.Permission) (string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, p); err != nil {
		return "", err
	}
	if subBureauID == "" {
		subBureauID = u.Scope.SubBureauID
	}
	if subBureauID == "" {
		sbs, err := s.Store.ListSubBureaus(ctx)
		if err != nil {
			return "", err
		}
		if len(sbs) != 1 {
			return "", precinct.FieldErrorf(precinct.EINVALID, "sub_bureau_id", "请指定分局", "Say which sub-bureau.")
		}
		subBureauID = sbs[0].ID
	}
	if err := precinct.Authorize(u, p, precinct.Location{SubBureauID: subBureauID}); err != nil {
		return "", err
	}
	return subBureauID, nil
}
