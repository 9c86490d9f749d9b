package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"precinct"
	"precinct/geo"
)

// Call is one generated incident with the work it will take, drawn before any
// policy runs so that every policy faces the same day.
type Call struct {
	At         time.Time
	Input      precinct.IncidentInput
	OnScene    time.Duration // work on scene
	Handover   bool          // cannot be finished on scene
	Category   precinct.Category
	policeGrid string
}

// hourWeight is the daily rhythm of calls (hour 0–23), from few at night to a
// peak in the evening.
var hourWeight = [24]float64{0.55, 0.4, 0.3, 0.25, 0.25, 0.3, 0.5, 0.8, 1.0, 1.1, 1.15, 1.2, 1.15, 1.1, 1.1, 1.15, 1.2, 1.25, 1.35, 1.4, 1.35, 1.25, 1.0, 0.75}

// categoryMix is the share of each category among calls.
var categoryMix = []struct {
	code string
	w    float64
}{
	{"dispute", 0.17}, {"neighbour", 0.04}, {"help", 0.15}, {"lost_person", 0.02}, {"public_order", 0.09}, {"fight", 0.03},
	{"noise", 0.08}, {"traffic", 0.06}, {"accident", 0.06}, {"theft", 0.09}, {"criminal", 0.03}, {"fraud", 0.03},
	{"telecom_fraud", 0.03}, {"fire_disaster", 0.02}, {"report", 0.02}, {"other", 0.08},
}

// onSceneMinutes is the median work on scene by kind of category.
var onSceneMinutes = map[precinct.CategoryKind]float64{
	precinct.KindCase: 45, precinct.KindDispute: 35, precinct.KindHelp: 25, precinct.KindOrder: 20,
	precinct.KindTraffic: 30, precinct.KindDisaster: 50, precinct.KindMass: 60, precinct.KindOther: 15,
}

// handoverShare is the share of incidents of a kind that cannot be finished on
// scene and are handed over (cases to the case team, disputes to mediation).
var handoverShare = map[precinct.CategoryKind]float64{
	precinct.KindCase: 0.55, precinct.KindDispute: 0.12, precinct.KindHelp: 0.04, precinct.KindOrder: 0.08,
	precinct.KindTraffic: 0.15, precinct.KindDisaster: 0.3, precinct.KindMass: 0.3, precinct.KindOther: 0.05,
}

// Generate draws the calls of days days starting at start. Calls follow the
// daily and weekly rhythm, fall in police grids weighted by population, and a
// tenth of them bring a near repeat (same category, within 300 m, within
// three days). The same seed gives the same calls.
func (s *Scenario) Generate(start time.Time, days int, seed int64) []Call {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ca1ab1e))
	cats := map[string]precinct.Category{}
	for _, c := range precinct.DefaultCategories {
		cats[c.Code] = c
	}
	grids := s.Jurisdiction.PoliceGrids
	cum := make([]float64, len(grids))
	total := 0.0
	for i, g := range grids {
		total += s.weights[g.ID]
		cum[i] = total
	}
	mixTotal := 0.0
	for _, m := range categoryMix {
		mixTotal += m.w
	}
	var calls []Call
	end := start.Add(time.Duration(days) * 24 * time.Hour)
	// Thinning of a Poisson process with the hourly rhythm.
	peak := s.CallsPerDay / 24 * 1.4 * 1.15
	for t := start; ; {
		t = t.Add(time.Duration(rng.ExpFloat64() / peak * float64(time.Hour)))
		if !t.Before(end) {
			break
		}
		w := hourWeight[t.Hour()]
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 1.15
		}
		if rng.Float64()*1.4*1.15 > w {
			continue
		}
		g := grids[sort.SearchFloat64s(cum, rng.Float64()*total)]
		p, ok := geo.RandomPoint(g.Boundary, rng)
		if !ok {
			continue
		}
		r := rng.Float64() * mixTotal
		code := categoryMix[len(categoryMix)-1].code
		for _, m := range categoryMix {
			if r -= m.w; r < 0 {
				code = m.code
				break
			}
		}
		c := s.call(t, p, g, cats[code], rng)
		calls = append(calls, c)
		if rng.Float64() < 0.1 {
			// A near repeat: the same kind of trouble close by, soon after.
			at := t.Add(time.Duration(6+rng.Float64()*66) * time.Hour)
			q := precinct.Point{Lon: p.Lon + (rng.Float64()-0.5)*0.006, Lat: p.Lat + (rng.Float64()-0.5)*0.005}
			if at.Before(end) && g.Boundary.Contains(q) {
				calls = append(calls, s.call(at, q, g, cats[code], rng))
			}
		}
	}
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].At.Before(calls[j].At) })
	return calls
}

func (s *Scenario) call(at time.Time, p precinct.Point, g *precinct.PoliceGrid, cat precinct.Category, rng *rand.Rand) Call {
	urban := s.weights[g.ID] > 1
	place := precinct.PlaceVillage
	switch r := rng.Float64(); {
	case urban && r < 0.3:
		place = precinct.PlaceStreet
	case urban && r < 0.55:
		place = precinct.PlaceCompound
	case urban && r < 0.65:
		place = precinct.PlaceMall
	case urban && r < 0.72:
		place = precinct.PlacePark
	case urban && r < 0.78:
		place = precinct.PlaceSquare
	case urban && r < 0.88:
		place = precinct.PlaceUnit
	case urban:
		place = precinct.PlaceUrbanVillage
	case r < 0.3:
		place = precinct.PlaceRoad
	}
	kind := cat.Kind
	prio := 3
	switch r := rng.Float64(); {
	case r < 0.05:
		prio = 1
	case r < 0.3:
		prio = 2
	case r > 0.8:
		prio = 4
	}
	median := onSceneMinutes[kind]
	work := time.Duration(median * math.Exp(0.5*rng.NormFloat64()) * float64(time.Minute))
	return Call{
		At: at, Category: cat, policeGrid: g.ID, OnScene: work, Handover: rng.Float64() < handoverShare[kind],
		Input: precinct.IncidentInput{Source: precinct.SourceCall110, Category: cat.Code, PlaceType: place, Point: p, Priority: prio,
			Description: "模拟警情 " + cat.Name, Reporter: precinct.Reporter{Name: "模拟报警人"}},
	}
}
