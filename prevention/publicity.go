package prevention

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/workflow"
)

// PublicityKindName is the kind of work item of a publicity task: targeted
// publicity where one kind of incident clusters [001], or the visits that
// carry a warning notice to the residents of an area.
const PublicityKindName precinct.WorkKind = "publicity"

// States and actions of a publicity task.
const (
	StateAssigned  precinct.WorkState  = "assigned"  // 已下发，待宣传
	StateDone      precinct.WorkState  = "done"      // 已完成
	StateCancelled precinct.WorkState  = "cancelled" // 已撤销
	ActionDone     precinct.WorkAction = "done"      // 完成宣传（附照片）
	ActionCancel   precinct.WorkAction = "cancel"    // 撤销
)

// PublicityWithin is the time a publicity task allows by default.
const PublicityWithin = 7 * 24 * time.Hour

// PublicityKind is the table of a publicity task.
var PublicityKind = &workflow.Kind{
	Name: PublicityKindName, Label: t("宣防任务", "Publicity task"), IDPrefix: "pub",
	Initial: StateAssigned, OpenPerm: precinct.PermPrevention, OpenCount: []precinct.WorkMetric{precinct.MetricOpened, precinct.MetricAssigned},
	Tiers: []workflow.Text{t("社区民警", "Community officer")},
	States: []workflow.State{
		{Name: StateAssigned, Label: t("待宣传", "to do"), Due: &workflow.Due{Step: ActionDone, Schedule: []time.Duration{PublicityWithin}, Task: true}},
		{Name: StateDone, Label: t("已完成", "done"), Closed: true},
		{Name: StateCancelled, Label: t("已撤销", "cancelled"), Closed: true},
	},
	Table: []workflow.Transition{
		{Action: ActionDone, Label: t("完成宣传", "done"), From: states(StateAssigned), To: StateDone,
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.NeedNote, workflow.Photos},
			Count: []precinct.WorkMetric{precinct.MetricDone, precinct.MetricClosed, precinct.MetricResolved}, Late: precinct.MetricDoneLate},
		{Action: ActionCancel, Label: t("撤销", "cancel"), From: states(StateAssigned), To: StateCancelled,
			Perm: precinct.PermPrevention, By: workflow.ByScope, Effects: []workflow.Effect{workflow.NeedNote},
			Count: []precinct.WorkMetric{precinct.MetricClosed}},
	},
	Apply: applyPublicity,
}

// Publicity is the record of a publicity task (the item's Data).
type Publicity struct {
	// Purpose: publicity (a cluster of incidents) or notice (a warning
	// notice sent out).
	Purpose  string   `json:"purpose"`
	Category string   `json:"category,omitempty"` // the incident category it targets
	What     string   `json:"what"`
	Where    string   `json:"where"`
	Cluster  *Cluster `json:"cluster,omitempty"`
	NoticeID string   `json:"notice_id,omitempty"`
	// Residents is how many residents a notice is for in this grid.
	Residents int        `json:"residents,omitempty"`
	Done      *DoneEntry `json:"done,omitempty"`
}

// DoneEntry is the officer's record of the publicity done.
type DoneEntry struct {
	At     time.Time `json:"at"`
	Note   string    `json:"note"`
	Photos int       `json:"photos"`
}

func applyPublicity(it *precinct.WorkItem, tr *workflow.Transition, req precinct.WorkRequest, now time.Time) error {
	if len(req.Data) > 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "data", "此操作没有附加内容", "This action takes no detail.")
	}
	if tr.Action != ActionDone {
		return nil
	}
	if len(req.Photos) == 0 {
		return precinct.FieldErrorf(precinct.EINVALID, "photos", "请附宣传现场照片", "Attach photos of the publicity.")
	}
	var p Publicity
	if err := json.Unmarshal(it.Data, &p); err != nil {
		return err
	}
	p.Done = &DoneEntry{At: now, Note: req.Note, Photos: len(req.Photos)}
	b, err := json.Marshal(p)
	it.Data = b
	return err
}

// Cluster is where one kind of incident clusters: a square cell of the
// heat map, its police grid, and the figures behind the proposal.
type Cluster struct {
	Category     string         `json:"category"`
	CategoryName string         `json:"category_name"`
	Cell         precinct.Point `json:"cell"` // the cell's centre
	CellDeg      float64        `json:"cell_deg"`
	PoliceGridID string         `json:"police_grid_id"`
	GridName     string         `json:"grid_name,omitempty"`
	StationID    string         `json:"station_id"`
	N            int            `json:"n"`
	// Before is the count of the same cell and category in the period
	// before, of the same length.
	Before int `json:"before"`
	// Days is the period's length; PeakHour the hour most of them came.
	Days     int       `json:"days"`
	PeakHour int       `json:"peak_hour"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// Proposal is a proposed publicity task for the grid's community officer.
type Proposal struct {
	Cluster
	Title string `json:"title"`
	What  string `json:"what"`
	Where string `json:"where"`
	// TaskID is an open publicity task on the same cluster, if one exists.
	TaskID string `json:"task_id,omitempty"`
}

// ProposalQuery asks where to propose publicity: incidents of the last
// Days days, cells of CellDeg degrees holding at least Min of one category.
type ProposalQuery struct {
	Days    int
	Min     int
	CellDeg float64
}

// Proposals finds where one kind of incident clusters in the caller's
// jurisdiction — the incidents the statistics and heat map count, binned
// by category into the heat map's cells — and proposes a publicity task
// for each such cell's community officer, naming the cluster and the
// figures behind it, busiest first.
func (s *Service) Proposals(ctx context.Context, q ProposalQuery) ([]Proposal, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, err
	}
	if q.Days <= 0 {
		q.Days = 30
	}
	if q.Min <= 0 {
		q.Min = 5
	}
	if q.CellDeg <= 0 {
		q.CellDeg = 0.005
	}
	if q.Days > 366 || q.CellDeg < 0.0005 || q.CellDeg > 0.1 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "days", "统计天数应为 1 至 366，网格边长 0.0005 至 0.1 度", "Days must be 1 to 366, the cell 0.0005 to 0.1 degrees.")
	}
	to := now(s.Engine)
	from := to.Add(-time.Duration(q.Days) * 24 * time.Hour)
	before := from.Add(-time.Duration(q.Days) * 24 * time.Hour)
	type key struct {
		cat    string
		cx, cy int64
	}
	type acc struct {
		n, before int
		hours     [24]int
	}
	cells := map[key]*acc{}
	sc := precinct.ScopeOf(u)
	err := s.Engine.Store.IncidentFacts(ctx, precinct.IncidentFilter{Scope: sc, Since: before, Until: to}, func(f *precinct.IncidentFact) error {
		if f.Point.IsZero() {
			return nil
		}
		k := key{f.Category, int64(math.Floor(f.Point.Lon / q.CellDeg)), int64(math.Floor(f.Point.Lat / q.CellDeg))}
		a := cells[k]
		if a == nil {
			a = &acc{}
			cells[k] = a
		}
		if f.ReceivedAt.Before(from) {
			a.before++
		} else {
			a.n++
			a.hours[f.ReceivedAt.In(precinct.CST).Hour()]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cats := map[string]string{}
	for _, c := range precinct.DefaultCategories {
		cats[c.Code] = c.Name
	}
	if sb := u.Scope.SubBureauID; sb != "" {
		if cs, err := s.Engine.Store.ListCategories(ctx, sb); err == nil {
			for _, c := range cs {
				cats[c.Code] = c.Name
			}
		}
	}
	open := true
	tasks, _, err := s.Engine.List(ctx, precinct.WorkFilter{Kind: PublicityKindName, Open: &open, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := []Proposal{}
	for k, a := range cells {
		if a.n < q.Min {
			continue
		}
		c := Cluster{Category: k.cat, CategoryName: cats[k.cat], CellDeg: q.CellDeg, N: a.n, Before: a.before, Days: q.Days, From: from, To: to,
			Cell: precinct.Point{Lon: (float64(k.cx) + 0.5) * q.CellDeg, Lat: (float64(k.cy) + 0.5) * q.CellDeg}}
		if c.CategoryName == "" {
			c.CategoryName = k.cat
		}
		for h, n := range a.hours {
			if n > a.hours[c.PeakHour] {
				c.PeakHour = h
			}
		}
		if s.Resolver != nil {
			if loc, err := s.Resolver.Resolve(c.Cell); err == nil {
				c.PoliceGridID, c.StationID = loc.PoliceGridID, loc.StationID
				if g, err := s.Engine.Store.FindPoliceGrid(ctx, loc.PoliceGridID); err == nil {
					c.GridName = g.Name
				}
			}
		}
		if c.PoliceGridID == "" {
			continue
		}
		p := Proposal{Cluster: c, Title: fmt.Sprintf("%s高发区域针对性宣传", c.CategoryName),
			What:  fmt.Sprintf("近 %d 天%s附近发生%s警情 %d 起（前一周期 %d 起），多发于 %d 时前后：请开展针对性防范宣传", c.Days, c.GridName, c.CategoryName, c.N, c.Before, c.PeakHour),
			Where: fmt.Sprintf("%s（%.4f, %.4f 周边约 %.0f 米）", c.GridName, c.Cell.Lon, c.Cell.Lat, c.CellDeg*111000/2)}
		for _, it := range tasks {
			var d Publicity
			if json.Unmarshal(it.Data, &d) == nil && d.Cluster != nil && d.Cluster.Category == c.Category && d.Cluster.Cell == c.Cell {
				p.TaskID = it.ID
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Category < out[j].Category
	})
	return out, nil
}

// PublicityInput is a publicity task as the command office assigns it.
type PublicityInput struct {
	PoliceGridID string   `json:"police_grid_id"`
	Title        string   `json:"title"`
	What         string   `json:"what"`
	Where        string   `json:"where"`
	Category     string   `json:"category,omitempty"`
	Cluster      *Cluster `json:"cluster,omitempty"`
	// DueDays is the time allowed (default 7 days).
	Point *precinct.Point `json:"location,omitempty"`
}

// Publicize assigns a publicity task to the community officer of a police
// grid (what, where, by when), with the cluster behind it when it comes
// from a proposal.
func (s *Service) Publicize(ctx context.Context, in PublicityInput) (*precinct.WorkItem, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermPrevention); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		n, v string
		max  int
	}{{"title", in.Title, 100}, {"what", in.What, 2000}, {"where", in.Where, 200}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, precinct.FieldErrorf(precinct.EINVALID, f.n, "请填写 %s", "%s is required.", f.n)
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return nil, precinct.FieldErrorf(precinct.EINVALID, f.n, "%s 过长", "%s is too long.", f.n)
		}
	}
	loc, err := s.gridLocation(ctx, in.PoliceGridID)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermPrevention, loc); err != nil {
		return nil, err
	}
	cat := in.Category
	if in.Cluster != nil {
		cat = in.Cluster.Category
	}
	d := Publicity{Purpose: "publicity", Category: cat, What: in.What, Where: in.Where, Cluster: in.Cluster}
	it := &precinct.WorkItem{Kind: PublicityKindName, Category: "publicity", Title: in.Title, Location: loc, Address: in.Where}
	if in.Point != nil {
		it.Point = *in.Point
	} else if in.Cluster != nil {
		it.Point = in.Cluster.Cell
	}
	return s.openTask(ctx, it, d)
}

// gridLocation returns the location of a police grid the store knows.
func (s *Service) gridLocation(ctx context.Context, id string) (precinct.Location, error) {
	g, err := s.Engine.Store.FindPoliceGrid(ctx, id)
	if err != nil {
		return precinct.Location{}, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", id)
	}
	st, err := s.Engine.Store.FindStation(ctx, g.StationID)
	if err != nil {
		return precinct.Location{}, err
	}
	return precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID, PoliceGridID: g.ID}, nil
}

// openTask opens a publicity task for the grid's community officer.
func (s *Service) openTask(ctx context.Context, it *precinct.WorkItem, d Publicity) (*precinct.WorkItem, error) {
	id, err := s.officer(ctx, it.Location.PoliceGridID, &officerCache{})
	if err != nil {
		return nil, err
	}
	it.Assignee = precinct.TeamAssignee(it.Location.StationID, precinct.TeamCommunity)
	if id != "" {
		it.Assignee = precinct.UserAssignee(id)
	}
	if it.Data, err = json.Marshal(d); err != nil {
		return nil, err
	}
	created, _, err := s.Engine.Open(ctx, it, nil, nil)
	return created, err
}

// PublicityTasks returns publicity tasks the caller may read.
func (s *Service) PublicityTasks(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	f.Kind = PublicityKindName
	return s.Engine.List(ctx, f)
}

// ActPublicity records a publicity task done (with photos) or cancelled.
func (s *Service) ActPublicity(ctx context.Context, id string, req precinct.WorkRequest) (*precinct.WorkItem, error) {
	it, err := s.Engine.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != PublicityKindName {
		return nil, precinct.ErrNotFound("宣防任务", "Publicity task", id)
	}
	return s.Engine.Act(ctx, id, req)
}
