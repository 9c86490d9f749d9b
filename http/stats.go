package http

import (
	"net/http"

	"precinct"
)

// handleIncidentStats answers GET /api/v1/stats/incidents: the statistics of
// the incidents received in [from, to) (RFC 3339; by default today, China
// Standard Time), for the user's jurisdiction or one station of it, with
// compare=year for the same period a year before (同比) and heat_cell_deg for
// a heat map.
func (s *Server) handleIncidentStats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sq := precinct.StatsQuery{StationID: q.Get("station_id")}
	today := precinct.DayStart(s.Clock.Now())
	var err error
	if sq.From, err = timeParam(r, "from", today); err != nil {
		return err
	}
	if sq.To, err = timeParam(r, "to", today.AddDate(0, 0, 1)); err != nil {
		return err
	}
	switch q.Get("compare") {
	case "":
	case "year":
		sq.CompareYear = true
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "compare", "参数 compare 只能为 year（同比）", "Parameter compare may only be year.")
	}
	if q.Get("heat_cell_deg") != "" {
		d, err := queryFloat(r, "heat_cell_deg")
		if err != nil || d < 0.0001 || d > 1 {
			return precinct.FieldErrorf(precinct.EINVALID, "heat_cell_deg", "参数 heat_cell_deg 应为 0.0001 至 1 之间的数（度）", "Parameter heat_cell_deg must be a number of degrees from 0.0001 to 1.")
		}
		sq.HeatCellDeg = d
	}
	rep, err := s.Stats.IncidentStats(r.Context(), sq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
