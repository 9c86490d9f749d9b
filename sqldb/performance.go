package sqldb

import (
	"context"
	"time"

	"precinct"
)

// The recorded work the monthly performance list counts (see
// precinct.PerformanceStore). Every query keeps to the users or people it
// is given and to [from, to), on indexes by user and time.

var _ precinct.PerformanceStore = (*DB)(nil)

// dayMicros is a day in microseconds; cstMicros the offset of China
// Standard Time.
const (
	dayMicros = int64(24 * time.Hour / time.Microsecond)
	cstMicros = int64(8 * time.Hour / time.Microsecond)
)

// RegistryWork counts visits, records registered, verified and corrected,
// familiarity surveys and contact cards per user.
func (db *DB) RegistryWork(ctx context.Context, userIDs []string, from, to time.Time) ([]precinct.PerformanceCount, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	in := "(" + placeholders(len(userIDs)) + ")"
	users := make([]any, len(userIDs))
	for i, u := range userIDs {
		users[i] = u
	}
	span := []any{micros(from), micros(to)}
	corrected := []any{string(precinct.ChangeCorrected), string(precinct.ChangeMovedIn), string(precinct.ChangeMovedOut),
		string(precinct.ChangeTenantIn), string(precinct.ChangeTenantOut), string(precinct.ChangeStatusGone)}
	type part struct {
		metric precinct.PerformanceMetric
		query  string
		args   []any
	}
	parts := []part{
		{precinct.WorkVisits, `SELECT by_user, COUNT(*) FROM visits WHERE by_user IN ` + in + ` AND at >= ? AND at < ? GROUP BY by_user`, nil},
		{precinct.WorkRecordsVerified, `SELECT by_user, COUNT(*) FROM verifications WHERE by_user IN ` + in + ` AND at >= ? AND at < ? GROUP BY by_user`, nil},
		{precinct.WorkFamiliarity, `SELECT by_user, COUNT(*) FROM familiarity WHERE by_user IN ` + in + ` AND at >= ? AND at < ? GROUP BY by_user`, nil},
		{precinct.WorkCards, `SELECT by_user, COUNT(*) FROM contact_cards WHERE by_user IN ` + in + ` AND at >= ? AND at < ? GROUP BY by_user`, nil},
		{precinct.WorkRecordsAdded, `SELECT actor, COUNT(*) FROM registry_changes WHERE actor IN ` + in + ` AND at >= ? AND at < ? AND kind = ? GROUP BY actor`,
			[]any{string(precinct.ChangeRegistered)}},
		// A record found gone on a visit is a verification, not a
		// correction: only changes made apart from a verification count.
		{precinct.WorkRecordsCorrected, `SELECT actor, COUNT(*) FROM registry_changes WHERE actor IN ` + in + ` AND at >= ? AND at < ? AND kind IN (` +
			placeholders(len(corrected)) + `) AND NOT (kind IN ('moved_out', 'gone') AND visit_id <> '' AND EXISTS (SELECT 1 FROM verifications v
			WHERE v.visit_id = registry_changes.visit_id AND v.entity_id = registry_changes.entity_id AND v.result = 'gone')) GROUP BY actor`, corrected},
	}
	var out []precinct.PerformanceCount
	for _, p := range parts {
		args := append(append(append([]any{}, users...), span...), p.args...)
		rows, err := db.read.QueryContext(ctx, db.q(p.query), args...)
		if err != nil {
			return nil, internal(err)
		}
		counts, err := collect(rows, func(s scanner) (precinct.PerformanceCount, error) {
			c := precinct.PerformanceCount{Metric: p.metric}
			var n int64
			err := s.Scan(&c.UserID, &n)
			c.Value = float64(n)
			return c, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, counts...)
	}
	return out, nil
}

// IncidentWork counts first receipts by person, and the incidents each
// officer's unit was sent to, resolved on scene, and their satisfaction.
func (db *DB) IncidentWork(ctx context.Context, q precinct.OfficerWorkQuery) ([]precinct.PerformanceCount, error) {
	byPerson, byUnit := map[string][]string{}, map[string][]string{}
	var people, units []any
	for _, o := range q.Officers {
		if o.PersonID != "" {
			if byPerson[o.PersonID] == nil {
				people = append(people, o.PersonID)
			}
			byPerson[o.PersonID] = append(byPerson[o.PersonID], o.UserID)
		}
		if o.UnitID != "" {
			if byUnit[o.UnitID] == nil {
				units = append(units, o.UnitID)
			}
			byUnit[o.UnitID] = append(byUnit[o.UnitID], o.UserID)
		}
	}
	span := []any{micros(q.From), micros(q.To)}
	var out []precinct.PerformanceCount
	if len(people) > 0 {
		officer := `json_extract(doc, '$.route.first_receipt_officer_id')`
		if db.postgres {
			officer = `(doc::jsonb -> 'route' ->> 'first_receipt_officer_id')`
		}
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT officer, COUNT(*) FROM (SELECT `+officer+` AS officer FROM incidents
			WHERE received_at >= ? AND received_at < ?) x WHERE officer IN (`+placeholders(len(people))+`) GROUP BY officer`), append(span, people...)...)
		if err != nil {
			return nil, internal(err)
		}
		type pc struct {
			person string
			n      int64
		}
		counts, err := collect(rows, func(s scanner) (pc, error) {
			var c pc
			return c, s.Scan(&c.person, &c.n)
		})
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			for _, u := range byPerson[c.person] {
				out = append(out, precinct.PerformanceCount{UserID: u, Metric: precinct.WorkFirstReceipts, Value: float64(c.n)})
			}
		}
	}
	if len(units) > 0 {
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT iu.unit_id, COUNT(*), CAST(SUM(CASE WHEN i.outcome = ? THEN 1 ELSE 0 END) AS BIGINT),
			CAST(SUM(CASE WHEN i.satisfaction > 0 THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(i.satisfaction) AS BIGINT)
			FROM incident_units iu JOIN incidents i ON i.id = iu.incident_id
			WHERE iu.unit_id IN (`+placeholders(len(units))+`) AND i.received_at >= ? AND i.received_at < ? GROUP BY iu.unit_id`),
			append(append([]any{string(precinct.OutcomeResolvedOnScene)}, units...), span...)...)
		if err != nil {
			return nil, internal(err)
		}
		type uc struct {
			unit                        string
			sent, resolved, rated, rate int64
		}
		counts, err := collect(rows, func(s scanner) (uc, error) {
			var c uc
			return c, s.Scan(&c.unit, &c.sent, &c.resolved, &c.rated, &c.rate)
		})
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			for _, u := range byUnit[c.unit] {
				out = append(out, precinct.PerformanceCount{UserID: u, Metric: precinct.WorkAttended, Value: float64(c.sent)},
					precinct.PerformanceCount{UserID: u, Metric: precinct.WorkResolvedOnScene, Value: float64(c.resolved)})
				if c.rated > 0 {
					out = append(out, precinct.PerformanceCount{UserID: u, Metric: precinct.WorkSatisfaction, Value: float64(c.rate) / float64(c.rated)})
				}
			}
		}
	}
	return out, nil
}

// CheckInDays counts the days (China Standard Time) each user checked in
// validly (inside the place's geofence).
func (db *DB) CheckInDays(ctx context.Context, userIDs []string, from, to time.Time) ([]precinct.PerformanceCount, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	args := []any{cstMicros, dayMicros}
	for _, u := range userIDs {
		args = append(args, u)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT user_id, COUNT(DISTINCT (at + ?) / ?) FROM check_ins
		WHERE user_id IN (`+placeholders(len(userIDs))+`) AND verdict = ? AND at >= ? AND at < ? GROUP BY user_id`), append(args, string(precinct.CheckInInside), micros(from), micros(to))...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.PerformanceCount, error) {
		c := precinct.PerformanceCount{Metric: precinct.WorkCheckInDays}
		var n int64
		err := s.Scan(&c.UserID, &n)
		c.Value = float64(n)
		return c, err
	})
}

// ActorEvents counts events of the types per actor.
func (db *DB) ActorEvents(ctx context.Context, actors, types []string, from, to time.Time) ([]precinct.ActorEventCount, error) {
	if len(actors) == 0 || len(types) == 0 {
		return nil, nil
	}
	var args []any
	for _, a := range actors {
		args = append(args, a)
	}
	for _, t := range types {
		args = append(args, t)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT actor, type, COUNT(*) FROM events WHERE actor IN (`+placeholders(len(actors))+`)
		AND type IN (`+placeholders(len(types))+`) AND at >= ? AND at < ? GROUP BY actor, type`), append(args, micros(from), micros(to))...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.ActorEventCount, error) {
		var c precinct.ActorEventCount
		var n int64
		err := s.Scan(&c.Actor, &c.Type, &n)
		c.N = int(n)
		return c, err
	})
}
