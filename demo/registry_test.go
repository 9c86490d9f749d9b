package demo_test

import (
	"testing"
	"time"

	"precinct"
	"precinct/demo"
	"precinct/registry"
)

// TestRegistry: the demo's registry gives every community grid people,
// houses and organisations, marked synthetic, with valid ID numbers,
// phones and credit codes, unique addresses; and fourteen months of visits
// by each community officer with a user, so that the performance lists
// have a past.
func TestRegistry(t *testing.T) {
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	r, err := demo.RegistryOf(j, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	residents, houses, orgs := map[string]int{}, map[string]int{}, map[string]int{}
	for _, x := range r.Residents {
		residents[x.Location.CommunityGridID]++
		if x.Note != demo.Synthetic {
			t.Fatalf("resident %s not marked synthetic", x.ID)
		}
		p := r.Personal[x.ID]
		id, err := registry.ParseResidentID(p[0], "id_number", now)
		if err != nil {
			t.Fatalf("resident %s: ID number %s: %v", x.ID, p[0], err)
		}
		if id.Number != p[0] || x.BirthDate == "" {
			t.Fatalf("resident %s: %+v %s", x.ID, id, x.BirthDate)
		}
		if _, _, err := registry.NormalizePhone(p[1], "phone"); err != nil {
			t.Fatalf("resident %s: phone %s: %v", x.ID, p[1], err)
		}
	}
	for _, x := range r.Houses {
		houses[x.Location.CommunityGridID]++
	}
	for _, x := range r.Organisations {
		orgs[x.Location.CommunityGridID]++
		if _, warn := registry.CheckCreditCode(x.CreditCode, "credit_code"); warn != nil {
			t.Fatalf("organisation %s: credit code %s: %v", x.ID, x.CreditCode, warn)
		}
	}
	for _, cg := range j.CommunityGrids {
		if residents[cg.ID] == 0 || houses[cg.ID] == 0 || orgs[cg.ID] == 0 {
			t.Errorf("community grid %s: %d residents, %d houses, %d organisations", cg.ID, residents[cg.ID], houses[cg.ID], orgs[cg.ID])
		}
	}
	seen := map[string]bool{}
	for _, a := range r.Addresses {
		if seen[a.ID] {
			t.Fatalf("address ID %s twice", a.ID)
		}
		seen[a.ID] = true
		if a.ParentID != "" && !seen[a.ParentID] {
			t.Fatalf("address %s before its parent", a.ID)
		}
	}
	// Visits: every community officer with a user, in each of the last
	// fourteen months, more in the recent ones; in time order.
	months := map[string]map[string]int{}
	for i, v := range r.Visits {
		if i > 0 && v.At.Before(r.Visits[i-1].At) {
			t.Fatal("visits out of order")
		}
		if v.At.After(now) {
			t.Fatalf("visit %s in the future", v.ID)
		}
		if months[v.By] == nil {
			months[v.By] = map[string]int{}
		}
		months[v.By][v.At.In(precinct.CST).Format("2006-01")]++
	}
	officers := 0
	for _, u := range j.Users {
		if u.Role != precinct.RoleCommunity {
			continue
		}
		officers++
		m := months[u.ID]
		if len(m) != 14 || m["2025-11"] == 0 || m["2026-10"] <= m["2025-10"] {
			t.Errorf("visits of %s by month: %v", u.Username, m)
		}
	}
	if officers == 0 {
		t.Fatal("no community officers")
	}
	t.Logf("%d addresses, %d residents, %d houses, %d organisations, %d visits", len(r.Addresses), len(r.Residents), len(r.Houses), len(r.Organisations), len(r.Visits))
}
