package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"precinct"
	"precinct/prevention"
)

// SyntheticRef starts the reference of every demo warning: they are made
// up, as the registry they are matched to is.
const SyntheticRef = "DEMO-SYNTHETIC-"

// demoFraud are the fraud types of the demo's warnings, by weight.
var demoFraud = []struct {
	code   string
	weight int
}{
	{"part_time", 24}, {"investment", 20}, {"impersonating_police", 12}, {"shopping_refund", 12}, {"loan", 10},
	{"impersonating_acq", 8}, {"romance", 6}, {"game_trading", 4}, {"other", 4},
}

// WarningsOf returns the demo's anti-fraud warnings of the last fourteen
// months up to now, from an anti-fraud platform that is made up, about
// people of the demo registry r (ID number, phone, or name and address)
// and a few it does not hold (left in triage), with what the community
// officers did: reached and dissuaded, reached with money already lost
// (referred to the case team), not reached, let the deadline pass (the
// command office reported), and, in the last days, tasks still open or
// escalated. More each month as the work took hold; some people are warned
// more than once. Every warning's reference starts with SyntheticRef and
// its note says it is synthetic. The same j, r, now and seed give the same
// warnings.
func WarningsOf(j *precinct.Jurisdiction, r *Registry, now time.Time, seed int64) []prevention.PastWarning {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xf4a4d))
	names := newNamer(rng)
	if len(r.Residents) == 0 {
		return nil
	}
	// The officers with an account see their own grids' tasks: two in
	// five warnings are about people of their grids.
	officerGrid := map[string]bool{}
	for _, u := range j.Users {
		if u.Role == precinct.RoleCommunity {
			officerGrid[u.Scope.PoliceGridID] = true
		}
	}
	var theirs []*precinct.Resident
	for _, res := range r.Residents {
		if officerGrid[res.Location.PoliceGridID] {
			theirs = append(theirs, res)
		}
	}
	var repeat []*precinct.Resident // people warned again and again
	pick := func() *precinct.Resident {
		switch x := rng.Float64(); {
		case len(repeat) > 0 && x < 0.08:
			return repeat[rng.IntN(len(repeat))]
		case len(theirs) > 0 && x < 0.4:
			return theirs[rng.IntN(len(theirs))]
		}
		res := r.Residents[rng.IntN(len(r.Residents))]
		if len(repeat) < 12 && rng.IntN(10) == 0 {
			repeat = append(repeat, res)
		}
		return res
	}
	fraud := func() string {
		total := 0
		for _, f := range demoFraud {
			total += f.weight
		}
		x := rng.IntN(total)
		for _, f := range demoFraud {
			if x < f.weight {
				return f.code
			}
			x -= f.weight
		}
		return "other"
	}
	level := func() precinct.WarningLevel {
		switch x := rng.IntN(10); {
		case x == 0:
			return precinct.LevelTransferring
		case x < 5:
			return precinct.LevelHigh
		}
		return precinct.LevelRoutine
	}
	var out []prevention.PastWarning
	add := func(at time.Time, lvl precinct.WarningLevel) *prevention.PastWarning {
		at = at.Truncate(time.Second)
		in := prevention.WarningInput{Ref: fmt.Sprintf("%s%s-%04d", SyntheticRef, at.In(precinct.CST).Format("200601"), len(out)+1),
			FraudType: fraud(), Level: lvl, IssuedAt: &at, Note: Synthetic}
		if rng.IntN(3) > 0 {
			in.Amount = float64(1000 * (1 + rng.IntN(200)))
		}
		switch x := rng.Float64(); {
		case x < 0.06: // a number the registry does not hold
			in.Name, in.Phone = names.name(), fmt.Sprintf("170%08d", rng.IntN(100000000))
		case x < 0.08: // only a name
			in.Name = names.name()
		default:
			res := pick()
			p := r.Personal[res.ID]
			switch y := rng.Float64(); {
			case y < 0.6:
				in.Name, in.IDNumber = res.Name, p[0]
			case y < 0.85:
				in.Phone = p[1]
			default:
				in.Name, in.Address = res.Name, res.Address
			}
		}
		out = append(out, prevention.PastWarning{Input: in})
		return &out[len(out)-1]
	}
	nowCST := now.In(precinct.CST)
	first := time.Date(nowCST.Year(), nowCST.Month(), 1, 0, 0, 0, 0, precinct.CST).AddDate(0, -13, 0)
	// The last three days are set apart below.
	recent := now.Add(-72 * time.Hour)
	for m := 0; m <= 13; m++ {
		start := first.AddDate(0, m, 0)
		end := start.AddDate(0, 1, 0)
		if end.After(recent) {
			end = recent
		}
		if !end.After(start) {
			continue
		}
		full := start.AddDate(0, 1, 0).Sub(start)
		n := (14 + 2*m + rng.IntN(5)) * int(end.Sub(start)) / int(full)
		for k := 0; k < n; k++ {
			lvl := level()
			w := add(start.Add(time.Duration(rng.Int64N(int64(end.Sub(start))))), lvl)
			window := prevention.ReachWithin[lvl.Urgency()-1]
			within := func() time.Duration {
				return time.Duration(float64(window) * (0.1 + 0.8*rng.Float64()))
			}
			switch x := rng.Float64(); {
			case x < 0.08: // the deadline passed; the command office reported
				w.Late, w.After = true, window+time.Duration(30+rng.IntN(150))*time.Minute
				w.Outcome = &prevention.Outcome{Contact: prevention.ContactPhone, Dissuaded: true}
				w.Note = "社区民警未按时反馈，综合指挥室电话劝阻"
			case x < 0.3: // not reached
				w.After, w.Note = within(), "多次拨打电话无人接听，上门未遇"
			default:
				w.After = within()
				o := &prevention.Outcome{Contact: prevention.ContactPhone, Dissuaded: true}
				if rng.IntN(5) < 2 {
					o.Contact = prevention.ContactInPerson
				}
				switch y := rng.IntN(100); {
				case y < 7: // money already gone
					o.Dissuaded, o.Lost, o.Referred = false, float64(500*(1+rng.IntN(100))), true
					w.Note = "对方已转账，已移交案件办理队"
				case y < 20:
					o.Dissuaded = false
					w.Note = "当事人不相信被骗，已告知风险"
				default:
					w.Note = "已劝阻，当事人表示不再转账"
				}
				w.Outcome = o
			}
		}
	}
	// The last three days: tasks reported, tasks still open within their
	// deadline, and tasks left past it (escalated to the command office).
	for k := 0; k < 6; k++ {
		w := add(recent.Add(time.Duration(rng.Int64N(int64(24*time.Hour)))), precinct.LevelHigh)
		w.After, w.Note = time.Duration(20+rng.IntN(80))*time.Minute, "已劝阻，当事人表示不再转账"
		w.Outcome = &prevention.Outcome{Contact: prevention.ContactPhone, Dissuaded: true}
	}
	for k := 0; k < 4; k++ { // past their deadline
		add(now.Add(-time.Duration(20+rng.IntN(24))*time.Hour), precinct.LevelRoutine)
	}
	for k := 0; k < 5; k++ { // within their deadline
		add(now.Add(-time.Duration(5+rng.IntN(80))*time.Minute), precinct.LevelHigh)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Input.IssuedAt.Before(*out[b].Input.IssuedAt) })
	return out
}
