package main

import (
	"context"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"precinct"
	"precinct/sqldb"
)

// scaleOut returns a PostgreSQL DSN in a schema of this test's own and the
// external NATS URL; it skips without them, and fails in CI.
func scaleOut(t *testing.T) (dsn, natsURL string) {
	pg, nu := os.Getenv("PRECINCT_TEST_POSTGRES"), os.Getenv("PRECINCT_TEST_NATS")
	if pg == "" || nu == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PRECINCT_TEST_POSTGRES and PRECINCT_TEST_NATS must be set in CI")
		}
		t.Skip("PRECINCT_TEST_POSTGRES or PRECINCT_TEST_NATS not set")
	}
	dsn, drop, err := sqldb.NewSchema(context.Background(), pg, "precinct_nodes")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	return dsn, nu
}

// TestTwoNodes runs two real `precinct serve` processes on one PostgreSQL and
// one NATS.
func TestTwoNodes(t *testing.T) {
	dsn, natsURL := scaleOut(t)
	env := []string{"PRECINCT_DB=" + dsn, "PRECINCT_NATS=" + natsURL}
	procA, baseA := startProcess(t, t.TempDir(), env...)
	_, baseB := startProcess(t, t.TempDir(), env...)
	a, b := login(t, baseA, "dispatcher", testDemoPassword), login(t, baseB, "dispatcher", testDemoPassword)
	p := stationPoint(t, a)
	intake := func(c *client) precinct.Incident {
		t.Helper()
		var inc precinct.Incident
		body := map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": p, "priority": 2}
		if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
			t.Fatalf("intake on %s: %d", c.base, code)
		}
		return inc
	}

	// An incident taken on A appears on B's feed.
	feedB := openFeed(t, b)
	x := intake(a)
	feedB.await(t, "incident.created", x.ID)

	// Positions reported to A are in B's recommendations within a second.
	var rec precinct.Recommendation
	b.do("GET", "/api/v1/incidents/"+x.ID+"/recommendations", nil, &rec)
	if len(rec.Candidates) < 2 {
		t.Fatalf("%d candidates", len(rec.Candidates))
	}
	last := rec.Candidates[len(rec.Candidates)-1].Unit.ID
	admin := login(t, baseA, "admin", testAdminPassword)
	at := precinct.Point{Lon: p.Lon + 0.00001, Lat: p.Lat}
	if code := admin.do("POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{"unit_id": last, "point": at, "at": time.Now().UTC()}}}, nil); code != 202 {
		t.Fatalf("positions on A: %d", code)
	}
	deadline := time.Now().Add(time.Second)
	for {
		b.do("GET", "/api/v1/incidents/"+x.ID+"/recommendations", nil, &rec)
		if len(rec.Candidates) > 0 && rec.Candidates[0].Unit.ID == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a position reported to A is not first in B's recommendation within 1 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Dispatchers on A and B send the same unit at once: one wins.
	y := intake(b)
	var wg sync.WaitGroup
	codes := [2]int{}
	for i, c := range []*client{a, b} {
		id := []string{x.ID, y.ID}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.do("POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{"units": []string{last}}, nil)
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("dispatch on A and B: %v, want one 200 and one 409", codes)
	}

	// B keeps the incident it recommends for in memory; reinforcement asked
	// on A shows in B's recommendation within a second (the change's event
	// makes B read the incident again).
	won := x.ID
	if codes[1] == 200 {
		won = y.ID
	}
	waves := func() int {
		var rec precinct.Recommendation
		if code := b.do("GET", "/api/v1/incidents/"+won+"/recommendations", nil, &rec); code != 200 {
			t.Fatalf("recommendations on B: %d", code)
		}
		n := 0
		for _, c := range rec.Candidates {
			n = max(n, c.Wave)
		}
		return n
	}
	if w := waves(); w != 1 {
		t.Fatalf("before reinforcement B proposes %d waves, want 1", w)
	}
	if code := a.do("POST", "/api/v1/incidents/"+won+"/reinforce", map[string]any{"wave": 2}, nil); code != 200 {
		t.Fatalf("reinforce on A: %d", code)
	}
	for deadline := time.Now().Add(time.Second); waves() != 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("reinforcement asked on A is not in B's recommendation within a second")
		}
	}

	// A logout on A ends the session on B within a second, though B has it
	// cached for five.
	officer := login(t, baseA, "officer1", testDemoPassword)
	officerOnB := &client{t: t, base: baseB, token: officer.token}
	if code := officerOnB.do("GET", "/api/v1/me", nil, nil); code != 200 {
		t.Fatalf("token from A on B: %d", code)
	}
	if code := officer.do("POST", "/api/v1/auth/logout", nil, nil); code != 204 {
		t.Fatalf("logout on A: %d", code)
	}
	for deadline := time.Now().Add(time.Second); officerOnB.do("GET", "/api/v1/me", nil, nil) != 401; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B accepts a token logged out on A for more than a second")
		}
	}

	// A console on A; A is killed right after acknowledging an incident; the
	// console reconnects to B and resumes from its last event without a gap.
	feedA := openFeed(t, a)
	seen := feedA.await(t, "incident.created", intake(a).ID)
	z := intake(a)
	_ = procA.Process.Signal(syscall.SIGKILL)
	_ = procA.Wait()
	var got precinct.Incident
	if code := b.do("GET", "/api/v1/incidents/"+z.ID, nil, &got); code != 200 {
		t.Fatalf("incident acknowledged by the killed node: %d on B", code)
	}
	w := intake(b)
	resumed := &client{t: t, base: baseB, token: b.token}
	f := openFeedFrom(t, resumed, seen.Seq)
	if e := f.await(t, "incident.created", z.ID); e.Seq <= seen.Seq {
		t.Errorf("resumed event %d not after %d", e.Seq, seen.Seq)
	}
	f.await(t, "incident.created", w.ID)
}

// TestTwoNodesSeedTogether: two demo nodes started at once on an empty
// PostgreSQL both come up, on one seeded jurisdiction.
func TestTwoNodesSeedTogether(t *testing.T) {
	dsn, natsURL := scaleOut(t)
	var wg sync.WaitGroup
	mains := make([]*Main, 2)
	errs := make([]error, 2)
	for i := range mains {
		cfg := DefaultConfig()
		cfg.Addr, cfg.DataDir, cfg.DB, cfg.NATS = "127.0.0.1:0", t.TempDir(), dsn, natsURL
		cfg.Demo, cfg.DemoMove, cfg.DemoHistoryDays = true, false, 1
		cfg.AdminPassword, cfg.DemoPassword, cfg.LogLevel = testAdminPassword, testDemoPassword, "warn"
		mains[i] = NewMain(cfg, io.Discard, testWriter{t})
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			errs[i] = mains[i].Open(ctx)
		}()
	}
	wg.Wait()
	for i, m := range mains {
		t.Cleanup(func() { m.Close() })
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
	}
	for _, m := range mains {
		admin := login(t, m.HTTP.URL(), "admin", testAdminPassword)
		var list struct{ Items []precinct.SubBureau }
		if code := admin.do("GET", "/api/v1/sub-bureaus", nil, &list); code != 200 || len(list.Items) != 1 {
			t.Errorf("%s: %d sub-bureaus (%d)", m.HTTP.URL(), len(list.Items), code)
		}
	}
}
