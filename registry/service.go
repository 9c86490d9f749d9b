// Package registry is the registry of 一标三实: standard addresses (标准地址)
// and the actual population, houses and organisations at them (实有人口、
// 房屋、单位), captured and verified on visits (走访), with the accuracy and
// two-way familiarity figures of each grid.
//
// Service checks every call here: the caller's role (registry.read,
// registry.edit, registry.export, personal.read) and their scope — every
// record lies in the community grid of its address, and a record outside the
// caller's scope is ENOTFOUND, as if absent. Lists pass the scope to the
// store, which applies it in SQL. ID numbers and phones reach the store only
// sealed (package vault), with a keyed hash for search and a masked form
// that every list, export and event shows; a full view needs personal.read
// and a reason, and is audited before it is returned.
//
// The validators (ParseResidentID, CheckCreditCode, NormalizePhone) and the
// address normalisation never panic and are fuzzed.
package registry

import (
	"context"
	"encoding/json"
	"time"

	"precinct"
	"precinct/vault"
)

// Store is what the service keeps records in and audits to.
type Store interface {
	precinct.RegistryStore
	precinct.AuditStore
}

// Service implements precinct.RegistryService. Store, Vault and Resolver are
// required; a nil Clock is the system clock.
type Service struct {
	Store    Store
	Vault    *vault.Vault
	Resolver precinct.Resolver
	Clock    precinct.Clock
	// Notify, if set, is called after every commit so that the event relay
	// publishes at once.
	Notify func()
}

var _ precinct.RegistryService = (*Service)(nil)

// Fields of personal data, as the vault seals them.
const (
	fieldIDNumber = "id_number"
	fieldPhone    = "phone"
)

// Event types of the registry.
const (
	EventAddressCreated      = "address.created"
	EventResidentCreated     = "resident.created"
	EventResidentUpdated     = "resident.updated"
	EventResidentMoved       = "resident.moved"
	EventResidentMerged      = "resident.merged"
	EventHouseCreated        = "house.created"
	EventHouseUpdated        = "house.updated"
	EventOrganisationCreated = "organisation.created"
	EventOrganisationUpdated = "organisation.updated"
	EventVisitRecorded       = "visit.recorded"
	EventRegistryImported    = "registry.imported"
)

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

// caller returns the user in ctx and their scope, once they hold perm.
func caller(ctx context.Context, perm precinct.Permission) (*precinct.User, precinct.Scope, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, perm); err != nil {
		return nil, precinct.Scope{}, err
	}
	return u, precinct.ScopeOf(u), nil
}

// reach returns err, or ENOTFOUND when the record at loc is outside the
// scope: a record the caller may not read is one they cannot know of.
func reach(sc precinct.Scope, loc precinct.Location, zh, en, id string) error {
	if !sc.Covers(loc) {
		return precinct.ErrNotFound(zh, en, id)
	}
	return nil
}

// apply writes w and wakes the event relay.
func (s *Service) apply(ctx context.Context, w *precinct.RegistryWrite) (string, error) {
	replay, err := s.Store.ApplyRegistry(ctx, w)
	if err == nil && replay == "" {
		s.notify()
	}
	return replay, err
}

// eventData is what every registry event carries besides the record: the
// record's jurisdiction down to its community grid, which the stream's read
// rule checks (the event itself names only sub-bureau and station).
type eventData struct {
	Location precinct.Location `json:"jurisdiction"`
	Detail   any               `json:"detail,omitempty"`
}

// event returns an event about a record at loc; after is the masked record.
func event(ctx context.Context, now time.Time, typ string, loc precinct.Location, entity precinct.RegistryEntity, id string, after, detail any) *precinct.Event {
	return precinct.NewEvent(ctx, now, typ, loc, string(entity), id, nil, after, eventData{Location: loc, Detail: detail})
}

// RecordEvent is the stream's read rule of registry events: a caller with
// registry.read whose scope covers the record's community grid sees it, as
// they would read the record; events carry only masked records.
func (s *Service) RecordEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if precinct.Authorize(u, precinct.PermReadRegistry) != nil {
		return nil
	}
	var d eventData
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return nil
	}
	if !precinct.ScopeOf(u).Covers(d.Location) {
		return nil
	}
	return e
}

// EventRules are the read rules of the registry's events, by entity type,
// for the event stream (package feed).
func (s *Service) EventRules() map[string]precinct.EventRule {
	rules := map[string]precinct.EventRule{}
	for _, t := range []precinct.RegistryEntity{precinct.EntityAddress, precinct.EntityResident, precinct.EntityHouse,
		precinct.EntityOrganisation, precinct.EntityVisit, "registry"} {
		rules[string(t)] = s.RecordEvent
	}
	return rules
}

// audit records a full view of personal data before it is returned.
func (s *Service) audit(ctx context.Context, entity precinct.RegistryEntity, id string, loc precinct.Location, reason string, fields ...string) error {
	if err := precinct.CheckReason(reason); err != nil {
		return err
	}
	return s.Store.RecordAudit(ctx, precinct.NewAuditRecord(ctx, s.now(), string(entity), id, loc, reason, fields...))
}

// seal returns the stored form of a normalised personal value.
func (s *Service) seal(field, value string) (precinct.Sealed, error) {
	return s.sealHashed(field, value, "")
}

// sealHashed is seal with the value's hash under the current key, when the
// caller has it already ("" to compute it).
func (s *Service) sealHashed(field, value, hash string) (precinct.Sealed, error) {
	if value == "" {
		return precinct.Sealed{}, nil
	}
	sealed, err := s.Vault.Seal(field, value)
	if err != nil {
		return precinct.Sealed{}, err
	}
	masked := precinct.MaskPhone(value)
	if field == fieldIDNumber {
		masked = precinct.MaskIDNumber(value)
	}
	if hash == "" {
		hash = s.Vault.Hash(field, value)
	}
	return precinct.Sealed{Masked: masked, Sealed: sealed, Hash: hash}, nil
}

// SealResident seals a resident's ID number and phone, as given, into its
// stored and masked forms: for records the node itself writes (the demo's
// generated registry), which were checked where they were made.
func (s *Service) SealResident(r *precinct.Resident, idNumber, phone string) error {
	var err error
	if r.SealedID, err = s.seal(fieldIDNumber, idNumber); err != nil {
		return err
	}
	if r.SealedPhone, err = s.seal(fieldPhone, phone); err != nil {
		return err
	}
	r.IDNumber, r.Phone = r.SealedID.Masked, r.SealedPhone.Masked
	return nil
}

// open returns the clear value of a stored one.
func (s *Service) open(field string, v precinct.Sealed) (string, error) {
	plain, err := s.Vault.Open(field, v.Sealed)
	if err != nil {
		return "", precinct.Errorf(precinct.EINTERNAL, "无法解密个人信息（密钥缺失？）", "Cannot open personal data (a missing key?).")
	}
	return plain, nil
}

// Reseal re-encrypts and re-hashes every stored personal value that is not
// under the vault's current keys (after a key rotation), and returns how
// many it changed. It is the node's own work, not a user's.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	return s.Store.ResealPersonal(ctx, func(field, sealed, hash string) (string, string, bool, error) {
		if s.Vault.Current(sealed, hash) {
			return sealed, hash, false, nil
		}
		ns, nh, err := s.Vault.Reseal(field, sealed)
		return ns, nh, err == nil, err
	})
}

// CountStale counts the stored values not under the current keys.
func (s *Service) CountStale(ctx context.Context) (int, error) {
	n := 0
	_, err := s.Store.ResealPersonal(ctx, func(field, sealed, hash string) (string, string, bool, error) {
		if !s.Vault.Current(sealed, hash) {
			n++
		}
		return sealed, hash, false, nil
	})
	return n, err
}

// date checks a YYYY-MM-DD date.
func date(s, field string) error {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return precinct.FieldErrorf(precinct.EINVALID, field, "日期格式应为 YYYY-MM-DD：%q", "The date must be YYYY-MM-DD: %q", s)
	}
	return nil
}

// limitText refuses text longer than n characters.
func limitText(s, field string, n int) error {
	if len([]rune(s)) > n {
		return precinct.FieldErrorf(precinct.EINVALID, field, "%s 过长（最多 %d 字）", "%s is too long (%d characters at most).", field, n)
	}
	return nil
}
