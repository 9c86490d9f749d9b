package prevention

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"time"
	"unicode/utf8"

	"precinct"
)

// EvaluationItem is one question of the mutual evaluation form, scored 1
// to 5.
type EvaluationItem struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// EvaluationForm is the form a police service station and each of its bound
// stations fill in about each other every month [003]; Service.Form, when
// set, replaces it.
var EvaluationForm = []EvaluationItem{
	{Key: "response", Name: "对推送警情的响应", NameEN: "Response to pushed incidents"},
	{Key: "sharing", Name: "信息共享", NameEN: "Information sharing"},
	{Key: "joint_work", Name: "联勤联动", NameEN: "Joint work"},
}

// Directions of an evaluation.
const (
	ByStation        = "by_station"         // the station rates the service station
	ByServiceStation = "by_service_station" // the service station rates the station
)

// EvaluationInput is one side's evaluation of the other for a month.
type EvaluationInput struct {
	ServiceStationID string         `json:"service_station_id"`
	StationID        string         `json:"station_id"`
	Month            string         `json:"month"` // YYYY-MM
	Direction        string         `json:"direction"`
	Scores           map[string]int `json:"scores"`
	Comment          string         `json:"comment,omitempty"`
}

// Evaluation is a stored evaluation.
type Evaluation struct {
	EvaluationInput
	Mean float64   `json:"mean"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

func (s *Service) form() []EvaluationItem { return EvaluationForm }

// Evaluate records one side's evaluation of the other for a month: the
// station's (an account of the station) or the service station's (an
// account of the sub-bureau, which runs the service station). Once per pair,
// month and direction.
func (s *Service) Evaluate(ctx context.Context, in EvaluationInput) (*Evaluation, error) {
	ss, err := s.jointPair(ctx, in.ServiceStationID, precinct.PermPrevention)
	if err != nil {
		return nil, err
	}
	u := precinct.UserFromContext(ctx)
	if !ss.Binds(in.StationID) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "station_id", "该派出所未与此警务站捆绑", "The station is not bound to this service station.")
	}
	m, err := time.ParseInLocation("2006-01", in.Month, precinct.CST)
	if err != nil || m.After(now(s.Engine)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "month", "月份格式应为 YYYY-MM，且不晚于本月", "The month must be YYYY-MM and not after this month.")
	}
	sc := precinct.ScopeOf(u)
	switch in.Direction {
	case ByStation:
		if precinct.Authorize(u, precinct.PermPrevention, precinct.Location{SubBureauID: ss.SubBureauID, StationID: in.StationID}) != nil {
			return nil, precinct.ErrForbidden()
		}
	case ByServiceStation:
		if !sc.All && (sc.SubBureauID != ss.SubBureauID || sc.StationID != "") {
			return nil, precinct.ErrForbidden()
		}
	default:
		return nil, precinct.FieldErrorf(precinct.EINVALID, "direction", "评议方向应为 by_station 或 by_service_station", "The direction must be by_station or by_service_station.")
	}
	form := s.form()
	if len(in.Scores) != len(form) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "scores", "请为评议表的每一项打分（%d 项）", "Score every item of the form (%d items).", len(form))
	}
	sum := 0
	for _, it := range form {
		v, ok := in.Scores[it.Key]
		if !ok || v < 1 || v > 5 {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "scores."+it.Key, "“%s”应打 1 至 5 分", "%s must be scored 1 to 5.", it.Name)
		}
		sum += v
	}
	if utf8.RuneCountInString(in.Comment) > 2000 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "comment", "评语过长", "The comment is too long.")
	}
	t := now(s.Engine)
	ev := &Evaluation{EvaluationInput: in, Mean: float64(sum) / float64(len(form)), By: u.ID, At: t}
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	// One per pair, month and direction: the ID says which, and the store
	// refuses a second.
	rec := &precinct.PreventionRecord{ID: fmt.Sprintf("eval:%s:%s:%s:%s", ss.ID, in.StationID, in.Month, in.Direction), Kind: RecordEvaluation,
		Location: pairPlace(ss), ServiceStationID: ss.ID, StationIDs: []string{in.StationID}, Month: in.Month, At: t, By: u.ID, Data: data}
	e := precinct.NewEvent(ctx, t, "prevention.evaluation", precinct.Location{SubBureauID: ss.SubBureauID}, "prevention_record", rec.ID, nil, rec, nil)
	if err := s.Engine.Store.PutPreventionRecord(ctx, rec, e); err != nil {
		if precinct.ErrorCode(err) == precinct.ECONFLICT {
			return nil, precinct.Errorf(precinct.ECONFLICT, "本月已评议过", "This month's evaluation was given already.")
		}
		return nil, err
	}
	return ev, nil
}

// PairResult is the evaluations of one pair (the service station and one
// bound station), month by month: each side's mean score and comment.
type PairResult struct {
	StationID   string      `json:"station_id"`
	StationName string      `json:"station_name,omitempty"`
	Months      []PairMonth `json:"months"`
	Trend       *float64    `json:"trend"` // last month's mean of both sides minus the first's
}

// PairMonth is one month of a pair.
type PairMonth struct {
	Month            string      `json:"month"`
	ByStation        *Evaluation `json:"by_station,omitempty"`
	ByServiceStation *Evaluation `json:"by_service_station,omitempty"`
}

// EvaluationReport is the mutual evaluation of a service station's pairs.
type EvaluationReport struct {
	Form  []EvaluationItem `json:"form"`
	Pairs []PairResult     `json:"pairs"`
}

// Evaluations returns the results per pair and their trend, for the
// pair's stations and the sub-bureau.
func (s *Service) Evaluations(ctx context.Context, ssID string) (*EvaluationReport, error) {
	ss, err := s.jointPair(ctx, ssID, precinct.PermReadWork)
	if err != nil {
		return nil, err
	}
	recs, err := s.pairRecords(ctx, ss, RecordEvaluation)
	if err != nil {
		return nil, err
	}
	out := &EvaluationReport{Form: s.form(), Pairs: []PairResult{}}
	sc := precinct.ScopeOf(precinct.UserFromContext(ctx))
	for _, st := range ss.StationIDs {
		if !sc.Covers(precinct.Location{SubBureauID: ss.SubBureauID, StationID: st}) {
			continue // a pair is seen by its two sides and the sub-bureau
		}
		pr := PairResult{StationID: st, Months: []PairMonth{}}
		if x, err := s.Engine.Store.FindStation(ctx, st); err == nil {
			pr.StationName = x.Name
		}
		months := map[string]*PairMonth{}
		for _, r := range recs {
			var e Evaluation
			if json.Unmarshal(r.Data, &e) != nil || e.StationID != st {
				continue
			}
			pm := months[e.Month]
			if pm == nil {
				pm = &PairMonth{Month: e.Month}
				months[e.Month] = pm
			}
			if e.Direction == ByStation {
				pm.ByStation = &e
			} else {
				pm.ByServiceStation = &e
			}
		}
		keys := make([]string, 0, len(months))
		for k := range months {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			pr.Months = append(pr.Months, *months[k])
		}
		mean := func(pm PairMonth) (float64, bool) {
			n, sum := 0, 0.0
			for _, e := range []*Evaluation{pm.ByStation, pm.ByServiceStation} {
				if e != nil {
					n++
					sum += e.Mean
				}
			}
			return sum / float64(max(n, 1)), n > 0
		}
		if len(pr.Months) >= 2 {
			a, _ := mean(pr.Months[0])
			b, _ := mean(pr.Months[len(pr.Months)-1])
			d := b - a
			pr.Trend = &d
		}
		out.Pairs = append(out.Pairs, pr)
	}
	return out, nil
}

// Records returns the ledger or exchange records of a pair.
func (s *Service) Records(ctx context.Context, ssID, kind string) ([]*precinct.PreventionRecord, error) {
	ss, err := s.jointPair(ctx, ssID, precinct.PermReadWork)
	if err != nil {
		return nil, err
	}
	if kind != RecordLedger && kind != RecordExchange {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "记录类型应为 ledger 或 exchange", "The kind must be ledger or exchange.")
	}
	return s.pairRecords(ctx, ss, kind)
}
