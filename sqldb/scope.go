package sqldb

import (
	"strings"

	"precinct"
)

// scopeCols names the columns that place a table's rows in the jurisdiction
// tree; "" where the table has no such level.
type scopeCols struct {
	subBureau, station, policeGrid, communityGrid string
}

// scopeCond returns the SQL condition that keeps rows to what sc reaches, as
// precinct.Location.Covers decides it: the sub-bureau must match, and each
// finer level set in both the scope and the row must match as well (a row
// without a station, such as a sub-bureau's record, is reached by a
// station's scope). The empty scope reaches no row; Everywhere every row
// (cond is then "").
func scopeCond(sc precinct.Scope, c scopeCols) (cond string, args []any) {
	switch {
	case sc.All:
		return "", nil
	case sc.SubBureauID == "":
		return "1 = 0", nil
	}
	conds := []string{c.subBureau + " = ?"}
	args = []any{sc.SubBureauID}
	level := func(col, v string) {
		if col != "" && v != "" {
			conds = append(conds, "("+col+" = ? OR "+col+" = '')")
			args = append(args, v)
		}
	}
	level(c.station, sc.StationID)
	level(c.policeGrid, sc.PoliceGridID)
	level(c.communityGrid, sc.CommunityGridID)
	return strings.Join(conds, " AND "), args
}

// scope adds scopeCond to w.
func (w *where) scope(sc precinct.Scope, c scopeCols) {
	if cond, args := scopeCond(sc, c); cond != "" {
		w.add(cond, args...)
	}
}

// scopeOr adds scopeCond to w, or-ed with extra (a row the scope reaches by
// another way, such as the caller's own unit).
func (w *where) scopeOr(sc precinct.Scope, c scopeCols, extra string, extraArgs ...any) {
	cond, args := scopeCond(sc, c)
	if cond == "" {
		return
	}
	if extra == "" {
		w.add(cond, args...)
		return
	}
	w.add("(("+cond+") OR "+extra+")", append(args, extraArgs...)...)
}
