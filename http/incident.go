package http

import (
	"net/http"
	"strings"

	"precinct"
)

// incidentRoutes are the routes of incidents, their rules and statistics.
func (s *Server) incidentRoutes() []route {
	return []route{
		{"POST /api/v1/incidents", false, s.handleIntake},
		{"GET /api/v1/incidents", false, s.handleIncidents},
		{"GET /api/v1/incidents/{id}", false, s.handleIncident},
		{"GET /api/v1/incidents/{id}/timeline", false, s.handleTimeline},
		{"GET /api/v1/incidents/{id}/recommendations", false, s.handleRecommendations},
		{"GET /api/v1/incidents/{id}/kpis", false, s.handleKPIs},
		{"GET /api/v1/incidents/{id}/duplicates", false, s.handleDuplicates},
		{"GET /api/v1/incidents/duplicates", false, s.handleCallDuplicates},
		{"POST /api/v1/incidents/{id}/{action}", false, s.handleAction},
		{"GET /api/v1/rules", false, s.handleRules},
		{"PUT /api/v1/rules", false, s.handlePutRules},
		{"GET /api/v1/stats/incidents", false, s.handleIncidentStats},
		{"GET /api/v1/stats/incidents/export", false, s.handleStatsExport},
	}
}

func (s *Server) handleIntake(w http.ResponseWriter, r *http.Request) error {
	var in precinct.IncidentInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	var err error
	if in.IdempotencyKey, err = idempotencyKey(r); err != nil {
		return err
	}
	inc, created, err := s.Incidents.Intake(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/incidents/"+inc.ID)
	writeJSON(w, status, masked(inc))
	return nil
}

// masked returns a copy of inc with the reporter's phone masked.
func masked(inc *precinct.Incident) *precinct.Incident {
	c := *inc
	c.Reporter.Phone = precinct.MaskPhone(c.Reporter.Phone)
	return &c
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	since, err := timeParam(r, "since", timeZero)
	if err != nil {
		return err
	}
	until, err := timeParam(r, "until", timeZero)
	if err != nil {
		return err
	}
	f := precinct.IncidentFilter{PoliceGridID: q.Get("police_grid_id"), Category: q.Get("category"), UnitID: q.Get("unit_id"),
		Since: since, Until: until, Cursor: q.Get("cursor"), Limit: n}
	if st := q.Get("station_id"); st != "" {
		f.StationIDs = []string{st}
	}
	if v := q.Get("status"); v != "" {
		for _, s := range strings.Split(v, ",") {
			f.Status = append(f.Status, precinct.IncidentStatus(s))
		}
	}
	items, next, err := s.Incidents.ListIncidents(r.Context(), f)
	if err != nil {
		return err
	}
	for i, inc := range items {
		items[i] = masked(inc)
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) error {
	full, reason, err := fullView(r)
	if err != nil {
		return err
	}
	var inc *precinct.Incident
	if full {
		inc, err = s.Incidents.RevealIncident(r.Context(), r.PathValue("id"), reason)
	} else if inc, err = s.Incidents.FindIncident(r.Context(), r.PathValue("id")); err == nil {
		inc = masked(inc)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) error {
	tl, err := s.Incidents.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, e := range tl {
		e.Before, e.After = nil, nil // the timeline shows actions; the incident shows state
	}
	writeJSON(w, http.StatusOK, newList(tl, ""))
	return nil
}

// handleDuplicates answers GET /api/v1/incidents/{id}/duplicates: the
// incidents that may repeat this one (same category family, near, within
// the sub-bureau's window), nearest first, reporters' phones masked.
func (s *Server) handleDuplicates(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Incidents.Duplicates(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// handleCallDuplicates answers GET /api/v1/incidents/duplicates?lon=&lat=&category=:
// the incidents a call still being taken there may repeat, nearest first,
// reporters' phones masked.
func (s *Server) handleCallDuplicates(w http.ResponseWriter, r *http.Request) error {
	lon, err1 := queryFloat(r, "lon")
	lat, err2 := queryFloat(r, "lat")
	if err1 != nil || err2 != nil {
		return precinct.FieldErrorf(precinct.EINVALID, "location", "请给出经度 lon 和纬度 lat", "Give lon and lat.")
	}
	items, err := s.Incidents.CallDuplicates(r.Context(), precinct.Point{Lon: lon, Lat: lat}, r.URL.Query().Get("category"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) handleRecommendations(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.Incidents.Recommend(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeRecommendation(w, rec)
	return nil
}

func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) error {
	k, err := s.KPIs.KPIs(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) error {
	var req precinct.ActionRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &req, maxBody); err != nil {
			return err
		}
	}
	req.Action = precinct.Action(r.PathValue("action"))
	var err error
	if req.IdempotencyKey, err = idempotencyKey(r); err != nil {
		return err
	}
	inc, err := s.Incidents.Act(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, masked(inc))
	return nil
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Rules.Rules(r.Context(), r.URL.Query().Get("sub_bureau_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handlePutRules(w http.ResponseWriter, r *http.Request) error {
	var d precinct.RuleDocument
	if err := decode(w, r, &d, maxBody); err != nil {
		return err
	}
	out, err := s.Rules.PutRules(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
