package dispatch

import (
	"context"
	"encoding/json"

	"precinct"
)

// Rules returns the routing rules of a sub-bureau ("" for the user's own).
func (s *Service) Rules(ctx context.Context, subBureauID string) (*precinct.RuleDocument, error) {
	sb, err := s.ruleScope(ctx, subBureauID, precinct.PermReadIncident)
	if err != nil {
		return nil, err
	}
	r, version, err := s.loadRules(ctx, sb)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &precinct.RuleDocument{SubBureauID: sb, Version: version, Rules: doc}, nil
}

// PutRules validates and stores a sub-bureau's routing rules if d.Version is
// the stored version, recording a rules.updated event.
func (s *Service) PutRules(ctx context.Context, d precinct.RuleDocument) (*precinct.RuleDocument, error) {
	sb, err := s.ruleScope(ctx, d.SubBureauID, precinct.PermEditRules)
	if err != nil {
		return nil, err
	}
	cats, err := s.Store.ListCategories(ctx, sb)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		cats = precinct.DefaultCategories
	}
	r, err := ParseRules(d.Rules, cats)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	ev := precinct.NewEvent(ctx, s.now(), EventRulesEdited, precinct.Location{SubBureauID: sb}, "rules", sb, nil, nil,
		map[string]int{"prev_version": d.Version})
	version, err := s.Store.PutRules(ctx, sb, doc, d.Version, ev)
	if err != nil {
		return nil, err
	}
	s.forget(sb)
	s.notify()
	return &precinct.RuleDocument{SubBureauID: sb, Version: version, Rules: doc}, nil
}

// ruleScope resolves the sub-bureau of a rules request and authorizes it.
func (s *Service) ruleScope(ctx context.Context, subBureauID string, p precinct.Permission) (string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, p); err != nil {
		return "", err
	}
	if subBureauID == "" {
		subBureauID = u.Scope.SubBureauID
	}
	if subBureauID == "" {
		sbs, err := s.Store.ListSubBureaus(ctx)
		if err != nil {
			return "", err
		}
		if len(sbs) != 1 {
			return "", precinct.FieldErrorf(precinct.EINVALID, "sub_bureau_id", "请指定分局", "Say which sub-bureau.")
		}
		subBureauID = sbs[0].ID
	}
	// An unknown sub-bureau is ENOTFOUND, whoever asks; one the caller does
	// not reach is EFORBIDDEN.
	if _, err := s.Store.FindSubBureau(ctx, subBureauID); err != nil {
		return "", err
	}
	if err := precinct.Authorize(u, p, precinct.Location{SubBureauID: subBureauID}); err != nil {
		return "", err
	}
	return subBureauID, nil
}

// RulesEvent is the stream's rule for changes of routing rules: seen by
// those who may read the rules of that sub-bureau.
func (s *Service) RulesEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if precinct.Authorize(u, precinct.PermReadIncident, precinct.Location{SubBureauID: e.SubBureauID}) != nil {
		return nil
	}
	return e
}

// RouteWarning says who handles an anti-fraud warning at loc by the
// sub-bureau's routing rules: the rule that fires for an incident of source
// anti_fraud and category telecom_fraud there (by default the grid's
// community officer, as a dissuasion task [004]). The caller's right to
// take warnings in at loc is checked by its service.
func (s *Service) RouteWarning(ctx context.Context, loc precinct.Location) (precinct.Route, error) {
	c, err := s.context(ctx, loc.SubBureauID)
	if err != nil {
		return precinct.Route{}, err
	}
	var cat precinct.Category
	for _, k := range c.cats {
		if k.Code == "telecom_fraud" {
			cat = k
		}
	}
	if cat.Code == "" {
		cat = precinct.Category{Code: "telecom_fraud", Parent: "fraud", Kind: precinct.KindCase}
	}
	inc := &precinct.Incident{Source: precinct.SourceAntiFraud, Category: cat.Code, Location: loc}
	f := Facts{Incident: inc, Category: cat, Org: c.org}
	home := c.org.Station(loc.StationID)
	if home == nil {
		home = &precinct.Station{ID: loc.StationID, SubBureauID: loc.SubBureauID}
	}
	ru := firstRule(c.rules, f, home, c.org.ServiceStationFor(home.ID))
	rt := routeFor(ru, home, c.org.ServiceStationFor(home.ID), loc.SubBureauID)
	rt.Reason, rt.ReasonEN = withSeed(ru.Reason, ru.ReasonEN, ru.Seed)
	return rt, nil
}
