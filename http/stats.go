package http

import (
	"mime"
	"net/http"

	"precinct"
)

// handleIncidentStats answers GET /api/v1/stats/incidents: the statistics of
// the incidents received in [from, to) (RFC 3339; by default today, China
// Standard Time), for the user's jurisdiction or one station of it, with
// compare=year for the same period a year before (同比) and heat_cell_deg for
// a heat map.
func (s *Server) handleIncidentStats(w http.ResponseWriter, r *http.Request) error {
	sq, err := s.statsQuery(r)
	if err != nil {
		return err
	}
	rep, err := s.Stats.IncidentStats(r.Context(), sq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// handleStatsExport answers GET /api/v1/stats/incidents/export: the same
// statistics as a spreadsheet (format=xlsx, the default) or CSV, in lang
// zh (default) or en, with hot spots, as a download.
func (s *Server) handleStatsExport(w http.ResponseWriter, r *http.Request) error {
	sq, err := s.statsQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format, lang := q.Get("format"), q.Get("lang")
	if format == "" {
		format = "xlsx"
	}
	if lang != "" && lang != "zh" && lang != "en" {
		return precinct.FieldErrorf(precinct.EINVALID, "lang", "参数 lang 应为 zh 或 en", "Parameter lang must be zh or en.")
	}
	out, err := s.StatsExport.ExportIncidentStats(r.Context(), sq, format, lang)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", out.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": out.Name}))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out.Body)
	return err
}

// statsQuery reads the period, station, comparison and heat cell of a
// statistics request.
func (s *Server) statsQuery(r *http.Request) (precinct.StatsQuery, error) {
	q := r.URL.Query()
	sq := precinct.StatsQuery{StationID: q.Get("station_id")}
	today := precinct.DayStart(s.Clock.Now())
	var err error
	if sq.From, err = timeParam(r, "from", today); err != nil {
		return sq, err
	}
	if sq.To, err = timeParam(r, "to", today.AddDate(0, 0, 1)); err != nil {
		return sq, err
	}
	switch q.Get("compare") {
	case "":
	case "year":
		sq.CompareYear = true
	default:
		return sq, precinct.FieldErrorf(precinct.EINVALID, "compare", "参数 compare 只能为 year（同比）", "Parameter compare may only be year.")
	}
	if q.Get("heat_cell_deg") != "" {
		d, err := queryFloat(r, "heat_cell_deg")
		if err != nil || d < 0.0001 || d > 1 {
			return sq, precinct.FieldErrorf(precinct.EINVALID, "heat_cell_deg", "参数 heat_cell_deg 应为 0.0001 至 1 之间的数（度）", "Parameter heat_cell_deg must be a number of degrees from 0.0001 to 1.")
		}
		sq.HeatCellDeg = d
	}
	return sq, nil
}
