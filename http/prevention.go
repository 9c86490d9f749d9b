package http

import (
	"errors"
	"mime"
	"net/http"
	"time"

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
	month := func(name string, def time.Time) (time.Time, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		t, err := time.ParseInLocation("2006-01", v, precinct.CST)
		if err != nil {
			return t, precinct.FieldErrorf(precinct.EINVALID, name, "月份格式应为 YYYY-MM", "Months are YYYY-MM.")
		}
		return t, nil
	}
	now := s.Clock.Now().In(precinct.CST)
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, precinct.CST)
	from, err := month("from", this.AddDate(0, -11, 0))
	if err != nil {
		return err
	}
	to, err := month("to", this)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := s.Prevention.Figures(r.Context(), prevention.FigureFilter{From: from, To: to.AddDate(0, 1, 0),
		StationID: q.Get("station_id"), PoliceGridID: q.Get("police_grid_id"), FraudType: q.Get("fraud_type")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
