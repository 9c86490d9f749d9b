package http

import (
	"encoding/json"
	"fmt"
	"net/http"
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
		{"GET /api/v1/community-offices", false, s.handleCommunityOffices},
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

// unitRoutes are the routes of units and their positions.
func (s *Server) unitRoutes() []route {
	return []route{
		{"GET /api/v1/units", false, s.handleUnits},
		{"GET /api/v1/units/{id}", false, s.handleUnit},
		{"POST /api/v1/units/{id}/status", false, s.handleUnitStatus},
		{"GET /api/v1/units/{id}/trajectory", false, s.handleTrajectory},
		{"POST /api/v1/positions", false, s.handlePositions},
	}
}

func user(r *http.Request) *precinct.User { return precinct.UserFromContext(r.Context()) }

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
	items, err := s.Org.SubBureaus(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) handleSubBureau(w http.ResponseWriter, r *http.Request) error {
	sb, err := s.Org.SubBureau(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sb)
	return nil
}

func (s *Server) handleStations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	boundary, err := queryBool(r, "boundary")
	if err != nil {
		return err
	}
	kind := precinct.StationKind(q.Get("kind"))
	if kind != "" && !kind.Valid() {
		return precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的派出所类型：%q", "Unknown station kind %q.", kind)
	}
	items, next, err := s.Org.Stations(r.Context(), precinct.StationFilter{SubBureauID: q.Get("sub_bureau_id"), Kind: kind, Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	if !boundary {
		for _, st := range items {
			st.Boundary = nil
		}
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleStation(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Org.Station(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) handleServiceStations(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Org.ServiceStations(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// gridFilter reads a grid filter from the query.
func gridFilter(r *http.Request) (precinct.GridFilter, error) {
	q := r.URL.Query()
	n, err := queryLimit(r)
	return precinct.GridFilter{StationID: q.Get("station_id"), PoliceGridID: q.Get("police_grid_id"), Cursor: q.Get("cursor"), Limit: n}, err
}

func (s *Server) handlePoliceGrids(w http.ResponseWriter, r *http.Request) error {
	f, err := gridFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Org.PoliceGrids(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handlePoliceGrid(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Org.PoliceGrid(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) handleCommunityGrids(w http.ResponseWriter, r *http.Request) error {
	f, err := gridFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Org.CommunityGrids(r.Context(), f)
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

// allPages calls list with each cursor until the last page and passes
// every item to fn: internal readers never stop at a page.
func allPages[T any](list func(cursor string) ([]T, string, error), fn func(T)) error {
	for cursor := ""; ; {
		items, next, err := list(cursor)
		if err != nil {
			return err
		}
		for _, it := range items {
			fn(it)
		}
		if cursor = next; cursor == "" {
			return nil
		}
	}
}

// handleMap serves a layer of the map as GeoJSON (RFC 7946): WGS-84,
// coordinates at 7 decimals, outer rings counter-clockwise, one geometry
// type per layer — polygons (boundary, stations, police-grids,
// community-grids) or points (service-stations, community-offices).
func (s *Server) handleMap(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fs := []feature{}
	var err error
	switch layer := r.URL.Query().Get("layer"); layer {
	case "boundary":
		var sbs []*precinct.SubBureau
		if sbs, err = s.Org.SubBureaus(ctx); err != nil {
			return err
		}
		for _, item := range sbs {
			sb, err := s.Org.SubBureau(ctx, item.ID)
			if err != nil {
				return err
			}
			fs = append(fs, feature{"Feature", sb.Boundary.RFC7946(), map[string]any{"id": sb.ID, "name": sb.Name, "datum": precinct.WGS84, "derived": sb.Derived}})
		}
	case "stations":
		err = allPages(func(c string) ([]*precinct.Station, string, error) {
			return s.Org.Stations(ctx, precinct.StationFilter{Cursor: c, Limit: 1000})
		}, func(st *precinct.Station) {
			fs = append(fs, feature{"Feature", st.Boundary.RFC7946(), map[string]any{"id": st.ID, "name": st.Name, "kind": st.Kind, "central_id": st.CentralID,
				"lon": st.Location.Lon, "lat": st.Location.Lat}})
		})
		if err != nil {
			return err
		}
	case "service-stations":
		sss, err := s.Org.ServiceStations(ctx)
		if err != nil {
			return err
		}
		for _, ss := range sss {
			fs = append(fs, feature{"Feature", ss.Location.RFC7946(), map[string]any{"id": ss.ID, "name": ss.Name, "kind": "service_station",
				"station_a": ss.StationIDs[0], "station_b": ss.StationIDs[1]}})
		}
	case "community-offices":
		offices, err := s.Org.CommunityOffices(ctx)
		if err != nil {
			return err
		}
		for _, o := range offices {
			fs = append(fs, feature{"Feature", o.Location.RFC7946(), map[string]any{"id": o.ID, "name": o.Name, "station_id": o.StationID, "police_grid_id": o.PoliceGridID}})
		}
	case "police-grids", "community-grids":
		f, err := gridFilter(r)
		if err != nil {
			return err
		}
		f.Limit = 1000
		if layer == "police-grids" {
			err = allPages(func(c string) ([]*precinct.PoliceGrid, string, error) {
				f.Cursor = c
				return s.Org.PoliceGrids(ctx, f)
			}, func(g *precinct.PoliceGrid) {
				fs = append(fs, feature{"Feature", g.Boundary.RFC7946(), map[string]any{"id": g.ID, "name": g.Name, "station_id": g.StationID, "officer_id": g.OfficerID, "derived": g.Derived}})
			})
		} else {
			err = allPages(func(c string) ([]*precinct.CommunityGrid, string, error) {
				f.Cursor = c
				return s.Org.CommunityGrids(ctx, f)
			}, func(g *precinct.CommunityGrid) {
				fs = append(fs, feature{"Feature", g.Boundary.RFC7946(), map[string]any{"id": g.ID, "name": g.Name, "police_grid_id": g.PoliceGridID, "derived": g.Derived}})
			})
		}
		if err != nil {
			return err
		}
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "layer", "图层应为 boundary、stations、service-stations、community-offices、police-grids 或 community-grids",
			"layer must be boundary, stations, service-stations, community-offices, police-grids or community-grids.")
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": fs})
}

func (s *Server) handleCommunityOffices(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Org.CommunityOffices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) error {
	lon, err1 := queryFloat(r, "lon")
	lat, err2 := queryFloat(r, "lat")
	if err1 != nil || err2 != nil {
		return precinct.FieldErrorf(precinct.EINVALID, "location", "请给出经度 lon 和纬度 lat", "Give lon and lat.")
	}
	loc, err := s.Org.Resolve(r.Context(), precinct.Point{Lon: lon, Lat: lat})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loc)
	return nil
}

// fullView reads ?unmasked=true and ?reason=…: a request for personal data
// in clear, which the service checks (a reason is required) and audits.
func fullView(r *http.Request) (bool, string, error) {
	full, err := queryBool(r, "unmasked")
	return full, r.URL.Query().Get("reason"), err
}

func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	kind := precinct.PersonKind(q.Get("kind"))
	f := precinct.PersonFilter{StationID: q.Get("station_id"), ServiceStationID: q.Get("service_station_id"), Kind: kind, Cursor: q.Get("cursor"), Limit: n}
	items, next, err := s.Org.People(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handlePerson(w http.ResponseWriter, r *http.Request) error {
	full, reason, err := fullView(r)
	if err != nil {
		return err
	}
	var p *precinct.Person
	if full {
		p, err = s.Org.RevealPerson(r.Context(), r.PathValue("id"), reason)
	} else {
		p, err = s.Org.Person(r.Context(), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleUnits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	f := precinct.UnitFilter{ServiceStationID: q.Get("service_station_id"), Cursor: q.Get("cursor"), Limit: n}
	if st := q.Get("station_id"); st != "" {
		f.StationIDs = []string{st}
	}
	if v := q.Get("status"); v != "" {
		f.Status = []precinct.UnitStatus{precinct.UnitStatus(v)}
	}
	if v := q.Get("kind"); v != "" {
		k := precinct.UnitKind(v)
		if !k.Valid() {
			return precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的警力类型：%q", "Unknown unit kind %q.", v)
		}
		f.Kinds = []precinct.UnitKind{k}
	}
	items, next, err := s.Units.ListUnits(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleUnit(w http.ResponseWriter, r *http.Request) error {
	un, err := s.Units.FindUnit(r.Context(), r.PathValue("id"))
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
	if err := s.Units.SetUnitStatus(r.Context(), r.PathValue("id"), in.Status); err != nil {
		return err
	}
	un, err := s.Units.FindUnit(r.Context(), r.PathValue("id"))
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
	now := s.Clock.Now()
	from, err := timeParam(r, "from", now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to", now.Add(time.Minute))
	if err != nil {
		return err
	}
	n, err := queryLimitOf(r, precinct.TrajectoryPage, precinct.MaxTrajectoryPage)
	if err != nil {
		return err
	}
	tr, err := s.Units.Trajectory(r.Context(), precinct.TrajectoryFilter{UnitID: r.PathValue("id"), From: from, To: to,
		Cursor: r.URL.Query().Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tr)
	return nil
}

func (s *Server) handlePositions(w http.ResponseWriter, r *http.Request) error {
	var in positionsBody
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
	flagged := 0
	for _, p := range in.Positions {
		if p.Flag != "" {
			flagged++
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(in.Positions), "flagged": flagged})
	return nil
}

func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) error {
	cats, err := s.Org.Categories(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cats, ""))
	return nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.Org.Audit(r.Context(), precinct.AuditFilter{Actor: q.Get("actor"), EntityID: q.Get("entity_id"), Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Org.Users(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}
