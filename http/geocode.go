package http

import (
	"net/http"
)

// geocodeRoutes are the routes of address search.
func (s *Server) geocodeRoutes() []route {
	return []route{
		{"GET /api/v1/geocode", false, s.handleGeocode},
	}
}

// handleGeocode answers GET /api/v1/geocode?q=…&limit=…: ranked places,
// each with name, kind and location {lon, lat}.
func (s *Server) handleGeocode(w http.ResponseWriter, r *http.Request) error {
	n := 0 // the service's default
	if r.URL.Query().Has("limit") {
		var err error
		if n, err = queryLimit(r); err != nil {
			return err
		}
	}
	places, err := s.Geocode.Geocode(r.Context(), r.URL.Query().Get("q"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": places})
	return nil
}
