package http

import (
	"net/http"
	"strconv"

	"precinct"
	"precinct/mediation"
)

// mediationRoutes are the routes of disputes and their figures.
func (s *Server) mediationRoutes() []route {
	return []route{
		{"POST /api/v1/disputes", false, s.handleDispute},
		{"GET /api/v1/disputes", false, s.handleDisputes},
		{"GET /api/v1/disputes/{id}", false, s.handleDisputeGet},
		{"GET /api/v1/disputes/{id}/timeline", false, s.handleDisputeTimeline},
		{"GET /api/v1/disputes/{id}/contacts", false, s.handleDisputeContacts},
		{"POST /api/v1/disputes/{id}/{action}", false, s.handleDisputeAction},
		{"GET /api/v1/stats/disputes", false, s.handleDisputeFigures},
	}
}

func (s *Server) handleDispute(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermMediate); err != nil {
		return err
	}
	var in mediation.Input
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	var err error
	if in.IdempotencyKey, err = idempotencyKey(r); err != nil {
		return err
	}
	it, created, err := s.Disputes.Open(r.Context(), in)
	if err != nil {
		return err
	}
	v, err := s.Disputes.Find(r.Context(), it.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/disputes/"+it.ID)
	writeJSON(w, status, v)
	return nil
}

func (s *Server) handleDisputes(w http.ResponseWriter, r *http.Request) error {
	f, err := workFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Disputes.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleDisputeGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Disputes.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDisputeTimeline(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Disputes.Find(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	evs, err := s.Disputes.Engine.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(evs, ""))
	return nil
}

func (s *Server) handleDisputeContacts(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Disputes.Find(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	cs, err := s.Disputes.Engine.Contacts(r.Context(), r.PathValue("id"), r.URL.Query().Get("reason"), clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cs, ""))
	return nil
}

func (s *Server) handleDisputeAction(w http.ResponseWriter, r *http.Request) error {
	req, err := workRequest(w, r)
	if err != nil {
		return err
	}
	v, err := s.Disputes.Act(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleDisputeFigures answers the dispute figures of the months from
// from to to (YYYY-MM, inclusive; by default the last twelve), flagging
// high-risk disputes open more than risk_days (default 30).
func (s *Server) handleDisputeFigures(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.months(r)
	if err != nil {
		return err
	}
	days := 30
	if v := r.URL.Query().Get("risk_days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 3650 {
			return precinct.FieldErrorf(precinct.EINVALID, "risk_days", "risk_days 应为 1 至 3650", "risk_days must be 1 to 3650.")
		}
	}
	f, err := s.Disputes.Figures(r.Context(), from, to, days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
