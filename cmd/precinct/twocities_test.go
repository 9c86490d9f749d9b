package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/jurisdiction"
)

// TestTwoCitiesInOneDatabase imports Foshan (seed 000, the folder
// demo/data/foshan) next to the Qianjiang demo: incidents in each city are
// routed to that city's own stations, and no user of one sees the other.
func TestTwoCitiesInOneDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// First start: the demo, Qianjiang.
	cfg := DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.Demo, cfg.DemoMove, cfg.DemoHistoryDays = "127.0.0.1:0", dir, true, false, 0
	cfg.AdminPassword, cfg.DemoPassword, cfg.LogLevel = testAdminPassword, testDemoPassword, "warn"
	first := NewMain(cfg, io.Discard, testWriter{t})
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := first.Open(openCtx); err != nil {
		first.Close()
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Then Foshan, with the import command.
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"import", "jurisdiction", filepath.Join("..", "..", "demo", "data", "foshan"), "--data", dir, "--json"},
		func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), `{"sub_bureaus":5,"stations":32,`) {
		t.Errorf("foshan import: %s", out.String())
	}
	m := startMain(t, func(c *Config) { c.DataDir = dir })
	hash, err := auth.HashPassword(testDemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"fs04-dispatcher", "fs05-dispatcher"} {
		u, err := m.Store.FindUserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.SetPassword(ctx, u.ID, hash); err != nil {
			t.Fatal(err)
		}
	}
	base := m.HTTP.URL()
	chancheng := login(t, base, "fs04-dispatcher", testDemoPassword) // 禅城
	nanhai := login(t, base, "fs05-dispatcher", testDemoPassword)    // 南海
	qianjiang := login(t, base, "dispatcher", testDemoPassword)

	// Each dispatcher lists only the stations of their own district.
	for _, c := range []struct {
		cl     *client
		prefix string
	}{{chancheng, "ps-440604"}, {nanhai, "ps-440605"}, {qianjiang, "ps-500114"}} {
		for _, s := range listAll[*precinct.Station](c.cl, "/api/v1/stations") {
			if !strings.HasPrefix(s.ID, c.prefix) {
				t.Fatalf("a dispatcher of %s lists station %s (%s)", c.prefix, s.ID, s.Name)
			}
		}
	}
	intake := func(c *client, p precinct.Point) *precinct.Incident {
		var inc precinct.Incident
		body := map[string]any{"source": "call_110", "category": "help", "place_type": "street", "location": p, "priority": 3}
		if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
			t.Fatalf("intake at %v: %d", p, code)
		}
		return &inc
	}
	fsInc := intake(chancheng, stationPoint(t, chancheng))
	qjInc := intake(qianjiang, stationPoint(t, qianjiang))
	if !strings.HasPrefix(fsInc.Location.StationID, "ps-440604") || fsInc.Location.SubBureauID != "sb-440604" {
		t.Errorf("an incident in 禅城 went to %+v", fsInc.Location)
	}
	if !strings.HasPrefix(qjInc.Location.StationID, "ps-500114") {
		t.Errorf("an incident in 黔江 went to %+v", qjInc.Location)
	}
	for _, id := range append([]string{fsInc.Route.DispatchedBy}, fsInc.Route.StationIDs...) {
		if id != "" && !strings.Contains(id, "440604") {
			t.Errorf("禅城's incident is routed to %s: %+v", id, fsInc.Route)
		}
	}
	// Neither city sees the other's incident: not by ID, not in a list.
	for _, c := range []struct {
		cl *client
		id string
	}{{qianjiang, fsInc.ID}, {chancheng, qjInc.ID}, {nanhai, fsInc.ID}} {
		if code := c.cl.do("GET", "/api/v1/incidents/"+c.id, nil, nil); code != 403 && code != 404 {
			t.Errorf("another city's incident %s: status %d", c.id, code)
		}
	}
	for _, inc := range listAll[*precinct.Incident](qianjiang, "/api/v1/incidents") {
		if inc.ID == fsInc.ID {
			t.Error("黔江's dispatcher lists 禅城's incident")
		}
	}
	// Nor takes a call in the other city.
	if code := qianjiang.do("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "help", "place_type": "street",
		"location": stationPoint(t, chancheng), "priority": 3}, nil); code/100 == 2 {
		t.Errorf("黔江's dispatcher took a call in 禅城: %d", code)
	}
	// The people of one city are not the other's.
	for _, p := range listAll[*precinct.Person](chancheng, "/api/v1/people") {
		if p.SubBureauID != "sb-440604" {
			t.Fatalf("禅城's dispatcher lists a person of %s", p.SubBureauID)
		}
	}
}

// readFolder reads an import folder as the importer does.
func readFolder(t *testing.T, dir string) []*precinct.Jurisdiction {
	t.Helper()
	js, err := jurisdiction.Read(os.DirFS(dir), jurisdiction.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return js
}
