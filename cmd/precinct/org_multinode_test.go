package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"precinct"
)

// TestOrgChangeReachesEveryNode runs two `precinct serve` processes on one
// PostgreSQL and one NATS, then imports Foshan with the command beside
// them: within a second both nodes' point resolvers place a Foshan point,
// and node B recommends a Foshan unit for an incident there — no restart.
func TestOrgChangeReachesEveryNode(t *testing.T) {
	dsn, natsURL := scaleOut(t)
	env := []string{"PRECINCT_DB=" + dsn, "PRECINCT_NATS=" + natsURL}
	_, baseA := startProcess(t, t.TempDir(), env...)
	_, baseB := startProcess(t, t.TempDir(), env...)
	a := login(t, baseA, "admin", testAdminPassword)
	b := login(t, baseB, "admin", testAdminPassword)

	folder := filepath.Join("..", "..", "demo", "data", "foshan")
	resolve := func(c *client, p precinct.Point) (int, precinct.Location) {
		var loc precinct.Location
		code := c.do("GET", "/api/v1/resolve?lon="+strconv.FormatFloat(p.Lon, 'f', 7, 64)+"&lat="+strconv.FormatFloat(p.Lat, 'f', 7, 64), nil, &loc)
		return code, loc
	}
	// A point of 禅城: where its first station will stand.
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"import", "jurisdiction", folder, "--db", dsn, "--dry-run"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	js := readFolder(t, folder)
	p := js[0].Stations[0].Location
	for _, c := range []*client{a, b} {
		if code, loc := resolve(c, p); code == 200 {
			t.Fatalf("before the import %v resolves to %+v", p, loc)
		}
	}
	if err := run(context.Background(), []string{"import", "jurisdiction", folder, "--db", dsn, "--json"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	imported := time.Now()
	for _, c := range []*client{a, b} {
		for {
			code, loc := resolve(c, p)
			if code == 200 && loc.SubBureauID == js[0].SubBureau.ID {
				t.Logf("resolved on a node %v after the import", time.Since(imported).Round(time.Millisecond))
				break
			}
			if time.Since(imported) > time.Second {
				t.Fatalf("a node still resolves %v to %d %+v a second after the import", p, code, loc)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// B's live index holds the new units: the recommendation for an
	// incident there weighs Foshan's units (as candidates, or excluded with
	// the reason).
	var inc precinct.Incident
	body := map[string]any{"source": "call_110", "category": "help", "place_type": "street", "location": p, "priority": 2}
	if code := b.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
		t.Fatalf("intake in Foshan on B: %d", code)
	}
	var rec precinct.Recommendation
	b.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec)
	found := false
	for _, c := range rec.Candidates {
		found = found || c.Unit.SubBureauID == js[0].SubBureau.ID
	}
	for _, x := range rec.Excluded {
		found = found || strings.HasPrefix(x.UnitID, "fs-u-440604")
	}
	if !found {
		raw, _ := json.Marshal(rec)
		t.Fatalf("B recommends for Foshan: %s", raw)
	}
}
