package http

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"precinct"
)

// dutyRoutes are the routes of duty: shift patterns and rosters, the duty
// board, roll calls, check-ins, emergency units, duty lists, secondments
// and the mass-prevention forces.
func (s *Server) dutyRoutes() []route {
	return []route{
		{"GET /api/v1/rosters", false, s.handleRosters},
		{"POST /api/v1/rosters/import", false, s.handleImportRosters},
		{"GET /api/v1/rosters/{id}", false, s.handleRoster},
		{"PUT /api/v1/rosters/{id}", false, s.rosterEdit(precinct.ChangeEdit)},
		{"POST /api/v1/rosters/{id}/leaves", false, s.rosterEdit(precinct.ChangeLeave)},
		{"POST /api/v1/rosters/{id}/swaps", false, s.rosterEdit(precinct.ChangeSwap)},
		{"POST /api/v1/rosters/{id}/covers", false, s.rosterEdit(precinct.ChangeCover)},
		{"GET /api/v1/shift-patterns", false, listed(s, precinct.DutyService.ListShiftPatterns)},
		{"POST /api/v1/shift-patterns", false, put(s, precinct.DutyService.PutShiftPattern, func(p *precinct.ShiftPattern) *string { return &p.ID })},
		{"PUT /api/v1/shift-patterns/{id}", false, put(s, precinct.DutyService.PutShiftPattern, func(p *precinct.ShiftPattern) *string { return &p.ID })},
		{"DELETE /api/v1/shift-patterns/{id}", false, deleted(s, precinct.DutyService.DeleteShiftPattern)},
		{"GET /api/v1/posts", false, listed(s, precinct.DutyService.ListPosts)},
		{"POST /api/v1/posts", false, s.handlePutPost},
		{"GET /api/v1/duty/board", false, s.handleDutyBoard},
		{"GET /api/v1/duty/strength", false, s.handleDutyStrength},
		{"GET /api/v1/me/duty", false, s.handleMyDuty},

		{"POST /api/v1/roll-calls", false, s.handleCallRoll},
		{"GET /api/v1/roll-calls", false, s.handleRollCalls},
		{"GET /api/v1/roll-calls/misses", false, s.handleRollCallMisses},
		{"GET /api/v1/roll-calls/{id}", false, byID(s, precinct.DutyService.RollCall)},
		{"POST /api/v1/roll-calls/{id}/ack", false, s.handleAnswerRollCall},

		{"POST /api/v1/checkins", false, s.handleCheckIn},
		{"GET /api/v1/checkins", false, s.handleCheckIns},
		{"GET /api/v1/checkins/ledger", false, s.handleLedger},

		{"GET /api/v1/emergency-units", false, s.handleEmergencyUnits},
		{"POST /api/v1/emergency-units", false, put(s, precinct.DutyService.PutEmergencyUnit, func(u *precinct.EmergencyUnit) *string { return &u.ID })},
		{"PUT /api/v1/emergency-units/{id}", false, put(s, precinct.DutyService.PutEmergencyUnit, func(u *precinct.EmergencyUnit) *string { return &u.ID })},
		{"POST /api/v1/emergency-units/{id}/call", false, s.handleCallEmergencyUnit},
		{"GET /api/v1/emergency-calls", false, s.handleEmergencyCalls},
		{"GET /api/v1/emergency-calls/{id}", false, byID(s, precinct.DutyService.EmergencyCall)},
		{"POST /api/v1/emergency-calls/{id}/ack", false, byID(s, precinct.DutyService.AckEmergencyCall)},
		{"POST /api/v1/emergency-calls/{id}/phone-notes", false, s.handlePhoneNote},

		{"GET /api/v1/duty-lists", false, s.handleDutyLists},
		{"GET /api/v1/duty-lists/assignments", false, listed(s, precinct.DutyService.ListDutyAssignments)},
		{"PUT /api/v1/duty-lists/assignments/{person_id}", false, s.handleAssignDuties},

		{"GET /api/v1/secondments", false, listed(s, precinct.DutyService.ListSecondments)},
		{"POST /api/v1/secondments", false, put(s, precinct.DutyService.PutSecondment, func(x *precinct.Secondment) *string { return &x.ID })},
		{"PUT /api/v1/secondments/{id}", false, put(s, precinct.DutyService.PutSecondment, func(x *precinct.Secondment) *string { return &x.ID })},
		{"DELETE /api/v1/secondments/{id}", false, deleted(s, precinct.DutyService.DeleteSecondment)},

		{"POST /api/v1/force-accounts", false, s.handleForceAccount},
		{"GET /api/v1/force-tasks", false, s.handleForceTasks},
		{"POST /api/v1/force-tasks", false, create(s, precinct.DutyService.CreateForceTask)},
		{"POST /api/v1/force-tasks/{id}/ack", false, byID(s, precinct.DutyService.AckForceTask)},
		{"GET /api/v1/clues", false, s.handleClues},
		{"POST /api/v1/clues", false, create(s, precinct.DutyService.ReportClue)},
	}
}

// listed answers a list of the records f selects (?station_id=,
// ?service_station_id=, ?police_grid_id=, ?date=).
func listed[T any](s *Server, list func(precinct.DutyService, context.Context, precinct.DutyFilter) ([]T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		items, err := list(s.Duty, r.Context(), dutyFilter(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(items, ""))
		return nil
	}
}

// put decodes a record and stores it: a new one (POST, no ID, 201) or the
// one the path names (PUT, 200).
func put[T any](s *Server, store func(precinct.DutyService, context.Context, *T) (*T, error), id func(*T) *string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var v T
		if err := decode(w, r, &v, maxBody); err != nil {
			return err
		}
		status := http.StatusCreated
		*id(&v) = r.PathValue("id")
		if *id(&v) != "" {
			status = http.StatusOK
		}
		out, err := store(s.Duty, r.Context(), &v)
		if err != nil {
			return err
		}
		writeJSON(w, status, out)
		return nil
	}
}

// create decodes a new record and answers what store makes of it (201).
func create[T any](s *Server, store func(precinct.DutyService, context.Context, *T) (*T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var v T
		if err := decode(w, r, &v, maxBody); err != nil {
			return err
		}
		out, err := store(s.Duty, r.Context(), &v)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
}

// byID answers what fn returns for the record the path names.
func byID[T any](s *Server, fn func(precinct.DutyService, context.Context, string) (T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := fn(s.Duty, r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// deleted deletes the record the path names.
func deleted(s *Server, del func(precinct.DutyService, context.Context, string) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := del(s.Duty, r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// writeXLSX sends a workbook as a download.
func writeXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// wantsXLSX reads ?format=: json (default) or xlsx.
func wantsXLSX(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "", "json":
		return false, nil
	case "xlsx":
		return true, nil
	}
	return false, precinct.FieldErrorf(precinct.EINVALID, "format", "格式应为 json 或 xlsx", "format must be json or xlsx.")
}

// dutyFilter reads ?station_id= and ?service_station_id=.
func dutyFilter(r *http.Request) precinct.DutyFilter {
	q := r.URL.Query()
	return precinct.DutyFilter{StationID: q.Get("station_id"), ServiceStationID: q.Get("service_station_id"), PoliceGridID: q.Get("police_grid_id"), Date: q.Get("date")}
}

func (s *Server) handleRosters(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.Duty.Rosters(r.Context(), dutyFilter(r), r.URL.Query().Get("week"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(rs, ""))
	return nil
}

func (s *Server) handleRoster(w http.ResponseWriter, r *http.Request) error {
	x, err := wantsXLSX(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if x {
		b, err := s.Duty.ExportRoster(r.Context(), id)
		if err != nil {
			return err
		}
		writeXLSX(w, "排班表-"+id+".xlsx", b)
		return nil
	}
	ro, err := s.Duty.Roster(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ro)
	return nil
}

// rosterEdit returns the handler of one kind of roster edit.
func (s *Server) rosterEdit(kind precinct.RosterChangeKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var e precinct.RosterEdit
		if err := decode(w, r, &e, maxBody); err != nil {
			return err
		}
		e.Kind = kind
		ro, err := s.Duty.EditRoster(r.Context(), r.PathValue("id"), e)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ro)
		return nil
	}
}

func (s *Server) handleImportRosters(w http.ResponseWriter, r *http.Request) error {
	// The body is the workbook as it is (Content-Type xlsxType); the
	// service authorizes before it reads it.
	const limit = 4 << 20
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return precinct.Errorf(precinct.EINVALID, "表格超过 %s 的上限", "The workbook exceeds the limit of %s.", sizeText(limit))
	} else if err != nil {
		return precinct.Errorf(precinct.EINVALID, "无法读取上传的表格", "Cannot read the uploaded workbook.")
	}
	rs, err := s.Duty.ImportRosters(r.Context(), b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(rs, ""))
	return nil
}

func (s *Server) handlePutPost(w http.ResponseWriter, r *http.Request) error {
	var p precinct.Post
	if err := decode(w, r, &p, maxBody); err != nil {
		return err
	}
	status := http.StatusOK
	if p.ID == "" {
		status = http.StatusCreated
	}
	out, err := s.Duty.PutPost(r.Context(), &p)
	if err != nil {
		return err
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) handleDutyBoard(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Duty.Board(r.Context(), dutyFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) handleDutyStrength(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Duty.Strength(r.Context(), dutyFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(st, ""))
	return nil
}

func (s *Server) handleMyDuty(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Duty.MyDuty(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleCallRoll(w http.ResponseWriter, r *http.Request) error {
	var in precinct.RollCallInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	rc, err := s.Duty.CallRoll(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/roll-calls/"+rc.ID)
	writeJSON(w, http.StatusCreated, rc)
	return nil
}

func (s *Server) handleRollCalls(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	since, err := timeParam(r, "since", timeZero)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := precinct.RollCallStatus(q.Get("status"))
	if status != "" && status != precinct.RollCallOpen && status != precinct.RollCallClosed {
		return precinct.FieldErrorf(precinct.EINVALID, "status", "状态应为 open 或 closed", "status must be open or closed.")
	}
	rcs, next, err := s.Duty.ListRollCalls(r.Context(), precinct.RollCallFilter{StationID: q.Get("station_id"), Status: status, Since: since,
		Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(rcs, next))
	return nil
}

func (s *Server) handleAnswerRollCall(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Point *precinct.Point `json:"point"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	rc, err := s.Duty.AnswerRollCall(r.Context(), r.PathValue("id"), in.Point)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}

func (s *Server) handleRollCallMisses(w http.ResponseWriter, r *http.Request) error {
	now := s.Clock.Now()
	from, err := timeParam(r, "from", precinct.DayStart(now).AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to", now)
	if err != nil {
		return err
	}
	f := precinct.RollCallMissFilter{Since: from, Until: to}
	if p := r.URL.Query()["person_id"]; len(p) > 0 {
		f.PersonIDs = p
	}
	ms, err := s.Duty.RollCallMisses(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ms, ""))
	return nil
}

func (s *Server) handleCheckIn(w http.ResponseWriter, r *http.Request) error {
	var in precinct.CheckInInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	if len(in.IdempotencyKey) > maxIdempotencyKey {
		return precinct.FieldErrorf(precinct.EINVALID, "Idempotency-Key", "Idempotency-Key 过长", "The Idempotency-Key is too long.")
	}
	c, created, err := s.Duty.CheckIn(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, c)
	return nil
}

func (s *Server) handleCheckIns(w http.ResponseWriter, r *http.Request) error {
	since, err := timeParam(r, "since", time.Time{})
	if err != nil {
		return err
	}
	until, err := timeParam(r, "until", time.Time{})
	if err != nil {
		return err
	}
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := precinct.CheckInFilter{StationID: q.Get("station_id"), PoliceGridID: q.Get("police_grid_id"), UserID: q.Get("user_id"),
		Since: since, Until: until, Cursor: q.Get("cursor"), Limit: n}
	items, next, err := s.Duty.ListCheckIns(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleLedger(w http.ResponseWriter, r *http.Request) error {
	x, err := wantsXLSX(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if x {
		b, err := s.Duty.LedgerXLSX(r.Context(), q.Get("date"), q.Get("station_id"))
		if err != nil {
			return err
		}
		writeXLSX(w, "打卡台账-"+q.Get("date")+".xlsx", b)
		return nil
	}
	l, err := s.Duty.Ledger(r.Context(), q.Get("date"), q.Get("station_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) handleEmergencyUnits(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Duty.ListEmergencyUnits(r.Context(), precinct.EmergencyFilter{PoliceGridID: r.URL.Query().Get("police_grid_id")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(us, ""))
	return nil
}

func (s *Server) handleCallEmergencyUnit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IncidentID string `json:"incident_id"`
		Note       string `json:"note"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	c, err := s.Duty.CallEmergencyUnit(r.Context(), r.PathValue("id"), in.IncidentID, in.Note)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/emergency-calls/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleEmergencyCalls(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	since, err := timeParam(r, "since", time.Time{})
	if err != nil {
		return err
	}
	cs, err := s.Duty.ListEmergencyCalls(r.Context(), precinct.EmergencyFilter{IncidentID: r.URL.Query().Get("incident_id"), Since: since, Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cs, ""))
	return nil
}

func (s *Server) handlePhoneNote(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PersonID string `json:"person_id"`
		Note     string `json:"note"`
		Reached  bool   `json:"reached"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	c, err := s.Duty.NotePhoneCall(r.Context(), r.PathValue("id"), in.PersonID, in.Note, in.Reached)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleDutyLists(w http.ResponseWriter, r *http.Request) error {
	l, err := s.Duty.DutyLists(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) handleAssignDuties(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ItemIDs []string `json:"item_ids"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	a, err := s.Duty.AssignDuties(r.Context(), r.PathValue("person_id"), in.ItemIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) handleForceAccount(w http.ResponseWriter, r *http.Request) error {
	var in precinct.ForceAccount
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	u, err := s.Duty.CreateForceAccount(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) handleForceTasks(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	since, err := timeParam(r, "since", time.Time{})
	if err != nil {
		return err
	}
	ts, err := s.Duty.ListForceTasks(r.Context(), precinct.ForceFilter{Since: since, Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ts, ""))
	return nil
}

func (s *Server) handleClues(w http.ResponseWriter, r *http.Request) error {
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	pending, err := queryBool(r, "pending")
	if err != nil {
		return err
	}
	cs, err := s.Duty.ListClues(r.Context(), precinct.ForceFilter{Pending: pending, TaskID: r.URL.Query().Get("task_id"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cs, ""))
	return nil
}
