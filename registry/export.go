package registry

import (
	"context"
	"fmt"
	"io"
	"strings"

	"precinct"
)

// exportPage is how many records an export reads at a time.
const exportPage = 1000

// Export writes the records of one kind in the caller's scope (or one police
// grid or address of it) as a ledger, masked. It needs registry.export and
// is audited before the first row is written.
func (s *Service) Export(ctx context.Context, q precinct.ExportQuery, w io.Writer) error {
	u, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return err
	}
	if err := precinct.Authorize(u, precinct.PermExport); err != nil {
		return err
	}
	cols, ok := ledgerColumns[q.Kind]
	if !ok {
		return precinct.FieldErrorf(precinct.EINVALID, "kind", "导出类别应为 addresses、residents、houses 或 organisations", "The kind must be addresses, residents, houses or organisations.")
	}
	if q.PoliceGridID != "" {
		narrower := sc
		if sc.All {
			return precinct.FieldErrorf(precinct.EINVALID, "police_grid_id", "请先选择分局", "Choose a sub-bureau first.")
		}
		if sc.PoliceGridID != "" && sc.PoliceGridID != q.PoliceGridID {
			return precinct.ErrForbidden()
		}
		narrower.PoliceGridID = q.PoliceGridID
		sc = narrower
	}
	rw, err := newLedgerWriter(q.Format, w)
	if err != nil {
		return err
	}
	what := strings.TrimSpace(fmt.Sprintf("%s police_grid=%s address=%s", q.Kind, q.PoliceGridID, q.Address))
	rec := precinct.NewAuditRecord(ctx, s.now(), string(q.Kind), what, sc.Location, "", string(q.Format))
	rec.Action = string(precinct.PermExport)
	if err := s.Store.RecordAudit(ctx, rec); err != nil {
		return err
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.zh
	}
	if err := rw.write(header); err != nil {
		return err
	}
	cursor := ""
	for {
		rows, next, err := s.exportPage(ctx, sc, q, cursor)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := rw.write(r); err != nil {
				return err
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	return rw.close()
}

// exportPage reads one page of records as ledger rows.
func (s *Service) exportPage(ctx context.Context, sc precinct.Scope, q precinct.ExportQuery, cursor string) ([][]string, string, error) {
	var out [][]string
	switch q.Kind {
	case precinct.ImportAddresses:
		as, next, err := s.Store.ListAddresses(ctx, precinct.AddressFilter{Scope: sc, Under: q.Address, Cursor: cursor, Limit: exportPage})
		for _, a := range as {
			out = append(out, []string{a.ID, a.ParentID, label("level", string(a.Level)), a.Name, a.DivisionCode,
				fmt.Sprint(a.Point.Lon), fmt.Sprint(a.Point.Lat), a.FullName})
		}
		return out, next, err
	case precinct.ImportResidents:
		rs, next, err := s.Store.ListResidents(ctx, precinct.ResidentFilter{Scope: sc, Address: q.Address, Cursor: cursor, Limit: exportPage,
			Statuses: []precinct.RecordStatus{precinct.StatusActive, precinct.StatusMovedOut, precinct.StatusGone}})
		for _, r := range rs {
			flags := make([]string, len(r.Flags))
			for i, f := range r.Flags {
				flags[i] = label("flags", string(f))
			}
			out = append(out, []string{r.ID, r.Name, label("doc_type", string(r.DocType)), r.SealedID.Masked, r.SealedPhone.Masked,
				label("kind", string(r.Kind)), label("gender", r.Gender), r.BirthDate, r.Nationality, r.AddressID, r.Address,
				label("relation", string(r.Relation)), strings.Join(flags, "；"), r.Note, label("status", string(r.Status))})
		}
		return out, next, err
	case precinct.ImportHouses:
		hs, next, err := s.Store.ListHouses(ctx, precinct.HouseFilter{Scope: sc, Address: q.Address, Cursor: cursor, Limit: exportPage,
			Statuses: []precinct.RecordStatus{precinct.StatusActive, precinct.StatusGone}})
		for _, h := range hs {
			out = append(out, []string{h.ID, h.AddressID, h.Address, label("use", string(h.Use)), h.OwnerName, h.SealedOwnerPhone.Masked,
				yesNoText(h.RentalRegistered), fmt.Sprint(h.AreaM2), h.Note, label("status", string(h.Status))})
		}
		return out, next, err
	}
	os, next, err := s.Store.ListOrganisations(ctx, precinct.OrganisationFilter{Scope: sc, Address: q.Address, Cursor: cursor, Limit: exportPage,
		Statuses: []precinct.RecordStatus{precinct.StatusActive, precinct.StatusGone}})
	for _, o := range os {
		out = append(out, []string{o.ID, o.Name, label("org_kind", string(o.Kind)), o.CreditCode, o.LegalRep, o.SealedPhone.Masked, o.AddressID, o.Address,
			yesNoText(o.KeyUnit), yesNoText(o.SecurityResponsibility), fmt.Sprint(o.Employees), o.Note, label("status", string(o.Status))})
	}
	return out, next, err
}
