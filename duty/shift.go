package duty

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
)

// epoch is day 0 of crew rotations: Monday 3 January 2000, China Standard Time.
var epoch = time.Date(2000, 1, 3, 0, 0, 0, 0, precinct.CST)

// dayNumber counts days from epoch to the date of t in China Standard Time.
func dayNumber(t time.Time) int {
	d := precinct.DayStart(t)
	// Days are 24 hours in a zone without daylight saving.
	return int(d.Sub(epoch) / (24 * time.Hour))
}

// Date returns the date of t in China Standard Time, as DateLayout.
func Date(t time.Time) string { return t.In(precinct.CST).Format(precinct.DateLayout) }

// WeekOf returns the Monday of the week t falls in (China Standard Time).
func WeekOf(t time.Time) string {
	d := precinct.DayStart(t)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return Date(d.AddDate(0, 0, -back))
}

// ParseDate reads a date (DateLayout) as its midnight in China Standard
// Time; field names the request field for the error.
func ParseDate(s, field string) (time.Time, error) {
	t, err := time.ParseInLocation(precinct.DateLayout, s, precinct.CST)
	if err != nil {
		return t, precinct.FieldErrorf(precinct.EINVALID, field, "日期格式应为 2026-11-23", "Dates are written 2026-11-23.")
	}
	return t, nil
}

// ParseWeek reads the Monday that names a week.
func ParseWeek(s, field string) (time.Time, error) {
	t, err := ParseDate(s, field)
	if err != nil {
		return t, err
	}
	if t.Weekday() != time.Monday {
		return t, precinct.FieldErrorf(precinct.EINVALID, field, "周次以周一的日期表示，%s 不是周一", "A week is named by its Monday; %s is not a Monday.", s)
	}
	return t, nil
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// Limits of patterns and rosters.
const (
	maxName     = 100
	maxCrews    = 400
	maxCrewSize = 30
	maxShifts   = 5000
)

// ValidatePattern checks a shift pattern: a name, a known kind, a start
// "HH:MM", 1 to 1440 minutes, weekdays 1–7, an owner (a station or a
// service station, not both), a minimum crew of 0 to 30, and crews of
// distinct people.
func ValidatePattern(p *precinct.ShiftPattern) error {
	switch {
	case strings.TrimSpace(p.Name) == "" || utf8.RuneCountInString(p.Name) > maxName:
		return precinct.FieldErrorf(precinct.EINVALID, "name", "请填写班次名称（不超过 100 字）", "Give the shift a name (up to 100 characters).")
	case !p.Kind.Valid():
		return precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的班次类型：%q", "Unknown shift kind %q.", p.Kind)
	case p.Minutes < 1 || p.Minutes > 24*60:
		return precinct.FieldErrorf(precinct.EINVALID, "minutes", "班次时长应为 1 至 1440 分钟", "A shift lasts 1 to 1440 minutes.")
	case p.MinCrew < 0 || p.MinCrew > maxCrewSize:
		return precinct.FieldErrorf(precinct.EINVALID, "min_crew", "最低在岗人数应为 0 至 30", "The minimum crew must be 0 to 30.")
	case p.SubBureauID == "" || (p.StationID == "") == (p.ServiceStationID == ""):
		return precinct.FieldErrorf(precinct.EINVALID, "station_id", "班次须属于一个派出所或一个警务站", "A shift belongs to one station or one police service station.")
	case len(p.Crews) > maxCrews:
		return precinct.FieldErrorf(precinct.EINVALID, "crews", "轮换组过多（最多 400 组）", "Too many crews in the rotation (at most 400).")
	}
	if _, ok := parseClock(p.Start); !ok {
		return precinct.FieldErrorf(precinct.EINVALID, "start", "开始时间格式应为 08:00", "The start time is written 08:00.")
	}
	for _, d := range p.Weekdays {
		if d < 1 || d > 7 {
			return precinct.FieldErrorf(precinct.EINVALID, "weekdays", "星期应为 1（周一）至 7（周日）", "Weekdays are 1 (Monday) to 7 (Sunday).")
		}
	}
	for i, crew := range p.Crews {
		if len(crew) > maxCrewSize {
			return precinct.FieldErrorf(precinct.EINVALID, fmt.Sprintf("crews[%d]", i), "每组最多 30 人", "A crew has at most 30 people.")
		}
		for j, id := range crew {
			if id == "" || slices.Contains(crew[:j], id) {
				return precinct.FieldErrorf(precinct.EINVALID, fmt.Sprintf("crews[%d]", i), "同一组内人员不能为空或重复", "A crew lists each person once.")
			}
		}
	}
	return nil
}

// crewOn returns the crew a pattern has on the day of t.
func crewOn(p *precinct.ShiftPattern, day time.Time) []string {
	if len(p.Crews) == 0 {
		return nil
	}
	n := len(p.Crews)
	i := ((dayNumber(day)+p.Offset)%n + n) % n
	return p.Crews[i]
}

// runsOn reports whether a pattern begins a shift on the day of t.
func runsOn(p *precinct.ShiftPattern, day time.Time) bool {
	if len(p.Weekdays) == 0 {
		return true
	}
	wd := int(day.In(precinct.CST).Weekday())
	if wd == 0 {
		wd = 7
	}
	return slices.Contains(p.Weekdays, wd)
}

// ShiftOf returns the shift a pattern begins on the day of t, and whether it
// runs that day.
func ShiftOf(p *precinct.ShiftPattern, day time.Time) (precinct.Shift, bool) {
	day = precinct.DayStart(day)
	start, ok := parseClock(p.Start)
	if !ok || !runsOn(p, day) {
		return precinct.Shift{}, false
	}
	from := day.Add(time.Duration(start) * time.Minute)
	sh := precinct.Shift{
		ID: Date(day) + "/" + p.ID, PatternID: p.ID, Name: p.Name, Kind: p.Kind, UnitID: p.UnitID, PostID: p.PostID,
		Start: from, End: from.Add(time.Duration(p.Minutes) * time.Minute), MinCrew: p.MinCrew,
	}
	for _, id := range crewOn(p, day) {
		sh.Crew = append(sh.Crew, precinct.CrewMember{PersonID: id})
	}
	return sh, true
}

// Generate returns the shifts the patterns begin on the days from the date
// of from up to, not including, the date of to, ordered by start, then
// pattern.
func Generate(patterns []*precinct.ShiftPattern, from, to time.Time) []precinct.Shift {
	var out []precinct.Shift
	for day := precinct.DayStart(from); day.Before(precinct.DayStart(to)); day = day.AddDate(0, 0, 1) {
		for _, p := range patterns {
			if sh, ok := ShiftOf(p, day); ok {
				out = append(out, sh)
			}
		}
	}
	SortShifts(out)
	return out
}

// SortShifts orders shifts by start, then ID.
func SortShifts(shifts []precinct.Shift) {
	slices.SortStableFunc(shifts, func(a, b precinct.Shift) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Owner is a station or police service station that has a roster.
type Owner struct {
	ID               string
	SubBureauID      string
	StationID        string
	ServiceStationID string
	Name             string
}

// OwnerOf returns the owner of a pattern.
func OwnerOf(p *precinct.ShiftPattern) Owner {
	return Owner{ID: p.Owner(), SubBureauID: p.SubBureauID, StationID: p.StationID, ServiceStationID: p.ServiceStationID}
}

// Generated returns the roster an owner's patterns give for a week (its
// Monday), as it stands before anyone edits it: version 0, dated by the
// latest change of those patterns.
func Generated(o Owner, week time.Time, patterns []*precinct.ShiftPattern) *precinct.Roster {
	var mine []*precinct.ShiftPattern
	var edited time.Time
	for _, p := range patterns {
		if p.Owner() == o.ID {
			mine = append(mine, p)
			if p.UpdatedAt.After(edited) {
				edited = p.UpdatedAt
			}
		}
	}
	w := Date(week)
	r := &precinct.Roster{
		ID: precinct.RosterID(o.ID, w), SubBureauID: o.SubBureauID, StationID: o.StationID, ServiceStationID: o.ServiceStationID,
		Week: w, Shifts: Generate(mine, week, week.AddDate(0, 0, 7)), Leaves: []precinct.Leave{}, Changes: []precinct.RosterChange{},
		UpdatedAt: edited,
	}
	if r.Shifts == nil {
		r.Shifts = []precinct.Shift{}
	}
	return r
}
