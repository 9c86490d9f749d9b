package registry

import (
	"context"
	"strings"

	"precinct"
)

// setOrganisation applies the non-nil fields of in to o, returning the
// fields that changed, the new phone when it changed, and the credit code's
// warning.
func (s *Service) setOrganisation(ctx context.Context, sc precinct.Scope, o *precinct.Organisation, in precinct.OrganisationInput) ([]string, *string, *precinct.Error, error) {
	var changed []string
	var phone *string
	var warning *precinct.Error
	if in.Name != nil {
		n, err := personName(*in.Name, "name", 100)
		if err != nil {
			return nil, nil, nil, err
		}
		if n != o.Name {
			o.Name = n
			changed = append(changed, "name")
		}
	}
	if in.Kind != nil && *in.Kind != o.Kind {
		if err := oneOf(*in.Kind, precinct.OrgKinds, "kind"); err != nil {
			return nil, nil, nil, err
		}
		o.Kind = *in.Kind
		changed = append(changed, "kind")
	}
	if in.CreditCode != nil {
		code, w := CheckCreditCode(*in.CreditCode, "credit_code")
		if len(code) > 40 {
			return nil, nil, nil, precinct.FieldErrorf(precinct.EINVALID, "credit_code", "代码过长", "The code is too long.")
		}
		warning = w
		if code != o.CreditCode {
			o.CreditCode, o.CreditCodeChecked = code, code != "" && w == nil
			changed = append(changed, "credit_code")
		}
	}
	if in.LegalRep != nil && strings.TrimSpace(*in.LegalRep) != o.LegalRep {
		n := strings.TrimSpace(*in.LegalRep)
		if n != "" {
			var err error
			if n, err = personName(n, "legal_rep", 50); err != nil {
				return nil, nil, nil, err
			}
		}
		o.LegalRep = n
		changed = append(changed, "legal_rep")
	}
	if in.LegalRepPhone != nil {
		p := ""
		if strings.TrimSpace(*in.LegalRepPhone) != "" {
			var err error
			if p, _, err = NormalizePhone(*in.LegalRepPhone, "legal_rep_phone"); err != nil {
				return nil, nil, nil, err
			}
		}
		if s.Vault.Hash(fieldPhone, p) != o.SealedPhone.Hash {
			phone = &p
			changed = append(changed, "legal_rep_phone")
		}
	}
	if in.KeyUnit != nil && *in.KeyUnit != o.KeyUnit {
		o.KeyUnit = *in.KeyUnit
		changed = append(changed, "key_unit")
	}
	if in.SecurityResponsibility != nil && *in.SecurityResponsibility != o.SecurityResponsibility {
		o.SecurityResponsibility = *in.SecurityResponsibility
		changed = append(changed, "security_responsibility")
	}
	if in.Employees != nil && *in.Employees != o.Employees {
		if *in.Employees < 0 || *in.Employees > 1000000 {
			return nil, nil, nil, precinct.FieldErrorf(precinct.EINVALID, "employees", "从业人数应在 0 至 1000000 之间", "Employees must be within 0 to 1000000.")
		}
		o.Employees = *in.Employees
		changed = append(changed, "employees")
	}
	if in.Note != nil && *in.Note != o.Note {
		if err := limitText(*in.Note, "note", 500); err != nil {
			return nil, nil, nil, err
		}
		o.Note = *in.Note
		changed = append(changed, "note")
	}
	if in.AddressID != nil && *in.AddressID != o.AddressID {
		if _, err := s.place(ctx, sc, &o.Record, *in.AddressID); err != nil {
			return nil, nil, nil, err
		}
		changed = append(changed, "address_id")
	}
	return changed, phone, warning, nil
}

// oneOrganisation refuses a second active organisation with one checked
// credit code.
func (s *Service) oneOrganisation(ctx context.Context, o *precinct.Organisation) error {
	if !o.CreditCodeChecked {
		return nil
	}
	others, _, err := s.Store.ListOrganisations(ctx, precinct.OrganisationFilter{Scope: precinct.Everywhere, CreditCode: o.CreditCode,
		Statuses: []precinct.RecordStatus{precinct.StatusActive}, Limit: 2})
	if err != nil {
		return err
	}
	for _, x := range others {
		if x.ID != o.ID {
			e := precinct.FieldErrorf(precinct.ECONFLICT, "credit_code", "该统一社会信用代码已登记", "This unified social credit code is registered already.")
			if precinct.ScopeOf(precinct.UserFromContext(ctx)).Covers(x.Location) {
				e.Data = map[string]string{"duplicate_of": x.ID}
			}
			return e
		}
	}
	return nil
}

func (s *Service) sealOrganisation(o *precinct.Organisation, phone *string) error {
	if phone != nil {
		var err error
		if o.SealedPhone, err = s.seal(fieldPhone, *phone); err != nil {
			return err
		}
	}
	o.LegalRepPhone = o.SealedPhone.Masked
	return nil
}

// organisation returns an organisation the caller reaches.
func (s *Service) organisation(ctx context.Context, sc precinct.Scope, id string) (*precinct.Organisation, error) {
	o, err := s.Store.FindOrganisation(ctx, id)
	return inScope(o, err, sc, func(o *precinct.Organisation) precinct.Location { return o.Location }, "单位", "Organisation", id, "")
}

// CreateOrganisation registers an organisation at an address the caller
// reaches. A credit code failing its check is kept, and the warning
// returned.
func (s *Service) CreateOrganisation(ctx context.Context, in precinct.OrganisationInput) (*precinct.Organisation, []*precinct.Error, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, nil, err
	}
	if in.Name == nil {
		return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "name", "单位名称不能为空", "The name is required.")
	}
	if in.Kind == nil {
		return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "须填写单位类别", "The kind of organisation is required.")
	}
	if in.AddressID == nil || *in.AddressID == "" {
		return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "address_id", "须填写标准地址", "A standard address is required.")
	}
	now := s.now()
	o := &precinct.Organisation{ID: precinct.NewID("org", now), Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: u.ID, Version: 1}}
	_, phone, warning, err := s.setOrganisation(ctx, sc, o, in)
	if err != nil {
		return nil, nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, o.Location); err != nil {
		return nil, nil, err
	}
	if err := s.oneOrganisation(ctx, o); err != nil {
		return nil, nil, err
	}
	if err := s.sealOrganisation(o, phone); err != nil {
		return nil, nil, err
	}
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityOrganisation, EntityID: o.ID, Kind: precinct.ChangeRegistered,
		At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: o.AddressID, Address: o.Address, Location: o.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityOrganisation, EntityID: o.ID,
		NewOrganisations: []*precinct.Organisation{o}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventOrganisationCreated, o.Location, precinct.EntityOrganisation, o.ID, o, nil)}}
	return s.writeOrganisation(ctx, sc, w, o, warning)
}

func (s *Service) writeOrganisation(ctx context.Context, sc precinct.Scope, w *precinct.RegistryWrite, o *precinct.Organisation, warning *precinct.Error) (*precinct.Organisation, []*precinct.Error, error) {
	replay, err := s.apply(ctx, w)
	if err != nil {
		return nil, nil, err
	}
	var warnings []*precinct.Error
	if warning != nil {
		warnings = append(warnings, warning)
	}
	if replay != "" {
		o, err := s.organisation(ctx, sc, replay)
		return o, warnings, err
	}
	return o, warnings, nil
}

// FindOrganisation returns an organisation the caller reaches, masked.
func (s *Service) FindOrganisation(ctx context.Context, id string) (*precinct.Organisation, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	return s.organisation(ctx, sc, id)
}

// RevealOrganisation returns an organisation with the legal
// representative's phone in clear; audited.
func (s *Service) RevealOrganisation(ctx context.Context, id string, req precinct.RevealRequest) (*precinct.Organisation, error) {
	u, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	o, err := s.organisation(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermReadPersonal, o.Location); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, precinct.EntityOrganisation, o.ID, o.Location, req.Reason, "legal_rep_phone"); err != nil {
		return nil, err
	}
	if o.LegalRepPhone, err = s.open(fieldPhone, o.SealedPhone); err != nil {
		return nil, err
	}
	o.Full = true
	return o, nil
}

// ListOrganisations lists organisations in the caller's scope, masked.
func (s *Service) ListOrganisations(ctx context.Context, f precinct.OrganisationFilter) ([]*precinct.Organisation, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	if f.CreditCode != "" {
		f.CreditCode, _ = CheckCreditCode(f.CreditCode, "credit_code")
	}
	return s.Store.ListOrganisations(ctx, f)
}

// CorrectOrganisation changes the fields of in; Version must be the version
// read.
func (s *Service) CorrectOrganisation(ctx context.Context, id string, in precinct.OrganisationInput) (*precinct.Organisation, []*precinct.Error, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, nil, err
	}
	old, err := s.organisation(ctx, sc, id)
	if err != nil {
		return nil, nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, old.Location); err != nil {
		return nil, nil, err
	}
	if in.Version <= 0 {
		return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "version", "须给出所修改记录的版本号", "The version of the record being corrected is required.")
	}
	o := *old
	changed, phone, warning, err := s.setOrganisation(ctx, sc, &o, in)
	if err != nil {
		return nil, nil, err
	}
	if len(changed) == 0 {
		return old, nil, nil
	}
	if err := s.oneOrganisation(ctx, &o); err != nil {
		return nil, nil, err
	}
	if err := s.sealOrganisation(&o, phone); err != nil {
		return nil, nil, err
	}
	now := s.now()
	o.Version, o.UpdatedAt = in.Version+1, now
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityOrganisation, EntityID: o.ID, Kind: precinct.ChangeCorrected,
		At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: o.AddressID, Address: o.Address, Fields: changed, Location: o.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityOrganisation, EntityID: o.ID,
		Organisations: []*precinct.Organisation{&o}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventOrganisationUpdated, o.Location, precinct.EntityOrganisation, o.ID, &o, map[string]any{"fields": changed})}}
	return s.writeOrganisation(ctx, sc, w, &o, warning)
}
