package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"precinct"
	"precinct/gridloop"
)

// maxReportBody bounds a report or an action with photos (base64).
const maxReportBody = 64 << 20

// gridLoopRoutes are the routes of the grid whistle loop: reports, their
// actions, photos and contacts, linked departments, the evaluation, and the
// keys of Open311 clients.
func (s *Server) gridLoopRoutes() []route {
	return []route{
		{"POST /api/v1/grid-reports", false, s.handleGridReport},
		{"GET /api/v1/grid-reports", false, s.handleGridReports},
		{"GET /api/v1/grid-reports/{id}", false, s.handleGridReportGet},
		{"GET /api/v1/grid-reports/{id}/timeline", false, s.handleGridReportTimeline},
		{"GET /api/v1/grid-reports/{id}/contacts", false, s.handleWorkContacts},
		{"GET /api/v1/grid-reports/{id}/photos/{photo}", false, s.handlePhoto},
		{"POST /api/v1/grid-reports/{id}/{action}", false, s.handleGridReportAction},
		{"GET /api/v1/grid-categories", false, s.handleGridCategories},
		{"GET /api/v1/departments", false, s.handleDepartments},
		{"PUT /api/v1/departments/{id}", false, s.handlePutDepartment},
		{"GET /api/v1/evaluation/grid-reports", false, s.handleEvaluation},
		{"GET /api/v1/open311-keys", false, s.handleAPIKeys},
		{"POST /api/v1/open311-keys", false, s.handleNewAPIKey},
	}
}

func (s *Server) handleGridReport(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermReportWork); err != nil {
		return err
	}
	var in gridloop.ReportInput
	if err := decode(w, r, &in, maxReportBody); err != nil {
		return err
	}
	var err error
	if in.IdempotencyKey, err = idempotencyKey(r); err != nil {
		return err
	}
	it, created, err := s.GridLoop.Report(r.Context(), in)
	if err != nil {
		return err
	}
	v, err := s.GridLoop.Find(r.Context(), it.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/grid-reports/"+it.ID)
	writeJSON(w, status, v)
	return nil
}

// workFilter reads the common filters of work item lists.
func workFilter(r *http.Request) (precinct.WorkFilter, error) {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return precinct.WorkFilter{}, err
	}
	f := precinct.WorkFilter{Category: q.Get("category"), Cursor: q.Get("cursor"), Limit: n}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			f.States = append(f.States, precinct.WorkState(st))
		}
	}
	switch q.Get("open") {
	case "":
	case "true", "1":
		f.Open = new(true)
	case "false", "0":
		f.Open = new(false)
	default:
		return f, precinct.FieldErrorf(precinct.EINVALID, "open", "参数 open 应为 true 或 false", "Parameter open must be true or false.")
	}
	if v := q.Get("assignee"); v != "" {
		f.Assignees = []precinct.Assignee{precinct.Assignee(v)}
	}
	if v := q.Get("handled_by"); v != "" {
		f.HandledBy = []precinct.Assignee{precinct.Assignee(v)}
	}
	if esc, err := queryBool(r, "escalated"); err != nil {
		return f, err
	} else if esc {
		f.MinTier = precinct.TierDistrict
	}
	if f.Since, err = timeParam(r, "since", timeZero); err != nil {
		return f, err
	}
	if f.Until, err = timeParam(r, "until", timeZero); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) handleGridReports(w http.ResponseWriter, r *http.Request) error {
	f, err := workFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.GridLoop.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleGridReportGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.GridLoop.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleGridReportTimeline(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.GridLoop.Find(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	evs, err := s.GridLoop.Engine.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(evs, ""))
	return nil
}

// handleWorkContacts returns the personal data of the people of a work item
// in full, for a reason, audited.
func (s *Server) handleWorkContacts(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.GridLoop.Engine.Contacts(r.Context(), r.PathValue("id"), r.URL.Query().Get("reason"), clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cs, ""))
	return nil
}

// handlePhoto serves a photo of a work item the caller may read.
func (s *Server) handlePhoto(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GridLoop.Engine.Photo(r.Context(), r.PathValue("photo"))
	if err != nil {
		return err
	}
	if p.ItemID != r.PathValue("id") {
		return precinct.ErrNotFound("照片", "Photo", r.PathValue("photo"))
	}
	h := w.Header()
	h.Set("Content-Type", p.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(p.Data)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(p.Data)
	return err
}

// workRequest reads an action on a work item.
func workRequest(w http.ResponseWriter, r *http.Request) (precinct.WorkRequest, error) {
	var req precinct.WorkRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &req, maxReportBody); err != nil {
			return req, err
		}
	}
	req.Action = precinct.WorkAction(r.PathValue("action"))
	var err error
	req.IdempotencyKey, err = idempotencyKey(r)
	return req, err
}

func (s *Server) handleGridReportAction(w http.ResponseWriter, r *http.Request) error {
	req, err := workRequest(w, r)
	if err != nil {
		return err
	}
	v, err := s.GridLoop.Act(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleGridCategories(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermReadWork); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(gridloop.Categories, ""))
	return nil
}

func (s *Server) handleDepartments(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.GridLoop.Departments(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ds, ""))
	return nil
}

func (s *Server) handlePutDepartment(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermManageUsers); err != nil {
		return err
	}
	var d precinct.Department
	if err := decode(w, r, &d, maxBody); err != nil {
		return err
	}
	if d.ID != "" && d.ID != r.PathValue("id") {
		return precinct.FieldErrorf(precinct.EINVALID, "id", "请求体中的编号与地址不一致", "The ID in the body differs from the one in the path.")
	}
	d.ID = r.PathValue("id")
	if err := s.GridLoop.PutDepartment(r.Context(), &d); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// dayParam reads a date (YYYY-MM-DD, China Standard Time).
func dayParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, precinct.CST)
	if err != nil {
		return d, precinct.FieldErrorf(precinct.EINVALID, name, "日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD.")
	}
	return d, nil
}

// handleEvaluation answers the evaluation of the days [from, to] (dates,
// China Standard Time; by default the last 30 days), as JSON or, with
// format=xlsx, as a workbook.
func (s *Server) handleEvaluation(w http.ResponseWriter, r *http.Request) error {
	today := precinct.DayStart(s.Clock.Now())
	from, err := dayParam(r, "from", today.AddDate(0, 0, -29))
	if err != nil {
		return err
	}
	to, err := dayParam(r, "to", today)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		return precinct.FieldErrorf(precinct.EINVALID, "format", "format 只能为 json 或 xlsx", "format must be json or xlsx.")
	}
	ev, err := s.GridLoop.Evaluation(r.Context(), from, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	if format != "xlsx" {
		writeJSON(w, http.StatusOK, ev)
		return nil
	}
	b, err := ev.XLSX()
	if err != nil {
		return err
	}
	name := "evaluation-" + from.Format("20060102") + "-" + to.Format("20060102") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

func (s *Server) handleAPIKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.GridLoop.APIKeys(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ks, ""))
	return nil
}

func (s *Server) handleNewAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermManageUsers); err != nil {
		return err
	}
	var in struct {
		Name         string `json:"name"`
		SubBureauID  string `json:"sub_bureau_id"`
		ReporterKind string `json:"reporter_kind"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	k, key, err := s.GridLoop.NewAPIKey(r.Context(), in.Name, in.SubBureauID, in.ReporterKind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		*precinct.APIKey
		Key string `json:"api_key"`
	}{k, key})
	return nil
}
