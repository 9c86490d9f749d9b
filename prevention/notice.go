package prevention

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"precinct"
)

// NoticeInput is a warning notice to send out: to the residents of an area
// (a standard address and all under it, or a police grid), optionally only
// those of a category (e.g. elderly living alone).
type NoticeInput struct {
	Headline    string            `json:"headline"`
	Description string            `json:"description"`
	Instruction string            `json:"instruction,omitempty"`
	AddressID   string            `json:"address_id,omitempty"`
	PoliceGrid  string            `json:"police_grid_id,omitempty"`
	Category    precinct.CareFlag `json:"category,omitempty"`
}

// Notice is a warning notice sent: its CAP 1.2 alert, how many residents
// it is for, and the tasks of the officers who carry it to them.
type Notice struct {
	ID          string            `json:"id"`
	Headline    string            `json:"headline"`
	Description string            `json:"description"`
	Instruction string            `json:"instruction,omitempty"`
	Area        string            `json:"area"`
	AddressID   string            `json:"address_id,omitempty"`
	PoliceGrid  string            `json:"police_grid_id,omitempty"`
	Category    precinct.CareFlag `json:"category,omitempty"`
	Residents   int               `json:"residents"`
	// Grids counts the residents by police grid; Tasks are the officers'
	// tasks, one per grid.
	Grids map[string]int `json:"grids"`
	Tasks []string       `json:"tasks"`
	CAP   string         `json:"cap"`
}

var careFlags = []precinct.CareFlag{precinct.CareElderlyAlone, precinct.CareMinor, precinct.CareCorrection, precinct.CareMental}

// SendNotice writes a warning notice as a CAP 1.2 alert for the residents of
// an area (or of a category there), stores it, and gives the community
// officer of each police grid concerned a task to carry it to them.
func (s *Service) SendNotice(ctx context.Context, in NoticeInput) (*Notice, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermPrevention); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		n, v string
		max  int
	}{{"headline", in.Headline, 100}, {"description", in.Description, 2000}} {
		if strings.TrimSpace(f.v) == "" || utf8.RuneCountInString(f.v) > f.max {
			return nil, precinct.FieldErrorf(precinct.EINVALID, f.n, "请填写 %s（不超过 %d 字）", "%s is required (at most %d characters).", f.n, f.max)
		}
	}
	if utf8.RuneCountInString(in.Instruction) > 2000 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "instruction", "instruction 过长", "instruction is too long.")
	}
	if in.Category != "" && !slices.Contains(careFlags, in.Category) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "category", "未知的人员类别：%s", "Unknown category of people: %s", in.Category)
	}
	sc := precinct.ScopeOf(u)
	f := precinct.ResidentFilter{Scope: sc, Flag: in.Category, Statuses: []precinct.RecordStatus{precinct.StatusActive}, Limit: 1000}
	n := &Notice{Headline: in.Headline, Description: in.Description, Instruction: in.Instruction, Category: in.Category, Grids: map[string]int{}, Tasks: []string{}}
	var at precinct.Location
	var centre *precinct.Point
	switch {
	case (in.AddressID == "") == (in.PoliceGrid == ""):
		return nil, precinct.FieldErrorf(precinct.EINVALID, "address_id", "请指定一个标准地址或一个警格", "Name one standard address or one police grid.")
	case in.AddressID != "":
		a, err := s.Engine.Store.FindAddress(ctx, in.AddressID)
		if err != nil || !sc.Covers(a.Location) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "address_id", "标准地址不存在：%s", "Standard address not found: %s", in.AddressID)
		}
		f.Address, n.Area, n.AddressID, at = a.ID, a.FullName, a.ID, a.Location
		p := a.Point
		centre = &p
	default:
		loc, err := s.gridLocation(ctx, in.PoliceGrid)
		if err != nil {
			return nil, err
		}
		if !sc.Covers(loc) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "police_grid_id", "警格不存在：%s", "Police grid not found: %s", in.PoliceGrid)
		}
		g, _ := s.Engine.Store.FindPoliceGrid(ctx, in.PoliceGrid)
		f.Scope = precinct.Scope{Location: loc}
		n.Area, n.PoliceGrid, at = g.Name, g.ID, loc
	}
	if err := precinct.Authorize(u, precinct.PermPrevention, at); err != nil {
		return nil, err
	}
	locs := map[string]precinct.Location{}
	points := map[string]precinct.Point{}
	for {
		rs, next, err := s.Engine.Store.ListResidents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			n.Residents++
			n.Grids[r.Location.PoliceGridID]++
			locs[r.Location.PoliceGridID] = precinct.Location{SubBureauID: r.Location.SubBureauID, StationID: r.Location.StationID, PoliceGridID: r.Location.PoliceGridID}
			points[r.Location.PoliceGridID] = r.Point
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	t := now(s.Engine)
	n.ID = precinct.NewID("ntc", t)
	area := n.Area
	if in.Category == precinct.CareElderlyAlone {
		area += "（独居老人）"
	}
	xml, err := NoticeCAP(n.ID, "precinct@"+at.SubBureauID, t, in.Headline, in.Description, in.Instruction, area, centre, 0.5)
	if err != nil {
		return nil, err
	}
	n.CAP = string(xml)
	grids := make([]string, 0, len(n.Grids))
	for g := range n.Grids {
		grids = append(grids, g)
	}
	slices.Sort(grids)
	for _, g := range grids {
		it := &precinct.WorkItem{Kind: PublicityKindName, Category: "notice", Title: "预警通知：" + in.Headline, Location: locs[g], Point: points[g], Address: n.Area}
		created, err := s.openTask(ctx, it, Publicity{Purpose: "notice", What: in.Description, Where: n.Area, NoticeID: n.ID, Residents: n.Grids[g]})
		if err != nil {
			return nil, err
		}
		n.Tasks = append(n.Tasks, created.ID)
	}
	data, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	rec := &precinct.PreventionRecord{ID: n.ID, Kind: "notice", Location: at, At: t, By: u.ID, Data: data}
	ev := precinct.NewEvent(ctx, t, "prevention.notice", at, "prevention_record", rec.ID, nil, rec, nil)
	if err := s.Engine.Store.PutPreventionRecord(ctx, rec, ev); err != nil {
		return nil, err
	}
	if s.Engine.Notify != nil {
		s.Engine.Notify()
	}
	return n, nil
}

// FindNotice returns a notice the caller may read.
func (s *Service) FindNotice(ctx context.Context, id string) (*Notice, error) {
	rec, err := s.findRecord(ctx, id, "notice")
	if err != nil {
		return nil, err
	}
	var n Notice
	return &n, json.Unmarshal(rec.Data, &n)
}

// findRecord returns a record of a kind the caller may read: work.read,
// and its place or one of its stations in the caller's jurisdiction.
func (s *Service) findRecord(ctx context.Context, id, kind string) (*precinct.PreventionRecord, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	rec, err := s.Engine.Store.FindPreventionRecord(ctx, id)
	if err != nil || rec.Kind != kind || !recordVisible(u, rec) {
		return nil, precinct.ErrNotFound("记录", "Record", id)
	}
	return rec, nil
}

// recordVisible is the one read rule of prevention records.
func recordVisible(u *precinct.User, r *precinct.PreventionRecord) bool {
	if precinct.Authorize(u, precinct.PermReadWork) != nil {
		return false
	}
	sc := precinct.ScopeOf(u)
	if sc.Covers(r.Location) {
		return true
	}
	for _, st := range r.StationIDs {
		if sc.Covers(precinct.Location{SubBureauID: r.Location.SubBureauID, StationID: st}) {
			return true
		}
	}
	return false
}

// Notices lists the notices the caller may read.
func (s *Service) Notices(ctx context.Context) ([]*Notice, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	recs, err := s.Engine.Store.ListPreventionRecords(ctx, precinct.PreventionRecordFilter{Scope: precinct.ScopeOf(u), Kind: "notice", Limit: 200})
	if err != nil {
		return nil, err
	}
	out := []*Notice{}
	for _, r := range recs {
		var n Notice
		if json.Unmarshal(r.Data, &n) == nil {
			out = append(out, &n)
		}
	}
	return out, nil
}
