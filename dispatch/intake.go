package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/dispatch/live"
)

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
	hash, err := requestHash(in)
	if err != nil {
		return nil, false, err
	}
	now := s.now()
	inc := &precinct.Incident{
		ID: precinct.NewID("inc", now), Source: in.Source, Category: in.Category, PlaceType: in.PlaceType,
		Point: in.Point, Address: in.Address, Description: in.Description, Priority: in.Priority,
		Reporter: in.Reporter, Status: precinct.IncidentReceived, Location: loc,
		IdempotencyKey: in.IdempotencyKey, RequestHash: hash, ReceivedAt: now, UpdatedAt: now, Version: 1,
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
	if in.DuplicateOf != "" {
		// Linked while the call is taken: the rule of the link action.
		other, err := s.readable(ctx, in.DuplicateOf)
		if err != nil {
			return nil, false, err
		}
		if err := s.mayAct(ctx, u, precinct.PermDispatch, other); err != nil {
			return nil, false, err
		}
		inc.DuplicateOf = other.ID
	}
	ev := precinct.NewEvent(ctx, now, EventCreated, loc, "incident", inc.ID, nil, inc,
		ActionData{Action: "intake", Route: &inc.Route, SharedWith: inc.SharedWith, DuplicateOf: inc.DuplicateOf})
	ev.Stations = inc.SharedWith
	gen := s.recs.forgettings()
	stored, created, err := s.Store.CreateIncident(ctx, inc, []*precinct.Event{ev})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.rememberCreated(stored, gen)
		s.notify()
	}
	return stored, created, nil
}

// requestHash is a digest of what an intake request asks for, so that an
// Idempotency-Key replayed with another body is told apart from a resend.
func requestHash(in precinct.IncidentInput) (string, error) {
	in.IdempotencyKey = ""
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), nil
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
