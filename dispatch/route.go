package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"precinct"
)

// Org is the organisation of one sub-bureau as the rules see it.
type Org struct {
	SubBureau       *precinct.SubBureau
	Stations        []*precinct.Station
	ServiceStations []*precinct.ServiceStation
}

// Station returns the station with the given ID, or nil.
func (o *Org) Station(id string) *precinct.Station {
	for _, s := range o.Stations {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// ServiceStation returns the police service station with the given ID, or nil.
func (o *Org) ServiceStation(id string) *precinct.ServiceStation {
	for _, s := range o.ServiceStations {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// ServiceStationFor returns the service station bound to a station, or nil.
func (o *Org) ServiceStationFor(stationID string) *precinct.ServiceStation {
	for _, s := range o.ServiceStations {
		if s.Binds(stationID) {
			return s
		}
	}
	return nil
}

// NearestStations returns up to n stations, other than those in skip, whose
// buildings are nearest p, nearest first.
func (o *Org) NearestStations(p precinct.Point, n int, skip ...string) []*precinct.Station {
	type sd struct {
		s *precinct.Station
		d float64
	}
	var all []sd
	for _, s := range o.Stations {
		if !slices.Contains(skip, s.ID) && !s.Location.IsZero() {
			all = append(all, sd{s, precinct.DistanceM(p, s.Location)})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d < all[j].d })
	out := make([]*precinct.Station, 0, min(n, len(all)))
	for _, v := range all[:min(n, len(all))] {
		out = append(out, v.s)
	}
	return out
}

func (o *Org) stationName(id string) string {
	if s := o.Station(id); s != nil && s.Name != "" {
		return s.Name
	}
	return id
}

// Facts are what the rules look at: the located incident, its category, its
// police grid, the organisation around it and the available force.
type Facts struct {
	// Incident is located: Location is set.
	Incident *precinct.Incident
	// Category is the incident's category; Parent is used to match rules
	// naming the top-level category.
	Category precinct.Category
	// PoliceGrid is the incident's police grid, nil if unknown.
	PoliceGrid *precinct.PoliceGrid
	Org        *Org
	// Force is, for the home station and its nearest neighbours, the travel
	// time of the station's nearest available unit of Rural.UnitKinds.
	// Stations without an entry have no available force. Only the rural
	// rule reads it.
	Force map[string]time.Duration
}

// Decision is the outcome of the rules: the route, and the further stations
// that see the incident (the central station and neighbour of a
// cross-station dispatch, border partners).
type Decision struct {
	Route      precinct.Route
	SharedWith []string
}

// Route evaluates the rules for an incident: the first rule whose condition
// matches fires (Default when none does), then the rural rule may hand the
// incident to the central station, and the border rule may share it. The
// route records which rule fired and why, in Chinese and English.
func Route(r *Rules, f Facts) Decision {
	inc := f.Incident
	home := f.Org.Station(inc.Location.StationID)
	if home == nil {
		home = &precinct.Station{ID: inc.Location.StationID, SubBureauID: inc.Location.SubBureauID}
	}
	ss := f.Org.ServiceStationFor(home.ID)
	rule := firstRule(r, f, home, ss)
	d := Decision{Route: routeFor(rule, home, ss, inc.Location.SubBureauID)}
	d.Route.Reason, d.Route.ReasonEN = withSeed(rule.Reason, rule.ReasonEN, rule.Seed)
	if r.FirstReceipt && f.PoliceGrid != nil && f.PoliceGrid.OfficerID != "" {
		d.Route.FirstReceiptOfficerID = f.PoliceGrid.OfficerID
	}
	if r.Rural.Enabled && d.Route.Handler != precinct.HandlerPatrol && slices.Contains(r.Rural.StationKinds, home.Kind) {
		d = rural(r, f, home, d)
	}
	if r.Border.Enabled && home.Kind == precinct.StationBorder && len(home.Partners) > 0 {
		d = border(r, f, home, d)
	}
	return d
}

// firstRule is the first rule whose condition matches (a patrol rule only
// where a service station is bound), or Default.
func firstRule(r *Rules, f Facts, home *precinct.Station, ss *precinct.ServiceStation) *Rule {
	for i := range r.Rules {
		ru := &r.Rules[i]
		if ru.When.matches(f, home) && (ru.Handler != precinct.HandlerPatrol || ss != nil) {
			return ru
		}
	}
	return &r.Default
}

// matches reports whether the incident in f meets every list of c.
func (c *Condition) matches(f Facts, home *precinct.Station) bool {
	inc := f.Incident
	if len(c.Categories) > 0 && !slices.Contains(c.Categories, inc.Category) &&
		(f.Category.Parent == "" || !slices.Contains(c.Categories, f.Category.Parent)) {
		return false
	}
	if len(c.CategoryKinds) > 0 && !slices.Contains(c.CategoryKinds, f.Category.Kind) {
		return false
	}
	if len(c.PlaceTypes) > 0 && !slices.Contains(c.PlaceTypes, inc.PlaceType) {
		return false
	}
	if len(c.StationKinds) > 0 && !slices.Contains(c.StationKinds, home.Kind) {
		return false
	}
	if len(c.Sources) > 0 && !slices.Contains(c.Sources, inc.Source) {
		return false
	}
	return true
}

// routeFor is the route of a rule's handler: who dispatches and whose units.
func routeFor(ru *Rule, home *precinct.Station, ss *precinct.ServiceStation, subBureauID string) precinct.Route {
	rt := precinct.Route{RuleID: ru.ID, Handler: ru.Handler, UnitKinds: slices.Clone(ru.UnitKinds)}
	switch ru.Handler {
	case precinct.HandlerPatrol:
		// Any patrol of the bound service station: none may decline because
		// the place is outside its zone, so no zone filter applies.
		rt.ServiceStationID, rt.DispatchedBy = ss.ID, ss.ID
	case precinct.HandlerCommandCentre:
		rt.StationIDs, rt.DispatchedBy = []string{home.ID}, subBureauID
	default:
		rt.StationIDs, rt.DispatchedBy = []string{home.ID}, home.ID
	}
	return rt
}

func withSeed(zh, en, seed string) (string, string) {
	if seed == "" {
		return zh, en
	}
	return zh + " [" + seed + "]", en + " [" + seed + "]"
}

// rural applies the countryside rule [002]: when the home station has no
// available force within the limit, its central station's command office
// dispatches from the neighbouring station with the shortest travel time.
func rural(r *Rules, f Facts, home *precinct.Station, d Decision) Decision {
	limit := r.Rural.MaxTravel()
	homeETA, homeOK := f.Force[home.ID]
	if homeOK && homeETA <= limit {
		return d
	}
	best, bestETA := "", time.Duration(math.MaxInt64)
	for id, eta := range f.Force {
		if id != home.ID && (eta < bestETA || eta == bestETA && id < best) {
			best, bestETA = id, eta
		}
	}
	if best == "" || homeOK && bestETA >= homeETA {
		// No neighbour does better: keep the home route, say why.
		zh, en := "；本所及邻所均无更近的可用警力", "; no neighbouring station has nearer available force"
		d.Route.Reason += zh
		d.Route.ReasonEN += en
		return d
	}
	central := home.CentralID
	if central == "" && home.Kind == precinct.StationCentral {
		central = home.ID
	}
	by := central
	if by == "" {
		by = f.Incident.Location.SubBureauID
	}
	var homeZH, homeEN string
	if homeOK {
		homeZH = fmt.Sprintf("本所（%s）最近可用警力约 %s 到达，超过 %s", f.Org.stationName(home.ID), minutesZH(homeETA), minutesZH(limit))
		homeEN = fmt.Sprintf("the home station (%s) has no available force within %s (nearest %s)", f.Org.stationName(home.ID), minutes(limit), minutes(homeETA))
	} else {
		homeZH = fmt.Sprintf("本所（%s）无可用警力", f.Org.stationName(home.ID))
		homeEN = fmt.Sprintf("the home station (%s) has no available force", f.Org.stationName(home.ID))
	}
	byName := f.Org.stationName(by)
	if by == f.Incident.Location.SubBureauID {
		byName = "分局指挥中心"
	}
	d.Route = precinct.Route{
		RuleID:                RuleRuralCentral,
		Handler:               precinct.HandlerCentral,
		FirstReceiptOfficerID: d.Route.FirstReceiptOfficerID,
		StationIDs:            []string{best, home.ID},
		UnitKinds:             slices.Clone(r.Rural.UnitKinds),
		DispatchedBy:          by,
		Reason: fmt.Sprintf("%s；由%s综合指挥室调度行程最短的邻所（%s，约 %s）跨所出警 [002]",
			homeZH, byName, f.Org.stationName(best), minutesZH(bestETA)),
		ReasonEN: fmt.Sprintf("%s; the command office of %s dispatches the neighbouring station with the shortest travel (%s, about %s) [002]",
			homeEN, byName, f.Org.stationName(best), minutes(bestETA)),
	}
	d.SharedWith = appendNew(d.SharedWith, best)
	if central != "" && central != home.ID {
		d.SharedWith = appendNew(d.SharedWith, central)
	}
	return d
}

// border shares an incident near the district boundary with the partner
// stations of a border station [002].
func border(r *Rules, f Facts, home *precinct.Station, d Decision) Decision {
	edge := home.Boundary
	if f.Org.SubBureau != nil && len(f.Org.SubBureau.Boundary) > 0 {
		edge = f.Org.SubBureau.Boundary
	}
	if len(edge) == 0 {
		return d
	}
	dist := DistanceToEdgeM(f.Incident.Point, edge)
	if dist > r.Border.ShareWithinM {
		return d
	}
	names := make([]string, 0, len(home.Partners))
	for _, p := range home.Partners {
		d.SharedWith = appendNew(d.SharedWith, p)
		names = append(names, f.Org.stationName(p))
	}
	d.Route.Reason += fmt.Sprintf("；距区界约 %.0f 米，同步共享边界协作派出所（%s） [002]", dist, strings.Join(names, "、"))
	d.Route.ReasonEN += fmt.Sprintf("; about %.0f m from the district boundary, shared with the partner stations (%s) [002]", dist, strings.Join(names, ", "))
	return d
}

// PushRoute is the route when a station pushes an incident to its bound
// service station, whose patrol then dispatches [003]. ECONFLICT when the
// station has no service station.
func PushRoute(r *Rules, f Facts) (Decision, error) {
	home := f.Incident.Location.StationID
	ss := f.Org.ServiceStationFor(home)
	if ss == nil {
		return Decision{}, precinct.Errorf(precinct.ECONFLICT, "%s未绑定警务站，不能推送", "%s is bound to no service station; nothing to push to.", f.Org.stationName(home))
	}
	kinds := patrolKinds
	for _, ru := range r.Rules {
		if ru.Handler == precinct.HandlerPatrol {
			kinds = ru.UnitKinds
			break
		}
	}
	rt := precinct.Route{
		RuleID: RulePush, Handler: precinct.HandlerPatrol,
		ServiceStationID: ss.ID, DispatchedBy: ss.ID, UnitKinds: slices.Clone(kinds),
		FirstReceiptOfficerID: f.Incident.Route.FirstReceiptOfficerID,
	}
	rt.Reason, rt.ReasonEN = withSeed(
		fmt.Sprintf("派出所将警情推送至绑定警务站（%s），由警务站派警", ss.Name),
		fmt.Sprintf("The station pushed the incident to its bound service station (%s), which dispatches", ss.Name), "003")
	return Decision{Route: rt, SharedWith: f.Incident.SharedWith}, nil
}

func minutes(d time.Duration) string {
	return fmt.Sprintf("%.0f min", d.Minutes())
}

func minutesZH(d time.Duration) string {
	return fmt.Sprintf("%.0f 分钟", d.Minutes())
}

func appendNew(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// DistanceToEdgeM returns the distance in metres from p to the nearest edge
// of m (whether p is inside or not), on a local flat approximation.
func DistanceToEdgeM(p precinct.Point, m precinct.MultiPolygon) float64 {
	const mPerDeg = 6371008.8 * math.Pi / 180
	kx := mPerDeg * math.Cos(p.Lat*math.Pi/180)
	best := math.Inf(1)
	for _, poly := range m {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				ax, ay := (ring[i-1].Lon-p.Lon)*kx, (ring[i-1].Lat-p.Lat)*mPerDeg
				bx, by := (ring[i].Lon-p.Lon)*kx, (ring[i].Lat-p.Lat)*mPerDeg
				best = math.Min(best, segmentDistance(ax, ay, bx, by))
			}
		}
	}
	return best
}

// segmentDistance is the distance from the origin to segment a–b.
func segmentDistance(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	x, y := ax+t*dx, ay+t*dy
	return math.Hypot(x, y)
}
