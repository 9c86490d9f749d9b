package dispatch

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"precinct"
)

// Desk is the command office's working settings of a sub-bureau, part of
// its rules document: the codes an incident is closed with, when the queue
// marks an incident overdue, and what counts as a repeated call.
type Desk struct {
	// Dispositions are the codes a command office closes an incident with
	// (处警结果), reported in the statistics.
	Dispositions []Disposition `json:"dispositions"`
	// DispatchMin[p-1] is the minutes within which an incident of priority
	// p should have its first unit sent; ArriveMin[p-1] the minutes within
	// which one should arrive. The queue marks it overdue past them.
	DispatchMin [4]int `json:"dispatch_min"`
	ArriveMin   [4]int `json:"arrive_min"`
	// DuplicateWithinM and DuplicateWindowMin: a call of the same category
	// family within this distance and time of another may repeat it.
	DuplicateWithinM   float64 `json:"duplicate_within_m"`
	DuplicateWindowMin int     `json:"duplicate_window_min"`
}

// Disposition is one code of the closing list.
type Disposition struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// DefaultDesk returns the settings a sub-bureau starts with.
func DefaultDesk() *Desk {
	return &Desk{
		Dispositions: []Disposition{
			{"resolved", "现场处置完毕", "Resolved on scene"},
			{"mediated", "调解化解", "Mediated"},
			{"case_filed", "受理立案", "Case opened"},
			{"transferred", "移交相关部门", "Transferred to a department"},
			{"advised", "劝解教育", "Advised"},
			{"nothing_found", "到场未发现", "Nothing found on arrival"},
			{"false_report", "无效或谎报", "False or invalid report"},
			{"duplicate", "重复报警", "Repeated call"},
		},
		DispatchMin:        [4]int{1, 3, 10, 30},
		ArriveMin:          [4]int{10, 15, 30, 60},
		DuplicateWithinM:   300,
		DuplicateWindowMin: 60,
	}
}

// DeskOf returns the rules' desk settings, or the defaults.
func DeskOf(r *Rules) *Desk {
	if r == nil || r.Desk == nil {
		return DefaultDesk()
	}
	return r.Desk
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (d *Desk) validate() error {
	if len(d.Dispositions) == 0 {
		return invalid("desk.dispositions", "至少一项", "needs at least one code")
	}
	seen := map[string]bool{}
	for i, x := range d.Dispositions {
		f := fmt.Sprintf("desk.dispositions[%d]", i)
		if !codePattern.MatchString(x.Code) || seen[x.Code] {
			return invalid(f+".code", "应为不重复的小写代码", "must be a unique lower-case code")
		}
		seen[x.Code] = true
		if x.Name == "" || x.NameEN == "" {
			return invalid(f+".name", "中英文名称不能为空", "needs a Chinese and an English name")
		}
	}
	for p := 0; p < 4; p++ {
		if d.DispatchMin[p] < 1 || d.ArriveMin[p] < 1 || d.DispatchMin[p] > 1440 || d.ArriveMin[p] > 1440 {
			return invalid("desk.dispatch_min", "每个优先级的分钟数应在 1 至 1440 之间", "must be 1 to 1440 minutes for each priority")
		}
	}
	if d.DuplicateWithinM <= 0 || d.DuplicateWithinM > 5000 {
		return invalid("desk.duplicate_within_m", "应在 0 至 5000 米之间", "must be within 0..5000 m")
	}
	if d.DuplicateWindowMin < 1 || d.DuplicateWindowMin > 1440 {
		return invalid("desk.duplicate_window_min", "应在 1 至 1440 分钟之间", "must be within 1..1440 minutes")
	}
	return nil
}

// disposition checks a closing code against the list.
func (d *Desk) disposition(code string) error {
	for _, x := range d.Dispositions {
		if x.Code == code {
			return nil
		}
	}
	if code == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "disposition", "请选择处警结果", "Choose how the incident ended (disposition).")
	}
	return precinct.FieldErrorf(precinct.EINVALID, "disposition", "未知的处警结果：%q", "Unknown disposition %q.", code)
}

// DispositionNames names the closing codes of the caller's sub-bureau,
// code → {Chinese, English}: its desk's list, and the default list for
// codes no longer on it (incidents closed before the list changed). A
// caller of no sub-bureau (the administrator) gets the defaults.
func (s *Service) DispositionNames(ctx context.Context) (map[string][2]string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, err
	}
	out := map[string][2]string{}
	for _, d := range DefaultDesk().Dispositions {
		out[d.Code] = [2]string{d.Name, d.NameEN}
	}
	if sb := u.Scope.SubBureauID; sb != "" {
		c, err := s.context(ctx, sb)
		if err != nil {
			return nil, err
		}
		for _, d := range DeskOf(c.rules).Dispositions {
			out[d.Code] = [2]string{d.Name, d.NameEN}
		}
	}
	return out, nil
}

// family is a category's top-level code: theft and criminal are one family.
func family(cats []precinct.Category, code string) string {
	for _, c := range cats {
		if c.Code == code && c.Parent != "" {
			return c.Parent
		}
	}
	return code
}

// Duplicates lists the incidents the caller reaches that may repeat
// incident id: of the same category family, within the desk's distance of
// it, received within its window before or after, and not linked to it
// already. The nearest comes first.
func (s *Service) Duplicates(ctx context.Context, id string) ([]*precinct.Incident, error) {
	inc, err := s.readable(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.context(ctx, inc.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	window := time.Duration(DeskOf(c.rules).DuplicateWindowMin) * time.Minute
	return s.nearby(ctx, c, inc.Location.SubBureauID, inc.Point, inc.Category, inc.ReceivedAt.Add(-window), inc.ReceivedAt.Add(window), func(x *precinct.Incident) bool {
		return x.ID == inc.ID || x.DuplicateOf == inc.ID || inc.DuplicateOf == x.ID
	})
}

// CallDuplicates lists, for a call being taken at p, the incidents the
// caller reaches that it may repeat: of the same category family, within
// the desk's distance of p, received within its window before now, and
// not themselves linked as repeats (the original is offered, not its
// repeats). The nearest comes first. Asking takes the right to take a call
// at p, as Intake does: outside it the answer is EFORBIDDEN.
func (s *Service) CallDuplicates(ctx context.Context, p precinct.Point, category string) ([]*precinct.Incident, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermCreateIncident); err != nil {
		return nil, err
	}
	if err := p.Validate("location"); err != nil {
		return nil, err
	}
	if p.IsZero() {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "location", "请填写警情位置（经纬度）", "The location (longitude and latitude) is required.")
	}
	loc, err := s.Resolver.Resolve(p)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermCreateIncident, loc); err != nil {
		return nil, err
	}
	c, err := s.context(ctx, loc.SubBureauID)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(c.cats, func(x precinct.Category) bool { return x.Code == category }) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "category", "未知的警情类别：%q", "Unknown category %q.", category)
	}
	now := s.now()
	window := time.Duration(DeskOf(c.rules).DuplicateWindowMin) * time.Minute
	return s.nearby(ctx, c, loc.SubBureauID, p, category, now.Add(-window), now.Add(time.Minute), func(x *precinct.Incident) bool {
		return x.DuplicateOf != ""
	})
}

// nearby lists the incidents the caller reaches in a sub-bureau, of
// category's family, within the desk's distance of p and received in
// [since, until), but for those skip names; nearest first, at most 20,
// reporters' phones masked.
func (s *Service) nearby(ctx context.Context, c *subBureauCache, subBureauID string, p precinct.Point, category string, since, until time.Time, skip func(*precinct.Incident) bool) ([]*precinct.Incident, error) {
	desk := DeskOf(c.rules)
	f := precinct.IncidentFilter{SubBureauID: subBureauID, Since: since, Until: until, Limit: 500}
	var out []*precinct.Incident
	fam := family(c.cats, category)
	for {
		page, next, err := s.ListIncidents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, x := range page {
			if skip(x) || family(c.cats, x.Category) != fam {
				continue
			}
			if precinct.DistanceM(x.Point, p) <= desk.DuplicateWithinM {
				out = append(out, x)
			}
		}
		if next == "" || len(out) >= 20 {
			break
		}
		f.Cursor = next
	}
	slices.SortFunc(out, func(a, b *precinct.Incident) int {
		da, db := precinct.DistanceM(a.Point, p), precinct.DistanceM(b.Point, p)
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return a.ReceivedAt.Compare(b.ReceivedAt)
	})
	for i, x := range out {
		out[i] = maskedIncident(x)
	}
	return out, nil
}

// maskedIncident returns a copy of inc with the reporter's phone masked.
func maskedIncident(inc *precinct.Incident) *precinct.Incident {
	c := *inc
	c.Reporter.Phone = precinct.MaskPhone(c.Reporter.Phone)
	return &c
}

// named fills the actor names of events, for people reading a timeline.
func (s *Service) named(ctx context.Context, evs []*precinct.Event) []*precinct.Event {
	names := map[string]string{}
	out := make([]*precinct.Event, len(evs))
	for i, e := range evs {
		c := *e
		if c.Actor != "" && c.Actor != "system" {
			n, ok := names[c.Actor]
			if !ok {
				if u, err := s.Store.FindUser(ctx, c.Actor); err == nil {
					n = u.Name
					if n == "" {
						n = u.Username
					}
				}
				names[c.Actor] = n
			}
			c.ActorName = n
		}
		out[i] = &c
	}
	return out
}
