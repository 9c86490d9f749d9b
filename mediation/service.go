package mediation

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"precinct"
	"precinct/workflow"
)

// Service opens disputes and moves them through mediation on the workflow
// engine. Engine and Resolver are required.
type Service struct {
	Engine   *workflow.Engine
	Resolver precinct.Resolver
}

// PartyInput is a party as given: a name, the registry's person if known,
// and personal data kept apart from the record.
type PartyInput struct {
	Name       string `json:"name"`
	RegistryID string `json:"registry_id,omitempty"`
	Phone      string `json:"phone,omitempty"`
	IDNumber   string `json:"id_number,omitempty"`
}

// Input is a new dispute.
type Input struct {
	Kind    string       `json:"kind"`
	Risk    string       `json:"risk"`
	Group   bool         `json:"group"`
	Summary string       `json:"summary"`
	Parties []PartyInput `json:"parties"`
	// Where: a point, or the incident's or report's.
	Point   *precinct.Point `json:"location,omitempty"`
	Address string          `json:"address,omitempty"`
	// Where it came from: one of these, or none for a visit's or one typed in.
	IncidentID   string `json:"incident_id,omitempty"`
	GridReportID string `json:"grid_report_id,omitempty"`
	VisitID      string `json:"visit_id,omitempty"`
	// IdempotencyKey makes a resent dispute one dispute.
	IdempotencyKey string `json:"-"`
}

// View is a dispute as the API shows it.
type View struct {
	*precinct.WorkItem
	Dispute  Dispute                `json:"dispute"`
	Contacts []precinct.WorkContact `json:"contacts"`
}

// Open registers a dispute (矛盾纠纷排查登记).
func (s *Service) Open(ctx context.Context, in Input) (*precinct.WorkItem, bool, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermMediate); err != nil {
		return nil, false, err
	}
	it := &precinct.WorkItem{Kind: Kind, IdempotencyKey: in.IdempotencyKey}
	switch {
	case in.IncidentID != "" && in.GridReportID != "", in.IncidentID != "" && in.VisitID != "", in.GridReportID != "" && in.VisitID != "":
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "incident_id", "只能注明一个来源", "Name one source at most.")
	case in.IncidentID != "":
		inc, err := s.Engine.Store.FindIncident(ctx, in.IncidentID)
		if err != nil || !precinct.ScopeOf(u).CoversAny(inc.Locations()...) {
			return nil, false, precinct.FieldErrorf(precinct.ENOTFOUND, "incident_id", "警情不存在：%s", "Incident not found: %s", in.IncidentID)
		}
		it.Source, it.Point, it.Location, it.Address = precinct.WorkSource{Kind: "incident", ID: inc.ID}, inc.Point, inc.Location, inc.Address
	case in.GridReportID != "":
		r, err := s.Engine.Find(ctx, in.GridReportID)
		if err != nil {
			return nil, false, precinct.FieldErrorf(precinct.ENOTFOUND, "grid_report_id", "网格事项不存在：%s", "Grid report not found: %s", in.GridReportID)
		}
		it.Source, it.Point, it.Location, it.Address = precinct.WorkSource{Kind: "grid_report", ID: r.ID}, r.Point, r.Location, r.Address
	case in.VisitID != "":
		it.Source = precinct.WorkSource{Kind: "visit", ID: in.VisitID}
	}
	if in.Point != nil {
		loc, err := s.Resolver.Resolve(*in.Point)
		if err != nil {
			return nil, false, err
		}
		it.Point, it.Location = *in.Point, loc
	}
	if it.Location.SubBureauID == "" {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "location", "请给出纠纷发生地点或来源警情", "Give the place of the dispute, or the incident it came from.")
	}
	if in.Address != "" {
		it.Address = in.Address
	}
	d, contacts, err := s.record(in)
	if err != nil {
		return nil, false, err
	}
	if u.Role == precinct.RoleCommunity || u.Role == precinct.RoleCommand {
		d.OfficerID = u.ID
		it.Assignee = precinct.UserAssignee(u.ID)
	}
	it.Category, it.Urgency = d.Kind, risks[d.Risk]
	it.Title = DisputeKinds[d.Kind].ZH + "：" + partyNames(d.Parties)
	if it.Data, err = json.Marshal(d); err != nil {
		return nil, false, err
	}
	return s.Engine.Open(ctx, it, nil, contacts)
}

// record checks the input and returns the dispute record and the parties'
// personal data.
func (s *Service) record(in Input) (Dispute, []precinct.WorkContact, error) {
	if in.Risk == "" {
		in.Risk = "medium"
	}
	if in.Kind == "" {
		in.Kind = "other"
	}
	if _, ok := DisputeKinds[in.Kind]; !ok {
		return Dispute{}, nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的纠纷类别：%q", "Unknown kind of dispute %q.", in.Kind)
	}
	if _, ok := risks[in.Risk]; !ok {
		return Dispute{}, nil, precinct.FieldErrorf(precinct.EINVALID, "risk", "风险等级应为 low、medium 或 high", "Risk must be low, medium or high.")
	}
	if len(in.Parties) == 0 || len(in.Parties) > 200 {
		return Dispute{}, nil, precinct.FieldErrorf(precinct.EINVALID, "parties", "请填写当事人（1 至 200 人）", "Name the parties (1 to 200).")
	}
	if err := tooLong("summary", in.Summary, 4000); err != nil {
		return Dispute{}, nil, err
	}
	d := Dispute{Kind: in.Kind, Risk: in.Risk, Group: in.Group, Summary: in.Summary}
	var contacts []precinct.WorkContact
	for i, p := range in.Parties {
		if strings.TrimSpace(p.Name) == "" {
			return Dispute{}, nil, precinct.FieldErrorf(precinct.EINVALID, "parties", "第 %d 位当事人没有姓名", "Party %d has no name.", i+1)
		}
		for _, f := range []struct{ n, v string }{{"parties.name", p.Name}, {"parties.registry_id", p.RegistryID}, {"parties.phone", p.Phone}, {"parties.id_number", p.IDNumber}} {
			if err := tooLong(f.n, f.v, 64); err != nil {
				return Dispute{}, nil, err
			}
		}
		d.Parties = append(d.Parties, Party{Name: p.Name, RegistryID: p.RegistryID})
		contacts = append(contacts, precinct.WorkContact{Role: "party", Index: i, Name: p.Name, Phone: p.Phone, IDNumber: p.IDNumber})
	}
	return d, contacts, nil
}

func partyNames(ps []Party) string {
	var names []string
	for i, p := range ps {
		if i == 3 {
			names = append(names, fmt.Sprintf("等 %d 人", len(ps)))
			break
		}
		names = append(names, p.Name)
	}
	return strings.Join(names, "、")
}

// Find returns one dispute the caller may read.
func (s *Service) Find(ctx context.Context, id string) (*View, error) {
	it, err := s.Engine.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != Kind {
		return nil, precinct.ErrNotFound("矛盾纠纷", "Dispute", id)
	}
	return s.view(ctx, it)
}

func (s *Service) view(ctx context.Context, it *precinct.WorkItem) (*View, error) {
	v := &View{WorkItem: it}
	if err := json.Unmarshal(it.Data, &v.Dispute); err != nil {
		return nil, err
	}
	cs, err := s.Engine.MaskedContacts(ctx, it.ID)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []precinct.WorkContact{}
	}
	v.Contacts = cs
	return v, nil
}

// List returns disputes the caller may read.
func (s *Service) List(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	f.Kind = Kind
	return s.Engine.List(ctx, f)
}

// Act records a session, an agreement, a follow-up visit, the closing or a
// failure.
func (s *Service) Act(ctx context.Context, id string, req precinct.WorkRequest) (*View, error) {
	if _, err := s.Find(ctx, id); err != nil {
		return nil, err
	}
	it, err := s.Engine.Act(ctx, id, req)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, it)
}

// disputeKindOf maps an incident's category to a kind of dispute.
var disputeKindOf = map[string]string{"neighbour": "neighbour", "family": "family"}

// HandoverWork opens a dispute for an incident of the dispute kind handed
// over (the community office mediates it), in the incident's transaction.
func (s *Service) HandoverWork(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest) ([]precinct.WorkChange, error) {
	cats, err := s.Engine.Store.ListCategories(ctx, inc.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	dispute := false
	for _, c := range cats {
		if c.Code == inc.Category && c.Kind == precinct.KindDispute {
			dispute = true
		}
	}
	if !dispute {
		return nil, nil
	}
	kind := disputeKindOf[inc.Category]
	if kind == "" {
		kind = "other"
	}
	name := inc.Reporter.Name
	if name == "" {
		name = "报警人"
	}
	summary := inc.Description
	if req.Note != "" {
		summary += "\n移交说明：" + req.Note
	}
	d := Dispute{Kind: kind, Risk: "medium", Summary: summary, Parties: []Party{{Name: name}}}
	data, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	it := &precinct.WorkItem{Kind: Kind, Category: kind, Urgency: risks["medium"], Title: DisputeKinds[kind].ZH + "（警情移交）：" + name,
		Point: inc.Point, Address: inc.Address, Location: inc.Location, Source: precinct.WorkSource{Kind: "incident", ID: inc.ID},
		Assignee: precinct.TeamAssignee(inc.Location.StationID, precinct.TeamCommunity), Data: data, IdempotencyKey: "handover:" + inc.ID}
	c, err := s.Engine.Following(ctx, it, []precinct.WorkContact{{Role: "party", Name: name, Phone: inc.Reporter.Phone}})
	if err != nil {
		return nil, err
	}
	return []precinct.WorkChange{c}, nil
}

// Month is the screening and resolution counts of a month and of the same
// month a year before (同比).
type Month struct {
	Month            string   `json:"month"` // 2026-03
	Screened         int      `json:"screened"`
	Resolved         int      `json:"resolved"`
	ScreenedLastYear int      `json:"screened_last_year"`
	ResolvedLastYear int      `json:"resolved_last_year"`
	ScreenedChange   *float64 `json:"screened_change"` // relative, 0.11 for +11%
	ResolvedChange   *float64 `json:"resolved_change"`
}

// Rate is the success of a mediator, an officer or a station: disputes
// concluded in the period, and the share resolved.
type Rate struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Concluded   int      `json:"concluded"`
	Resolved    int      `json:"resolved"`
	SuccessRate *float64 `json:"success_rate"`
}

// Flag is a risk dispute open too long.
type Flag struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Risk     string    `json:"risk"`
	Group    bool      `json:"group"`
	OpenedAt time.Time `json:"opened_at"`
	Days     int       `json:"days"`
	State    string    `json:"state"`
}

// Figures are the dispute figures of a period.
type Figures struct {
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Months      []Month   `json:"months"`
	ByMediator  []Rate    `json:"by_mediator"`
	ByOfficer   []Rate    `json:"by_officer"`
	ByStation   []Rate    `json:"by_station"`
	RiskOverdue []Flag    `json:"risk_overdue"`
}

func change(now, before int) *float64 {
	if before == 0 {
		return nil
	}
	r := float64(now-before) / float64(before)
	return &r
}

// Figures computes the dispute figures of the months from from to to
// (whole months, China Standard Time, at most 24) in the caller's
// jurisdiction, and flags high-risk disputes open more than riskDays.
func (s *Service) Figures(ctx context.Context, from, to time.Time, riskDays int) (*Figures, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	from, to = monthStart(from), monthStart(to)
	if !to.After(from) || to.After(from.AddDate(2, 0, 0)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "统计区间应为 1 至 24 个月", "The period must be 1 to 24 months.")
	}
	if riskDays <= 0 {
		riskDays = 30
	}
	out := &Figures{From: from, To: to, Months: []Month{}, RiskOverdue: []Flag{}}
	sum := func(a, b time.Time) (precinct.WorkTally, error) {
		cs, err := s.Engine.Counts(ctx, precinct.WorkCountFilter{Kind: Kind, From: a, To: b})
		if err != nil || len(cs) == 0 {
			return precinct.WorkTally{}, err
		}
		return cs[0].Tally, nil
	}
	if precinct.ScopeOf(u).PoliceGridID == "" {
		for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
			cur, err := sum(m, m.AddDate(0, 1, 0))
			if err != nil {
				return nil, err
			}
			prev, err := sum(m.AddDate(-1, 0, 0), m.AddDate(-1, 1, 0))
			if err != nil {
				return nil, err
			}
			mo := Month{Month: m.Format("2006-01"), Screened: cur.Get(precinct.MetricOpened), Resolved: cur.Get(precinct.MetricResolved),
				ScreenedLastYear: prev.Get(precinct.MetricOpened), ResolvedLastYear: prev.Get(precinct.MetricResolved)}
			mo.ScreenedChange, mo.ResolvedChange = change(mo.Screened, mo.ScreenedLastYear), change(mo.Resolved, mo.ResolvedLastYear)
			out.Months = append(out.Months, mo)
		}
	}
	mediators, officers, stations := map[string]*Rate{}, map[string]*Rate{}, map[string]*Rate{}
	add := func(m map[string]*Rate, key, name string, resolved bool) {
		r := m[key]
		if r == nil {
			r = &Rate{Key: key, Name: name}
			m[key] = r
		}
		r.Concluded++
		if resolved {
			r.Resolved++
		}
	}
	closed := false
	now := s.Engine.Clock.Now()
	for _, open := range []bool{closed, true} {
		for cur := ""; ; {
			items, next, err := s.List(ctx, precinct.WorkFilter{Open: &open, Cursor: cur, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				var d Dispute
				if json.Unmarshal(it.Data, &d) != nil {
					continue
				}
				if open {
					if d.Risk == "high" && now.Sub(it.OpenedAt) > time.Duration(riskDays)*24*time.Hour {
						out.RiskOverdue = append(out.RiskOverdue, Flag{ID: it.ID, Title: it.Title, Risk: d.Risk, Group: d.Group,
							OpenedAt: it.OpenedAt, Days: int(now.Sub(it.OpenedAt).Hours() / 24), State: string(it.State)})
					}
					continue
				}
				if it.ClosedAt == nil || it.ClosedAt.Before(from) || !it.ClosedAt.Before(to) {
					continue
				}
				resolved := it.State == StateResolved
				seen := map[string]bool{}
				for _, s := range d.Sessions {
					for _, a := range s.Attendees {
						if (a.Role == "mediator" || a.Role == "lawyer") && !seen[a.Name] {
							seen[a.Name] = true
							key := a.PersonID
							if key == "" {
								key = a.Name
							}
							add(mediators, key, a.Name, resolved)
						}
					}
				}
				if d.OfficerID != "" {
					add(officers, d.OfficerID, d.OfficerID, resolved)
				}
				add(stations, it.Location.StationID, it.Location.StationID, resolved)
			}
			if cur = next; cur == "" {
				break
			}
		}
	}
	rates := func(m map[string]*Rate) []Rate {
		out := []Rate{}
		for _, r := range m {
			if r.Concluded > 0 {
				v := float64(r.Resolved) / float64(r.Concluded)
				r.SuccessRate = &v
			}
			out = append(out, *r)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Concluded != out[j].Concluded {
				return out[i].Concluded > out[j].Concluded
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	out.ByMediator, out.ByOfficer, out.ByStation = rates(mediators), rates(officers), rates(stations)
	return out, nil
}

func monthStart(t time.Time) time.Time {
	t = t.In(precinct.CST)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, precinct.CST)
}
