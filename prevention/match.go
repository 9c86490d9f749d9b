package prevention

import (
	"context"
	"strings"

	"precinct"
)

// Match finds the resident of each warning in scope: by the keyed hash of
// the ID number, then of the phone, then by name and address (the same
// name, at an address one of whose full name contains the other). One
// resident found is a match; none or several leave the warning for
// triage, with the reason. Each step is one lookup for the whole batch
// (in chunks on SQLite), so a batch of 5,000 costs a handful of queries.
func (s *Service) Match(ctx context.Context, sc precinct.Scope, ds []*draft) error {
	st := s.Engine.Store
	byHash := func(field string, get func(*draft) string, hashesOf func(*precinct.Resident) string) (map[string][]*precinct.Resident, error) {
		var hashes []string
		seen := map[string]bool{}
		for _, d := range ds {
			if d.res != nil || get(d) == "" {
				continue
			}
			for _, h := range s.Vault.Hashes(field, get(d)) {
				if !seen[h] {
					seen[h] = true
					hashes = append(hashes, h)
				}
			}
		}
		out := map[string][]*precinct.Resident{}
		rs, err := st.ResidentsByHash(ctx, sc, field, hashes)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			h := hashesOf(r)
			out[h] = append(out[h], r)
		}
		return out, nil
	}
	pick := func(d *draft, field, value string, found map[string][]*precinct.Resident) {
		var rs []*precinct.Resident
		ids := map[string]bool{}
		for _, h := range s.Vault.Hashes(field, value) {
			for _, r := range found[h] {
				if !ids[r.ID] {
					ids[r.ID] = true
					rs = append(rs, r)
				}
			}
		}
		switch len(rs) {
		case 0:
		case 1:
			d.res = rs[0]
			d.w.MatchedBy = field
		default:
			d.w.Reason, d.w.ReasonEN = "多名实有人口登记了相同的号码", "Several residents are registered with the same number."
		}
	}
	ids, err := byHash(fieldIDNumber, func(d *draft) string { return d.id }, func(r *precinct.Resident) string { return r.SealedID.Hash })
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.id != "" {
			pick(d, fieldIDNumber, d.id, ids)
		}
	}
	phones, err := byHash(fieldPhone, func(d *draft) string { return d.ph }, func(r *precinct.Resident) string { return r.SealedPhone.Hash })
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.res == nil && d.ph != "" {
			pick(d, fieldPhone, d.ph, phones)
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, d := range ds {
		if d.res == nil && d.in.Name != "" && d.in.Address != "" && !seen[d.in.Name] {
			seen[d.in.Name] = true
			names = append(names, d.in.Name)
		}
	}
	byName := map[string][]*precinct.Resident{}
	if len(names) > 0 {
		rs, err := st.ResidentsByName(ctx, sc, names)
		if err != nil {
			return err
		}
		for _, r := range rs {
			byName[r.Name] = append(byName[r.Name], r)
		}
	}
	for _, d := range ds {
		if d.res != nil || d.in.Name == "" || d.in.Address == "" {
			continue
		}
		rs := byName[d.in.Name]
		var hits []*precinct.Resident
		want := normalise(d.in.Address)
		for _, r := range rs {
			have := normalise(r.Address)
			if r.Name == d.in.Name && want != "" && have != "" && (strings.Contains(have, want) || strings.Contains(want, have)) {
				hits = append(hits, r)
			}
		}
		switch len(hits) {
		case 1:
			d.res, d.w.MatchedBy = hits[0], precinct.MatchNameAddress
		case 0:
		default:
			d.w.Reason, d.w.ReasonEN = "同一地址有多名同名人员", "Several residents of that name live at that address."
		}
	}
	for _, d := range ds {
		if d.res != nil {
			d.w.ResidentID, d.w.AddressID, d.w.Reason, d.w.ReasonEN = d.res.ID, d.res.AddressID, "", ""
			continue
		}
		if d.w.Reason != "" {
			continue
		}
		switch {
		case d.id == "" && d.ph == "" && d.in.Address == "":
			d.w.Reason, d.w.ReasonEN = "只有姓名，没有证件号、电话或地址，无法匹配", "Only a name: no ID number, phone or address to match."
		default:
			d.w.Reason, d.w.ReasonEN = "本辖区实有人口中没有匹配的人员", "No resident of the jurisdiction matches."
		}
	}
	return nil
}

// normalise folds an address for comparison: no spaces, full-width forms
// folded, no 室/号 suffix differences.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u3000' || r == ',' || r == '，':
			continue
		case r >= '！' && r <= '～':
			r -= 0xFEE0
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "室", "")
}
