package http

import (
	"net/http"

	"precinct"
)

// taskRoutes are the routes of the daily tasks on the police-grid map.
func (s *Server) taskRoutes() []route {
	return []route{
		{"GET /api/v1/tasks", false, s.handleTasks},
	}
}

// handleTasks answers the tasks of a day (date=YYYY-MM-DD, China Standard
// Time; today by default) in the caller's jurisdiction or one police grid.
func (s *Server) handleTasks(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermReadWork); err != nil {
		return err
	}
	day, err := dayParam(r, "date", precinct.DayStart(s.Clock.Now()))
	if err != nil {
		return err
	}
	ts, err := s.Tasks.Tasks(r.Context(), day, r.URL.Query().Get("police_grid_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Date  string          `json:"date"`
		Items []precinct.Task `json:"items"`
	}{day.Format("2006-01-02"), ts})
	return nil
}
