package registry

import (
	"context"
	"math"
	"strings"
	"time"

	"precinct"
)

var houseUses = []precinct.HouseUse{precinct.HouseSelfOccupied, precinct.HouseRented, precinct.HouseVacant, precinct.HouseBusiness}

// setHouse applies the non-nil fields of in to h and returns the names of
// the fields that changed, and the new owner phone when it changed.
func (s *Service) setHouse(ctx context.Context, sc precinct.Scope, h *precinct.House, in precinct.HouseInput) ([]string, *string, error) {
	var changed []string
	var phone *string
	if in.Use != nil && *in.Use != h.Use {
		if err := oneOf(*in.Use, houseUses, "use"); err != nil {
			return nil, nil, err
		}
		h.Use = *in.Use
		changed = append(changed, "use")
	}
	if in.OwnerName != nil && strings.TrimSpace(*in.OwnerName) != h.OwnerName {
		n := strings.TrimSpace(*in.OwnerName)
		if n != "" {
			var err error
			if n, err = personName(n, "owner_name", 50); err != nil {
				return nil, nil, err
			}
		}
		h.OwnerName = n
		changed = append(changed, "owner_name")
	}
	if in.OwnerResidentID != nil && *in.OwnerResidentID != h.OwnerResidentID {
		if *in.OwnerResidentID != "" {
			owner, err := s.resident(ctx, sc, *in.OwnerResidentID, "owner_resident_id")
			if err != nil {
				return nil, nil, err
			}
			if h.OwnerName == "" {
				h.OwnerName = owner.Name
			}
		}
		h.OwnerResidentID = *in.OwnerResidentID
		changed = append(changed, "owner_resident_id")
	}
	if in.OwnerPhone != nil {
		p := ""
		if strings.TrimSpace(*in.OwnerPhone) != "" {
			var err error
			if p, _, err = NormalizePhone(*in.OwnerPhone, "owner_phone"); err != nil {
				return nil, nil, err
			}
		}
		if s.Vault.Hash(fieldPhone, p) != h.SealedOwnerPhone.Hash {
			phone = &p
			changed = append(changed, "owner_phone")
		}
	}
	if in.RentalRegistered != nil && *in.RentalRegistered != h.RentalRegistered {
		h.RentalRegistered = *in.RentalRegistered
		changed = append(changed, "rental_registered")
	}
	if in.AreaM2 != nil && *in.AreaM2 != h.AreaM2 {
		if a := *in.AreaM2; math.IsNaN(a) || a < 0 || a > 100000 {
			return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "area_m2", "面积应在 0 至 100000 平方米之间", "The area must be within 0 to 100000 m².")
		}
		h.AreaM2 = *in.AreaM2
		changed = append(changed, "area_m2")
	}
	if in.Note != nil && *in.Note != h.Note {
		if err := limitText(*in.Note, "note", 500); err != nil {
			return nil, nil, err
		}
		h.Note = *in.Note
		changed = append(changed, "note")
	}
	if in.AddressID != nil && *in.AddressID != h.AddressID {
		a, err := s.place(ctx, sc, &h.Record, *in.AddressID)
		if err != nil {
			return nil, nil, err
		}
		if a.Level != precinct.AddressBuilding && a.Level != precinct.AddressUnit && a.Level != precinct.AddressRoom {
			return nil, nil, precinct.FieldErrorf(precinct.EINVALID, "address_id", "房屋地址须为门牌（楼栋）、单元或户室", "A house's address is a building, a unit or a room.")
		}
		changed = append(changed, "address_id")
	}
	return changed, phone, nil
}

// CreateHouse registers a house at an address the caller reaches; one
// active house per address.
func (s *Service) CreateHouse(ctx context.Context, in precinct.HouseInput) (*precinct.House, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	if in.AddressID == nil || *in.AddressID == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "address_id", "须填写标准地址", "A standard address is required.")
	}
	if in.Use == nil {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "use", "须填写房屋用途", "The use of the house is required.")
	}
	now := s.now()
	h := &precinct.House{ID: precinct.NewID("hse", now), Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: u.ID, Version: 1}}
	_, phone, err := s.setHouse(ctx, sc, h, in)
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, h.Location); err != nil {
		return nil, err
	}
	if err := s.oneHouseAt(ctx, h); err != nil {
		return nil, err
	}
	if err := s.sealHouse(h, phone); err != nil {
		return nil, err
	}
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityHouse, EntityID: h.ID, Kind: precinct.ChangeRegistered,
		At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: h.AddressID, Address: h.Address, Location: h.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityHouse, EntityID: h.ID,
		NewHouses: []*precinct.House{h}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventHouseCreated, h.Location, precinct.EntityHouse, h.ID, h, nil)}}
	return s.writeHouse(ctx, sc, w, h)
}

// oneHouseAt refuses a second active house at one address.
func (s *Service) oneHouseAt(ctx context.Context, h *precinct.House) error {
	others, _, err := s.Store.ListHouses(ctx, precinct.HouseFilter{Scope: precinct.Everywhere, Address: h.AddressID,
		Statuses: []precinct.RecordStatus{precinct.StatusActive}, Limit: 1000})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.AddressID == h.AddressID && o.ID != h.ID {
			e := precinct.FieldErrorf(precinct.ECONFLICT, "address_id", "该地址已登记房屋", "A house is registered at this address already.")
			e.Data = map[string]string{"duplicate_of": o.ID}
			return e
		}
	}
	return nil
}

func (s *Service) sealHouse(h *precinct.House, phone *string) error {
	if phone != nil {
		var err error
		if h.SealedOwnerPhone, err = s.seal(fieldPhone, *phone); err != nil {
			return err
		}
	}
	h.OwnerPhone = h.SealedOwnerPhone.Masked
	return nil
}

func (s *Service) writeHouse(ctx context.Context, sc precinct.Scope, w *precinct.RegistryWrite, h *precinct.House) (*precinct.House, error) {
	replay, err := s.apply(ctx, w)
	if err != nil {
		return nil, err
	}
	if replay != "" {
		return s.house(ctx, sc, replay, "")
	}
	return s.house(ctx, sc, h.ID, "")
}

// FindHouse returns a house the caller reaches, masked, with its tenancies.
func (s *Service) FindHouse(ctx context.Context, id string) (*precinct.House, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	return s.house(ctx, sc, id, "")
}

// RevealHouse returns a house with the owner's phone in clear; audited.
func (s *Service) RevealHouse(ctx context.Context, id string, req precinct.RevealRequest) (*precinct.House, error) {
	u, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	h, err := s.house(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermReadPersonal, h.Location); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, precinct.EntityHouse, h.ID, h.Location, req.Reason, "owner_phone"); err != nil {
		return nil, err
	}
	if h.OwnerPhone, err = s.open(fieldPhone, h.SealedOwnerPhone); err != nil {
		return nil, err
	}
	h.Full = true
	return h, nil
}

// ListHouses lists houses in the caller's scope, masked.
func (s *Service) ListHouses(ctx context.Context, f precinct.HouseFilter) ([]*precinct.House, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	return s.Store.ListHouses(ctx, f)
}

// CorrectHouse changes the fields of in; Version must be the version read.
func (s *Service) CorrectHouse(ctx context.Context, id string, in precinct.HouseInput) (*precinct.House, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	old, err := s.house(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, old.Location); err != nil {
		return nil, err
	}
	if in.Version <= 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "version", "须给出所修改记录的版本号", "The version of the record being corrected is required.")
	}
	h := *old
	h.Tenants = nil
	changed, phone, err := s.setHouse(ctx, sc, &h, in)
	if err != nil {
		return nil, err
	}
	if len(changed) == 0 {
		return old, nil
	}
	if err := s.oneHouseAt(ctx, &h); err != nil {
		return nil, err
	}
	if err := s.sealHouse(&h, phone); err != nil {
		return nil, err
	}
	now := s.now()
	h.Version, h.UpdatedAt = in.Version+1, now
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityHouse, EntityID: h.ID, Kind: precinct.ChangeCorrected,
		At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: h.AddressID, Address: h.Address, Fields: changed, Location: h.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityHouse, EntityID: h.ID,
		Houses: []*precinct.House{&h}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventHouseUpdated, h.Location, precinct.EntityHouse, h.ID, &h, map[string]any{"fields": changed})}}
	return s.writeHouse(ctx, sc, w, &h)
}

// StartTenancy records a tenant moving in to a house on a date.
func (s *Service) StartTenancy(ctx context.Context, houseID string, in precinct.TenancyInput) (*precinct.House, error) {
	u, sc, h, err := s.editHouse(ctx, houseID)
	if err != nil {
		return nil, err
	}
	if err := date(in.From, "from"); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if in.ResidentID != "" {
		r, err := s.resident(ctx, sc, in.ResidentID, "resident_id")
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = r.Name
		}
		for _, t := range h.Tenants {
			if t.ResidentID == in.ResidentID && t.To == "" {
				return nil, precinct.FieldErrorf(precinct.ECONFLICT, "resident_id", "该人员已在此租住", "This person rents here already.")
			}
		}
	}
	if name, err = personName(name, "name", 50); err != nil {
		return nil, err
	}
	now := s.now()
	t := &precinct.Tenancy{ID: precinct.NewID("ten", now), HouseID: h.ID, ResidentID: in.ResidentID, Name: name, From: in.From, RecordedAt: now, RecordedBy: u.ID}
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityHouse, EntityID: h.ID, Kind: precinct.ChangeTenantIn,
		Effective: in.From, At: now, Actor: u.ID, VisitID: in.VisitID, OtherID: in.ResidentID, Note: name, AddressID: h.AddressID, Address: h.Address, Location: h.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityHouse, EntityID: h.ID,
		NewTenancies: []*precinct.Tenancy{t}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventHouseUpdated, h.Location, precinct.EntityHouse, h.ID, nil, t)}}
	return s.writeHouse(ctx, sc, w, h)
}

// EndTenancy records a tenant leaving on a date (in.To).
func (s *Service) EndTenancy(ctx context.Context, houseID, tenancyID string, in precinct.TenancyInput) (*precinct.House, error) {
	u, sc, h, err := s.editHouse(ctx, houseID)
	if err != nil {
		return nil, err
	}
	if err := date(in.To, "to"); err != nil {
		return nil, err
	}
	var t *precinct.Tenancy
	for i := range h.Tenants {
		if h.Tenants[i].ID == tenancyID {
			t = &h.Tenants[i]
		}
	}
	if t == nil {
		return nil, precinct.ErrNotFound("租住记录", "Tenancy", tenancyID)
	}
	if in.To < t.From {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "退租日期早于入住日期 %s", "The end date is before the start %s.", t.From)
	}
	now := s.now()
	ended := *t
	ended.To = in.To
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityHouse, EntityID: h.ID, Kind: precinct.ChangeTenantOut,
		Effective: in.To, At: now, Actor: u.ID, VisitID: in.VisitID, OtherID: t.ResidentID, Note: t.Name, AddressID: h.AddressID, Address: h.Address, Location: h.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityHouse, EntityID: h.ID,
		EndedTenancies: []*precinct.Tenancy{&ended}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventHouseUpdated, h.Location, precinct.EntityHouse, h.ID, nil, &ended)}}
	return s.writeHouse(ctx, sc, w, h)
}

// editHouse returns the caller and a house they may edit.
func (s *Service) editHouse(ctx context.Context, id string) (*precinct.User, precinct.Scope, *precinct.House, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, sc, nil, err
	}
	h, err := s.house(ctx, sc, id, "")
	if err != nil {
		return nil, sc, nil, err
	}
	return u, sc, h, precinct.Authorize(u, precinct.PermEditRegistry, h.Location)
}

// farFuture is a "now" that accepts any birth date: search texts are looked
// up, not validated.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
