package registry

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"precinct"
)

// Import checks every row of a ledger once — with the same rules as a
// capture, against the store and against the other rows of the file — in
// batches, so that addresses and duplicates are looked up once per batch
// (addresses once per import). Inside one transaction, each batch found
// right is sealed on a worker per CPU and handed to a second goroutine
// that writes it while the next batch is checked; the first wrong row
// stops the writing, the rest of the file is still checked so that every
// error is reported, and the transaction is rolled back: nothing of a file
// with a wrong row is written. A dry run only checks.

// importBatch is how many rows are checked and written together.
const importBatch = 2000

// maxRowErrors is how many row errors an import lists.
const maxRowErrors = 1000

// importer is one import in progress.
type importer struct {
	s      *Service
	u      *precinct.User
	sc     precinct.Scope
	kind   precinct.ImportKind
	cols   []column
	index  map[string]int // column key → position in the file
	res    *precinct.ImportResult
	now    string
	seenID map[[16]byte]int              // ID-number hashes of the file → row
	seenNB map[uint64]int                // name + birth date + address → row
	seenAt map[string]int                // house addresses, credit codes → row
	parent map[string]*precinct.Address  // addresses of the file, above the room
	emit   func(*precinct.RegistryWrite) // writes a checked batch; nil for a dry run
	addrs  map[string]*precinct.Address  // the places rows named (nil: not on record)
}

// maxCachedAddresses bounds the addresses an import keeps between batches
// (a few hundred bytes each).
const maxCachedAddresses = 500_000

// row is one row of the file with its number (1 is the header).
type row struct {
	n     int
	cells []string
}

func (r row) get(im *importer, key string) string {
	i, ok := im.index[key]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// fail records an error of a row.
func (im *importer) fail(n int, col string, err error) {
	if len(im.res.Errors) >= maxRowErrors {
		im.res.Truncated = true
		return
	}
	zh, en := precinct.ErrorMessage(err)
	var pe *precinct.Error
	c := precinct.ErrorCode(err)
	if errors.As(err, &pe) && col == "" {
		col = pe.Field
	}
	im.res.Errors = append(im.res.Errors, precinct.RowError{Row: n, Column: im.header(col), Code: c, Message: zh, MessageEN: en})
}

func (im *importer) warn(n int, w *precinct.Error) {
	if len(im.res.Warnings) < maxRowErrors {
		im.res.Warnings = append(im.res.Warnings, precinct.RowError{Row: n, Column: im.header(w.Field), Code: w.Code, Message: w.Message, MessageEN: w.MessageEN})
	}
}

// header returns the Chinese header of a column key (or the key).
func (im *importer) header(key string) string {
	for _, c := range im.cols {
		if c.key == key {
			return c.zh
		}
	}
	return key
}

// Import reads a ledger and writes it all, or nothing when a row is wrong.
func (s *Service) Import(ctx context.Context, kind precinct.ImportKind, format precinct.FileFormat, r io.Reader, dryRun bool) (*precinct.ImportResult, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	cols, ok := ledgerColumns[kind]
	if !ok {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "kind", "导入类别应为 addresses、residents、houses 或 organisations", "The kind must be addresses, residents, houses or organisations.")
	}
	data, err := io.ReadAll(io.LimitReader(r, maxLedgerBytes+1))
	if err != nil {
		return nil, precinct.Errorf(precinct.EINVALID, "无法读取文件：%v", "Cannot read the file: %v", err)
	}
	if len(data) > maxLedgerBytes {
		return nil, precinct.Errorf(precinct.EINVALID, "文件超过 %d MiB", "The file exceeds %d MiB.", maxLedgerBytes>>20)
	}
	res := &precinct.ImportResult{Kind: kind, DryRun: dryRun, Errors: []precinct.RowError{}, Warnings: []precinct.RowError{}}
	im := &importer{s: s, u: u, sc: sc, kind: kind, cols: cols, res: res, now: s.now().In(precinct.CST).Format("2006-01-02"),
		seenID: map[[16]byte]int{}, seenNB: map[uint64]int{}, seenAt: map[string]int{}, parent: map[string]*precinct.Address{}}
	noRows := func() {
		if res.Rows == 0 && len(res.Errors) == 0 {
			im.fail(1, "", precinct.Errorf(precinct.EINVALID, "文件中没有数据行", "The file has no data rows."))
		}
	}
	if dryRun {
		if err := im.run(ctx, format, data, nil); err != nil {
			return nil, err
		}
		noRows()
		return res, nil
	}
	// One pass inside the write transaction: each batch is checked and,
	// while no row has failed, written; a row that fails rolls back
	// whatever was written, and the rest of the file is still checked so
	// that every error is reported. On SQLite the transaction holds the
	// write lock from its start, so the store cannot change between the
	// checks and the writes.
	err = s.Store.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := im.run(ctx, format, data, apply); err != nil {
			return err
		}
		if len(res.Errors) > 0 || res.Rows == 0 {
			return errRollback
		}
		ev := precinct.NewEvent(ctx, s.now(), EventRegistryImported, sc.Location, "registry", string(kind), nil, nil,
			eventData{Location: sc.Location, Detail: map[string]any{"kind": kind, "rows": res.Rows, "by": u.ID}})
		return apply(&precinct.RegistryWrite{Events: []*precinct.Event{ev}})
	})
	if errors.Is(err, errRollback) {
		noRows()
		return res, nil
	} else if err != nil {
		return nil, err
	}
	s.notify()
	res.Written = res.Rows
	return res, nil
}

// errRollback ends an import's transaction when a row failed.
var errRollback = errors.New("registry: import rolled back")

// run reads the file and checks (and, with apply, writes) it by batches.
func (im *importer) run(ctx context.Context, format precinct.FileFormat, data []byte, apply func(*precinct.RegistryWrite) error) error {
	rr, err := openLedger(format, data)
	if err != nil {
		return err
	}
	defer rr.close()
	header, err := rr.next()
	if err == io.EOF {
		im.fail(1, "", precinct.Errorf(precinct.EINVALID, "文件为空", "The file is empty."))
		return nil
	} else if err != nil {
		return err
	}
	if !im.readHeader(header) {
		return nil
	}
	// With apply, the batches checked are written by a second goroutine
	// while the next ones are checked.
	var writes chan *precinct.RegistryWrite
	var written chan error
	if apply != nil {
		writes, written = make(chan *precinct.RegistryWrite, 2), make(chan error, 1)
		go func() {
			var err error
			for w := range writes {
				if err == nil {
					err = apply(w)
				}
			}
			written <- err
		}()
		im.emit = func(w *precinct.RegistryWrite) { writes <- w }
	}
	err = im.read(ctx, rr)
	if apply != nil {
		close(writes)
		if werr := <-written; err == nil {
			err = werr
		}
	}
	return err
}

// read checks (and emits) the rows after the header by batches.
func (im *importer) read(ctx context.Context, rr rowReader) error {
	batch := make([]row, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := im.check(ctx, batch)
		batch = batch[:0]
		return err
	}
	for n := 2; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		cells, err := rr.next()
		if err == io.EOF {
			break
		} else if err != nil {
			im.fail(n, "", err)
			return nil
		}
		if blank(cells) {
			continue
		}
		im.res.Rows++
		batch = append(batch, row{n: n, cells: append([]string(nil), cells...)})
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readHeader maps the header to column keys; unknown and missing required
// columns are errors of row 1.
func (im *importer) readHeader(header []string) bool {
	im.index = map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		found := false
		for _, c := range im.cols {
			if h == c.key || h == c.zh {
				im.index[c.key], found = i, true
			}
		}
		if !found && h != "" {
			im.fail(1, h, precinct.Errorf(precinct.EINVALID, "未知的列：%s", "Unknown column: %s", h))
		}
	}
	for _, req := range requiredColumns[im.kind] {
		if _, ok := im.index[req]; !ok {
			im.fail(1, req, precinct.Errorf(precinct.EINVALID, "缺少必填列：%s", "A required column is missing: %s", im.header(req)))
		}
	}
	return len(im.res.Errors) == 0
}

var requiredColumns = map[precinct.ImportKind][]string{
	precinct.ImportAddresses:     {"parent_id", "level", "name"},
	precinct.ImportResidents:     {"name", "address_id"},
	precinct.ImportHouses:        {"address_id", "use"},
	precinct.ImportOrganisations: {"name", "kind", "address_id"},
}

// check checks a batch and, with apply, writes it.
func (im *importer) check(ctx context.Context, batch []row) error {
	if im.kind == precinct.ImportAddresses {
		return im.checkAddresses(ctx, batch)
	}
	// The batch's addresses, in one read of those not read before.
	if im.addrs == nil || len(im.addrs) > maxCachedAddresses {
		im.addrs = map[string]*precinct.Address{}
	}
	var ids []string
	for _, r := range batch {
		if id := r.get(im, "address_id"); id != "" {
			if _, ok := im.addrs[id]; !ok {
				im.addrs[id] = nil
				ids = append(ids, id)
			}
		}
	}
	found, err := im.s.Store.PlacesOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range found {
		im.addrs[a.ID] = a
	}
	ctx = withAddresses(ctx, im.addrs)
	switch im.kind {
	case precinct.ImportResidents:
		return im.checkResidents(ctx, batch)
	case precinct.ImportHouses:
		return im.checkHouses(ctx, batch)
	}
	return im.checkOrganisations(ctx, batch)
}

type addressesKey struct{}

// withAddresses returns ctx with the addresses of a batch, which place
// reads instead of the store.
func withAddresses(ctx context.Context, m map[string]*precinct.Address) context.Context {
	return context.WithValue(ctx, addressesKey{}, m)
}

func ptr(s string) *string { return &s }

// optional returns a pointer to the cell's value, or nil for a column the
// file does not have.
func (im *importer) optional(r row, key string) *string {
	if _, ok := im.index[key]; !ok {
		return nil
	}
	return ptr(r.get(im, key))
}

func (im *importer) checkResidents(ctx context.Context, batch []row) error {
	type draft struct {
		n      int
		d      *residentDraft
		hashes []string // of the ID number, under every key
	}
	var drafts []draft
	var hashes []string
	var names []precinct.NameAt // of the rows with a birth date
	now := im.s.now()
	for _, r := range batch {
		in := precinct.ResidentInput{Name: ptr(r.get(im, "name")), IDNumber: im.optional(r, "id_number"), Phone: im.optional(r, "phone"),
			BirthDate: im.optional(r, "birth_date"), Nationality: im.optional(r, "nationality"), Note: im.optional(r, "note"), AddressID: ptr(r.get(im, "address_id"))}
		res := &precinct.Resident{ID: precinct.NewID("res", now), Kind: precinct.ResidentHousehold, DocType: precinct.DocResidentID,
			Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: im.u.ID, Version: 1}}
		if v := r.get(im, "kind"); v != "" {
			k := precinct.ResidentKind(code("kind", v))
			in.Kind = &k
		}
		if v := r.get(im, "doc_type"); v != "" {
			dt := precinct.DocumentType(code("doc_type", v))
			if err := oneOf(dt, docTypes, "doc_type"); err != nil {
				im.fail(r.n, "doc_type", err)
				continue
			}
			res.DocType = dt
		}
		if v := r.get(im, "gender"); v != "" {
			g := code("gender", v)
			in.Gender = &g
		}
		if v := r.get(im, "relation"); v != "" {
			rel := precinct.HouseRelation(code("relation", v))
			in.Relation = &rel
		}
		if v := r.get(im, "flags"); v != "" {
			var fs []precinct.CareFlag
			for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == ',' || r == '，' || r == '、' }) {
				fs = append(fs, precinct.CareFlag(code("flags", f)))
			}
			in.Flags = &fs
		}
		d := &residentDraft{r: res}
		if err := im.s.setResident(d, in); err != nil {
			im.fail(r.n, "", err)
			continue
		}
		if err := im.s.setHome(ctx, im.sc, d, in.AddressID, nil); err != nil {
			im.fail(r.n, "address_id", err)
			continue
		}
		if !im.sc.Covers(res.Location) || precinct.Authorize(im.u, precinct.PermEditRegistry, res.Location) != nil {
			im.fail(r.n, "address_id", precinct.ErrNotFound("标准地址", "Standard address", res.AddressID))
			continue
		}
		// Duplicates within the file.
		var hs []string
		if d.idNumber != nil && *d.idNumber != "" {
			hs = im.s.Vault.Hashes(fieldIDNumber, *d.idNumber) // the current key's first
			d.idHash = hs[0]
			var k [16]byte
			b, _ := hex.DecodeString(hs[0][strings.IndexByte(hs[0], '.')+1:])
			copy(k[:], b)
			if first, dup := im.seenID[k]; dup {
				im.fail(r.n, "id_number", precinct.Errorf(precinct.ECONFLICT, "与第 %d 行证件号码重复", "The same ID number as row %d.", first))
				continue
			}
			im.seenID[k] = r.n
			hashes = append(hashes, hs...)
		}
		if res.BirthDate != "" {
			h := fnv.New64a()
			fmt.Fprintf(h, "%s|%s|%s", res.Name, res.BirthDate, res.AddressID)
			k := h.Sum64()
			if first, dup := im.seenNB[k]; dup {
				im.fail(r.n, "name", precinct.Errorf(precinct.ECONFLICT, "与第 %d 行同一地址、同名、同出生日期，疑似重复", "Possibly the same person as row %d: same name, birth date and address.", first))
				continue
			}
			im.seenNB[k] = r.n
		}
		if res.BirthDate != "" {
			names = append(names, precinct.NameAt{Name: res.Name, AddressID: res.AddressID})
		}
		drafts = append(drafts, draft{r.n, d, hs})
	}
	// Duplicates against the store: the same ID number anywhere, the same
	// name and birth date at the same address.
	existing, err := im.existingResidents(ctx, hashes, names)
	if err != nil {
		return err
	}
	var ok []*residentDraft
	for _, dr := range drafts {
		r := dr.d.r
		if dr.hashes != nil {
			if o := existing.byHash(dr.hashes); o != nil {
				im.fail(dr.n, "id_number", precinct.Errorf(precinct.ECONFLICT, "该证件号码已登记（%s）", "This ID number is registered already (%s).", o.Name))
				continue
			}
		}
		if o := existing.sameAt(r); o != nil {
			im.fail(dr.n, "name", precinct.Errorf(precinct.ECONFLICT, "同一地址已登记同名同出生日期的人员，疑似重复", "A person of the same name and birth date is registered at this address: possibly a duplicate."))
			continue
		}
		ok = append(ok, dr.d)
	}
	if im.emit == nil || len(im.res.Errors) > 0 {
		return nil
	}
	rs := make([]*precinct.Resident, len(ok))
	if err := parallel(len(ok), func(i int) error {
		rs[i] = ok[i].r
		return im.s.sealResident(ok[i])
	}); err != nil {
		return err
	}
	im.emit(&precinct.RegistryWrite{NewResidents: rs})
	return nil
}

// known is the residents already stored that a batch may duplicate.
type known struct {
	hashes map[string]*precinct.ResidentKey // of the active ones
	at     map[string][]*precinct.ResidentKey
}

func (k known) byHash(hs []string) *precinct.ResidentKey {
	for _, h := range hs {
		if r := k.hashes[h]; r != nil {
			return r
		}
	}
	return nil
}

func (k known) sameAt(r *precinct.Resident) *precinct.ResidentKey {
	if r.BirthDate == "" {
		return nil
	}
	for _, o := range k.at[r.AddressID] {
		if o.Name == r.Name && o.BirthDate == r.BirthDate {
			return o
		}
	}
	return nil
}

// existingResidents reads, in one query, the keys of the stored residents
// with the batch's ID hashes or of its names at their addresses: only the
// columns the rules compare, by the id_hash and (address_id, name)
// indexes.
func (im *importer) existingResidents(ctx context.Context, hashes []string, names []precinct.NameAt) (known, error) {
	k := known{hashes: map[string]*precinct.ResidentKey{}, at: map[string][]*precinct.ResidentKey{}}
	keys, err := im.s.Store.ResidentKeys(ctx, hashes, names)
	if err != nil {
		return k, err
	}
	seen := make(map[string]bool, len(keys))
	for i := range keys {
		r := &keys[i]
		if seen[r.ID] { // found by its hash and by its address
			continue
		}
		seen[r.ID] = true
		if r.IDHash != "" && r.Status == precinct.StatusActive {
			k.hashes[r.IDHash] = r
		}
		k.at[r.AddressID] = append(k.at[r.AddressID], r)
	}
	return k, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (im *importer) checkHouses(ctx context.Context, batch []row) error {
	now := im.s.now()
	type draft struct {
		n     int
		h     *precinct.House
		phone *string
	}
	var drafts []draft
	var addrIDs []string
	for _, r := range batch {
		in := precinct.HouseInput{AddressID: ptr(r.get(im, "address_id")), OwnerName: im.optional(r, "owner_name"), OwnerPhone: im.optional(r, "owner_phone"),
			Note: im.optional(r, "note")}
		u := precinct.HouseUse(code("use", r.get(im, "use")))
		in.Use = &u
		if v := r.get(im, "rental_registered"); v != "" {
			b, err := yesNo(v, "rental_registered")
			if err != nil {
				im.fail(r.n, "", err)
				continue
			}
			in.RentalRegistered = &b
		}
		if v := r.get(im, "area_m2"); v != "" {
			a, err := strconv.ParseFloat(v, 64)
			if err != nil {
				im.fail(r.n, "area_m2", precinct.Errorf(precinct.EINVALID, "面积应为数字：%q", "The area must be a number: %q", v))
				continue
			}
			in.AreaM2 = &a
		}
		h := &precinct.House{ID: precinct.NewID("hse", now), Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: im.u.ID, Version: 1}}
		_, phone, err := im.s.setHouse(ctx, im.sc, h, in)
		if err != nil {
			im.fail(r.n, "", err)
			continue
		}
		if precinct.Authorize(im.u, precinct.PermEditRegistry, h.Location) != nil {
			im.fail(r.n, "address_id", precinct.ErrNotFound("标准地址", "Standard address", h.AddressID))
			continue
		}
		if first, dup := im.seenAt[h.AddressID]; dup {
			im.fail(r.n, "address_id", precinct.Errorf(precinct.ECONFLICT, "与第 %d 行是同一地址的房屋", "The same address as the house of row %d.", first))
			continue
		}
		im.seenAt[h.AddressID] = r.n
		addrIDs = append(addrIDs, h.AddressID)
		drafts = append(drafts, draft{r.n, h, phone})
	}
	stored := map[string]bool{}
	if len(addrIDs) > 0 {
		f := precinct.HouseFilter{Scope: precinct.Everywhere, AddressIDs: addrIDs, Statuses: []precinct.RecordStatus{precinct.StatusActive}, Limit: 1000}
		for {
			hs, next, err := im.s.Store.ListHouses(ctx, f)
			if err != nil {
				return err
			}
			for _, h := range hs {
				stored[h.AddressID] = true
			}
			if f.Cursor = next; next == "" {
				break
			}
		}
	}
	var ok []draft
	for _, d := range drafts {
		if stored[d.h.AddressID] {
			im.fail(d.n, "address_id", precinct.Errorf(precinct.ECONFLICT, "该地址已登记房屋", "A house is registered at this address already."))
			continue
		}
		ok = append(ok, d)
	}
	if im.emit == nil || len(im.res.Errors) > 0 {
		return nil
	}
	hs := make([]*precinct.House, len(ok))
	if err := parallel(len(ok), func(i int) error {
		hs[i] = ok[i].h
		return im.s.sealHouse(ok[i].h, ok[i].phone)
	}); err != nil {
		return err
	}
	im.emit(&precinct.RegistryWrite{NewHouses: hs})
	return nil
}

func (im *importer) checkOrganisations(ctx context.Context, batch []row) error {
	now := im.s.now()
	type draft struct {
		n     int
		o     *precinct.Organisation
		phone *string
	}
	var drafts []draft
	var codes []string
	for _, r := range batch {
		k := precinct.OrgKind(code("org_kind", r.get(im, "kind")))
		in := precinct.OrganisationInput{Name: ptr(r.get(im, "name")), Kind: &k, CreditCode: im.optional(r, "credit_code"), LegalRep: im.optional(r, "legal_rep"),
			LegalRepPhone: im.optional(r, "legal_rep_phone"), AddressID: ptr(r.get(im, "address_id")), Note: im.optional(r, "note")}
		bad := false
		for _, b := range []struct {
			key string
			dst **bool
		}{{"key_unit", &in.KeyUnit}, {"security_responsibility", &in.SecurityResponsibility}} {
			if v := r.get(im, b.key); v != "" {
				x, err := yesNo(v, b.key)
				if err != nil {
					im.fail(r.n, "", err)
					bad = true
				}
				*b.dst = &x
			}
		}
		if v := r.get(im, "employees"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				im.fail(r.n, "employees", precinct.Errorf(precinct.EINVALID, "从业人数应为整数：%q", "Employees must be a whole number: %q", v))
				bad = true
			}
			in.Employees = &n
		}
		if bad {
			continue
		}
		o := &precinct.Organisation{ID: precinct.NewID("org", now), Record: precinct.Record{Status: precinct.StatusActive, CreatedAt: now, UpdatedAt: now, CreatedBy: im.u.ID, Version: 1}}
		_, phone, warning, err := im.s.setOrganisation(ctx, im.sc, o, in)
		if err != nil {
			im.fail(r.n, "", err)
			continue
		}
		if warning != nil {
			im.warn(r.n, warning)
		}
		if precinct.Authorize(im.u, precinct.PermEditRegistry, o.Location) != nil {
			im.fail(r.n, "address_id", precinct.ErrNotFound("标准地址", "Standard address", o.AddressID))
			continue
		}
		if o.CreditCodeChecked {
			if first, dup := im.seenAt[o.CreditCode]; dup {
				im.fail(r.n, "credit_code", precinct.Errorf(precinct.ECONFLICT, "与第 %d 行统一社会信用代码重复", "The same credit code as row %d.", first))
				continue
			}
			im.seenAt[o.CreditCode] = r.n
			codes = append(codes, o.CreditCode)
		}
		drafts = append(drafts, draft{r.n, o, phone})
	}
	stored := map[string]bool{}
	if len(codes) > 0 {
		f := precinct.OrganisationFilter{Scope: precinct.Everywhere, CreditCodes: codes, Statuses: []precinct.RecordStatus{precinct.StatusActive}, Limit: 1000}
		for {
			os, next, err := im.s.Store.ListOrganisations(ctx, f)
			if err != nil {
				return err
			}
			for _, o := range os {
				stored[o.CreditCode] = true
			}
			if f.Cursor = next; next == "" {
				break
			}
		}
	}
	var ok []draft
	for _, d := range drafts {
		if d.o.CreditCodeChecked && stored[d.o.CreditCode] {
			im.fail(d.n, "credit_code", precinct.Errorf(precinct.ECONFLICT, "该统一社会信用代码已登记", "This unified social credit code is registered already."))
			continue
		}
		ok = append(ok, d)
	}
	if im.emit == nil || len(im.res.Errors) > 0 {
		return nil
	}
	os := make([]*precinct.Organisation, len(ok))
	if err := parallel(len(ok), func(i int) error {
		os[i] = ok[i].o
		return im.s.sealOrganisation(ok[i].o, ok[i].phone)
	}); err != nil {
		return err
	}
	im.emit(&precinct.RegistryWrite{NewOrganisations: os})
	return nil
}

// checkAddresses checks rows of standard addresses. A row's parent is an
// address on record or one of an earlier row.
func (im *importer) checkAddresses(ctx context.Context, batch []row) error {
	var missing []string
	for _, r := range batch {
		if p := r.get(im, "parent_id"); p != "" && im.parent[p] == nil {
			missing = append(missing, p)
		}
	}
	found, err := im.s.Store.FindAddresses(ctx, dedupe(missing))
	if err != nil {
		return err
	}
	for _, a := range found {
		if im.sc.Covers(a.Location) {
			im.parent[a.ID] = a
		}
	}
	var ok []*precinct.Address
	var ids []string
	for _, r := range batch {
		a, err := im.address(r)
		if err != nil {
			im.fail(r.n, "", err)
			continue
		}
		if a.Level != precinct.AddressRoom {
			im.parent[a.ID] = a
		}
		if first, dup := im.seenAt[a.ID]; dup {
			im.fail(r.n, "name", precinct.Errorf(precinct.ECONFLICT, "与第 %d 行是同一地址", "The same address as row %d.", first))
			continue
		}
		im.seenAt[a.ID] = r.n
		ids = append(ids, a.ID)
		ok = append(ok, a)
	}
	stored, err := im.s.Store.FindAddresses(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range stored {
		im.fail(im.seenAt[a.ID], "name", precinct.Errorf(precinct.ECONFLICT, "地址已存在：%s", "The address exists already: %s", a.FullName))
	}
	if im.emit != nil && len(im.res.Errors) == 0 {
		im.emit(&precinct.RegistryWrite{NewAddresses: ok})
	}
	return nil
}

func (im *importer) address(r row) (*precinct.Address, error) {
	in := precinct.AddressInput{ParentID: r.get(im, "parent_id"), Level: precinct.AddressLevel(code("level", r.get(im, "level"))), Name: r.get(im, "name"),
		DivisionCode: r.get(im, "division_code")}
	lon, lat := r.get(im, "lon"), r.get(im, "lat")
	if lon != "" || lat != "" {
		x, err1 := strconv.ParseFloat(lon, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if err1 != nil || err2 != nil {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "lon", "经纬度应为数字", "Longitude and latitude must be numbers.")
		}
		in.Point = &precinct.Point{Lon: x, Lat: y}
	}
	var parent *precinct.Address
	if in.ParentID != "" {
		if parent = im.parent[in.ParentID]; parent == nil {
			return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "parent_id", "上级地址不存在（或须排在本行之前）：%s", "The parent address does not exist (or must come before this row): %s", in.ParentID)
		}
	} else if !im.sc.All {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "parent_id", "须填写上级地址编码", "The parent address is required.")
	}
	a, err := im.s.newAddress(parent, in, in.DivisionCode, im.u.ID)
	if err != nil {
		return nil, err
	}
	if err := im.s.locate(a, parent); err != nil {
		return nil, err
	}
	if err := precinct.Authorize(im.u, precinct.PermEditRegistry, a.Location); err != nil {
		return nil, err
	}
	if id := r.get(im, "id"); id != "" && id != a.ID {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "id", "地址编码应为 %s（由上级编码和名称决定）", "The address code should be %s (it follows from the parent and the name).", a.ID)
	}
	return a, nil
}

// parallel runs fn(0) … fn(n-1) on a worker per CPU and returns the first
// error. Sealing (AES-GCM and keyed hashes) is most of an import's CPU
// time after the checks.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n/64+1)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			var err error
			for err == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				err = fn(i)
			}
			errs <- err
		}()
	}
	var first error
	for w := 0; w < workers; w++ {
		if err := <-errs; first == nil {
			first = err
		}
	}
	return first
}
