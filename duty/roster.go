package duty

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
)

const maxReason = 500

// Edit applies one edit to a roster in place: a leave, a swap, a cover, or
// the week's shifts in full. known reports whether a person ID may stand on
// the roster. It changes nothing when it returns an error.
func Edit(r *precinct.Roster, e precinct.RosterEdit, actor string, now time.Time, known func(personID string) bool) error {
	if utf8.RuneCountInString(e.Reason) > maxReason {
		return precinct.FieldErrorf(precinct.EINVALID, "reason", "事由过长（不超过 500 字）", "The reason is too long (up to 500 characters).")
	}
	next := clone(r)
	ch := precinct.RosterChange{Kind: e.Kind, At: now, Actor: actor, Reason: e.Reason}
	var err error
	switch e.Kind {
	case precinct.ChangeLeave:
		err = leave(next, e.Leave, &ch, known)
	case precinct.ChangeSwap:
		err = swap(next, e.A, e.B, &ch)
	case precinct.ChangeCover:
		err = cover(next, e.ShiftID, e.PersonID, e.CoverID, &ch, known)
	case precinct.ChangeEdit, precinct.ChangeImport:
		err = replace(next, e.Shifts, &ch, known)
	default:
		err = precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的排班调整：%q", "Unknown roster edit %q.", e.Kind)
	}
	if err != nil {
		return err
	}
	next.Changes = append(next.Changes, ch)
	*r = *next
	return nil
}

// clone copies a roster deeply enough to edit it.
func clone(r *precinct.Roster) *precinct.Roster {
	c := *r
	c.Shifts = make([]precinct.Shift, len(r.Shifts))
	for i, sh := range r.Shifts {
		sh.Crew = slices.Clone(sh.Crew)
		c.Shifts[i] = sh
	}
	c.Leaves = slices.Clone(r.Leaves)
	c.Changes = slices.Clone(r.Changes)
	return &c
}

// editTarget is a shift of the roster being edited.
type editTarget struct{ sh *precinct.Shift }

// crewIndex returns the index of a person in the shift's crew, or -1.
func (x *editTarget) crewIndex(personID string) int {
	return slices.IndexFunc(x.sh.Crew, func(m precinct.CrewMember) bool { return m.PersonID == personID })
}

// shift finds a shift of the roster by ID.
func shift(r *precinct.Roster, id, field string) (*editTarget, error) {
	for i := range r.Shifts {
		if r.Shifts[i].ID == id {
			return &editTarget{&r.Shifts[i]}, nil
		}
	}
	return nil, precinct.FieldErrorf(precinct.ENOTFOUND, field, "本周排班中没有班次 %s", "The week's roster has no shift %s.", id)
}

func leave(r *precinct.Roster, l *precinct.Leave, ch *precinct.RosterChange, known func(string) bool) error {
	if l == nil || l.PersonID == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "leave.person_id", "请选择请假人员", "Say who is on leave.")
	}
	if !known(l.PersonID) {
		return precinct.FieldErrorf(precinct.ENOTFOUND, "leave.person_id", "人员不存在：%s", "Person not found: %s", l.PersonID)
	}
	if l.From.IsZero() || !l.To.After(l.From) || l.To.Sub(l.From) > 31*24*time.Hour {
		return precinct.FieldErrorf(precinct.EINVALID, "leave.to", "请假时间应有起止，且不超过 31 天", "A leave has a start and an end, at most 31 days apart.")
	}
	if l.CoverID != "" && (l.CoverID == l.PersonID || !known(l.CoverID)) {
		return precinct.FieldErrorf(precinct.EINVALID, "leave.cover_id", "顶班人员无效", "The cover is not a valid person.")
	}
	if utf8.RuneCountInString(l.Reason) > maxReason {
		return precinct.FieldErrorf(precinct.EINVALID, "leave.reason", "事由过长", "The reason is too long.")
	}
	ch.PersonID, ch.OtherID = l.PersonID, l.CoverID
	if ch.Reason == "" {
		ch.Reason = l.Reason
	}
	for i := range r.Shifts {
		sh := &r.Shifts[i]
		if !sh.Start.Before(l.To) || !sh.End.After(l.From) {
			continue
		}
		t := &editTarget{sh}
		k := t.crewIndex(l.PersonID)
		if k < 0 {
			continue
		}
		if l.CoverID != "" && t.crewIndex(l.CoverID) < 0 {
			sh.Crew[k] = precinct.CrewMember{PersonID: l.CoverID, For: l.PersonID}
		} else {
			sh.Crew = slices.Delete(sh.Crew, k, k+1)
		}
		ch.ShiftIDs = append(ch.ShiftIDs, sh.ID)
	}
	r.Leaves = append(r.Leaves, *l)
	return nil
}

func swap(r *precinct.Roster, a, b *precinct.SwapSide, ch *precinct.RosterChange) error {
	if a == nil || b == nil || a.PersonID == "" || b.PersonID == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "a", "换班需要双方的班次和人员", "A swap needs both people and their shifts.")
	}
	if a.PersonID == b.PersonID {
		return precinct.FieldErrorf(precinct.EINVALID, "b", "不能与自己换班", "A person cannot swap with themselves.")
	}
	ta, err := shift(r, a.ShiftID, "a.shift_id")
	if err != nil {
		return err
	}
	tb, err := shift(r, b.ShiftID, "b.shift_id")
	if err != nil {
		return err
	}
	ka, kb := ta.crewIndex(a.PersonID), tb.crewIndex(b.PersonID)
	if ka < 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "a.person_id", "%s 不在班次 %s 中", "%s is not on shift %s.", a.PersonID, a.ShiftID)
	}
	if kb < 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "b.person_id", "%s 不在班次 %s 中", "%s is not on shift %s.", b.PersonID, b.ShiftID)
	}
	if ta.sh != tb.sh && (ta.crewIndex(b.PersonID) >= 0 || tb.crewIndex(a.PersonID) >= 0) {
		return precinct.FieldErrorf(precinct.ECONFLICT, "b", "换班后同一人会在同一班次出现两次", "After the swap one person would stand twice on one shift.")
	}
	if ta.sh == tb.sh {
		return precinct.FieldErrorf(precinct.EINVALID, "b", "两人在同一班次，无需换班", "Both are on the same shift; there is nothing to swap.")
	}
	ta.sh.Crew[ka] = precinct.CrewMember{PersonID: b.PersonID, For: a.PersonID}
	tb.sh.Crew[kb] = precinct.CrewMember{PersonID: a.PersonID, For: b.PersonID}
	ch.ShiftIDs = []string{a.ShiftID, b.ShiftID}
	ch.PersonID, ch.OtherID = a.PersonID, b.PersonID
	return nil
}

func cover(r *precinct.Roster, shiftID, personID, coverID string, ch *precinct.RosterChange, known func(string) bool) error {
	t, err := shift(r, shiftID, "shift_id")
	if err != nil {
		return err
	}
	if coverID == "" || !known(coverID) {
		return precinct.FieldErrorf(precinct.EINVALID, "cover_id", "请选择顶班人员", "Choose who covers.")
	}
	if t.crewIndex(coverID) >= 0 {
		return precinct.FieldErrorf(precinct.ECONFLICT, "cover_id", "%s 已在该班次中", "%s is already on that shift.", coverID)
	}
	if personID == "" {
		// Cover for nobody: one more on the shift.
		t.sh.Crew = append(t.sh.Crew, precinct.CrewMember{PersonID: coverID})
	} else {
		k := t.crewIndex(personID)
		if k < 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "person_id", "%s 不在班次 %s 中", "%s is not on shift %s.", personID, shiftID)
		}
		t.sh.Crew[k] = precinct.CrewMember{PersonID: coverID, For: personID}
	}
	ch.ShiftIDs = []string{shiftID}
	ch.PersonID, ch.OtherID = personID, coverID
	return nil
}

// replace sets the week's shifts in full, as an edit in the console or an
// import writes them.
func replace(r *precinct.Roster, shifts []precinct.Shift, ch *precinct.RosterChange, known func(string) bool) error {
	if len(shifts) > maxShifts {
		return precinct.FieldErrorf(precinct.EINVALID, "shifts", "一周最多 5000 个班次", "A week has at most 5,000 shifts.")
	}
	week, err := ParseWeek(r.Week, "week")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	out := make([]precinct.Shift, len(shifts))
	for i, sh := range shifts {
		field := fmt.Sprintf("shifts[%d]", i)
		if err := validateShift(&sh, week, field, known); err != nil {
			return err
		}
		if sh.ID == "" {
			sh.ID = Date(sh.Start) + "/" + firstNonEmpty(sh.PatternID, fmt.Sprintf("s%d", i+1))
		}
		if seen[sh.ID] {
			return precinct.FieldErrorf(precinct.EINVALID, field+".id", "班次编号重复：%s", "Shift ID %s appears twice.", sh.ID)
		}
		seen[sh.ID] = true
		sh.Crew = slices.Clone(sh.Crew)
		out[i] = sh
		ch.ShiftIDs = append(ch.ShiftIDs, sh.ID)
	}
	SortShifts(out)
	r.Shifts = out
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// validateShift checks one shift of a week's roster: it starts in the week,
// lasts at most 24 hours, has a name and a known kind, and a crew of
// distinct known people.
func validateShift(sh *precinct.Shift, week time.Time, field string, known func(string) bool) error {
	switch {
	case strings.TrimSpace(sh.Name) == "" || utf8.RuneCountInString(sh.Name) > maxName:
		return precinct.FieldErrorf(precinct.EINVALID, field+".name", "请填写班次名称", "Give the shift a name.")
	case !sh.Kind.Valid():
		return precinct.FieldErrorf(precinct.EINVALID, field+".kind", "未知的班次类型：%q", "Unknown shift kind %q.", sh.Kind)
	case sh.Start.Before(week) || !sh.Start.Before(week.AddDate(0, 0, 7)):
		return precinct.FieldErrorf(precinct.EINVALID, field+".start", "班次应在本周内开始", "A shift starts within its week.")
	case !sh.End.After(sh.Start) || sh.End.Sub(sh.Start) > 24*time.Hour:
		return precinct.FieldErrorf(precinct.EINVALID, field+".end", "班次应在开始后 24 小时内结束", "A shift ends after it starts, within 24 hours.")
	case sh.MinCrew < 0 || sh.MinCrew > maxCrewSize:
		return precinct.FieldErrorf(precinct.EINVALID, field+".min_crew", "最低在岗人数应为 0 至 30", "The minimum crew must be 0 to 30.")
	case len(sh.Crew) > maxCrewSize:
		return precinct.FieldErrorf(precinct.EINVALID, field+".crew", "每班最多 30 人", "A shift has at most 30 people.")
	}
	for j, m := range sh.Crew {
		if m.PersonID == "" || !known(m.PersonID) {
			return precinct.FieldErrorf(precinct.ENOTFOUND, fmt.Sprintf("%s.crew[%d]", field, j), "人员不存在：%s", "Person not found: %s", m.PersonID)
		}
		if slices.ContainsFunc(sh.Crew[:j], func(o precinct.CrewMember) bool { return o.PersonID == m.PersonID }) {
			return precinct.FieldErrorf(precinct.EINVALID, fmt.Sprintf("%s.crew[%d]", field, j), "同一班次中人员重复：%s", "%s stands twice on one shift.", m.PersonID)
		}
	}
	return nil
}

// People returns every person ID a roster names, once each.
func People(r *precinct.Roster) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, sh := range r.Shifts {
		for _, m := range sh.Crew {
			add(m.PersonID)
			add(m.For)
		}
	}
	for _, l := range r.Leaves {
		add(l.PersonID)
		add(l.CoverID)
	}
	return out
}
