package duty

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
)

// IncidentFinder finds an incident as the caller in ctx may read it
// (ENOTFOUND otherwise): the dispatch service.
type IncidentFinder interface {
	FindIncident(ctx context.Context, id string) (*precinct.Incident, error)
}

// Service runs duty for the API: shift patterns and rosters, the duty
// board, roll calls, check-ins, emergency units, duty lists, secondments
// and the mass-prevention forces. Every method reads the caller from ctx,
// checks the permission, and keeps lists and single records to the
// caller's scope (a record outside it is ENOTFOUND). Store is required;
// a nil Clock is the system clock.
type Service struct {
	Store     precinct.Store
	Clock     precinct.Clock
	Incidents IncidentFinder
	// Notify is called after every commit so that the event relay
	// publishes at once. It may be nil.
	Notify func()
	// Rostered is called after a pattern, roster or roll call changes, so
	// that this node's Scheduler looks again at once (other nodes hear the
	// event on the bus). It may be nil.
	Rostered func()
	// HashPassword hashes the password of a new force account
	// (auth.HashPassword); without it, force accounts cannot be created.
	HashPassword func(string) (string, error)
	// Clues takes reported clues into the grid loop; until one is set,
	// clues wait in the duty store (see HandOffClues).
	Clues precinct.ClueSink
}

var _ precinct.DutyService = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

func (s *Service) rostered() {
	s.notify()
	if s.Rostered != nil {
		s.Rostered()
	}
}

// caller authorizes the user in ctx for p and returns them with their scope.
func caller(ctx context.Context, p precinct.Permission) (*precinct.User, precinct.Scope, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, p); err != nil {
		return nil, precinct.Scope{}, err
	}
	return u, precinct.ScopeOf(u), nil
}

// place is where a record sits: one location, or two for a police service
// station (it serves two stations).
type place []precinct.Location

// event returns an event about a record at p, visible to both stations of
// a service station.
func (p place) event(ctx context.Context, now time.Time, typ, entityType, id string, after, data any) *precinct.Event {
	ev := precinct.NewEvent(ctx, now, typ, p[0], entityType, id, nil, after, data)
	for _, l := range p[1:] {
		if l.StationID != "" && l.StationID != ev.StationID {
			ev.Stations = append(ev.Stations, l.StationID)
		}
	}
	return ev
}

// owner is a station or service station that has rosters, with its place.
type owner struct {
	Owner
	place place
	kind  precinct.StationKind // a station's
}

// ownerOf returns the station or service station id, ENOTFOUND if there is
// none or it is outside sc.
func (s *Service) ownerOf(ctx context.Context, sc precinct.Scope, id string) (*owner, error) {
	if st, err := s.Store.FindStation(ctx, id); err == nil {
		o := &owner{Owner: Owner{ID: st.ID, SubBureauID: st.SubBureauID, StationID: st.ID, Name: st.Name}, kind: st.Kind,
			place: place{{SubBureauID: st.SubBureauID, StationID: st.ID}}}
		if !sc.CoversAny(o.place...) {
			return nil, precinct.ErrNotFound("派出所", "Station", id)
		}
		return o, nil
	} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return nil, err
	}
	sbs, err := s.Store.ListSubBureaus(ctx)
	if err != nil {
		return nil, err
	}
	for _, sb := range sbs {
		if !sc.Covers(precinct.Location{SubBureauID: sb.ID}) {
			continue
		}
		sss, err := s.Store.ListServiceStations(ctx, sb.ID)
		if err != nil {
			return nil, err
		}
		for _, ss := range sss {
			if ss.ID == id {
				o := serviceOwner(ss)
				if sc.CoversAny(o.place...) {
					return o, nil
				}
			}
		}
	}
	return nil, precinct.ErrNotFound("派出所或警务站", "Station or service station", id)
}

func serviceOwner(ss *precinct.ServiceStation) *owner {
	return &owner{Owner: Owner{ID: ss.ID, SubBureauID: ss.SubBureauID, ServiceStationID: ss.ID, Name: ss.Name},
		place: place{{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[0]}, {SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[1]}}}
}

// owners returns every station and service station in sc, stations first.
func (s *Service) owners(ctx context.Context, sc precinct.Scope) ([]*owner, error) {
	if sc.Empty() {
		return nil, nil
	}
	sbs, err := s.Store.ListSubBureaus(ctx)
	if err != nil {
		return nil, err
	}
	var out, services []*owner
	for _, sb := range sbs {
		if !sc.Covers(precinct.Location{SubBureauID: sb.ID}) {
			continue
		}
		for cursor := ""; ; {
			sts, next, err := s.Store.ListStations(ctx, precinct.StationFilter{Scope: sc, SubBureauID: sb.ID, Cursor: cursor, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				o := &owner{Owner: Owner{ID: st.ID, SubBureauID: sb.ID, StationID: st.ID, Name: st.Name}, kind: st.Kind,
					place: place{{SubBureauID: sb.ID, StationID: st.ID}}}
				if sc.CoversAny(o.place...) {
					out = append(out, o)
				}
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		sss, err := s.Store.ListServiceStations(ctx, sb.ID)
		if err != nil {
			return nil, err
		}
		for _, ss := range sss {
			if o := serviceOwner(ss); sc.CoversAny(o.place...) {
				services = append(services, o)
			}
		}
	}
	return append(out, services...), nil
}

// people looks people up once each.
type people struct {
	s     *Service
	ctx   context.Context
	cache map[string]*precinct.Person
}

func (s *Service) people(ctx context.Context) *people {
	return &people{s: s, ctx: ctx, cache: map[string]*precinct.Person{}}
}

// get returns a person, or nil when there is none.
func (p *people) get(id string) *precinct.Person {
	if v, ok := p.cache[id]; ok {
		return v
	}
	v, err := p.s.Store.FindPerson(p.ctx, id)
	if err != nil {
		v = nil
	}
	p.cache[id] = v
	return v
}

func (p *people) known(id string) bool { return p.get(id) != nil }

// reachable returns whether a person exists and belongs to a station (or
// service station, or sub-bureau) sc reaches: only they may be put on a
// roster the caller edits. Rosters are a station's, so the person's police
// grid does not matter.
func (p *people) reachable(sc precinct.Scope) func(string) bool {
	return func(id string) bool {
		v := p.get(id)
		if v == nil {
			return false
		}
		pl, err := p.s.personPlace(p.ctx, v)
		if err != nil {
			return false
		}
		for _, l := range pl {
			l.PoliceGridID = ""
			if sc.Covers(l) {
				return true
			}
		}
		return false
	}
}

func (p *people) name(id string) string {
	if v := p.get(id); v != nil {
		return v.Name
	}
	return id
}

// usersByPerson maps person IDs to the enabled accounts that serve them.
func (s *Service) usersByPerson(ctx context.Context) (map[string]*precinct.User, error) {
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*precinct.User{}
	for _, u := range us {
		if u.PersonID != "" && !u.Disabled {
			if _, dup := out[u.PersonID]; !dup {
				out[u.PersonID] = u
			}
		}
	}
	return out, nil
}

// personPlace returns where a person belongs: their station (or service
// station's stations) and police grid.
func (s *Service) personPlace(ctx context.Context, p *precinct.Person) (place, error) {
	if p.StationID != "" {
		st, err := s.Store.FindStation(ctx, p.StationID)
		if err != nil {
			return nil, err
		}
		return place{{SubBureauID: st.SubBureauID, StationID: st.ID, PoliceGridID: p.PoliceGridID}}, nil
	}
	if p.ServiceStationID != "" {
		o, err := s.ownerOf(ctx, precinct.Everywhere, p.ServiceStationID)
		if err != nil {
			return nil, err
		}
		return o.place, nil
	}
	if p.SubBureauID != "" {
		return place{{SubBureauID: p.SubBureauID}}, nil
	}
	return nil, precinct.Errorf(precinct.EINVALID, "%s 不属于任何派出所或警务站", "%s belongs to no station or service station.", p.Name)
}

// text checks a free-text field: required or not, at most max runes.
func text(field, v string, required bool, max int) error {
	if required && strings.TrimSpace(v) == "" {
		return precinct.FieldErrorf(precinct.EINVALID, field, "请填写 %s", "%s is required.", field)
	}
	if utf8.RuneCountInString(v) > max {
		return precinct.FieldErrorf(precinct.EINVALID, field, "%s 过长（不超过 %d 字）", "%s is too long (up to %d characters).", field, max)
	}
	return nil
}

// keyedID returns the ID a record gets from an Idempotency-Key: the same
// key from the same user names the same record.
func keyedID(prefix, userID, key string) string {
	sum := sha256.Sum256([]byte(userID + "\x00" + key))
	return prefix + "_" + hex.EncodeToString(sum[:12])
}

// point validates an optional position.
func point(p *precinct.Point, field string) error {
	if p == nil {
		return nil
	}
	return p.Validate(field)
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
