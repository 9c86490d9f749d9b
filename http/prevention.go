package http

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"precinct"
	"precinct/prevention"
)

// preventionRoutes are the routes of anti-fraud warnings, dissuasion
// tasks, their figures, and prevention work.
func (s *Server) preventionRoutes() []route {
	return []route{
		{"POST /api/v1/warnings", false, s.handleWarningIntake},
		{"POST /api/v1/warnings/import", false, s.handleWarningImport},
		{"GET /api/v1/warnings", false, s.handleWarnings},
		{"GET /api/v1/warnings/{id}", false, s.handleWarningGet},
		{"GET /api/v1/warnings/{id}/person", false, s.handleWarningPerson},
		{"POST /api/v1/warnings/{id}/place", false, s.handleWarningPlace},
		{"GET /api/v1/dissuasion-tasks", false, s.handleDissuasionTasks},
		{"POST /api/v1/dissuasion-tasks/{id}/{action}", false, s.handleDissuasionAction},
		{"GET /api/v1/stats/warnings", false, s.handleWarningFigures},
	}
}

// maxCAPBody bounds a CAP document; maxBatchBody a JSON batch.
const (
	maxCAPBody   = 1 << 20
	maxBatchBody = 8 << 20
)

// batchError is the answer to a refused batch: the error, and every bad row.
type batchError struct {
	Error  errorDetail           `json:"error"`
	Errors []prevention.RowError `json:"errors"`
}

// writeBatch writes a batch's result: 201 when warnings were written, 200
// when every row was a duplicate, 400 with every bad row when refused.
func writeBatch(w http.ResponseWriter, res *prevention.BatchResult, err error) error {
	if errors.Is(err, prevention.ErrBatch) {
		zh, en := precinct.ErrorMessage(err)
		writeJSON(w, http.StatusBadRequest, batchError{Error: errorDetail{Code: precinct.EINVALID, Message: zh, MessageEN: en}, Errors: res.Errors})
		return nil
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Received == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}

// handleWarningIntake takes warnings in: a JSON batch ({"warnings": […]})
// or one OASIS CAP 1.2 alert (Content-Type application/cap+xml or
// application/xml), checked against the CAP 1.2 schema's structure.
func (s *Server) handleWarningIntake(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermIntakeWarning); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/cap+xml", "application/xml", "text/xml":
		a, err := prevention.ParseCAP(http.MaxBytesReader(w, r.Body, maxCAPBody))
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return precinct.Errorf(precinct.ETOOLARGE, "请求体超过 1 MiB 的上限", "The body exceeds the limit of 1 MiB.")
			}
			return err
		}
		in, err := prevention.WarningOfCAP(a)
		if err != nil {
			return err
		}
		res, err := s.Prevention.Intake(r.Context(), prevention.Batch{SubBureauID: r.URL.Query().Get("sub_bureau_id"), Warnings: []prevention.WarningInput{in}}, "cap")
		return writeBatch(w, res, err)
	}
	var b prevention.Batch
	if err := decode(w, r, &b, maxBatchBody); err != nil {
		return err
	}
	res, err := s.Prevention.Intake(r.Context(), b, "json")
	return writeBatch(w, res, err)
}

// handleWarningImport takes a ledger of warnings in (CSV or .xlsx, by
// Content-Type or ?format=), all or nothing.
func (s *Server) handleWarningImport(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermIntakeWarning); err != nil {
		return err
	}
	format := precinct.FileFormat(r.URL.Query().Get("format"))
	if format == "" {
		switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
		case "text/csv":
			format = precinct.FormatCSV
		case mediaXLSX:
			format = precinct.FormatXLSX
		default:
			return precinct.FieldErrorf(precinct.EINVALID, "format", "请上传 CSV（text/csv）或 .xlsx 文件", "Upload a CSV (text/csv) or .xlsx file.")
		}
	}
	res, err := s.Prevention.IntakeFile(r.Context(), format, http.MaxBytesReader(w, r.Body, 32<<20), r.URL.Query().Get("sub_bureau_id"))
	return writeBatch(w, res, err)
}

func (s *Server) handleWarnings(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := precinct.WarningFilter{Status: precinct.WarningStatus(q.Get("status")), FraudType: q.Get("fraud_type"), Cursor: q.Get("cursor"), Limit: n}
	switch f.Status {
	case "", precinct.WarningPushed, precinct.WarningTriage:
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "status", "状态应为 pushed 或 triage", "The status must be pushed or triage.")
	}
	if f.Since, err = timeParam(r, "since", timeZero); err != nil {
		return err
	}
	if f.Until, err = timeParam(r, "until", timeZero); err != nil {
		return err
	}
	ws, next, err := s.Prevention.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ws, next))
	return nil
}

func (s *Server) handleWarningGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Prevention.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleWarningPerson answers the person's ID number and phone in full:
// personal.read and ?reason=, audited.
func (s *Server) handleWarningPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Prevention.Reveal(r.Context(), r.PathValue("id"), r.URL.Query().Get("reason"), clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleWarningPlace(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermIntakeWarning); err != nil {
		return err
	}
	var in prevention.PlaceInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	v, err := s.Prevention.Place(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDissuasionTasks(w http.ResponseWriter, r *http.Request) error {
	f, err := workFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Prevention.Tasks(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleDissuasionAction(w http.ResponseWriter, r *http.Request) error {
	req, err := workRequest(w, r)
	if err != nil {
		return err
	}
	it, err := s.Prevention.Act(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// handleWarningFigures answers the anti-fraud figures of the months from
// from to to (YYYY-MM, inclusive; by default the last twelve), optionally
// of one station, police grid or fraud type.
func (s *Server) handleWarningFigures(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.months(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := s.Prevention.Figures(r.Context(), prevention.FigureFilter{From: from, To: to,
		StationID: q.Get("station_id"), PoliceGridID: q.Get("police_grid_id"), FraudType: q.Get("fraud_type")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

// preventionWorkRoutes are the routes of publicity, warning notices, the
// joint analysis of property crime and the mutual evaluation.
func (s *Server) preventionWorkRoutes() []route {
	return []route{
		{"GET /api/v1/publicity/proposals", false, s.handlePublicityProposals},
		{"POST /api/v1/publicity-tasks", false, s.handlePublicize},
		{"GET /api/v1/publicity-tasks", false, s.handlePublicityTasks},
		{"POST /api/v1/publicity-tasks/{id}/{action}", false, s.handlePublicityAction},
		{"POST /api/v1/warning-notices", false, s.handleNoticeSend},
		{"GET /api/v1/warning-notices", false, s.handleNotices},
		{"GET /api/v1/warning-notices/{id}", false, s.handleNoticeGet},
		{"GET /api/v1/joint-analysis", false, s.handleJoint},
		{"GET /api/v1/crime-groups", false, s.handleCrimeGroups},
		{"PUT /api/v1/crime-groups", false, s.handleCrimeGroupsPut},
		{"GET /api/v1/joint-records", false, s.handleJointRecords},
		{"POST /api/v1/joint-records", false, s.handleJointRecord},
		{"GET /api/v1/mutual-evaluations", false, s.handleEvaluations},
		{"POST /api/v1/mutual-evaluations", false, s.handleEvaluate},
	}
}

func (s *Server) handlePublicityProposals(w http.ResponseWriter, r *http.Request) error {
	q := prevention.ProposalQuery{}
	var err error
	for _, p := range []struct {
		name string
		v    *int
	}{{"days", &q.Days}, {"min", &q.Min}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			if *p.v, err = strconv.Atoi(v); err != nil || *p.v < 1 {
				return precinct.FieldErrorf(precinct.EINVALID, p.name, "参数 %s 应为正整数", "Parameter %s must be a positive whole number.", p.name)
			}
		}
	}
	if v := r.URL.Query().Get("cell_deg"); v != "" {
		if q.CellDeg, err = queryFloat(r, "cell_deg"); err != nil {
			return err
		}
	}
	ps, err := s.Prevention.Proposals(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ps, ""))
	return nil
}

func (s *Server) handlePublicize(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermPrevention); err != nil {
		return err
	}
	var in prevention.PublicityInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	it, err := s.Prevention.Publicize(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) handlePublicityTasks(w http.ResponseWriter, r *http.Request) error {
	f, err := workFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Prevention.PublicityTasks(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handlePublicityAction(w http.ResponseWriter, r *http.Request) error {
	req, err := workRequest(w, r)
	if err != nil {
		return err
	}
	it, err := s.Prevention.ActPublicity(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) handleNoticeSend(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermPrevention); err != nil {
		return err
	}
	var in prevention.NoticeInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	n, err := s.Prevention.SendNotice(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) handleNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.Prevention.Notices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ns, ""))
	return nil
}

// handleNoticeGet answers a notice, or with ?format=cap its CAP 1.2 alert.
func (s *Server) handleNoticeGet(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Prevention.FindNotice(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "cap" {
		w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
		_, err := w.Write([]byte(n.CAP))
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) handleJoint(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.months(r)
	if err != nil {
		return err
	}
	a, err := s.Prevention.Joint(r.Context(), r.URL.Query().Get("service_station_id"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) handleCrimeGroups(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return err
	}
	sb := r.URL.Query().Get("sub_bureau_id")
	if sb == "" {
		sb = u.Scope.SubBureauID
	}
	if err := precinct.Authorize(u, precinct.PermReadIncident, precinct.Location{SubBureauID: sb}); err != nil || sb == "" {
		return precinct.ErrForbidden()
	}
	gs, err := s.Prevention.CrimeGroups(r.Context(), sb)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(gs, ""))
	return nil
}

func (s *Server) handleCrimeGroupsPut(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermPrevention); err != nil {
		return err
	}
	var in struct {
		SubBureauID string                  `json:"sub_bureau_id"`
		Groups      []prevention.CrimeGroup `json:"groups"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	gs, err := s.Prevention.PutCrimeGroups(r.Context(), in.SubBureauID, in.Groups)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(gs, ""))
	return nil
}

func (s *Server) handleJointRecords(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.Prevention.Records(r.Context(), r.URL.Query().Get("service_station_id"), r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(recs, ""))
	return nil
}

func (s *Server) handleJointRecord(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermPrevention); err != nil {
		return err
	}
	var in prevention.RecordInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	rec, err := s.Prevention.AddRecord(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

func (s *Server) handleEvaluations(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Prevention.Evaluations(r.Context(), r.URL.Query().Get("service_station_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) handleEvaluate(w http.ResponseWriter, r *http.Request) error {
	if err := precinct.Authorize(user(r), precinct.PermPrevention); err != nil {
		return err
	}
	var in prevention.EvaluationInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	ev, err := s.Prevention.Evaluate(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}
