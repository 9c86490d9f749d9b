package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/vault"
)

// Limits of what comes with an action.
const (
	MaxNote       = 2000 // runes
	MaxPhotos     = 9    // per action
	MaxPhotoBytes = 5 << 20
)

// Engine runs the kinds it is given over a store. Store and Kinds are
// required; a nil Clock is the system clock.
type Engine struct {
	Store precinct.Store
	Clock precinct.Clock
	Kinds Kinds
	// Notify is called after every commit so the event relay publishes at
	// once. It may be nil.
	Notify func()
	// Vault seals the phones, e-mail addresses and ID numbers of the people
	// named in items before they are stored. Nil stores them as they are
	// (tests only).
	Vault *vault.Vault
}

// sealed fields of contacts.
var contactFields = []string{"work.contact.phone", "work.contact.email", "work.contact.id_number"}

// contactValues points at the sealed fields of c, in contactFields' order.
func contactValues(c *precinct.WorkContact) []*string {
	return []*string{&c.Phone, &c.Email, &c.IDNumber}
}

// seal returns contacts with their personal data sealed.
func (e *Engine) seal(cs []precinct.WorkContact) ([]precinct.WorkContact, error) {
	if e.Vault == nil || cs == nil {
		return cs, nil
	}
	out := make([]precinct.WorkContact, len(cs))
	for i, c := range cs {
		for j, v := range contactValues(&c) {
			s, err := e.Vault.Seal(contactFields[j], *v)
			if err != nil {
				return nil, err
			}
			*v = s
		}
		out[i] = c
	}
	return out, nil
}

// unseal returns stored contacts opened.
func (e *Engine) unseal(cs []precinct.WorkContact) ([]precinct.WorkContact, error) {
	if e.Vault == nil {
		return cs, nil
	}
	for i := range cs {
		for j, v := range contactValues(&cs[i]) {
			plain, err := e.Vault.Open(contactFields[j], *v)
			if err != nil {
				return nil, fmt.Errorf("workflow: contact of a work item: %w", err)
			}
			*v = plain
		}
	}
	return cs, nil
}

// ActionData is the detail of an action's event.
type ActionData struct {
	Action    precinct.WorkAction `json:"action"`
	Note      string              `json:"note,omitempty"`
	Key       string              `json:"key,omitempty"`
	Assignee  precinct.Assignee   `json:"assignee,omitempty"`
	From      precinct.Assignee   `json:"from,omitempty"`
	Satisfied *bool               `json:"satisfied,omitempty"`
	Tier      int                 `json:"tier,omitempty"`
	Late      bool                `json:"late,omitempty"`
	Photos    []string            `json:"photos,omitempty"`
	Detail    json.RawMessage     `json:"detail,omitempty"`
}

func (e *Engine) now() time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock.Now()
}

func (e *Engine) notify() {
	if e.Notify != nil {
		e.Notify()
	}
}

// Kind returns the declaration of kind k.
func (e *Engine) Kind(k precinct.WorkKind) (*Kind, error) {
	if kd := e.Kinds[k]; kd != nil {
		return kd, nil
	}
	return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的事项类型：%q", "Unknown kind of work item %q.", k)
}

// EventType is the type of the event of action a on an item of kind k.
func EventType(k precinct.WorkKind, a precinct.WorkAction) string { return string(k) + "." + string(a) }

// ActionOpen is the action recorded when an item is opened.
const ActionOpen precinct.WorkAction = "opened"

// ActionOverdue is the action recorded when a deadline passes on an item
// that does not escalate.
const ActionOverdue precinct.WorkAction = "overdue"

// Opening checks a new item and returns the change that stores it: its ID,
// initial state and deadline, its photos and contacts, the tallies and the
// event. The caller must be allowed to open items of the kind at the item's
// place. Open stores it; a service that stores it in another transaction
// (an incident's hand-over) takes the change as it is.
func (e *Engine) Opening(ctx context.Context, it *precinct.WorkItem, photos []precinct.PhotoUpload, contacts []precinct.WorkContact) (precinct.WorkChange, error) {
	return e.opening(ctx, it, photos, contacts, true)
}

// Following is Opening for an item that follows from an action the caller
// was already allowed to take elsewhere (an incident handed over by the
// officer sent to it, wherever it is): the open permission is not checked
// again; the caller is recorded as its actor.
func (e *Engine) Following(ctx context.Context, it *precinct.WorkItem, contacts []precinct.WorkContact) (precinct.WorkChange, error) {
	if precinct.UserFromContext(ctx) == nil {
		return precinct.WorkChange{}, precinct.Errorf(precinct.EUNAUTHORIZED, "未登录或登录已过期", "Not signed in, or the session has expired.")
	}
	return e.opening(ctx, it, nil, contacts, false)
}

func (e *Engine) opening(ctx context.Context, it *precinct.WorkItem, photos []precinct.PhotoUpload, contacts []precinct.WorkContact, authorize bool) (precinct.WorkChange, error) {
	k, err := e.Kind(it.Kind)
	if err != nil {
		return precinct.WorkChange{}, err
	}
	u := precinct.UserFromContext(ctx)
	if authorize {
		if err := precinct.Authorize(u, k.OpenPerm, it.Location); err != nil {
			return precinct.WorkChange{}, err
		}
	}
	if it.Location.SubBureauID == "" {
		return precinct.WorkChange{}, precinct.ErrOutsideJurisdiction("location")
	}
	if it.Urgency == 0 {
		it.Urgency = precinct.UrgencyRoutine
	}
	if !it.Urgency.Valid() {
		return precinct.WorkChange{}, precinct.FieldErrorf(precinct.EINVALID, "urgency", "紧急程度应为 1（紧急）、2（较急）或 3（一般）", "Urgency must be 1 (urgent), 2 (pressing) or 3 (routine).")
	}
	if !it.Assignee.Valid() {
		return precinct.WorkChange{}, precinct.FieldErrorf(precinct.EINVALID, "assignee", "承办对象格式不正确", "The assignee is malformed.")
	}
	now := e.now()
	it.ID = precinct.NewID(k.IDPrefix, now)
	it.State, it.Version, it.Tier, it.Steps, it.Returns = k.Initial, 1, 0, 0, 0
	it.OpenedAt, it.UpdatedAt, it.ClosedAt = now, now, nil
	it.CreatedBy = precinct.ActorFromContext(ctx)
	if it.ReporterID == "" && u != nil && u.ID != "system" {
		it.ReporterID = u.ID
	}
	setDeadline(k, it, now)
	ps, err := newPhotos(it.ID, "report", photos, now)
	if err != nil {
		return precinct.WorkChange{}, err
	}
	data := ActionData{Action: ActionOpen, Key: it.IdempotencyKey, Assignee: it.Assignee, Photos: photoIDs(ps)}
	ev := precinct.NewEvent(ctx, now, EventType(it.Kind, ActionOpen), it.Location, "work", it.ID, nil, it, data)
	if contacts, err = e.seal(contacts); err != nil {
		return precinct.WorkChange{}, err
	}
	c := precinct.WorkChange{Item: it, Events: []*precinct.Event{ev}, Photos: ps, Contacts: contacts,
		Counts: tally(it, now, k.OpenCount...)}
	if c.Contacts == nil {
		c.Contacts = []precinct.WorkContact{}
	}
	return c, nil
}

// Open stores a new item; created is false when its IdempotencyKey was used
// already, and the stored item is returned.
func (e *Engine) Open(ctx context.Context, it *precinct.WorkItem, photos []precinct.PhotoUpload, contacts []precinct.WorkContact) (*precinct.WorkItem, bool, error) {
	c, err := e.Opening(ctx, it, photos, contacts)
	if err != nil {
		return nil, false, err
	}
	stored, created, err := e.Store.CreateWork(ctx, c)
	if err != nil {
		return nil, false, err
	}
	if created {
		e.notify()
	} else if !e.visible(ctx, precinct.UserFromContext(ctx), stored) {
		return nil, false, precinct.FieldErrorf(precinct.ECONFLICT, "Idempotency-Key", "Idempotency-Key 已被使用", "The Idempotency-Key was used already.")
	}
	return stored, created, nil
}

// tally returns the day's tallies of metrics for the item's assignee.
func tally(it *precinct.WorkItem, now time.Time, metrics ...precinct.WorkMetric) []precinct.WorkCount {
	if len(metrics) == 0 {
		return nil
	}
	c := precinct.WorkCount{Day: precinct.DayStart(now), Kind: it.Kind, SubBureauID: it.Location.SubBureauID,
		StationID: it.Location.StationID, Assignee: it.Assignee}
	for _, m := range metrics {
		c.Tally.Add(m, 1)
	}
	return []precinct.WorkCount{c}
}

// setDeadline sets the deadline of the item's state, or clears it.
func setDeadline(k *Kind, it *precinct.WorkItem, now time.Time) {
	it.Overdue = false
	st := k.State(it.State)
	if st == nil || st.Due == nil {
		it.DueAt, it.DueStep = nil, ""
		return
	}
	due := now.Add(st.Due.Allowed(it.Category, it.Urgency, it.Steps))
	it.DueAt, it.DueStep = &due, st.Due.Step
}

// Find returns one item the caller may read; one they may not is
// ENOTFOUND, as if it did not exist.
func (e *Engine) Find(ctx context.Context, id string) (*precinct.WorkItem, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	it, err := e.Store.FindWork(ctx, id)
	if err != nil {
		return nil, err
	}
	if !e.visible(ctx, u, it) {
		return nil, precinct.ErrNotFound("工作事项", "Work item", id)
	}
	return it, nil
}

// visible is the one read rule of work items: in the caller's jurisdiction,
// filed by them, or assigned to them; for a linked department's account,
// ever assigned to its department.
func (e *Engine) visible(ctx context.Context, u *precinct.User, it *precinct.WorkItem) bool {
	if precinct.Authorize(u, precinct.PermReadWork) != nil {
		return false
	}
	sc := precinct.ScopeOf(u)
	if u.Role == precinct.RoleDepartment {
		if !sc.Covers(it.Location) {
			return false
		}
		mine, err := e.departments(ctx, u)
		if err != nil {
			return false
		}
		handlers, err := e.Store.WorkHandlers(ctx, it.ID)
		if err != nil {
			return false
		}
		for _, h := range handlers {
			if slices.Contains(mine, h) {
				return true
			}
		}
		return false
	}
	if it.ReporterID == u.ID || it.Assignee == precinct.UserAssignee(u.ID) {
		return true
	}
	return sc.Covers(it.Location)
}

// departments returns the assignees of the departments u acts for.
func (e *Engine) departments(ctx context.Context, u *precinct.User) ([]precinct.Assignee, error) {
	ids, err := e.Store.UserDepartments(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]precinct.Assignee, len(ids))
	for i, id := range ids {
		out[i] = precinct.DepartmentAssignee(id)
	}
	return out, nil
}

// List returns the items the caller may read that f selects: the caller's
// scope is applied in the store's query; a linked department's account
// gets only what was ever assigned to its departments.
func (e *Engine) List(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, "", err
	}
	f.Scope = precinct.ScopeOf(u)
	if u.Role == precinct.RoleDepartment {
		mine, err := e.departments(ctx, u)
		if err != nil {
			return nil, "", err
		}
		if f.Assignees != nil && f.HandledBy == nil {
			// Handled now by one of its departments: no need to look
			// through the history of handlers.
			f.Assignees = keep(f.Assignees, mine)
		} else {
			f.HandledBy = keep(f.HandledBy, mine)
			if f.Assignees != nil {
				f.Assignees = keep(f.Assignees, mine)
			}
		}
	}
	return e.Store.ListWork(ctx, f)
}

// keep returns the asked entries that are allowed; all allowed when none
// is asked.
func keep(asked, allowed []precinct.Assignee) []precinct.Assignee {
	if asked == nil {
		return append([]precinct.Assignee{}, allowed...)
	}
	out := []precinct.Assignee{}
	for _, a := range asked {
		if slices.Contains(allowed, a) {
			out = append(out, a)
		}
	}
	return out
}

// Timeline returns the events of an item the caller may read.
func (e *Engine) Timeline(ctx context.Context, id string) ([]*precinct.Event, error) {
	if _, err := e.Find(ctx, id); err != nil {
		return nil, err
	}
	return e.Store.WorkTimeline(ctx, id)
}

// Photo returns a photo of an item the caller may read.
func (e *Engine) Photo(ctx context.Context, id string) (*precinct.Photo, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	p, err := e.Store.FindPhoto(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := e.Find(ctx, p.ItemID); err != nil {
		return nil, precinct.ErrNotFound("照片", "Photo", id)
	}
	return p, nil
}

// Contacts returns the personal data of the people of an item, in full:
// the caller needs PermReadPersonal at the item's place and a reason, and
// the read is audited before anything is returned.
func (e *Engine) Contacts(ctx context.Context, id, reason, address string) ([]precinct.WorkContact, error) {
	u := precinct.UserFromContext(ctx)
	it, err := e.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermReadPersonal, it.Location); err != nil {
		return nil, err
	}
	if err := precinct.CheckReason(reason); err != nil {
		return nil, err
	}
	cs, err := e.Store.WorkContacts(ctx, id)
	if err != nil {
		return nil, err
	}
	if cs, err = e.unseal(cs); err != nil {
		return nil, err
	}
	var fields []string
	for _, c := range cs {
		fields = append(fields, c.Role+".phone", c.Role+".id_number")
	}
	err = e.Store.RecordAudit(ctx, &precinct.AuditRecord{At: e.now(), Actor: u.ID, Action: string(precinct.PermReadPersonal),
		EntityType: "work", EntityID: id, Fields: fields, Address: address, SubBureauID: it.Location.SubBureauID, Reason: reason})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// MaskedContacts returns the contacts of an item the caller may read, masked.
func (e *Engine) MaskedContacts(ctx context.Context, id string) ([]precinct.WorkContact, error) {
	if _, err := e.Find(ctx, id); err != nil {
		return nil, err
	}
	cs, err := e.Store.WorkContacts(ctx, id)
	if err != nil {
		return nil, err
	}
	if cs, err = e.unseal(cs); err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i] = cs[i].Masked()
	}
	return cs, nil
}

// Counts sums the daily tallies the caller may read: the caller's scope is
// applied in the store's query, and a department's account reads only its
// own departments' rows.
func (e *Engine) Counts(ctx context.Context, f precinct.WorkCountFilter) ([]precinct.WorkCount, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	f.Scope = precinct.ScopeOf(u)
	if u.Role == precinct.RoleDepartment {
		mine, err := e.departments(ctx, u)
		if err != nil {
			return nil, err
		}
		f.Assignees = keep(f.Assignees, mine)
	}
	return e.Store.WorkCounts(ctx, f)
}

// Act applies one action to an item: the kind's table says whether it is
// allowed from the item's state and who may take it; its effects, deadline,
// tallies and event are stored in one transaction, conditional on the
// version read. An action resent with its Idempotency-Key is applied once.
func (e *Engine) Act(ctx context.Context, id string, req precinct.WorkRequest) (*precinct.WorkItem, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	old, err := e.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	k, err := e.Kind(old.Kind)
	if err != nil {
		return nil, err
	}
	if req.IdempotencyKey != "" {
		if done, err := e.replayed(ctx, old, req); done || err != nil {
			return old, err
		}
	}
	t, err := k.Next(old.State, req.Action)
	if err != nil {
		return nil, err
	}
	if err := e.mayAct(ctx, u, t, old); err != nil {
		return nil, err
	}
	it, c, err := e.change(ctx, k, old, t, req)
	if err != nil {
		return nil, err
	}
	if err := e.Store.UpdateWork(ctx, c); err != nil {
		if req.IdempotencyKey != "" && precinct.ErrorCode(err) == precinct.ECONFLICT {
			// The same action may have been sent twice at once.
			if cur, ferr := e.Store.FindWork(ctx, id); ferr == nil {
				if done, rerr := e.replayed(ctx, cur, req); done || rerr != nil {
					return cur, rerr
				}
			}
		}
		return nil, err
	}
	e.notify()
	return it, nil
}

// replayed reports whether the item's timeline holds the action already,
// sent by the same user with the same Idempotency-Key.
func (e *Engine) replayed(ctx context.Context, it *precinct.WorkItem, req precinct.WorkRequest) (bool, error) {
	tl, err := e.Store.WorkTimeline(ctx, it.ID)
	if err != nil {
		return false, err
	}
	actor := precinct.ActorFromContext(ctx)
	for _, ev := range tl {
		var d ActionData
		if len(ev.Data) == 0 || !bytes.Contains(ev.Data, []byte(req.IdempotencyKey)) || json.Unmarshal(ev.Data, &d) != nil || d.Key != req.IdempotencyKey {
			continue
		}
		if ev.Actor != actor || d.Action != req.Action {
			return false, precinct.FieldErrorf(precinct.ECONFLICT, "Idempotency-Key", "Idempotency-Key 已用于本事项的另一操作", "The Idempotency-Key was used for another action on this item.")
		}
		return true, nil
	}
	return false, nil
}

// mayAct checks that u may take transition t on it.
func (e *Engine) mayAct(ctx context.Context, u *precinct.User, t *Transition, it *precinct.WorkItem) error {
	switch t.By {
	case ByScope:
		return precinct.Authorize(u, t.Perm, it.Location)
	case ByReporter:
		if it.ReporterID == u.ID && precinct.Authorize(u, precinct.PermReportWork) == nil {
			return nil
		}
		return precinct.Authorize(u, t.Perm, it.Location)
	case ByAssignee:
		if err := precinct.Authorize(u, t.Perm); err != nil {
			return err
		}
		ok, err := e.ActsFor(ctx, u, it.Assignee, it.Location)
		if err != nil {
			return err
		}
		if !ok {
			return precinct.Errorf(precinct.EFORBIDDEN, "只有承办单位可以执行此操作", "Only the assignee may do this.")
		}
		return nil
	}
	return precinct.ErrForbidden()
}

// ActsFor reports whether u acts for assignee a of an item at loc: a member
// of the department, an officer of the station team (its command office for
// every team), the user themselves; an administrator for anyone.
func (e *Engine) ActsFor(ctx context.Context, u *precinct.User, a precinct.Assignee, loc precinct.Location) (bool, error) {
	if u == nil || a == "" {
		return false, nil
	}
	if u.Role == precinct.RoleAdmin && !u.Disabled {
		return true, nil
	}
	if id, ok := a.Department(); ok {
		mine, err := e.Store.UserDepartments(ctx, u.ID)
		return slices.Contains(mine, id), err
	}
	if st, team, ok := a.Team(); ok {
		if !precinct.ScopeOf(u).Covers(precinct.Location{SubBureauID: loc.SubBureauID, StationID: st}) {
			return false, nil
		}
		switch u.Role {
		case precinct.RoleCommand:
			return true, nil
		case precinct.RoleCommunity:
			return team == precinct.TeamCommunity, nil
		case precinct.RoleCase:
			return team == precinct.TeamCase, nil
		}
		return false, nil
	}
	if id, ok := a.User(); ok {
		return id == u.ID, nil
	}
	return false, nil
}

// change applies transition t with req to a copy of old, as of now, and
// returns it with the change that stores it.
func (e *Engine) change(ctx context.Context, k *Kind, old *precinct.WorkItem, t *Transition, req precinct.WorkRequest) (*precinct.WorkItem, precinct.WorkChange, error) {
	now := e.now()
	it := *old
	it.Version, it.UpdatedAt = old.Version+1, now
	data := ActionData{Action: t.Action, Note: req.Note, Key: req.IdempotencyKey}
	fail := func(err error) (*precinct.WorkItem, precinct.WorkChange, error) {
		return nil, precinct.WorkChange{}, err
	}
	if utf8.RuneCountInString(req.Note) > MaxNote {
		return fail(precinct.FieldErrorf(precinct.EINVALID, "note", "说明过长（不超过 %d 字）", "The note is too long (at most %d characters).", MaxNote))
	}
	if t.Has(NeedNote) && req.Note == "" {
		return fail(labelled("note", "请填写“%s”的说明", "Say something about %s.", t.Label))
	}
	if len(req.Photos) > 0 && !t.Has(Photos) {
		return fail(labelled("photos", "“%s”不能附照片", "%s takes no photos.", t.Label))
	}
	if len(req.Data) > 0 && k.Apply == nil {
		return fail(precinct.FieldErrorf(precinct.EINVALID, "data", "此操作没有附加内容", "This action takes no detail."))
	}
	if req.Assignee != "" && !t.Has(Assign) {
		return fail(labelled("assignee", "“%s”不指定承办对象", "%s names no assignee.", t.Label))
	}
	metrics := slices.Clone(t.Count)
	if t.Late != "" && (old.Late || old.DueAt != nil && now.After(*old.DueAt)) {
		metrics, data.Late = append(metrics, t.Late), true
	}
	if t.Has(Reclassify) {
		if req.Category != "" {
			it.Category = req.Category
		}
		if req.Urgency != 0 {
			if !req.Urgency.Valid() {
				return fail(precinct.FieldErrorf(precinct.EINVALID, "urgency", "紧急程度应为 1（紧急）、2（较急）或 3（一般）", "Urgency must be 1 (urgent), 2 (pressing) or 3 (routine)."))
			}
			it.Urgency = req.Urgency
		}
	} else if req.Category != "" || req.Urgency != 0 {
		return fail(labelled("category", "“%s”不能修改类别或紧急程度", "%s cannot change the category or urgency.", t.Label))
	}
	if t.Has(Assign) {
		if err := e.checkAssignee(ctx, &it, req.Assignee); err != nil {
			return fail(err)
		}
		data.From, data.Assignee, it.Assignee = old.Assignee, req.Assignee, req.Assignee
	}
	if t.Has(Unassign) {
		data.From, it.Assignee = old.Assignee, ""
	}
	if t.Has(Evaluate) {
		if req.Satisfied == nil {
			return fail(precinct.FieldErrorf(precinct.EINVALID, "satisfied", "请给出评价：满意或不满意", "Say whether you are satisfied."))
		}
		v := *req.Satisfied
		it.Satisfied, data.Satisfied = &v, &v
		metrics = append(metrics, precinct.MetricEvaluated)
		if v {
			metrics = append(metrics, precinct.MetricSatisfied)
		}
	} else if req.Satisfied != nil {
		return fail(labelled("satisfied", "“%s”不含评价", "%s takes no verdict.", t.Label))
	}
	if t.Has(Return) {
		it.Returns++
	}
	restart := false
	if t.Has(Escalate) {
		if it.Tier >= len(k.Tiers)-1 {
			top := k.Tiers[len(k.Tiers)-1]
			return fail(&precinct.Error{Code: precinct.ECONFLICT, Message: "已升级到最高层级：" + top.ZH, MessageEN: "The item is at the highest tier already: " + top.EN})
		}
		it.Tier++
		data.Tier, restart, it.Late = it.Tier, true, true
	}
	if t.Has(Touch) {
		it.TouchedAt = &now
	}
	if t.To != "" && t.To != old.State {
		it.State, it.Steps, it.Late, restart = t.To, 0, false, true
	}
	if t.Has(Repeat) {
		it.Steps++
		restart = true
	}
	if restart {
		setDeadline(k, &it, now)
	}
	if st := k.State(it.State); st != nil && st.Closed {
		if it.ClosedAt == nil {
			it.ClosedAt = &now
		}
		it.DueAt, it.DueStep, it.Overdue = nil, "", false
	} else {
		it.ClosedAt = nil
	}
	ps, err := newPhotos(it.ID, string(t.Action), req.Photos, now)
	if err != nil {
		return fail(err)
	}
	data.Photos = photoIDs(ps)
	if k.Apply != nil {
		if err := k.Apply(&it, t, req, now); err != nil {
			return fail(err)
		}
		data.Detail = req.Data
	}
	ev := precinct.NewEvent(ctx, now, EventType(it.Kind, t.Action), it.Location, "work", it.ID, old, &it, data)
	return &it, precinct.WorkChange{Item: &it, PrevVersion: old.Version, Events: []*precinct.Event{ev}, Photos: ps,
		Counts: tally(&it, now, metrics...)}, nil
}

// checkAssignee checks that a can take the item: a department of the
// item's district or township, a team of its station, a user of its
// jurisdiction.
func (e *Engine) checkAssignee(ctx context.Context, it *precinct.WorkItem, a precinct.Assignee) error {
	bad := func() error {
		return precinct.FieldErrorf(precinct.EINVALID, "assignee", "承办对象不存在或不在本辖区：%s", "The assignee does not exist or is outside the jurisdiction: %s", a)
	}
	if a == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "assignee", "请指定承办单位（派出所的队室或联动部门）", "Name the assignee (a station team or a linked department).")
	}
	if !a.Valid() {
		return bad()
	}
	if id, ok := a.Department(); ok {
		d, err := e.Store.FindDepartment(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return bad()
		} else if err != nil {
			return err
		}
		if !(precinct.Scope{Location: d.Location}).Covers(it.Location) {
			return bad()
		}
		return nil
	}
	if st, _, ok := a.Team(); ok {
		if st != it.Location.StationID {
			return bad()
		}
		return nil
	}
	id, _ := a.User()
	usr, err := e.Store.FindUser(ctx, id)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return bad()
	} else if err != nil {
		return err
	}
	if !precinct.ScopeOf(usr).Covers(it.Location) {
		return bad()
	}
	return nil
}

// newPhotos checks uploaded photos (JPEG, PNG or WebP by their bytes, at
// most MaxPhotos of MaxPhotoBytes each) and returns them for storing.
func newPhotos(itemID, step string, ups []precinct.PhotoUpload, now time.Time) ([]*precinct.Photo, error) {
	if len(ups) > MaxPhotos {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "photos", "照片最多 %d 张", "At most %d photos.", MaxPhotos)
	}
	var out []*precinct.Photo
	for i, up := range ups {
		if len(up.Data) == 0 || len(up.Data) > MaxPhotoBytes {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "photos", "第 %d 张照片为空或超过 5 MiB", "Photo %d is empty or larger than 5 MiB.", i+1)
		}
		ct := imageType(up.Data)
		if ct == "" {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "photos", "第 %d 张照片不是 JPEG、PNG 或 WebP 图片", "Photo %d is not a JPEG, PNG or WebP image.", i+1)
		}
		out = append(out, &precinct.Photo{ID: precinct.NewID("ph", now), ItemID: itemID, Step: step, ContentType: ct, Size: len(up.Data), At: now, Data: up.Data})
	}
	return out, nil
}

// imageType returns the type of an image by its first bytes, or "".
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

func photoIDs(ps []*precinct.Photo) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// labelled is an EINVALID error about a field whose messages name an action
// by its label in each language.
func labelled(field, zh, en string, label Text) error {
	return &precinct.Error{Code: precinct.EINVALID, Field: field, Message: fmt.Sprintf(zh, label.ZH), MessageEN: fmt.Sprintf(en, label.EN)}
}

// EventRules are the read rules of the events the engine records, for the
// event stream: an item's event goes to whoever may read the item (the
// same rule as Find and List); a department's change to those who manage
// users.
func (e *Engine) EventRules() map[string]precinct.EventRule {
	return map[string]precinct.EventRule{
		"work": func(u *precinct.User, ev *precinct.Event) *precinct.Event {
			var it precinct.WorkItem
			if json.Unmarshal(ev.After, &it) != nil || it.ID == "" || !e.visible(context.Background(), u, &it) {
				return nil
			}
			return ev
		},
		"department": func(u *precinct.User, ev *precinct.Event) *precinct.Event {
			if precinct.Authorize(u, precinct.PermManageUsers, precinct.Location{SubBureauID: ev.SubBureauID, StationID: ev.StationID}) != nil {
				return nil
			}
			return ev
		},
	}
}
