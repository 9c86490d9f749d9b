package prevention

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
)

// CrimeGroup is one of the frequent property crimes analysed jointly: its
// name and the incident categories it counts.
type CrimeGroup struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	NameEN     string   `json:"name_en"`
	Categories []string `json:"categories"`
}

// PropertyCrimes are the six frequent property crimes (六类多发性侵财案件)
// [003], as a sub-bureau starts with them; each sub-bureau may set its own
// list (PutCrimeGroups). A group counts incidents of its categories and of
// their child categories.
var PropertyCrimes = []CrimeGroup{
	{Code: "vehicle_theft", Name: "盗窃车内财物", NameEN: "Theft from vehicles", Categories: []string{"vehicle_theft", "theft_from_vehicle"}},
	{Code: "burglary", Name: "入室盗窃", NameEN: "Burglary", Categories: []string{"burglary"}},
	{Code: "pickpocketing", Name: "扒窃", NameEN: "Pickpocketing", Categories: []string{"pickpocketing"}},
	{Code: "bike_theft", Name: "盗窃电动车、自行车", NameEN: "Bicycle and e-bike theft", Categories: []string{"bike_theft", "ebike_theft"}},
	{Code: "fraud", Name: "诈骗", NameEN: "Fraud", Categories: []string{"fraud"}},
	{Code: "robbery", Name: "抢劫抢夺", NameEN: "Robbery and snatching", Categories: []string{"robbery"}},
}

// Kinds of prevention records.
const (
	RecordLedger     = "ledger"     // 联合研判台账
	RecordEvaluation = "evaluation" // 相互评议
	RecordExchange   = "exchange"   // 定期互通情况
	RecordNotice     = "notice"
	RecordCrimes     = "crime_groups"
)

// jointPair returns the service station and checks the caller reaches it:
// a jurisdiction covering one of its bound stations (or the sub-bureau).
func (s *Service) jointPair(ctx context.Context, id string, perm precinct.Permission) (*precinct.ServiceStation, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, perm); err != nil {
		return nil, err
	}
	sc := precinct.ScopeOf(u)
	sbs := []string{sc.SubBureauID}
	if sc.All {
		all, err := s.Engine.Store.ListSubBureaus(ctx)
		if err != nil {
			return nil, err
		}
		sbs = nil
		for _, sb := range all {
			sbs = append(sbs, sb.ID)
		}
	}
	for _, sb := range sbs {
		sss, err := s.Engine.Store.ListServiceStations(ctx, sb)
		if err != nil {
			return nil, err
		}
		for _, ss := range sss {
			if ss.ID != id {
				continue
			}
			if precinct.Authorize(u, perm, precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[0]},
				precinct.Location{SubBureauID: ss.SubBureauID, StationID: ss.StationIDs[1]}) != nil {
				break
			}
			return ss, nil
		}
	}
	return nil, precinct.ErrNotFound("警务站", "Police service station", id)
}

// CrimeGroups returns the property-crime list of a sub-bureau.
func (s *Service) CrimeGroups(ctx context.Context, subBureauID string) ([]CrimeGroup, error) {
	recs, err := s.Engine.Store.ListPreventionRecords(ctx, precinct.PreventionRecordFilter{
		Scope: precinct.Scope{Location: precinct.Location{SubBureauID: subBureauID}}, Kind: RecordCrimes, Limit: 1})
	if err != nil || len(recs) == 0 {
		return PropertyCrimes, err
	}
	var gs []CrimeGroup
	return gs, json.Unmarshal(recs[0].Data, &gs)
}

// PutCrimeGroups sets the property-crime list of the caller's sub-bureau
// (1 to 12 groups, each naming incident categories).
func (s *Service) PutCrimeGroups(ctx context.Context, subBureauID string, gs []CrimeGroup) ([]CrimeGroup, error) {
	u := precinct.UserFromContext(ctx)
	if subBureauID == "" {
		subBureauID = u.Scope.SubBureauID
	}
	at := precinct.Location{SubBureauID: subBureauID}
	if subBureauID == "" || precinct.Authorize(u, precinct.PermPrevention, at) != nil || precinct.ScopeOf(u).StationID != "" {
		return nil, precinct.ErrForbidden()
	}
	if len(gs) == 0 || len(gs) > 12 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "groups", "类别应为 1 至 12 个", "Give 1 to 12 groups.")
	}
	seen := map[string]bool{}
	for i, g := range gs {
		if g.Code == "" || seen[g.Code] || strings.TrimSpace(g.Name) == "" || len(g.Categories) == 0 || len(g.Categories) > 20 {
			return nil, precinct.FieldErrorf(precinct.EINVALID, fmt.Sprintf("groups[%d]", i), "每类须有唯一代码、名称和警情类别", "Each group needs a unique code, a name and incident categories.")
		}
		seen[g.Code] = true
	}
	data, err := json.Marshal(gs)
	if err != nil {
		return nil, err
	}
	t := now(s.Engine)
	rec := &precinct.PreventionRecord{ID: precinct.NewID("crg", t), Kind: RecordCrimes, Location: at, At: t, By: u.ID, Data: data}
	if err := s.Engine.Store.PutPreventionRecord(ctx, rec, precinct.NewEvent(ctx, t, "prevention.crime_groups", at, "prevention_record", rec.ID, nil, rec, nil)); err != nil {
		return nil, err
	}
	return gs, nil
}

// JointGroup is the analysis of one property crime.
type JointGroup struct {
	CrimeGroup
	Total     int            `json:"total"`
	LastYear  int            `json:"last_year"`
	ByStation map[string]int `json:"by_station"`
	ByHour    [24]int        `json:"by_hour"`
	// ByMonth is the trend: counts by month of the period.
	ByMonth []MonthCount `json:"by_month"`
	Places  []PlaceCount `json:"places"`
	Change  *float64     `json:"change"` // relative to a year before
}

// MonthCount is a count of a month.
type MonthCount struct {
	Month string `json:"month"`
	N     int    `json:"n"`
}

// PlaceCount is a cell where incidents happened, with its police grid.
type PlaceCount struct {
	Cell         precinct.Point `json:"cell"`
	PoliceGridID string         `json:"police_grid_id,omitempty"`
	GridName     string         `json:"grid_name,omitempty"`
	N            int            `json:"n"`
}

// JointAnalysis is the joint analysis of the property crimes of a police
// service station's two bound stations, and the records both sides share.
type JointAnalysis struct {
	ServiceStation *precinct.ServiceStation     `json:"service_station"`
	Stations       map[string]string            `json:"stations"` // ID → name
	From           time.Time                    `json:"from"`
	To             time.Time                    `json:"to"`
	Groups         []JointGroup                 `json:"groups"`
	Ledger         []*precinct.PreventionRecord `json:"ledger"`
	Exchanges      []*precinct.PreventionRecord `json:"exchanges"`
}

const placeCell = 0.005

// Joint analyses the property crimes of a service station and its two
// bound stations over [from, to): counts by station, hour, month and place,
// against a year before; with the ledger and exchange records both see.
func (s *Service) Joint(ctx context.Context, ssID string, from, to time.Time) (*JointAnalysis, error) {
	ss, err := s.jointPair(ctx, ssID, precinct.PermReadIncident)
	if err != nil {
		return nil, err
	}
	if !to.After(from) || to.After(from.AddDate(2, 0, 0)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "统计区间应为 1 天至 2 年", "The period must be a day to two years.")
	}
	gs, err := s.CrimeGroups(ctx, ss.SubBureauID)
	if err != nil {
		return nil, err
	}
	cats, err := s.Engine.Store.ListCategories(ctx, ss.SubBureauID)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		cats = precinct.DefaultCategories
	}
	parent := map[string]string{}
	for _, c := range cats {
		parent[c.Code] = c.Parent
	}
	groupOf := func(cat string) int {
		for c := cat; c != ""; c = parent[c] {
			for i, g := range gs {
				if slices.Contains(g.Categories, c) {
					return i
				}
			}
		}
		return -1
	}
	out := &JointAnalysis{ServiceStation: ss, Stations: map[string]string{}, From: from, To: to}
	for _, id := range ss.StationIDs {
		if st, err := s.Engine.Store.FindStation(ctx, id); err == nil {
			out.Stations[id] = st.Name
		}
	}
	places := make([]map[[2]int64]int, len(gs))
	for i, g := range gs {
		out.Groups = append(out.Groups, JointGroup{CrimeGroup: g, ByStation: map[string]int{ss.StationIDs[0]: 0, ss.StationIDs[1]: 0}, ByMonth: []MonthCount{}, Places: []PlaceCount{}})
		places[i] = map[[2]int64]int{}
	}
	months := map[string]int{}
	for m := time.Date(from.In(precinct.CST).Year(), from.In(precinct.CST).Month(), 1, 0, 0, 0, 0, precinct.CST); m.Before(to); m = m.AddDate(0, 1, 0) {
		months[m.Format("2006-01")] = len(months)
		for i := range out.Groups {
			out.Groups[i].ByMonth = append(out.Groups[i].ByMonth, MonthCount{Month: m.Format("2006-01")})
		}
	}
	// The bound stations' incidents: their own and those shared with
	// them; the scope is the pair's, the caller having reached it.
	sc := precinct.Scope{Location: precinct.Location{SubBureauID: ss.SubBureauID}}
	f := precinct.IncidentFilter{Scope: sc, StationIDs: ss.StationIDs[:], Since: from.AddDate(-1, 0, 0), Until: to}
	err = s.Engine.Store.IncidentFacts(ctx, f, func(fact *precinct.IncidentFact) error {
		i := groupOf(fact.Category)
		if i < 0 || fact.StationID != ss.StationIDs[0] && fact.StationID != ss.StationIDs[1] {
			return nil
		}
		g := &out.Groups[i]
		if fact.ReceivedAt.Before(from) {
			if !fact.ReceivedAt.Before(from.AddDate(-1, 0, 0)) && fact.ReceivedAt.Before(to.AddDate(-1, 0, 0)) {
				g.LastYear++
			}
			return nil
		}
		g.Total++
		g.ByStation[fact.StationID]++
		g.ByHour[fact.ReceivedAt.In(precinct.CST).Hour()]++
		if m, ok := months[fact.ReceivedAt.In(precinct.CST).Format("2006-01")]; ok {
			g.ByMonth[m].N++
		}
		if !fact.Point.IsZero() {
			places[i][[2]int64{int64(math.Floor(fact.Point.Lon / placeCell)), int64(math.Floor(fact.Point.Lat / placeCell))}]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out.Groups {
		g := &out.Groups[i]
		if g.LastYear > 0 {
			c := float64(g.Total-g.LastYear) / float64(g.LastYear)
			g.Change = &c
		}
		for k, n := range places[i] {
			p := PlaceCount{Cell: precinct.Point{Lon: (float64(k[0]) + 0.5) * placeCell, Lat: (float64(k[1]) + 0.5) * placeCell}, N: n}
			if s.Resolver != nil {
				if loc, err := s.Resolver.Resolve(p.Cell); err == nil {
					p.PoliceGridID = loc.PoliceGridID
					if pg, err := s.Engine.Store.FindPoliceGrid(ctx, loc.PoliceGridID); err == nil {
						p.GridName = pg.Name
					}
				}
			}
			g.Places = append(g.Places, p)
		}
		sort.Slice(g.Places, func(a, b int) bool {
			if g.Places[a].N != g.Places[b].N {
				return g.Places[a].N > g.Places[b].N
			}
			return g.Places[a].Cell.Lon < g.Places[b].Cell.Lon
		})
		if len(g.Places) > 5 {
			g.Places = g.Places[:5]
		}
	}
	if out.Ledger, err = s.pairRecords(ctx, ss, RecordLedger); err != nil {
		return nil, err
	}
	if out.Exchanges, err = s.pairRecords(ctx, ss, RecordExchange); err != nil {
		return nil, err
	}
	return out, nil
}

// pairRecords returns the records of a kind of a service station's pair.
func (s *Service) pairRecords(ctx context.Context, ss *precinct.ServiceStation, kind string) ([]*precinct.PreventionRecord, error) {
	u := precinct.UserFromContext(ctx)
	recs, err := s.Engine.Store.ListPreventionRecords(ctx, precinct.PreventionRecordFilter{Scope: precinct.ScopeOf(u), Kind: kind, ServiceStationID: ss.ID, Limit: 500})
	if recs == nil {
		recs = []*precinct.PreventionRecord{}
	}
	return recs, err
}

// RecordInput is a ledger entry (研判结论与措施) or an exchange record (互通
// 情况：会商日期、讨论的警情和案件) of a service station's pair.
type RecordInput struct {
	ServiceStationID string `json:"service_station_id"`
	Kind             string `json:"kind"` // ledger or exchange
	// Date is the meeting's date (YYYY-MM-DD).
	Date string `json:"date"`
	// Title, Findings and Measures of a ledger entry; Incidents and Cases
	// discussed at an exchange.
	Title     string   `json:"title,omitempty"`
	Findings  string   `json:"findings,omitempty"`
	Measures  string   `json:"measures,omitempty"`
	Incidents []string `json:"incidents,omitempty"`
	Cases     []string `json:"cases,omitempty"`
	Attendees []string `json:"attendees,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// AddRecord adds a ledger entry or an exchange record that both stations
// of the pair (and the sub-bureau) see.
func (s *Service) AddRecord(ctx context.Context, in RecordInput) (*precinct.PreventionRecord, error) {
	ss, err := s.jointPair(ctx, in.ServiceStationID, precinct.PermPrevention)
	if err != nil {
		return nil, err
	}
	if in.Kind != RecordLedger && in.Kind != RecordExchange {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "记录类型应为 ledger（研判台账）或 exchange（互通情况）", "The kind must be ledger or exchange.")
	}
	d, err := time.ParseInLocation("2006-01-02", in.Date, precinct.CST)
	if err != nil {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "date", "日期格式应为 YYYY-MM-DD", "The date must be YYYY-MM-DD.")
	}
	for _, f := range []struct{ n, v string }{{"title", in.Title}, {"findings", in.Findings}, {"measures", in.Measures}, {"note", in.Note}} {
		if utf8.RuneCountInString(f.v) > 4000 {
			return nil, precinct.FieldErrorf(precinct.EINVALID, f.n, "%s 过长", "%s is too long.", f.n)
		}
	}
	if len(in.Incidents) > 200 || len(in.Cases) > 200 || len(in.Attendees) > 100 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "incidents", "列表过长", "The list is too long.")
	}
	if in.Kind == RecordLedger && (strings.TrimSpace(in.Title) == "" || strings.TrimSpace(in.Findings) == "") {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "findings", "研判台账须有标题和研判结论", "A ledger entry needs a title and findings.")
	}
	if in.Kind == RecordExchange && len(in.Incidents)+len(in.Cases) == 0 && strings.TrimSpace(in.Note) == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "incidents", "请填写讨论的警情、案件或情况", "Name the incidents or cases discussed, or a note.")
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	t := now(s.Engine)
	u := precinct.UserFromContext(ctx)
	rec := &precinct.PreventionRecord{ID: precinct.NewID("jr", t), Kind: in.Kind, Location: pairPlace(ss),
		ServiceStationID: ss.ID, StationIDs: ss.StationIDs[:], Month: d.Format("2006-01"), At: t, By: u.ID, Data: data}
	ev := precinct.NewEvent(ctx, t, "prevention."+in.Kind, precinct.Location{SubBureauID: ss.SubBureauID}, "prevention_record", rec.ID, nil, rec, nil)
	if err := s.Engine.Store.PutPreventionRecord(ctx, rec, ev); err != nil {
		return nil, err
	}
	return rec, nil
}

// pairPlace is the place of a record of a service station's pair. It
// belongs to no one station: its station is the service station's ID (no
// station's), so that of the stations only the pair's reach it (through
// StationIDs), besides the sub-bureau.
func pairPlace(ss *precinct.ServiceStation) precinct.Location {
	return precinct.Location{SubBureauID: ss.SubBureauID, StationID: "ss:" + ss.ID}
}
