package http

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"precinct"
)

// registryRoutes are the routes of the registry (一标三实): standard
// addresses, residents, houses, organisations, visits, their figures and
// ledgers. Address IDs hold "/": clients escape them (%2F) in paths.
func (s *Server) registryRoutes() []route {
	return []route{
		{"GET /api/v1/addresses", false, s.handleAddresses},
		{"POST /api/v1/addresses", false, s.handleCreateAddress},
		{"GET /api/v1/addresses/match", false, s.handleMatchAddress},
		{"GET /api/v1/addresses/{id}", false, s.handleAddress},
		{"POST /api/v1/residents", false, s.handleCreateResident},
		{"GET /api/v1/residents", false, s.handleResidents},
		{"GET /api/v1/residents/{id}", false, s.handleResident},
		{"PATCH /api/v1/residents/{id}", false, s.handleCorrectResident},
		{"POST /api/v1/residents/{id}/moves", false, s.handleMoveResident},
		{"POST /api/v1/residents/{id}/merge", false, s.handleMergeResidents},
		{"GET /api/v1/residents/{id}/history", false, s.handleResidentHistory},
		{"POST /api/v1/houses", false, s.handleCreateHouse},
		{"GET /api/v1/houses", false, s.handleHouses},
		{"GET /api/v1/houses/{id}", false, s.handleHouse},
		{"PATCH /api/v1/houses/{id}", false, s.handleCorrectHouse},
		{"POST /api/v1/houses/{id}/tenants", false, s.handleStartTenancy},
		{"POST /api/v1/houses/{id}/tenants/{tenancy}/end", false, s.handleEndTenancy},
		{"POST /api/v1/organisations", false, s.handleCreateOrganisation},
		{"GET /api/v1/organisations", false, s.handleOrganisations},
		{"GET /api/v1/organisations/{id}", false, s.handleOrganisation},
		{"PATCH /api/v1/organisations/{id}", false, s.handleCorrectOrganisation},
		{"POST /api/v1/visits", false, s.handleRecordVisit},
		{"GET /api/v1/visits", false, s.handleVisits},
		{"GET /api/v1/visits/{id}", false, s.handleVisit},
		{"GET /api/v1/registry/accuracy", false, s.handleAccuracy},
		{"GET /api/v1/registry/familiarity", false, s.handleFamiliarity},
		{"POST /api/v1/registry/import", false, s.handleImport},
		{"GET /api/v1/registry/export", false, s.handleExport},
	}
}

// decodeKeyed decodes a body and reads the Idempotency-Key header into key.
func decodeKeyed(w http.ResponseWriter, r *http.Request, v any, key *string) error {
	if err := decode(w, r, v, maxBody); err != nil {
		return err
	}
	k, err := idempotencyKey(r)
	*key = k
	return err
}

func (s *Server) handleAddresses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	level := precinct.AddressLevel(q.Get("level"))
	if level != "" && !level.Valid() {
		return precinct.FieldErrorf(precinct.EINVALID, "level", "未知的地址层级：%q", "Unknown address level %q.", level)
	}
	items, next, err := s.Registry.ListAddresses(r.Context(), precinct.AddressFilter{ParentID: q.Get("parent_id"), Under: q.Get("under"), Level: level,
		NameKey: q.Get("name"), Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleCreateAddress(w http.ResponseWriter, r *http.Request) error {
	var in precinct.AddressInput
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	a, err := s.Registry.CreateAddress(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// handleMatchAddress answers GET /api/v1/addresses/match?q=…&n=…: the
// standard addresses a free-text address may mean, best first.
func (s *Server) handleMatchAddress(w http.ResponseWriter, r *http.Request) error {
	n, err := queryOptionalInt(r, "n", 5, 1, 20)
	if err != nil {
		return err
	}
	ms, err := s.Registry.MatchAddress(r.Context(), r.URL.Query().Get("q"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ms, ""))
	return nil
}

func (s *Server) handleAddress(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Registry.FindAddress(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// queryOptionalInt reads a whole number within [lo, hi], def when absent.
func queryOptionalInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, precinct.FieldErrorf(precinct.EINVALID, name, "参数 %s 应为 %d 至 %d 的整数", "Parameter %s must be a whole number from %d to %d.", name, lo, hi)
	}
	return n, nil
}

func (s *Server) handleCreateResident(w http.ResponseWriter, r *http.Request) error {
	var in precinct.ResidentInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	res, err := s.Registry.CreateResident(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

// recordStatuses reads ?status=active,moved_out…; "all" is every status.
func recordStatuses(r *http.Request) ([]precinct.RecordStatus, error) {
	v := r.URL.Query().Get("status")
	if v == "" {
		return nil, nil
	}
	all := []precinct.RecordStatus{precinct.StatusActive, precinct.StatusMovedOut, precinct.StatusGone, precinct.StatusMerged}
	if v == "all" {
		return all, nil
	}
	var out []precinct.RecordStatus
	for _, st := range strings.Split(v, ",") {
		ok := false
		for _, a := range all {
			ok = ok || precinct.RecordStatus(st) == a
		}
		if !ok {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "status", "未知的状态：%q", "Unknown status %q.", st)
		}
		out = append(out, precinct.RecordStatus(st))
	}
	return out, nil
}

// handleResidents answers GET /api/v1/residents?q=…: residents found by ID
// number, phone, name or address, masked.
func (s *Server) handleResidents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	st, err := recordStatuses(r)
	if err != nil {
		return err
	}
	f := precinct.ResidentFilter{Address: q.Get("address_id"), HouseID: q.Get("house_id"), Kind: precinct.ResidentKind(q.Get("kind")),
		Flag: precinct.CareFlag(q.Get("flag")), Statuses: st, Cursor: q.Get("cursor"), Limit: n}
	items, next, err := s.Registry.SearchResidents(r.Context(), q.Get("q"), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleResident(w http.ResponseWriter, r *http.Request) error {
	full, reason, err := fullView(r)
	if err != nil {
		return err
	}
	var res *precinct.Resident
	if full {
		res, err = s.Registry.RevealResident(r.Context(), r.PathValue("id"), precinct.RevealRequest{Reason: reason})
	} else {
		res, err = s.Registry.FindResident(r.Context(), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleCorrectResident(w http.ResponseWriter, r *http.Request) error {
	var in precinct.ResidentInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	res, err := s.Registry.CorrectResident(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleMoveResident(w http.ResponseWriter, r *http.Request) error {
	var in precinct.MoveInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	res, err := s.Registry.MoveResident(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleMergeResidents(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		DuplicateID string `json:"duplicate_id"`
	}
	if err := decode(w, r, &in, maxBody); err != nil {
		return err
	}
	res, err := s.Registry.MergeResidents(r.Context(), r.PathValue("id"), in.DuplicateID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleResidentHistory(w http.ResponseWriter, r *http.Request) error {
	h, err := s.Registry.ResidentHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(h, ""))
	return nil
}

func (s *Server) handleCreateHouse(w http.ResponseWriter, r *http.Request) error {
	var in precinct.HouseInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	h, err := s.Registry.CreateHouse(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) handleHouses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	st, err := recordStatuses(r)
	if err != nil {
		return err
	}
	items, next, err := s.Registry.ListHouses(r.Context(), precinct.HouseFilter{Address: q.Get("address_id"), Use: precinct.HouseUse(q.Get("use")),
		Statuses: st, Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleHouse(w http.ResponseWriter, r *http.Request) error {
	full, reason, err := fullView(r)
	if err != nil {
		return err
	}
	var h *precinct.House
	if full {
		h, err = s.Registry.RevealHouse(r.Context(), r.PathValue("id"), precinct.RevealRequest{Reason: reason})
	} else {
		h, err = s.Registry.FindHouse(r.Context(), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) handleCorrectHouse(w http.ResponseWriter, r *http.Request) error {
	var in precinct.HouseInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	h, err := s.Registry.CorrectHouse(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) handleStartTenancy(w http.ResponseWriter, r *http.Request) error {
	var in precinct.TenancyInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	h, err := s.Registry.StartTenancy(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) handleEndTenancy(w http.ResponseWriter, r *http.Request) error {
	var in precinct.TenancyInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	h, err := s.Registry.EndTenancy(r.Context(), r.PathValue("id"), r.PathValue("tenancy"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// withWarnings is a record with the warnings its capture raised (a credit
// code that fails its check is kept, and said to).
type withWarnings struct {
	*precinct.Organisation
	Warnings []errorDetail `json:"warnings"`
}

func warned(o *precinct.Organisation, ws []*precinct.Error) withWarnings {
	out := withWarnings{Organisation: o, Warnings: []errorDetail{}}
	for _, w := range ws {
		out.Warnings = append(out.Warnings, errorDetail{Code: w.Code, Message: w.Message, MessageEN: w.MessageEN, Field: w.Field})
	}
	return out
}

func (s *Server) handleCreateOrganisation(w http.ResponseWriter, r *http.Request) error {
	var in precinct.OrganisationInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	o, ws, err := s.Registry.CreateOrganisation(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, warned(o, ws))
	return nil
}

func (s *Server) handleOrganisations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	st, err := recordStatuses(r)
	if err != nil {
		return err
	}
	key, err := queryBool(r, "key_unit")
	if err != nil {
		return err
	}
	items, next, err := s.Registry.ListOrganisations(r.Context(), precinct.OrganisationFilter{Address: q.Get("address_id"), Kind: precinct.OrgKind(q.Get("kind")),
		NamePrefix: q.Get("name"), CreditCode: q.Get("credit_code"), KeyUnit: key, Statuses: st, Cursor: q.Get("cursor"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleOrganisation(w http.ResponseWriter, r *http.Request) error {
	full, reason, err := fullView(r)
	if err != nil {
		return err
	}
	var o *precinct.Organisation
	if full {
		o, err = s.Registry.RevealOrganisation(r.Context(), r.PathValue("id"), precinct.RevealRequest{Reason: reason})
	} else {
		o, err = s.Registry.FindOrganisation(r.Context(), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) handleCorrectOrganisation(w http.ResponseWriter, r *http.Request) error {
	var in precinct.OrganisationInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	o, ws, err := s.Registry.CorrectOrganisation(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, warned(o, ws))
	return nil
}

func (s *Server) handleRecordVisit(w http.ResponseWriter, r *http.Request) error {
	var in precinct.VisitInput
	if err := decodeKeyed(w, r, &in, &in.IdempotencyKey); err != nil {
		return err
	}
	v, err := s.Registry.RecordVisit(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) handleVisits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := queryLimit(r)
	if err != nil {
		return err
	}
	f := precinct.VisitFilter{By: q.Get("by"), EntityID: q.Get("entity_id"), Cursor: q.Get("cursor"), Limit: n}
	if f.By == "me" {
		f.By = user(r).ID
	}
	if f.Since, err = timeParam(r, "since", time.Time{}); err != nil {
		return err
	}
	if f.Until, err = timeParam(r, "until", time.Time{}); err != nil {
		return err
	}
	items, next, err := s.Registry.ListVisits(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) handleVisit(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Registry.FindVisit(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleAccuracy(w http.ResponseWriter, r *http.Request) error {
	months, err := queryOptionalInt(r, "months", 12, 1, 36)
	if err != nil {
		return err
	}
	rep, err := s.Registry.Accuracy(r.Context(), months)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) handleFamiliarity(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Registry.Familiarity(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// Media types of ledgers.
const (
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// maxImportBody bounds an uploaded ledger.
const maxImportBody = 256 << 20

// handleImport answers POST /api/v1/registry/import?kind=…: the body is the
// ledger itself, CSV (text/csv) or .xlsx; with dry_run=true it is only
// checked. Every row error is in the answer; when there is one, nothing
// was written (status 422 is not used: the answer is 200 with the errors,
// or 400 when the file cannot be read at all).
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := precinct.FileFormat(q.Get("format"))
	if format == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case mediaCSV:
			format = precinct.FormatCSV
		case mediaXLSX:
			format = precinct.FormatXLSX
		default:
			return precinct.FieldErrorf(precinct.EINVALID, "format", "请上传 CSV（text/csv）或 .xlsx 文件", "Upload a CSV (text/csv) or .xlsx file.")
		}
	}
	dry, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, maxImportBody)
	res, err := s.Registry.Import(r.Context(), precinct.ImportKind(q.Get("kind")), format, body, dry)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Written > 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, res)
	return nil
}

// handleExport answers GET /api/v1/registry/export?kind=…&format=csv|xlsx:
// a ledger of the caller's jurisdiction, masked, as a file.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	eq := precinct.ExportQuery{Kind: precinct.ImportKind(q.Get("kind")), Format: precinct.FileFormat(q.Get("format")),
		PoliceGridID: q.Get("police_grid_id"), Address: q.Get("address_id")}
	if eq.Format == "" {
		eq.Format = precinct.FormatXLSX
	}
	ctype := map[precinct.FileFormat]string{precinct.FormatCSV: mediaCSV + "; charset=utf-8", precinct.FormatXLSX: mediaXLSX}[eq.Format]
	if ctype == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "format", "文件格式应为 csv 或 xlsx", "The format must be csv or xlsx.")
	}
	// The file is built before anything is sent, so that an error is still
	// an error answer.
	var buf bytes.Buffer
	if err := s.Registry.Export(r.Context(), eq, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+string(eq.Kind)+"-"+s.Clock.Now().In(precinct.CST).Format("20060102")+"."+string(eq.Format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(buf.Bytes())
	return err
}
