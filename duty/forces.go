package duty

import (
	"context"
	"slices"
	"strings"

	"precinct"
)

const (
	maxDetail    = 2000
	maxAssignees = 100
)

// CreateForceAccount opens an account with the narrow RoleForce for a
// member of the mass-prevention forces of a station in the caller's scope.
func (s *Service) CreateForceAccount(ctx context.Context, a precinct.ForceAccount) (*precinct.User, error) {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPerson(ctx, a.PersonID)
	if err != nil {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "person_id", "人员不存在：%s", "Person not found: %s", a.PersonID)
	}
	pl, err := s.personPlace(ctx, p)
	if err != nil || !sc.CoversAny(pl...) {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "person_id", "人员不存在：%s", "Person not found: %s", a.PersonID)
	}
	if !slices.Contains(precinct.ForceKinds, p.Kind) || p.StationID == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "person_id", "%s 不是派出所的群防群治力量", "%s is not one of a station's mass-prevention forces.", p.Name)
	}
	a.Username = strings.TrimSpace(a.Username)
	if len(a.Username) < 3 || len(a.Username) > 64 || strings.ContainsFunc(a.Username, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "username", "用户名为 3 至 64 个字母、数字或 - _ .", "A username is 3 to 64 letters, digits, -, _ or .")
	}
	if s.HashPassword == nil {
		return nil, precinct.Errorf(precinct.EINTERNAL, "未配置密码服务", "Passwords are not configured.")
	}
	hash, err := s.HashPassword(a.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &precinct.User{ID: precinct.NewID("usr", now), Username: a.Username, Name: p.Name, Role: precinct.RoleForce, PersonID: p.ID,
		Scope: pl[0], PasswordHash: hash, CreatedAt: now}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if precinct.ErrorCode(err) == precinct.ECONFLICT {
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "username", "用户名 %s 已被使用", "The username %s is taken.", a.Username)
		}
		return nil, err
	}
	out := *u
	out.PasswordHash = ""
	return &out, nil
}

func taskPlace(t *precinct.ForceTask) place {
	return place{{SubBureauID: t.SubBureauID, StationID: t.StationID, PoliceGridID: t.PoliceGridID}}
}

// ListForceTasks returns the tasks in the caller's scope; to a member of
// the forces, the tasks given to them.
func (s *Service) ListForceTasks(ctx context.Context, f precinct.ForceFilter) ([]*precinct.ForceTask, error) {
	u := precinct.UserFromContext(ctx)
	if precinct.Authorize(u, precinct.PermReadOrg) == nil {
		f.Scope = precinct.ScopeOf(u)
		return s.Store.ListForceTasks(ctx, f)
	}
	if err := precinct.Authorize(u, precinct.PermForceWork); err != nil {
		return nil, err
	}
	f.Scope, f.UserID = precinct.ScopeOf(u), u.ID
	return s.Store.ListForceTasks(ctx, f)
}

// CreateForceTask gives a task (a missing-person search, a patrol,
// school-gate duty) to members of the forces of a station in the caller's
// scope.
func (s *Service) CreateForceTask(ctx context.Context, t *precinct.ForceTask) (*precinct.ForceTask, error) {
	u, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	if !t.Kind.Valid() {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "任务类型应为 missing_person、patrol、school_gate 或 other", "The kind of task is missing_person, patrol, school_gate or other.")
	}
	if err := text("title", t.Title, true, maxName); err != nil {
		return nil, err
	}
	if err := text("detail", t.Detail, false, maxDetail); err != nil {
		return nil, err
	}
	if err := point(t.Point, "point"); err != nil {
		return nil, err
	}
	now := s.now()
	if t.Due != nil && !t.Due.After(now) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "due", "截止时间应在现在之后", "The due time is in the future.")
	}
	o, err := s.ownerOf(ctx, sc, firstNonEmpty(t.StationID, u.Scope.StationID))
	if err != nil || o.StationID == "" {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "station_id", "派出所不存在：%s", "Station not found: %s", t.StationID)
	}
	if t.PoliceGridID != "" {
		g, err := s.Store.FindPoliceGrid(ctx, t.PoliceGridID)
		if err != nil || g.StationID != o.StationID {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", t.PoliceGridID)
		}
	}
	if len(t.Assignees) == 0 || len(t.Assignees) > maxAssignees {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "assignees", "请选择 1 至 100 名群防力量", "Give the task to 1 to 100 members of the forces.")
	}
	task := &precinct.ForceTask{ID: precinct.NewID("ft", now), SubBureauID: o.SubBureauID, StationID: o.StationID, PoliceGridID: t.PoliceGridID, Kind: t.Kind,
		Title: t.Title, Detail: t.Detail, Point: t.Point, Due: t.Due, CreatedBy: u.ID, At: now}
	for _, a := range t.Assignees {
		m, err := s.Store.FindUser(ctx, a.UserID)
		if err != nil || m.Role != precinct.RoleForce || m.Disabled || !sc.Covers(m.Scope) || m.Scope.StationID != o.StationID {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "assignees", "该所没有这名群防力量：%s", "No member of this station's forces: %s", a.UserID)
		}
		if slices.ContainsFunc(task.Assignees, func(x precinct.ForceAssignee) bool { return x.UserID == m.ID }) {
			continue
		}
		task.Assignees = append(task.Assignees, precinct.ForceAssignee{UserID: m.ID, PersonID: m.PersonID, Name: m.Name})
	}
	ev := taskPlace(task).event(ctx, now, "force.task.created", "force_task", task.ID, task, nil)
	if err := s.Store.CreateForceTask(ctx, task, ev); err != nil {
		return nil, err
	}
	s.notify()
	return task, nil
}

// AckForceTask records that the calling member has the task.
func (s *Service) AckForceTask(ctx context.Context, id string) (*precinct.ForceTask, error) {
	u, sc, err := caller(ctx, precinct.PermForceWork)
	if err != nil {
		return nil, err
	}
	now := s.now()
	t, err := s.Store.UpdateForceTask(ctx, id, func(t *precinct.ForceTask) (*precinct.Event, error) {
		i := slices.IndexFunc(t.Assignees, func(a precinct.ForceAssignee) bool { return a.UserID == u.ID })
		if i < 0 || !sc.CoversAny(taskPlace(t)...) {
			return nil, precinct.ErrNotFound("群防任务", "Task", id)
		}
		if t.Assignees[i].AckAt != nil {
			return nil, nil
		}
		t.Assignees[i].AckAt = &now
		return taskPlace(t).event(ctx, now, "force.task.acknowledged", "force_task", t.ID, t, map[string]any{"user_id": u.ID}), nil
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return t, nil
}

// ReportClue records a clue a member of the forces reports, on a task of
// theirs or on their own, and hands it to the grid loop when there is one.
func (s *Service) ReportClue(ctx context.Context, in *precinct.Clue) (*precinct.Clue, error) {
	u, sc, err := caller(ctx, precinct.PermForceWork)
	if err != nil {
		return nil, err
	}
	if err := text("text", in.Text, true, maxDetail); err != nil {
		return nil, err
	}
	if err := point(in.Point, "point"); err != nil {
		return nil, err
	}
	now := s.now()
	c := &precinct.Clue{ID: precinct.NewID("clue", now), TaskID: in.TaskID, SubBureauID: u.Scope.SubBureauID, StationID: u.Scope.StationID,
		PoliceGridID: u.Scope.PoliceGridID, ReporterID: u.ID, Reporter: u.Name, Text: in.Text, Point: in.Point, At: now}
	if in.TaskID != "" {
		t, err := s.Store.FindForceTask(ctx, in.TaskID)
		if err != nil || !sc.CoversAny(taskPlace(t)...) || !slices.ContainsFunc(t.Assignees, func(a precinct.ForceAssignee) bool { return a.UserID == u.ID }) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "task_id", "群防任务不存在：%s", "Task not found: %s", in.TaskID)
		}
		c.SubBureauID, c.StationID, c.PoliceGridID = t.SubBureauID, t.StationID, firstNonEmpty(t.PoliceGridID, c.PoliceGridID)
	}
	pl := place{{SubBureauID: c.SubBureauID, StationID: c.StationID, PoliceGridID: c.PoliceGridID}}
	if err := s.Store.CreateClue(ctx, c, pl.event(ctx, now, "force.clue.reported", "clue", c.ID, c, nil)); err != nil {
		return nil, err
	}
	s.notify()
	if s.Clues != nil {
		if _, err := s.handOff(ctx, c); err != nil {
			// The clue is stored; the next HandOffClues passes it on.
			return c, nil
		}
	}
	return c, nil
}

// ListClues returns the clues in the caller's scope.
func (s *Service) ListClues(ctx context.Context, f precinct.ForceFilter) ([]*precinct.Clue, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListClues(ctx, f)
}

// handOff passes one clue to the grid loop and records its reference.
func (s *Service) handOff(ctx context.Context, c *precinct.Clue) (bool, error) {
	ref, err := s.Clues.TakeClue(ctx, c)
	if err != nil {
		return false, err
	}
	pl := place{{SubBureauID: c.SubBureauID, StationID: c.StationID, PoliceGridID: c.PoliceGridID}}
	ok, err := s.Store.MarkClueHandedOff(ctx, c.ID, ref, pl.event(ctx, s.now(), "force.clue.handed_off", "clue", c.ID, c, map[string]any{"ref": ref}))
	if ok {
		c.HandedOff, c.Ref = true, ref
		s.notify()
	}
	return ok, err
}

// HandOffClues passes every clue still waiting to the grid loop (Clues),
// oldest first, and returns how many it passed on. It is the hand-off for
// the clues stored before a grid loop was connected; with no Clues it
// does nothing.
func (s *Service) HandOffClues(ctx context.Context) (int, error) {
	if s.Clues == nil {
		return 0, nil
	}
	n := 0
	for {
		cs, err := s.Store.ListClues(ctx, precinct.ForceFilter{Scope: precinct.Everywhere, Pending: true, Limit: 500})
		if err != nil || len(cs) == 0 {
			return n, err
		}
		for _, c := range cs {
			ok, err := s.handOff(ctx, c)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
		if len(cs) < 500 {
			return n, nil
		}
	}
}
