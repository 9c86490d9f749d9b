package http

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"precinct"
)

// orgRoutes are the routes of the organisation: sub-bureaus, stations,
// grids, people and the map.
func (s *Server) orgRoutes() []route {
	return []route{
		{"GET /api/v1/sub-bureaus", false, s.handleSubBureaus},
		{"GET /api/v1/sub-bureaus/{id}", false, s.handleSubBureau},
		{"GET /api/v1/stations", false, s.handleStations},
		{"GET /api/v1/stations/{id}", false, s.handleStation},
		{"GET /api/v1/service-stations", false, s.handleServiceStations},
		{"GET /api/v1/police-grids", false, s.handlePoliceGrids},
		{"GET /api/v1/police-grids/{id}", false, s.handlePoliceGrid},
		{"GET /api/v1/community-grids", false, s.handleCommunityGrids},
		{"GET /api/v1/map", false, s.handleMap},
		{"GET /api/v1/resolve", false, s.handleResolve},
		{"GET /api/v1/people", false, s.handlePeople},
		{"GET /api/v1/people/{id}", false, s.handlePerson},
		{"GET /api/v1/categories", false, s.handleCategories},
	}
}

// unitRoutes are the routes of units, their positions and check-ins.
func (s *Server) unitRoutes() []route {
	return []route{
		{"GET /api/v1/units", false, s.handleUnits},
		{"GET /api/v1/units/{id}", false, s.handleUnit},
		{"POST /api/v1/units/{id}/status", false, s.handleUnitStatus},
		{"GET /api/v1/units/{id}/trajectory", false, s.handleTrajectory},
		{"POST /api/v1/positions", false, s.handlePositions},
		{"POST /api/v1/checkins", false, s.handleCheckIn},
		{"GET /api/v1/checkins", false, s.handleCheckIns},
	}
}

func user(r *http.Request) *precinct.User { return precinct.UserFromContext(r.Context()) }

// stationsOf returns the stations a user is limited to (nil: every station
// of the user's sub-bureau).
func stationsOf(u *precinct.User) []string {
	if u.Scope.StationID == "" {
		return nil
	}
	return []string{u.Scope.StationID}
}

// clientAddr is the request's remote address without the port.
func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	token, expires, u, err := s.Auth.Login(r.Context(), in.Username, in.Password, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "expires_at": expires, "user": u})
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	h := r.Header.Get("Authorization")
	if err := s.Auth.Logout(r.Context(), h[len("Bearer "):]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, user(r))
	return nil
}

func (s *Server) handleSubBureaus(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	all, err := s.Store.ListSubBureaus(r.Context())
	if err != nil {
		return err
	}
	var out []*precinct.SubBureau
	for _, sb := range all {
		if precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: sb.ID}) {
			sb.Boundary = nil // the list stays light; GET one for its outline
			out = append(out, sb)
		}
	}
	writeJSON(w, http.StatusOK, newList(out, ""))
	return nil
}

func (s *Server) handleSubBureau(w http.ResponseWriter, r *http.Request) error {
	sb, err := s.Store.FindSubBureau(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := precinct.Authorize(user(r), precinct.PermReadOrg, precinct.Location{SubBureauID: sb.ID}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sb)
	return nil
}

func (s *Server) handleStations(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	q := r.URL.Query()
	n, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f := precinct.StationFilter{SubBureauID: q.Get("sub_bureau_id"), Kind: precinct.StationKind(q.Get("kind")), IDs: stationsOf(u), Cursor: q.Get("cursor"), Limit: n}
	if u.Scope.SubBureauID != "" {
		f.SubBureauID = u.Scope.SubBureauID
	}
	items, next, err := s.Store.ListStations(r.Context(), f)
	if err != nil {
		return err
	}
	if q.Get("boundary") != "true" {
		for _, st := range items {
			st.Boundary = nil
		}
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleStation(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.FindStation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := precinct.Authorize(user(r), precinct.PermReadOrg, precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) handleServiceStations(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	all, err := s.Store.ListServiceStations(r.Context(), u.Scope.SubBureauID)
	if err != nil {
		return err
	}
	var out []*precinct.ServiceStation
	for _, ss := range all {
		if precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[0]}) ||
			precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[1]}) {
			out = append(out, ss)
		}
	}
	writeJSON(w, http.StatusOK, newList(out, ""))
	return nil
}

// gridFilter reads a grid filter and narrows it to the user's scope.
func gridFilter(r *http.Request, u *precinct.User) (precinct.GridFilter, error) {
	q := r.URL.Query()
	n, err := queryInt(r, "limit")
	f := precinct.GridFilter{SubBureauID: u.Scope.SubBureauID, StationID: q.Get("station_id"), PoliceGridID: q.Get("police_grid_id"), Cursor: q.Get("cursor"), Limit: n}
	if u.Scope.StationID != "" {
		if f.StationID != "" && f.StationID != u.Scope.StationID {
			return f, precinct.ErrForbidden()
		}
		f.StationID = u.Scope.StationID
	}
	if u.Scope.PoliceGridID != "" {
		if f.PoliceGridID != "" && f.PoliceGridID != u.Scope.PoliceGridID {
			return f, precinct.ErrForbidden()
		}
		f.PoliceGridID = u.Scope.PoliceGridID
	}
	return f, err
}

func (s *Server) handlePoliceGrids(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	f, err := gridFilter(r, u)
	if err != nil {
		return err
	}
	items, next, err := s.Store.ListPoliceGrids(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handlePoliceGrid(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Store.FindPoliceGrid(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := s.Store.FindStation(r.Context(), g.StationID)
	if err != nil {
		return err
	}
	if err := precinct.Authorize(user(r), precinct.PermReadOrg, precinct.Location{SubBureauID: st.SubBureauID, StationID: g.StationID, PoliceGridID: g.ID}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) handleCommunityGrids(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	f, err := gridFilter(r, u)
	if err != nil {
		return err
	}
	items, next, err := s.Store.ListCommunityGrids(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

// feature is a GeoJSON feature of the map.
type feature struct {
	Type       string         `json:"type"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func (s *Server) handleMap(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	ctx := r.Context()
	var fs []feature
	point := func(p precinct.Point) any {
		return map[string]any{"type": "Point", "coordinates": [2]float64{p.Lon, p.Lat}}
	}
	switch layer := r.URL.Query().Get("layer"); layer {
	case "boundary":
		sbs, err := s.Store.ListSubBureaus(ctx)
		if err != nil {
			return err
		}
		for _, sb := range sbs {
			if precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: sb.ID}) {
				fs = append(fs, feature{"Feature", sb.Boundary, map[string]any{"id": sb.ID, "name": sb.Name, "datum": sb.Datum, "derived": sb.Derived}})
			}
		}
	case "stations":
		sts, _, err := s.Store.ListStations(ctx, precinct.StationFilter{SubBureauID: u.Scope.SubBureauID, IDs: stationsOf(u), Limit: 1000})
		if err != nil {
			return err
		}
		for _, st := range sts {
			fs = append(fs, feature{"Feature", st.Boundary, map[string]any{"id": st.ID, "name": st.Name, "kind": st.Kind, "central_id": st.CentralID, "location": st.Location}})
		}
		sss, err := s.Store.ListServiceStations(ctx, u.Scope.SubBureauID)
		if err != nil {
			return err
		}
		for _, ss := range sss {
			fs = append(fs, feature{"Feature", point(ss.Location), map[string]any{"id": ss.ID, "name": ss.Name, "kind": "service_station", "station_ids": ss.StationIDs}})
		}
	case "police-grids", "community-grids":
		f, err := gridFilter(r, u)
		if err != nil {
			return err
		}
		f.Limit = 1000
		for {
			if layer == "police-grids" {
				items, next, err := s.Store.ListPoliceGrids(ctx, f)
				if err != nil {
					return err
				}
				for _, g := range items {
					fs = append(fs, feature{"Feature", g.Boundary, map[string]any{"id": g.ID, "name": g.Name, "station_id": g.StationID, "officer_id": g.OfficerID, "derived": g.Derived}})
				}
				f.Cursor = next
			} else {
				items, next, err := s.Store.ListCommunityGrids(ctx, f)
				if err != nil {
					return err
				}
				for _, g := range items {
					fs = append(fs, feature{"Feature", g.Boundary, map[string]any{"id": g.ID, "name": g.Name, "police_grid_id": g.PoliceGridID, "derived": g.Derived}})
				}
				f.Cursor = next
			}
			if f.Cursor == "" {
				break
			}
		}
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "layer", "图层应为 boundary、stations、police-grids 或 community-grids", "layer must be boundary, stations, police-grids or community-grids.")
	}
	if fs == nil {
		fs = []feature{}
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	writeJSON(w, http.StatusOK, map[string]any{"type": "FeatureCollection", "features": fs})
	return nil
}

func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	lon, err1 := strconv.ParseFloat(r.URL.Query().Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
	if err1 != nil || err2 != nil {
		return precinct.FieldErrorf(precinct.EINVALID, "location", "请给出经度 lon 和纬度 lat", "Give lon and lat.")
	}
	loc, err := s.Resolver.Resolve(precinct.Point{Lon: lon, Lat: lat})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loc)
	return nil
}

// unmasked reports whether the request asks for personal data in clear, and
// checks that the user may see it.
func unmasked(r *http.Request, at ...precinct.Location) (bool, error) {
	if r.URL.Query().Get("unmasked") != "true" {
		return false, nil
	}
	return true, precinct.Authorize(user(r), precinct.PermReadPersonal, at...)
}

// audit records a read of personal data before it is returned.
func (s *Server) audit(r *http.Request, entityType, entityID string, fields ...string) error {
	return s.Store.RecordAudit(r.Context(), &precinct.AuditRecord{
		At: s.Clock.Now(), Actor: user(r).ID, Action: string(precinct.PermReadPersonal),
		EntityType: entityType, EntityID: entityID, Fields: fields, Address: clientAddr(r)})
}

func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	q := r.URL.Query()
	n, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f := precinct.PersonFilter{StationID: q.Get("station_id"), ServiceStationID: q.Get("service_station_id"), Kind: precinct.PersonKind(q.Get("kind")), Cursor: q.Get("cursor"), Limit: n}
	if u.Scope.StationID != "" {
		if f.StationID != "" && f.StationID != u.Scope.StationID {
			return precinct.ErrForbidden()
		}
		f.StationID = u.Scope.StationID
	}
	items, next, err := s.Store.ListPeople(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]precinct.Person, len(items))
	for i, p := range items {
		out[i] = p.Masked()
	}
	writeJSON(w, http.StatusOK, newList(out, next))
	return nil
}

func (s *Server) handlePerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Store.FindPerson(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	loc := precinct.Location{SubBureauID: user(r).Scope.SubBureauID, StationID: p.StationID, PoliceGridID: p.PoliceGridID}
	if err := precinct.Authorize(user(r), precinct.PermReadOrg, loc); err != nil {
		return err
	}
	clear, err := unmasked(r, loc)
	if err != nil {
		return err
	}
	if !clear {
		m := p.Masked()
		p = &m
	} else if err := s.audit(r, "person", p.ID, "phone", "id_number"); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleUnits(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	q := r.URL.Query()
	n, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f := precinct.UnitFilter{SubBureauID: u.Scope.SubBureauID, StationIDs: stationsOf(u), ServiceStationID: q.Get("service_station_id"), Cursor: q.Get("cursor"), Limit: n}
	if st := q.Get("station_id"); st != "" {
		if f.StationIDs != nil && st != f.StationIDs[0] {
			return precinct.ErrForbidden()
		}
		f.StationIDs = []string{st}
	}
	if v := q.Get("status"); v != "" {
		f.Status = []precinct.UnitStatus{precinct.UnitStatus(v)}
	}
	if v := q.Get("kind"); v != "" {
		f.Kinds = []precinct.UnitKind{precinct.UnitKind(v)}
	}
	items, next, err := s.Store.ListUnits(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

// findUnit returns a unit the user may see.
func (s *Server) findUnit(r *http.Request, perm precinct.Permission) (*precinct.Unit, error) {
	un, err := s.Store.FindUnit(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	u := user(r)
	if u.UnitID == un.ID && u.Role.Can(perm) {
		return un, nil // an officer always reaches their own unit
	}
	return un, precinct.Authorize(u, perm, precinct.Location{SubBureauID: un.SubBureauID, StationID: un.StationID, PoliceGridID: un.PoliceGridID})
}

func (s *Server) handleUnit(w http.ResponseWriter, r *http.Request) error {
	un, err := s.findUnit(r, precinct.PermReadOrg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, un)
	return nil
}

func (s *Server) handleUnitStatus(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Status precinct.UnitStatus `json:"status"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	un, err := s.findUnit(r, precinct.PermRespond)
	if err != nil {
		return err
	}
	if err := s.UnitStatus.SetUnitStatus(r.Context(), un.ID, in.Status); err != nil {
		return err
	}
	un, err = s.Store.FindUnit(r.Context(), un.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, un)
	return nil
}

// timeParam reads an optional RFC 3339 time.
func timeParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, precinct.FieldErrorf(precinct.EINVALID, name, "时间格式应为 RFC 3339，例如 2026-11-22T08:00:00+08:00", "Times are RFC 3339, e.g. 2026-11-22T08:00:00+08:00.")
	}
	return t, nil
}

func (s *Server) handleTrajectory(w http.ResponseWriter, r *http.Request) error {
	un, err := s.findUnit(r, precinct.PermReadOrg)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	from, err := timeParam(r, "from", now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to", now.Add(time.Minute))
	if err != nil {
		return err
	}
	ps, err := s.Store.Trajectory(r.Context(), un.ID, from, to)
	if err != nil {
		return err
	}
	var checkIns []*precinct.CheckIn
	for cursor := ""; ; {
		cs, next, err := s.Store.ListCheckIns(r.Context(), precinct.CheckInFilter{Scope: precinct.Everywhere, SubBureauID: un.SubBureauID, Since: from, Until: to, Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.UnitID == un.ID {
				checkIns = append(checkIns, c)
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if ps == nil {
		ps = []precinct.Position{}
	}
	if checkIns == nil {
		checkIns = []*precinct.CheckIn{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"unit": un, "items": ps, "check_ins": checkIns, "next_cursor": ""})
	return nil
}

func (s *Server) handlePositions(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Positions []precinct.Position `json:"positions"`
	}
	if err := decode(w, r, &in, maxPositionsBody); err != nil {
		return err
	}
	// An officer reports for their own unit; batches for many units come
	// from an administrator's gateway (or on the bus).
	if u := user(r); u.Role != precinct.RoleAdmin {
		for i, p := range in.Positions {
			if u.UnitID == "" || p.UnitID != u.UnitID {
				e := precinct.ErrForbidden()
				e.Field = fmt.Sprintf("positions[%d].unit_id", i)
				return e
			}
		}
	}
	if err := s.Positions.ReportPositions(r.Context(), in.Positions); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(in.Positions)})
	return nil
}

func (s *Server) handleCheckIn(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	var in struct {
		Point precinct.Point `json:"point"`
		Note  string         `json:"note"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	if err := precinct.Authorize(u, precinct.PermCheckIn); err != nil {
		return err
	}
	if err := in.Point.Validate("point"); err != nil {
		return err
	}
	if len([]rune(in.Note)) > 500 {
		return precinct.FieldErrorf(precinct.EINVALID, "note", "备注过长", "The note is too long.")
	}
	loc, err := s.Resolver.Resolve(in.Point)
	if err != nil {
		return err
	}
	if err := precinct.Authorize(u, precinct.PermCheckIn, precinct.Location{SubBureauID: loc.SubBureauID}); err != nil {
		return err
	}
	now := s.Clock.Now()
	id := precinct.NewID("chk", now)
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		// A phone resending a check-in queued offline: the same key is the
		// same check-in, recorded once.
		sum := sha256.Sum256([]byte(u.ID + "\x00" + key))
		id = "chk_" + hex.EncodeToString(sum[:12])
	}
	c := &precinct.CheckIn{ID: id, UserID: u.ID, PersonID: u.PersonID, UnitID: u.UnitID, Point: &in.Point, Location: loc, At: now, Note: in.Note}
	ev := precinct.NewEvent(r.Context(), now, "checkin.created", loc, "checkin", c.ID, nil, c, nil)
	err = s.Store.CreateCheckIn(r.Context(), c, ev)
	if precinct.ErrorCode(err) == precinct.ECONFLICT && r.Header.Get("Idempotency-Key") != "" {
		writeJSON(w, http.StatusOK, c)
		return nil
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleCheckIns(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	since, err := timeParam(r, "since", time.Time{})
	if err != nil {
		return err
	}
	n, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f := precinct.CheckInFilter{Scope: precinct.ScopeOf(u), SubBureauID: u.Scope.SubBureauID, StationID: r.URL.Query().Get("station_id"), Since: since, Cursor: r.URL.Query().Get("cursor"), Limit: n}
	if u.Scope.StationID != "" {
		if f.StationID != "" && f.StationID != u.Scope.StationID {
			return precinct.ErrForbidden()
		}
		f.StationID = u.Scope.StationID
	}
	items, next, err := s.Store.ListCheckIns(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	cats, err := s.Store.ListCategories(r.Context(), u.Scope.SubBureauID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cats, ""))
	return nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermReadAudit); err != nil {
		return err
	}
	n, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.Store.ListAudit(r.Context(), precinct.AuditFilter{Actor: q.Get("actor"), EntityID: q.Get("entity_id"), Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermManageUsers); err != nil {
		return err
	}
	items, err := s.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}
