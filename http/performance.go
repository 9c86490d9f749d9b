package http

import (
	"mime"
	"net/http"

	"precinct"
)

// performanceRoutes are the routes of the monthly performance list.
func (s *Server) performanceRoutes() []route {
	return []route{
		{"GET /api/v1/performance", false, s.handlePerformance},
	}
}

// handlePerformance answers GET /api/v1/performance?month=YYYY-MM: the
// performance list of the month of the officers the caller may see (or of
// user_id), with the month before and the same month a year before; with
// format=xlsx or csv, the same list as a download, labelled in lang.
func (s *Server) handlePerformance(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pq := precinct.PerformanceQuery{Month: q.Get("month"), UserID: q.Get("user_id")}
	format, lang := q.Get("format"), q.Get("lang")
	if lang != "" && lang != "zh" && lang != "en" {
		return precinct.FieldErrorf(precinct.EINVALID, "lang", "参数 lang 应为 zh 或 en", "Parameter lang must be zh or en.")
	}
	switch format {
	case "", "json":
		l, err := s.Performance.PerformanceList(r.Context(), pq)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
	out, err := s.PerformanceExport.ExportPerformance(r.Context(), pq, format, lang)
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
