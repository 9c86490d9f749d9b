package registry

import (
	"context"
	"regexp"
	"slices"
	"time"

	"precinct"
)

var (
	visitPurposes = []precinct.VisitPurpose{precinct.VisitRoutine, precinct.VisitCare, precinct.VisitRental, precinct.VisitOrganisation, precinct.VisitCollection}
	verifyResults = []precinct.VerifyResult{precinct.VerifyCorrect, precinct.VerifyCorrected, precinct.VerifyGone}
	// visitIDPattern is the form of a visit ID the app chooses.
	visitIDPattern = regexp.MustCompile(`^vis_[0-9a-z-]{16,40}$`)
)

// How far a visit's time may lie from now: recorded offline days before, or
// by a phone whose clock runs a little ahead.
const (
	visitMaxAge   = 30 * 24 * time.Hour
	visitMaxAhead = 10 * time.Minute
	visitMaxItems = 200
)

// RecordVisit records a visit where the caller works: who (the caller), when,
// where (a position, an address, or both), whom, and what was verified,
// asked and handed out — in one transaction with the effects on the records.
// A resend with the same Idempotency-Key, or of the same app-chosen ID by the
// same officer, returns the visit stored the first time.
func (s *Service) RecordVisit(ctx context.Context, in precinct.VisitInput) (*precinct.Visit, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v := &precinct.Visit{ID: in.ID, At: now, By: u.ID, AddressID: in.AddressID, HouseID: in.HouseID, OrganisationID: in.OrganisationID,
		Purpose: in.Purpose, Note: in.Note, RecordedAt: now}
	if v.ID == "" {
		v.ID = precinct.NewID("vis", now)
	} else if !visitIDPattern.MatchString(v.ID) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "id", "走访编号格式应为 vis_ 加 16 至 40 位小写字母、数字或连字符", "A visit ID is vis_ and 16 to 40 lower-case letters, digits or dashes.")
	}
	if in.At != nil {
		if in.At.Before(now.Add(-visitMaxAge)) || in.At.After(now.Add(visitMaxAhead)) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "at", "走访时间应在最近 30 天内", "The time of the visit must lie within the last 30 days.")
		}
		v.At = *in.At
	}
	if v.Purpose == "" {
		v.Purpose = precinct.VisitRoutine
	}
	if err := oneOf(v.Purpose, visitPurposes, "purpose"); err != nil {
		return nil, err
	}
	if err := limitText(v.Note, "note", 1000); err != nil {
		return nil, err
	}
	if len(in.Verifications)+len(in.Familiarity)+len(in.Cards)+len(in.ResidentIDs) > visitMaxItems {
		return nil, precinct.Errorf(precinct.EINVALID, "一次走访最多记录 %d 项", "A visit records %d items at most.", visitMaxItems)
	}
	// Where: the position reported, else the address's.
	switch {
	case in.Point != nil:
		if err := in.Point.Validate("point"); err != nil {
			return nil, err
		}
		v.Point = *in.Point
		if v.Location, err = s.Resolver.Resolve(v.Point); err != nil {
			return nil, err
		}
	case in.AddressID == "":
		return nil, precinct.FieldErrorf(precinct.EINVALID, "point", "须给出走访位置或地址", "A position or an address of the visit is required.")
	}
	if in.AddressID != "" {
		var rec precinct.Record
		if _, err := s.place(ctx, sc, &rec, in.AddressID); err != nil {
			return nil, err
		}
		v.Address = rec.Address
		if in.Point == nil {
			v.Point, v.Location = rec.Point, rec.Location
		}
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, v.Location); err != nil {
		return nil, err
	}
	var changes []*precinct.RecordChange
	change := func(t precinct.RegistryEntity, id string, kind precinct.ChangeKind, loc precinct.Location, note string) {
		changes = append(changes, &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: t, EntityID: id, Kind: kind,
			Effective: v.At.In(precinct.CST).Format("2006-01-02"), At: now, Actor: u.ID, VisitID: v.ID, Note: note, Location: loc})
	}
	if v.HouseID != "" {
		if _, err := s.house(ctx, sc, v.HouseID, "house_id"); err != nil {
			return nil, err
		}
	}
	if v.OrganisationID != "" {
		if _, err := s.organisation(ctx, sc, v.OrganisationID); err != nil {
			return nil, fieldOf(err, "organisation_id")
		}
	}
	for _, id := range in.ResidentIDs {
		if _, err := s.resident(ctx, sc, id, "resident_ids"); err != nil {
			return nil, err
		}
		if !slices.Contains(v.ResidentIDs, id) {
			v.ResidentIDs = append(v.ResidentIDs, id)
		}
	}
	seen := map[string]bool{}
	for _, x := range in.Verifications {
		if err := oneOf(x.Result, verifyResults, "verifications.result"); err != nil {
			return nil, err
		}
		if seen[x.EntityID] {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "verifications", "同一记录核实了两次：%s", "One record is verified twice: %s", x.EntityID)
		}
		seen[x.EntityID] = true
		if err := limitText(x.Note, "verifications.note", 500); err != nil {
			return nil, err
		}
		loc, status, err := s.recordAt(ctx, sc, x.EntityType, x.EntityID)
		if err != nil {
			return nil, err
		}
		if status == precinct.StatusMerged {
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "verifications", "记录已合并，请核实合并后的记录：%s", "The record was merged; verify the merged one: %s", x.EntityID)
		}
		x.Location = loc
		v.Verifications = append(v.Verifications, x)
		change(x.EntityType, x.EntityID, precinct.ChangeVerified, loc, string(x.Result))
		if x.Result == precinct.VerifyGone {
			kind := precinct.ChangeStatusGone
			if x.EntityType == precinct.EntityResident {
				kind = precinct.ChangeMovedOut
			}
			change(x.EntityType, x.EntityID, kind, loc, x.Note)
		}
	}
	surveyed := map[string]bool{}
	for _, f := range in.Familiarity {
		if surveyed[f.ResidentID] {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "familiarity", "同一人员调查了两次：%s", "One resident is surveyed twice: %s", f.ResidentID)
		}
		surveyed[f.ResidentID] = true
		r, err := s.resident(ctx, sc, f.ResidentID, "familiarity.resident_id")
		if err != nil {
			return nil, err
		}
		f.Location = r.Location
		v.Familiarity = append(v.Familiarity, f)
		change(precinct.EntityResident, r.ID, precinct.ChangeFamiliarity, r.Location, "")
	}
	for _, c := range in.Cards {
		switch {
		case c.ResidentID != "":
			r, err := s.resident(ctx, sc, c.ResidentID, "cards.resident_id")
			if err != nil {
				return nil, err
			}
			c.Location = r.Location
			change(precinct.EntityResident, r.ID, precinct.ChangeCardIssued, r.Location, "")
		case c.HouseID != "":
			h, err := s.house(ctx, sc, c.HouseID, "cards.house_id")
			if err != nil {
				return nil, err
			}
			c.Location = h.Location
			change(precinct.EntityHouse, h.ID, precinct.ChangeCardIssued, h.Location, "")
		default:
			return nil, precinct.FieldErrorf(precinct.EINVALID, "cards", "联系卡须发给人员或留在房屋", "A contact card goes to a resident or a house.")
		}
		v.Cards = append(v.Cards, c)
	}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityVisit, EntityID: v.ID,
		Visit: v, Changes: changes, Events: []*precinct.Event{event(ctx, now, EventVisitRecorded, v.Location, precinct.EntityVisit, v.ID, v, nil)}}
	replay, err := s.apply(ctx, w)
	if precinct.ErrorCode(err) == precinct.ECONFLICT && in.ID != "" {
		// The same app-chosen ID again: the first send arrived.
		if old, ferr := s.Store.FindVisit(ctx, in.ID); ferr == nil && old.By == u.ID {
			return old, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if replay != "" {
		return s.Store.FindVisit(ctx, replay)
	}
	return v, nil
}

// fieldOf names the field of a precinct error.
func fieldOf(err error, field string) error {
	if e, ok := err.(*precinct.Error); ok {
		e.Field = field
	}
	return err
}

// recordAt returns the location and status of a record the caller reaches.
func (s *Service) recordAt(ctx context.Context, sc precinct.Scope, t precinct.RegistryEntity, id string) (precinct.Location, precinct.RecordStatus, error) {
	switch t {
	case precinct.EntityResident:
		r, err := s.resident(ctx, sc, id, "verifications.entity_id")
		if err != nil {
			return precinct.Location{}, "", err
		}
		return r.Location, r.Status, nil
	case precinct.EntityHouse:
		h, err := s.house(ctx, sc, id, "verifications.entity_id")
		if err != nil {
			return precinct.Location{}, "", err
		}
		return h.Location, h.Status, nil
	case precinct.EntityOrganisation:
		o, err := s.organisation(ctx, sc, id)
		if err != nil {
			return precinct.Location{}, "", fieldOf(err, "verifications.entity_id")
		}
		return o.Location, o.Status, nil
	}
	return precinct.Location{}, "", precinct.FieldErrorf(precinct.EINVALID, "verifications.entity_type", "可核实的记录为 resident、house、organisation",
		"Records that can be verified are resident, house and organisation.")
}

// FindVisit returns a visit the caller reaches.
func (s *Service) FindVisit(ctx context.Context, id string) (*precinct.Visit, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	v, err := s.Store.FindVisit(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, reach(sc, v.Location, "走访记录", "Visit", id)
}

// ListVisits lists visits in the caller's scope, latest first.
func (s *Service) ListVisits(ctx context.Context, f precinct.VisitFilter) ([]*precinct.Visit, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	return s.Store.ListVisits(ctx, f)
}

// Accuracy reports, per community grid of the caller's scope, the share of
// records verified in the last months (1 to 36, default 12) and the share of
// those found correct.
func (s *Service) Accuracy(ctx context.Context, months int) (*precinct.AccuracyReport, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	if months == 0 {
		months = 12
	}
	if months < 1 || months > 36 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "months", "月数应在 1 至 36 之间", "Months must be within 1 to 36.")
	}
	since := s.now().AddDate(0, -months, 0)
	grids, err := s.Store.Accuracy(ctx, sc, since)
	if err != nil {
		return nil, err
	}
	rep := &precinct.AccuracyReport{Since: since, Months: months, Grids: grids}
	if rep.Grids == nil {
		rep.Grids = []precinct.GridAccuracy{}
	}
	for _, g := range grids {
		rep.Total.Records += g.Records
		rep.Total.Verified += g.Verified
		rep.Total.Correct += g.Correct
	}
	rep.Total.Location = sc.Location
	rep.VerifiedShare = share(rep.Total.Verified, rep.Total.Records)
	rep.CorrectShare = share(rep.Total.Correct, rep.Total.Verified)
	return rep, nil
}

// Familiarity reports, per community grid of the caller's scope, the share
// of surveyed residents who know their officer and are known by them, and
// the contact cards issued.
func (s *Service) Familiarity(ctx context.Context) (*precinct.FamiliarityReport, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	grids, err := s.Store.Familiarity(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep := &precinct.FamiliarityReport{Grids: grids}
	if rep.Grids == nil {
		rep.Grids = []precinct.GridFamiliarity{}
	}
	for _, g := range grids {
		rep.Total.Residents += g.Residents
		rep.Total.Surveyed += g.Surveyed
		rep.Total.TwoWay += g.TwoWay
		rep.Total.Cards += g.Cards
	}
	rep.Total.Location = sc.Location
	rep.Share = share(rep.Total.TwoWay, rep.Total.Surveyed)
	rep.Coverage = share(rep.Total.Surveyed, rep.Total.Residents)
	return rep, nil
}

// share is n/of, or nil when of is 0.
func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}
