package registry

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"precinct"
)

var (
	residentKinds = []precinct.ResidentKind{precinct.ResidentHousehold, precinct.ResidentFloating, precinct.ResidentSeparated, precinct.ResidentForeign}
	docTypes      = []precinct.DocumentType{precinct.DocResidentID, precinct.DocPassport, precinct.DocHMTPermit, precinct.DocForeignPR, precinct.DocOther}
	careFlags     = []precinct.CareFlag{precinct.CareElderlyAlone, precinct.CareMinor, precinct.CareCorrection, precinct.CareMental}
	relations     = []precinct.HouseRelation{precinct.RelationOwner, precinct.RelationFamily, precinct.RelationTenant, precinct.RelationLodger,
		precinct.RelationStaff, precinct.RelationOther}
)

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](v T, allowed []T, field string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	list := make([]string, len(allowed))
	for i, a := range allowed {
		list[i] = string(a)
	}
	return precinct.FieldErrorf(precinct.EINVALID, field, "%s 的值 %q 无效，可选：%s", "Invalid %s %q; one of: %s.", field, v, strings.Join(list, ", "))
}

// personName checks a person's or organisation's name: 1 to n characters,
// letters (any script), spaces, the middle dot of transcribed names.
func personName(s, field string, n int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", precinct.FieldErrorf(precinct.EINVALID, field, "名称不能为空", "The name is required.")
	}
	if utf8.RuneCountInString(s) > n {
		return "", precinct.FieldErrorf(precinct.EINVALID, field, "名称过长（最多 %d 字）", "The name is too long (%d characters at most).", n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", precinct.FieldErrorf(precinct.EINVALID, field, "名称含有控制字符", "The name holds control characters.")
		}
	}
	return s, nil
}

// residentDraft is a resident being captured or corrected, with the clear
// values of its personal data (normalised) when they change.
type residentDraft struct {
	r        *precinct.Resident
	idNumber *string // new clear ID number, when set or changed
	idHash   string  // its hash under the current key, when computed already
	phone    *string
	changed  []string
}

// set applies the non-nil fields of in to d.r, validating each.
func (s *Service) setResident(d *residentDraft, in precinct.ResidentInput) error {
	r := d.r
	mark := func(f string) { d.changed = append(d.changed, f) }
	if in.Name != nil {
		n, err := personName(*in.Name, "name", 50)
		if err != nil {
			return err
		}
		if n != r.Name {
			r.Name = n
			mark("name")
		}
	}
	if in.Kind != nil && *in.Kind != r.Kind {
		if err := oneOf(*in.Kind, residentKinds, "kind"); err != nil {
			return err
		}
		r.Kind = *in.Kind
		mark("kind")
	}
	if in.DocType != nil && *in.DocType != r.DocType {
		if err := oneOf(*in.DocType, docTypes, "doc_type"); err != nil {
			return err
		}
		r.DocType = *in.DocType
		mark("doc_type")
	}
	if in.Gender != nil && *in.Gender != r.Gender {
		if *in.Gender != "" && *in.Gender != "male" && *in.Gender != "female" {
			return precinct.FieldErrorf(precinct.EINVALID, "gender", "性别应为 male 或 female", "Gender must be male or female.")
		}
		r.Gender = *in.Gender
		mark("gender")
	}
	if in.BirthDate != nil && *in.BirthDate != r.BirthDate {
		if *in.BirthDate != "" {
			if err := date(*in.BirthDate, "birth_date"); err != nil {
				return err
			}
		}
		r.BirthDate = *in.BirthDate
		mark("birth_date")
	}
	if in.Nationality != nil && *in.Nationality != r.Nationality {
		n := strings.ToUpper(strings.TrimSpace(*in.Nationality))
		if n != "" && (len(n) != 3 || strings.IndexFunc(n, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
			return precinct.FieldErrorf(precinct.EINVALID, "nationality", "国籍应为三位字母代码（ISO 3166，如 VNM）", "Nationality is a three-letter code (ISO 3166, e.g. VNM).")
		}
		r.Nationality = n
		mark("nationality")
	}
	if in.IDNumber != nil {
		if err := s.setIDNumber(d, *in.IDNumber); err != nil {
			return err
		}
	}
	if in.Phone != nil {
		p := ""
		if strings.TrimSpace(*in.Phone) != "" {
			var err error
			if p, _, err = NormalizePhone(*in.Phone, "phone"); err != nil {
				return err
			}
		}
		if r.SealedPhone.Hash == "" && p != "" || r.SealedPhone.Hash != "" && s.Vault.Hash(fieldPhone, p) != r.SealedPhone.Hash {
			d.phone = &p
			mark("phone")
		}
	}
	if in.Relation != nil && *in.Relation != r.Relation {
		if *in.Relation != "" {
			if err := oneOf(*in.Relation, relations, "relation"); err != nil {
				return err
			}
		}
		r.Relation = *in.Relation
		mark("relation")
	}
	if in.Flags != nil {
		var flags []precinct.CareFlag
		for _, f := range *in.Flags {
			if err := oneOf(f, careFlags, "flags"); err != nil {
				return err
			}
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
		slices.Sort(flags)
		if !slices.Equal(flags, r.Flags) {
			r.Flags = flags
			mark("flags")
		}
	}
	if in.Note != nil && *in.Note != r.Note {
		if err := limitText(*in.Note, "note", 500); err != nil {
			return err
		}
		r.Note = *in.Note
		mark("note")
	}
	// A resident ID number carries the birth date and the gender.
	if r.DocType == precinct.DocResidentID && d.idNumber != nil && *d.idNumber != "" {
		id, err := ParseResidentID(*d.idNumber, "id_number", s.now())
		if err != nil {
			return err
		}
		birth, gender := id.Birth.Format("2006-01-02"), map[bool]string{true: "male", false: "female"}[id.Male]
		if in.BirthDate != nil && *in.BirthDate != "" && *in.BirthDate != birth {
			return precinct.FieldErrorf(precinct.EINVALID, "birth_date", "出生日期 %s 与身份证号码中的 %s 不符", "The birth date %s disagrees with %s in the ID number.", *in.BirthDate, birth)
		}
		if r.BirthDate != birth {
			r.BirthDate = birth
			mark("birth_date")
		}
		if r.Gender != gender {
			r.Gender = gender
			mark("gender")
		}
	}
	return nil
}

// setIDNumber validates a new document number for the record's document type.
func (s *Service) setIDNumber(d *residentDraft, raw string) error {
	v := strings.ToUpper(foldWidth(raw))
	if v != "" {
		if d.r.DocType == precinct.DocResidentID || d.r.DocType == "" {
			id, err := ParseResidentID(raw, "id_number", s.now())
			if err != nil {
				return err
			}
			v = id.Number
		} else if len(v) > 40 || strings.IndexFunc(v, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') }) >= 0 {
			return precinct.FieldErrorf(precinct.EINVALID, "id_number", "证件号码只能包含字母、数字和连字符（最多 40 位）",
				"A document number holds letters, digits and dashes only (40 at most).")
		}
	}
	// A record without a stored number (a new one) needs no hash to tell.
	if d.r.SealedID.Hash == "" && v != "" || d.r.SealedID.Hash != "" && s.Vault.Hash(fieldIDNumber, v) != d.r.SealedID.Hash {
		d.idNumber = &v
		d.changed = append(d.changed, "id_number")
	}
	return nil
}

// seal stores the changed personal data of a draft sealed.
func (s *Service) sealResident(d *residentDraft) error {
	var err error
	if d.idNumber != nil {
		if d.r.SealedID, err = s.sealHashed(fieldIDNumber, *d.idNumber, d.idHash); err != nil {
			return err
		}
	}
	if d.phone != nil {
		if d.r.SealedPhone, err = s.seal(fieldPhone, *d.phone); err != nil {
			return err
		}
	}
	d.r.IDNumber, d.r.Phone = d.r.SealedID.Masked, d.r.SealedPhone.Masked
	return nil
}

// placeAt puts a record at an address (and house) the caller reaches.
func (s *Service) place(ctx context.Context, sc precinct.Scope, rec *precinct.Record, addressID string) (*precinct.Address, error) {
	var a *precinct.Address
	var err error
	if batch, ok := ctx.Value(addressesKey{}).(map[string]*precinct.Address); ok {
		// An import looked the batch's addresses up at once.
		if a = batch[addressID]; a == nil || !sc.Covers(a.Location) {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "address_id", "标准地址不存在：%s", "Standard address not found: %s", addressID)
		}
	} else if a, err = s.findAddress(ctx, sc, addressID, "address_id"); err != nil {
		return nil, err
	}
	if !a.Level.Place() {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "address_id", "地址须细化到街路巷、小区、自然村或门牌以下（现为“%s”）",
			"The address must be a road, compound, hamlet, building or below (this one is a %s).", a.Level.ElementType().Name)
	}
	rec.AddressID, rec.Address, rec.Location, rec.Point = a.ID, a.FullName, a.Location, a.Point
	return a, nil
}

// house returns a house the caller reaches, ENOTFOUND on field otherwise.
func (s *Service) house(ctx context.Context, sc precinct.Scope, id, field string) (*precinct.House, error) {
	h, err := s.Store.FindHouse(ctx, id)
	return inScope(h, err, sc, func(h *precinct.House) precinct.Location { return h.Location }, "房屋", "House", id, field)
}

// resident returns a resident the caller reaches.
func (s *Service) resident(ctx context.Context, sc precinct.Scope, id, field string) (*precinct.Resident, error) {
	r, err := s.Store.FindResident(ctx, id)
	return inScope(r, err, sc, func(r *precinct.Resident) precinct.Location { return r.Location }, "人员", "Resident", id, field)
}

// inScope returns a record read from the store if the scope covers it, and
// ENOTFOUND (on field, if given) if it does not or does not exist.
func inScope[T any](v T, err error, sc precinct.Scope, loc func(T) precinct.Location, zh, en, id, field string) (T, error) {
	if err == nil {
		err = reach(sc, loc(v), zh, en, id)
	}
	if e, ok := err.(*precinct.Error); ok && field != "" {
		e.Field = field
	}
	return v, err
}

// setHome applies the address and house of in to a draft.
func (s *Service) setHome(ctx context.Context, sc precinct.Scope, d *residentDraft, addressID, houseID *string) error {
	r := d.r
	if houseID != nil && *houseID != r.HouseID {
		if *houseID != "" {
			h, err := s.house(ctx, sc, *houseID, "house_id")
			if err != nil {
				return err
			}
			if addressID == nil || *addressID == "" {
				addressID = &h.AddressID
			} else if *addressID != h.AddressID {
				return precinct.FieldErrorf(precinct.EINVALID, "house_id", "房屋不在所填地址", "The house is not at the address given.")
			}
		}
		r.HouseID = *houseID
		d.changed = append(d.changed, "house_id")
	}
	if addressID != nil && *addressID != r.AddressID {
		if _, err := s.place(ctx, sc, &r.Record, *addressID); err != nil {
			return err
		}
		d.changed = append(d.changed, "address_id")
	}
	if r.AddressID == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "address_id", "须填写标准地址", "A standard address is required.")
	}
	return nil
}

// duplicates returns the records of the same person as d: an active one
// with the same ID number is a conflict; so is one with the same name and
// birth date at the same address, unless the caller confirmed it is not.
// A record of the same ID number that moved out is returned to be moved in.
func (s *Service) duplicates(ctx context.Context, sc precinct.Scope, d *residentDraft, notDuplicate bool) (movedOut *precinct.Resident, err error) {
	r := d.r
	q := precinct.DuplicateQuery{Name: r.Name, BirthDate: r.BirthDate, AddressID: r.AddressID, ExceptID: r.ID}
	if notDuplicate {
		q.Name = ""
	}
	if d.idNumber != nil && *d.idNumber != "" {
		q.IDHashes = s.Vault.Hashes(fieldIDNumber, *d.idNumber)
	}
	found, err := s.Store.FindDuplicates(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, o := range found {
		sameID := q.IDHashes != nil && slices.Contains(q.IDHashes, o.SealedID.Hash)
		if sameID && o.Status != precinct.StatusActive {
			movedOut = o
			continue
		}
		e := precinct.FieldErrorf(precinct.ECONFLICT, "name", "疑似重复：同一地址已登记同名同出生日期的人员（%s）；如确为不同人员，请确认后再提交",
			"Possible duplicate: a person of the same name and birth date is registered at this address (%s); confirm they are someone else to go on.", o.Name)
		if sameID {
			e = precinct.FieldErrorf(precinct.ECONFLICT, "id_number", "该证件号码已登记", "This ID number is already registered.")
			if !sc.Covers(o.Location) {
				e = precinct.FieldErrorf(precinct.ECONFLICT, "id_number", "该证件号码已在其他辖区登记为在住人员，请由原辖区先登记迁出",
					"This ID number is registered as living in another jurisdiction; it must be moved out there first.")
				return nil, e
			}
		}
		e.Data = map[string]string{"duplicate_of": o.ID}
		return nil, e
	}
	return movedOut, nil
}

// CreateResident captures a person at an address the caller reaches. A
// person whose ID number is on record as moved out is moved in instead,
// keeping their history.
func (s *Service) CreateResident(ctx context.Context, in precinct.ResidentInput) (*precinct.Resident, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := &precinct.Resident{ID: precinct.NewID("res", now), Kind: precinct.ResidentHousehold, DocType: precinct.DocResidentID,
		Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: u.ID, Version: 1}}
	d := &residentDraft{r: r}
	if in.Name == nil {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "name", "姓名不能为空", "The name is required.")
	}
	if in.DocType != nil {
		if err := oneOf(*in.DocType, docTypes, "doc_type"); err != nil {
			return nil, err
		}
		r.DocType = *in.DocType
	}
	if err := s.setResident(d, in); err != nil {
		return nil, err
	}
	if err := s.setHome(ctx, sc, d, in.AddressID, in.HouseID); err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, r.Location); err != nil {
		return nil, err
	}
	movedOut, err := s.duplicates(ctx, sc, d, in.NotDuplicate)
	if err != nil {
		return nil, err
	}
	if movedOut != nil {
		return s.moveBackIn(ctx, u, movedOut, r, in)
	}
	if err := s.sealResident(d); err != nil {
		return nil, err
	}
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: r.ID, Kind: precinct.ChangeRegistered,
		Effective: now.In(precinct.CST).Format("2006-01-02"), At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: r.AddressID, Address: r.Address, Location: r.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityResident, EntityID: r.ID,
		NewResidents: []*precinct.Resident{r}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventResidentCreated, r.Location, precinct.EntityResident, r.ID, r, nil)}}
	return s.writeResident(ctx, sc, w, r)
}

// writeResident applies w and returns r, or the resident of the first
// request when w replays one.
func (s *Service) writeResident(ctx context.Context, sc precinct.Scope, w *precinct.RegistryWrite, r *precinct.Resident) (*precinct.Resident, error) {
	replay, err := s.apply(ctx, w)
	if err != nil {
		return nil, err
	}
	if replay != "" {
		return s.resident(ctx, sc, replay, "")
	}
	return r, nil
}

// moveBackIn moves a person on record as moved out in at the address of a
// new capture, with the capture's details.
func (s *Service) moveBackIn(ctx context.Context, u *precinct.User, old, captured *precinct.Resident, in precinct.ResidentInput) (*precinct.Resident, error) {
	now := s.now()
	r := *old
	r.Name, r.Kind, r.Relation, r.HouseID, r.Record.Status = captured.Name, captured.Kind, captured.Relation, captured.HouseID, precinct.StatusActive
	r.AddressID, r.Address, r.Location, r.Point = captured.AddressID, captured.Address, captured.Location, captured.Point
	if captured.Flags != nil {
		r.Flags = captured.Flags
	}
	if in.Phone != nil {
		r.SealedPhone = captured.SealedPhone
		if p, _, err := NormalizePhone(*in.Phone, "phone"); err == nil {
			if r.SealedPhone, err = s.seal(fieldPhone, p); err != nil {
				return nil, err
			}
		}
	}
	r.IDNumber, r.Phone = r.SealedID.Masked, r.SealedPhone.Masked
	r.Version, r.UpdatedAt = old.Version+1, now
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: r.ID, Kind: precinct.ChangeMovedIn,
		Effective: now.In(precinct.CST).Format("2006-01-02"), At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: r.AddressID, Address: r.Address, Location: r.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityResident, EntityID: r.ID,
		Residents: []*precinct.Resident{&r}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventResidentMoved, r.Location, precinct.EntityResident, r.ID, &r, ch)}}
	return s.writeResident(ctx, precinct.ScopeOf(u), w, &r)
}

// FindResident returns one resident the caller reaches, masked.
func (s *Service) FindResident(ctx context.Context, id string) (*precinct.Resident, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	return s.resident(ctx, sc, id, "")
}

// RevealResident returns a resident in full: ID number and phone in clear.
// It needs personal.read where the resident is and a reason, and is
// audited before anything is returned.
func (s *Service) RevealResident(ctx context.Context, id string, req precinct.RevealRequest) (*precinct.Resident, error) {
	u, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	r, err := s.resident(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermReadPersonal, r.Location); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, precinct.EntityResident, r.ID, r.Location, req.Reason, fieldIDNumber, fieldPhone); err != nil {
		return nil, err
	}
	if r.IDNumber, err = s.open(fieldIDNumber, r.SealedID); err != nil {
		return nil, err
	}
	if r.Phone, err = s.open(fieldPhone, r.SealedPhone); err != nil {
		return nil, err
	}
	r.Full = true
	return r, nil
}

// SearchResidents finds residents in the caller's scope by what q looks
// like: an ID or document number and a mobile phone are looked up by their
// keyed hash; a short name (2 to 4 Chinese characters, or a Latin name) by
// prefix; anything else, and a name that finds nobody, as an address —
// everyone at or under the standard address it matches best.
func (s *Service) SearchResidents(ctx context.Context, q string, f precinct.ResidentFilter) ([]*precinct.Resident, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	if err := limitText(q, "q", 200); err != nil {
		return nil, "", err
	}
	q = strings.TrimSpace(q)
	switch kind, v := classify(q); kind {
	case queryNone:
		return s.Store.ListResidents(ctx, f)
	case queryPhone:
		f.PhoneHashes = s.Vault.Hashes(fieldPhone, v)
		return s.Store.ListResidents(ctx, f)
	case queryDocument:
		f.IDHashes = s.Vault.Hashes(fieldIDNumber, v)
		return s.Store.ListResidents(ctx, f)
	case queryName:
		f.NamePrefix = v
		items, next, err := s.Store.ListResidents(ctx, f)
		if err != nil || len(items) > 0 || f.Cursor != "" {
			return items, next, err
		}
		f.NamePrefix = ""
	}
	ms, err := s.MatchAddress(ctx, q, 1)
	if err != nil || len(ms) == 0 {
		return nil, "", err
	}
	f.Address = ms[0].Address.ID
	return s.Store.ListResidents(ctx, f)
}

type queryKind int

const (
	queryNone queryKind = iota
	queryPhone
	queryDocument
	queryName
	queryAddress
)

// classify tells what a search text is and returns it normalised.
func classify(q string) (queryKind, string) {
	if q == "" {
		return queryNone, ""
	}
	folded := strings.ToUpper(foldWidth(q))
	if p, kind, err := NormalizePhone(q, "q"); err == nil && kind == Mobile {
		return queryPhone, p
	}
	if len(folded) >= 6 && len(folded) <= 40 && strings.IndexFunc(folded, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') }) < 0 {
		if id, err := ParseResidentID(folded, "q", farFuture); err == nil {
			return queryDocument, id.Number
		}
		return queryDocument, folded
	}
	if p, kind, err := NormalizePhone(q, "q"); err == nil && kind == Landline {
		return queryPhone, p
	}
	n := utf8.RuneCountInString(q)
	han := strings.IndexFunc(q, func(r rune) bool { return !unicode.Is(unicode.Han, r) && r != '·' }) < 0
	latin := strings.IndexFunc(q, func(r rune) bool { return !(unicode.IsLetter(r) && r < 0x250 || r == ' ') }) < 0
	if han && n >= 1 && n <= 4 || latin {
		return queryName, q
	}
	return queryAddress, q
}

// CorrectResident changes the fields of in; Version must be the version
// read. History records which fields changed.
func (s *Service) CorrectResident(ctx context.Context, id string, in precinct.ResidentInput) (*precinct.Resident, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	old, err := s.resident(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, old.Location); err != nil {
		return nil, err
	}
	if in.Version <= 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "version", "须给出所修改记录的版本号", "The version of the record being corrected is required.")
	}
	if old.Status == precinct.StatusMerged {
		return nil, precinct.Errorf(precinct.ECONFLICT, "该记录已合并到 %s，请修改合并后的记录", "This record was merged into %s; correct that one.", old.MergedInto)
	}
	r := *old
	d := &residentDraft{r: &r}
	if err := s.setResident(d, in); err != nil {
		return nil, err
	}
	if err := s.setHome(ctx, sc, d, in.AddressID, in.HouseID); err != nil {
		return nil, err
	}
	if len(d.changed) == 0 {
		return old, nil
	}
	if _, err := s.duplicates(ctx, sc, d, in.NotDuplicate); err != nil {
		return nil, err
	}
	if err := s.sealResident(d); err != nil {
		return nil, err
	}
	now := s.now()
	// The version of the request: a resend of an applied correction is
	// recognised by its key before its stale version is.
	r.Version, r.UpdatedAt = in.Version+1, now
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: r.ID, Kind: precinct.ChangeCorrected,
		At: now, Actor: u.ID, VisitID: in.VisitID, AddressID: r.AddressID, Address: r.Address, Fields: d.changed, Location: r.Location}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityResident, EntityID: r.ID,
		Residents: []*precinct.Resident{&r}, Changes: []*precinct.RecordChange{ch},
		Events: []*precinct.Event{event(ctx, now, EventResidentUpdated, r.Location, precinct.EntityResident, r.ID, &r, map[string]any{"fields": d.changed})}}
	return s.writeResident(ctx, sc, w, &r)
}

// MoveResident records a person moving out of their address, or in to a
// new one, on a date; the history keeps both.
func (s *Service) MoveResident(ctx context.Context, id string, in precinct.MoveInput) (*precinct.Resident, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	old, err := s.resident(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, old.Location); err != nil {
		return nil, err
	}
	if err := date(in.Date, "date"); err != nil {
		return nil, err
	}
	if in.Version <= 0 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "version", "须给出记录的版本号", "The version of the record is required.")
	}
	if err := limitText(in.Note, "note", 500); err != nil {
		return nil, err
	}
	r := *old
	now := s.now()
	ch := &precinct.RecordChange{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: r.ID, Kind: in.Type,
		Effective: in.Date, At: now, Actor: u.ID, VisitID: in.VisitID, Note: in.Note}
	switch in.Type {
	case precinct.ChangeMovedOut:
		if r.Status != precinct.StatusActive {
			return nil, precinct.Errorf(precinct.ECONFLICT, "该人员不是在住状态，不能登记迁出", "This person is not living here; they cannot move out.")
		}
		r.Status, r.HouseID = precinct.StatusMovedOut, ""
	case precinct.ChangeMovedIn:
		if r.Status == precinct.StatusMerged {
			return nil, precinct.Errorf(precinct.ECONFLICT, "该记录已合并", "This record was merged.")
		}
		d := &residentDraft{r: &r}
		addr, house := in.AddressID, in.HouseID
		r.AddressID, r.HouseID = "", ""
		if err := s.setHome(ctx, sc, d, &addr, &house); err != nil {
			return nil, err
		}
		if in.Relation != "" {
			if err := oneOf(in.Relation, relations, "relation"); err != nil {
				return nil, err
			}
			r.Relation = in.Relation
		}
		if in.Kind != "" {
			if err := oneOf(in.Kind, residentKinds, "kind"); err != nil {
				return nil, err
			}
			r.Kind = in.Kind
		}
		r.Status = precinct.StatusActive
	default:
		return nil, precinct.FieldErrorf(precinct.EINVALID, "type", "类型应为 moved_in（迁入）或 moved_out（迁出）", "The type must be moved_in or moved_out.")
	}
	ch.AddressID, ch.Address, ch.Location = r.AddressID, r.Address, r.Location
	if in.Type == precinct.ChangeMovedOut {
		ch.AddressID, ch.Address, ch.Location = old.AddressID, old.Address, old.Location
	}
	r.Version, r.UpdatedAt = in.Version+1, now
	evs := []*precinct.Event{event(ctx, now, EventResidentMoved, r.Location, precinct.EntityResident, r.ID, &r, ch)}
	if r.Location != old.Location {
		// The grid left behind hears of it too.
		evs = append(evs, event(ctx, now, EventResidentMoved, old.Location, precinct.EntityResident, r.ID, nil, ch))
	}
	w := &precinct.RegistryWrite{Actor: u.ID, IdempotencyKey: in.IdempotencyKey, EntityType: precinct.EntityResident, EntityID: r.ID,
		Residents: []*precinct.Resident{&r}, Changes: []*precinct.RecordChange{ch}, Events: evs}
	return s.writeResident(ctx, precinct.ScopeOf(u), w, &r)
}

// MergeResidents merges the duplicate drop into keep: keep takes what it
// lacks from drop, drop is marked merged into keep, and the history of both
// records who merged them. Both histories stay (ResidentHistory of keep
// shows drop's too).
func (s *Service) MergeResidents(ctx context.Context, keepID, dropID string) (*precinct.Resident, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	if keepID == dropID {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "duplicate_id", "不能与自身合并", "A record cannot be merged with itself.")
	}
	keep, err := s.resident(ctx, sc, keepID, "")
	if err != nil {
		return nil, err
	}
	drop, err := s.resident(ctx, sc, dropID, "duplicate_id")
	if err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, keep.Location, drop.Location); err != nil {
		return nil, err
	}
	if keep.Status == precinct.StatusMerged || drop.Status == precinct.StatusMerged {
		return nil, precinct.Errorf(precinct.ECONFLICT, "记录已合并过", "A record was merged already.")
	}
	if keep.SealedID.Hash != "" && drop.SealedID.Hash != "" && keep.SealedID.Hash != drop.SealedID.Hash {
		return nil, precinct.FieldErrorf(precinct.ECONFLICT, "duplicate_id", "两条记录的证件号码不同，不是同一人", "The two records have different ID numbers: they are not one person.")
	}
	now := s.now()
	k, dr := *keep, *drop
	var took []string
	if k.SealedID.Hash == "" && dr.SealedID.Hash != "" {
		k.SealedID, k.IDNumber, k.DocType = dr.SealedID, dr.SealedID.Masked, dr.DocType
		took = append(took, "id_number")
	}
	if k.SealedPhone.Hash == "" && dr.SealedPhone.Hash != "" {
		k.SealedPhone, k.Phone = dr.SealedPhone, dr.SealedPhone.Masked
		took = append(took, "phone")
	}
	if k.BirthDate == "" && dr.BirthDate != "" {
		k.BirthDate, k.Gender = dr.BirthDate, dr.Gender
		took = append(took, "birth_date")
	}
	for _, f := range dr.Flags {
		if !slices.Contains(k.Flags, f) {
			k.Flags = append(k.Flags, f)
			took = append(took, "flags")
		}
	}
	slices.Sort(k.Flags)
	k.Version, k.UpdatedAt = keep.Version+1, now
	dr.Status, dr.MergedInto, dr.Version, dr.UpdatedAt = precinct.StatusMerged, k.ID, drop.Version+1, now
	changes := []*precinct.RecordChange{
		{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: k.ID, Kind: precinct.ChangeMerged, At: now, Actor: u.ID,
			OtherID: dr.ID, Fields: slices.Compact(took), AddressID: k.AddressID, Address: k.Address, Location: k.Location},
		{ID: precinct.NewID("chg", now), EntityType: precinct.EntityResident, EntityID: dr.ID, Kind: precinct.ChangeMergedInto, At: now, Actor: u.ID,
			OtherID: k.ID, AddressID: dr.AddressID, Address: dr.Address, Location: dr.Location},
	}
	w := &precinct.RegistryWrite{Residents: []*precinct.Resident{&k, &dr}, Changes: changes,
		Events: []*precinct.Event{event(ctx, now, EventResidentMerged, k.Location, precinct.EntityResident, k.ID, &k, map[string]string{"merged": dr.ID})}}
	if _, err := s.apply(ctx, w); err != nil {
		return nil, err
	}
	return &k, nil
}

// ResidentHistory returns the history of a resident and of the records
// merged into it, oldest first.
func (s *Service) ResidentHistory(ctx context.Context, id string) ([]*precinct.RecordChange, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	r, err := s.resident(ctx, sc, id, "")
	if err != nil {
		return nil, err
	}
	ids := []string{r.ID}
	for i := 0; i < len(ids) && i < 50; i++ {
		h, err := s.Store.History(ctx, precinct.EntityResident, ids[i:i+1])
		if err != nil {
			return nil, err
		}
		for _, c := range h {
			if c.Kind == precinct.ChangeMerged && c.OtherID != "" && !slices.Contains(ids, c.OtherID) {
				ids = append(ids, c.OtherID)
			}
		}
	}
	return s.Store.History(ctx, precinct.EntityResident, ids)
}
