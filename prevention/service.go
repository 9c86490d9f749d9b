package prevention

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/registry"
	"precinct/vault"
	"precinct/workflow"
)

// Router says who handles an anti-fraud warning at a place by the routing
// rules (package dispatch implements it).
type Router interface {
	RouteWarning(ctx context.Context, loc precinct.Location) (precinct.Route, error)
}

// Service takes warnings in, matches them, pushes dissuasion tasks and keeps
// the records of prevention work. Engine, Vault and Router are required.
type Service struct {
	Engine *workflow.Engine
	Vault  *vault.Vault
	Router Router
	// Resolver places a notice's or publicity's point; it may be nil.
	Resolver precinct.Resolver
	// Stats, when set, gives the incident statistics publicity proposals
	// are drawn from.
	Stats precinct.StatsService
}

// Fields of personal data as the vault hashes them: the registry's, so that
// a warning's hash finds the resident's.
const (
	fieldIDNumber = "id_number"
	fieldPhone    = "phone"
	// Sealed values of warnings are sealed for fields of their own.
	sealIDNumber = "warning.id_number"
	sealPhone    = "warning.phone"
)

// Event types.
const (
	EventWarningReceived = "warning.received"
	EventWarningPlaced   = "warning.placed"
)

// MaxBatch bounds the warnings of one request.
const MaxBatch = 5000

// WarningInput is one warning as the platform sends it.
type WarningInput struct {
	// Ref is the platform's reference (required): a resend with the same
	// reference is the same warning.
	Ref       string                `json:"ref"`
	FraudType string                `json:"fraud_type"`
	Level     precinct.WarningLevel `json:"level"`
	IssuedAt  *time.Time            `json:"issued_at,omitempty"`
	Name      string                `json:"name,omitempty"`
	IDNumber  string                `json:"id_number,omitempty"`
	Phone     string                `json:"phone,omitempty"`
	Address   string                `json:"address,omitempty"`
	Point     *precinct.Point       `json:"location,omitempty"`
	Amount    float64               `json:"amount,omitempty"`
	Note      string                `json:"note,omitempty"`
}

// Batch is a JSON batch of warnings.
type Batch struct {
	// SubBureauID is needed only from an account not bound to one.
	SubBureauID string         `json:"sub_bureau_id,omitempty"`
	Warnings    []WarningInput `json:"warnings"`
	// DryRun checks and matches the warnings and says where each would
	// go, writing nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// RowError is a problem of one warning of a batch (Row counts from 1).
type RowError struct {
	Row       int    `json:"row"`
	Ref       string `json:"ref,omitempty"`
	Field     string `json:"field,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// RowResult is what became of one warning of a batch.
type RowResult struct {
	Row       int    `json:"row"`
	Ref       string `json:"ref"`
	WarningID string `json:"warning_id"`
	// Status: pushed, triage, or duplicate (received before; not written
	// again).
	Status    string `json:"status"`
	TaskID    string `json:"task_id,omitempty"`
	MatchedBy string `json:"matched_by,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// BatchResult is the answer to a batch. A batch is all or nothing: when
// Errors is not empty nothing was written, and Rows is empty.
type BatchResult struct {
	Received   int         `json:"received"`
	Pushed     int         `json:"pushed"`
	Triage     int         `json:"triage"`
	Duplicates int         `json:"duplicates"`
	Rows       []RowResult `json:"rows"`
	Errors     []RowError  `json:"errors"`
}

// ErrBatch is returned with a BatchResult whose rows are wrong.
var ErrBatch = precinct.Errorf(precinct.EINVALID, "批量预警中有错误数据，全部未写入", "Some warnings of the batch are invalid; none was written.")

// draft is a checked warning on its way.
type draft struct {
	row     int
	in      WarningInput
	id, ph  string // normalised ID number and phone
	w       *precinct.Warning
	res     *precinct.Resident
	contact precinct.WorkContact
}

func now(e *workflow.Engine) time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock.Now()
}

// Intake takes a batch of warnings in: every row is checked first, and
// when any is wrong nothing is written and ErrBatch comes with the rows'
// errors. Otherwise each warning is matched to a resident in the caller's
// jurisdiction and stored with its dissuasion task, all in one
// transaction; rows received before (the same ref in the sub-bureau) are
// reported as duplicates and not written again.
func (s *Service) Intake(ctx context.Context, b Batch, source string) (*BatchResult, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermIntakeWarning); err != nil {
		return nil, err
	}
	sc := precinct.ScopeOf(u)
	sb := sc.SubBureauID
	if sb == "" {
		sb = b.SubBureauID
	} else if b.SubBureauID != "" && b.SubBureauID != sb {
		return nil, precinct.ErrForbidden()
	}
	if sb == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "sub_bureau_id", "请指定分局", "Say which sub-bureau the warnings are for.")
	}
	if err := precinct.Authorize(u, precinct.PermIntakeWarning, precinct.Location{SubBureauID: sb}); err != nil {
		return nil, err
	}
	if sc.All {
		sc = precinct.Scope{Location: precinct.Location{SubBureauID: sb}}
	}
	if len(b.Warnings) == 0 || len(b.Warnings) > MaxBatch {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "warnings", "每批预警 1 至 %d 条", "A batch holds 1 to %d warnings.", MaxBatch)
	}
	t := now(s.Engine)
	res := &BatchResult{Rows: []RowResult{}, Errors: []RowError{}}
	drafts := make([]*draft, 0, len(b.Warnings))
	refs := map[string]int{}
	for i, in := range b.Warnings {
		d, err := s.check(i+1, in, t)
		if err == nil && refs[in.Ref] > 0 {
			err = precinct.FieldErrorf(precinct.ECONFLICT, "ref", "与第 %d 条的编号重复", "The same ref as row %d.", refs[in.Ref])
		}
		if err != nil {
			res.Errors = append(res.Errors, rowError(i+1, in.Ref, err))
			continue
		}
		refs[in.Ref] = i + 1
		d.w.Source = source
		drafts = append(drafts, d)
	}
	if len(res.Errors) > 0 {
		return res, ErrBatch
	}
	// Rows received before are not written again.
	refList := make([]string, 0, len(drafts))
	for _, d := range drafts {
		refList = append(refList, d.in.Ref)
	}
	seen, err := s.Engine.Store.WarningRefs(ctx, sb, refList)
	if err != nil {
		return nil, err
	}
	fresh := drafts[:0]
	for _, d := range drafts {
		if id, ok := seen[d.in.Ref]; ok {
			res.Duplicates++
			res.Rows = append(res.Rows, RowResult{Row: d.row, Ref: d.in.Ref, WarningID: id, Status: "duplicate"})
			continue
		}
		fresh = append(fresh, d)
	}
	drafts = fresh
	if err := s.Match(ctx, sc, drafts); err != nil {
		return nil, err
	}
	if err := s.earlier(ctx, drafts); err != nil {
		return nil, err
	}
	if b.DryRun {
		for _, d := range drafts {
			st := string(precinct.WarningPushed)
			if d.res == nil {
				st = string(precinct.WarningTriage)
				res.Triage++
			} else {
				res.Pushed++
			}
			res.Rows = append(res.Rows, RowResult{Row: d.row, Ref: d.in.Ref, Status: st, MatchedBy: d.w.MatchedBy, Reason: d.w.Reason})
		}
		return res, nil
	}
	ws := make([]*precinct.Warning, 0, len(drafts))
	var work []precinct.WorkChange
	var evs []*precinct.Event
	officers := &officerCache{}
	routes := map[string]precinct.Route{}
	for _, d := range drafts {
		if err := s.seal(d); err != nil {
			return nil, err
		}
		w := d.w
		w.ID, w.ReceivedAt, w.CreatedBy, w.Version = precinct.NewID("wrn", t), t, precinct.ActorFromContext(ctx), 1
		if d.res == nil {
			w.Location, w.Status = precinct.Location{SubBureauID: sb}, precinct.WarningTriage
		} else {
			c, err := s.push(ctx, w, d.res.Location, d.res.Point, d.contact, officers, routes)
			if err != nil {
				return nil, err
			}
			work = append(work, c)
		}
		evs = append(evs, precinct.NewEvent(ctx, t, EventWarningReceived, w.Location, "warning", w.ID, nil, w, nil))
		ws = append(ws, w)
		rr := RowResult{Row: d.row, Ref: d.in.Ref, WarningID: w.ID, Status: string(w.Status), TaskID: w.TaskID, MatchedBy: w.MatchedBy, Reason: w.Reason}
		res.Rows = append(res.Rows, rr)
		if w.Status == precinct.WarningPushed {
			res.Pushed++
		} else {
			res.Triage++
		}
	}
	res.Received = len(ws)
	if len(ws) > 0 {
		if err := s.Engine.Store.CreateWarnings(ctx, ws, work, evs); err != nil {
			return nil, err
		}
		if s.Engine.Notify != nil {
			s.Engine.Notify()
		}
	}
	return res, nil
}

func rowError(row int, ref string, err error) RowError {
	e, ok := err.(*precinct.Error)
	if !ok {
		return RowError{Row: row, Ref: ref, Code: precinct.EINVALID, Message: err.Error(), MessageEN: err.Error()}
	}
	return RowError{Row: row, Ref: ref, Field: e.Field, Code: e.Code,
		Message: fmt.Sprintf("第 %d 条：%s", row, e.Message), MessageEN: fmt.Sprintf("Row %d: %s", row, e.MessageEN)}
}

// FraudTypes are the usual kinds of telecom fraud; others are kept as given.
var FraudTypes = map[string]workflow.Text{
	"impersonating_police": {ZH: "冒充公检法", EN: "Impersonating police"},
	"investment":           {ZH: "虚假投资理财", EN: "Fake investment"},
	"shopping_refund":      {ZH: "网购退款", EN: "Shopping refund"},
	"loan":                 {ZH: "虚假贷款", EN: "Fake loan"},
	"part_time":            {ZH: "刷单返利", EN: "Paid-task scam"},
	"impersonating_acq":    {ZH: "冒充熟人、领导", EN: "Impersonating an acquaintance"},
	"romance":              {ZH: "网络婚恋交友", EN: "Romance scam"},
	"game_trading":         {ZH: "网游虚假交易", EN: "Game trading"},
	"other":                {ZH: "其他诈骗", EN: "Other fraud"},
}

// FraudLabel is the Chinese name of a fraud type.
func FraudLabel(code string) string {
	if l, ok := FraudTypes[code]; ok {
		return l.ZH
	}
	return code
}

func tooLong(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return precinct.FieldErrorf(precinct.EINVALID, field, "%s 过长（不超过 %d 字）", "%s is too long (at most %d characters).", field, n)
	}
	return nil
}

// check validates one warning and hashes its personal data.
func (s *Service) check(row int, in WarningInput, t time.Time) (*draft, error) {
	in.Ref, in.Name, in.Address = strings.TrimSpace(in.Ref), strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	in.FraudType = strings.TrimSpace(in.FraudType)
	if in.Ref == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "ref", "缺少预警编号", "The warning's ref is required.")
	}
	for _, f := range []struct {
		n, v string
		max  int
	}{{"ref", in.Ref, 100}, {"fraud_type", in.FraudType, 50}, {"name", in.Name, 50}, {"address", in.Address, 200}, {"note", in.Note, 2000},
		{"id_number", in.IDNumber, 40}, {"phone", in.Phone, 40}} {
		if err := tooLong(f.n, f.v, f.max); err != nil {
			return nil, err
		}
	}
	if in.FraudType == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "fraud_type", "缺少诈骗类型", "The fraud type is required.")
	}
	if in.Level == "" {
		in.Level = precinct.LevelRoutine
	}
	if !in.Level.Valid() {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "level", "预警级别应为 transferring（正在转账）、high 或 routine", "The level must be transferring, high or routine.")
	}
	if err := validAmount("amount", in.Amount); err != nil {
		return nil, err
	}
	if in.IssuedAt != nil && in.IssuedAt.After(t.Add(5*time.Minute)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "issued_at", "预警时间晚于当前时间", "The warning's time is in the future.")
	}
	if in.Point != nil {
		if err := in.Point.Validate("location"); err != nil {
			return nil, err
		}
	}
	d := &draft{row: row, in: in}
	if in.IDNumber != "" {
		id, err := registry.ParseResidentID(in.IDNumber, "id_number", t)
		if err != nil {
			return nil, err
		}
		d.id = id.Number
	}
	if in.Phone != "" {
		p, _, err := registry.NormalizePhone(in.Phone, "phone")
		if err != nil {
			return nil, err
		}
		d.ph = p
	}
	if d.id == "" && d.ph == "" && in.Name == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "name", "预警对象至少需要姓名、电话或身份证号之一", "The person needs a name, a phone or an ID number.")
	}
	issued := t
	if in.IssuedAt != nil {
		issued = *in.IssuedAt
	}
	w := &precinct.Warning{SourceRef: in.Ref, FraudType: in.FraudType, Level: in.Level, IssuedAt: issued.UTC(), Name: in.Name,
		IDNumber: precinct.MaskIDNumber(d.id), Phone: precinct.MaskPhone(d.ph), Address: in.Address, Point: in.Point, Amount: in.Amount, Note: in.Note}
	w.SealedID = precinct.Sealed{Masked: w.IDNumber, Hash: s.Vault.Hash(fieldIDNumber, d.id)}
	w.SealedPhone = precinct.Sealed{Masked: w.Phone, Hash: s.Vault.Hash(fieldPhone, d.ph)}
	w.PersonKey = w.SealedID.Hash
	if w.PersonKey == "" {
		w.PersonKey = w.SealedPhone.Hash
	}
	d.w = w
	d.contact = precinct.WorkContact{Role: "person", Name: in.Name, Phone: d.ph, IDNumber: d.id}
	return d, nil
}

// seal seals a checked warning's ID number and phone, once it is to be
// written (a dry run needs only their hashes).
func (s *Service) seal(d *draft) (err error) {
	if d.w.SealedID.Sealed, err = s.Vault.Seal(sealIDNumber, d.id); err != nil {
		return err
	}
	d.w.SealedPhone.Sealed, err = s.Vault.Seal(sealPhone, d.ph)
	return err
}

// earlier counts each person's earlier warnings, stored and in the batch.
func (s *Service) earlier(ctx context.Context, ds []*draft) error {
	var keys []string
	for _, d := range ds {
		if d.w.PersonKey != "" {
			keys = append(keys, d.w.PersonKey)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	n, err := s.Engine.Store.CountWarnings(ctx, keys)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if k := d.w.PersonKey; k != "" {
			d.w.Earlier = n[k]
			n[k]++
		}
	}
	return nil
}

// officerCache maps a police grid to the user of its community officer,
// reading the users once.
type officerCache struct {
	users []*precinct.User
	read  bool
	grid  map[string]string
}

// officer returns the user of the community officer of a police grid: the
// grid's officer's account, else a community officer's account bound to
// the grid; "" when it has none.
func (s *Service) officer(ctx context.Context, pg string, c *officerCache) (string, error) {
	if id, ok := c.grid[pg]; ok {
		return id, nil
	}
	g, err := s.Engine.Store.FindPoliceGrid(ctx, pg)
	if err != nil && precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return "", err
	}
	if !c.read {
		if c.users, err = s.Engine.Store.ListUsers(ctx); err != nil {
			return "", err
		}
		c.read = true
	}
	id := ""
	for _, u := range c.users {
		if u.Disabled || u.Role != precinct.RoleCommunity || u.Scope.PoliceGridID != pg {
			continue
		}
		if g != nil && g.OfficerID != "" && u.PersonID == g.OfficerID {
			id = u.ID
			break
		}
		if id == "" {
			id = u.ID
		}
	}
	if c.grid == nil {
		c.grid = map[string]string{}
	}
	c.grid[pg] = id
	return id, nil
}

// push opens the dissuasion task of a warning matched at loc, for whom the
// routing rules say: by default the grid's community officer.
func (s *Service) push(ctx context.Context, w *precinct.Warning, loc precinct.Location, pt precinct.Point, contact precinct.WorkContact,
	officers *officerCache, routes map[string]precinct.Route) (precinct.WorkChange, error) {
	rt, ok := routes[loc.StationID]
	if !ok {
		var err error
		if rt, err = s.Router.RouteWarning(ctx, loc); err != nil {
			return precinct.WorkChange{}, err
		}
		routes[loc.StationID] = rt
	}
	var assignee precinct.Assignee
	switch rt.Handler {
	case precinct.HandlerCommunity:
		id, err := s.officer(ctx, loc.PoliceGridID, officers)
		if err != nil {
			return precinct.WorkChange{}, err
		}
		if id != "" {
			assignee = precinct.UserAssignee(id)
			w.OfficerID = id
		} else {
			assignee = precinct.TeamAssignee(loc.StationID, precinct.TeamCommunity)
		}
	case precinct.HandlerCaseTeam:
		assignee = precinct.TeamAssignee(loc.StationID, precinct.TeamCase)
	default:
		assignee = precinct.TeamAssignee(loc.StationID, precinct.TeamCommand)
	}
	w.Location, w.Status = loc, precinct.WarningPushed
	if w.Point == nil && !pt.IsZero() {
		p := pt
		w.Point = &p
	}
	data, err := json.Marshal(Task{WarningID: w.ID, FraudType: w.FraudType, Level: w.Level, Amount: w.Amount, IssuedAt: w.IssuedAt,
		ResidentID: w.ResidentID, Earlier: w.Earlier, RuleID: rt.RuleID, Reason: rt.Reason, ReasonEN: rt.ReasonEN})
	if err != nil {
		return precinct.WorkChange{}, err
	}
	title := FraudLabel(w.FraudType) + "预警"
	if w.Level == precinct.LevelTransferring {
		title += "（正在转账）"
	}
	if w.Earlier > 0 {
		title += fmt.Sprintf("（第 %d 次预警）", w.Earlier+1)
	}
	it := &precinct.WorkItem{Kind: Kind, Category: w.FraudType, Urgency: w.Level.Urgency(), Title: title, Location: loc, Address: w.Address,
		Assignee: assignee, Source: precinct.WorkSource{Kind: "warning", ID: w.ID}, Data: data, IdempotencyKey: "warning:" + w.ID}
	if w.Point != nil {
		it.Point = *w.Point
	}
	c, err := s.Engine.Opening(ctx, it, nil, []precinct.WorkContact{contact})
	if err != nil {
		return precinct.WorkChange{}, err
	}
	w.TaskID = it.ID
	return c, nil
}
