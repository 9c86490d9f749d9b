package natsbus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"precinct"
	"precinct/natsbus"
	"precinct/sqldb"
	"precinct/storetest"
)

// buses runs fn against the embedded server and, when configured, the
// external one; each gets a stream and sub-bureau of its own.
func buses(t *testing.T, fn func(t *testing.T, open func() *natsbus.Bus, sb string)) {
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, func() *natsbus.Bus { return openBus(t, natsbus.Config{DataDir: dir}) }, "sb1")
	})
	t.Run("external", func(t *testing.T) {
		url := os.Getenv("PRECINCT_TEST_NATS")
		if url == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("PRECINCT_TEST_NATS is not set in CI")
			}
			t.Skip("PRECINCT_TEST_NATS not set")
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		sb := "t" + hex.EncodeToString(b[:])
		// The shared server's PRECINCT stream is used as a node would use
		// it; a sub-bureau of this run's own keeps the tests apart.
		cfg := natsbus.Config{URL: url}
		fn(t, func() *natsbus.Bus { return openBus(t, cfg) }, sb)
	})
}

func openBus(t *testing.T, cfg natsbus.Config) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func event(sb, st, id string) *precinct.Event {
	return &precinct.Event{ID: id, Type: "incident.created", At: time.Now(), Actor: "u1", SubBureauID: sb, StationID: st, EntityType: "incident", EntityID: "inc-" + id}
}

func TestPublishSubscribeByJurisdiction(t *testing.T) {
	buses(t, func(t *testing.T, open func() *natsbus.Bus, sb string) {
		b := open()
		ctx := context.Background()
		if err := b.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		got := make(chan *precinct.Event, 10)
		stop, err := b.Subscribe(ctx, "precinct."+sb+".st1.>", func(e *precinct.Event) { got <- e })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		if err := b.Publish(ctx, event(sb, "st2", "e1"), event(sb, "st1", "e2")); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-got:
			if e.ID != "e2" || e.StationID != "st1" {
				t.Fatalf("got %+v", e)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no event")
		}
		select {
		case e := <-got:
			t.Fatalf("st1's subscriber got another station's event %s", e.ID)
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func TestRepublishedEventIsDeduplicated(t *testing.T) {
	buses(t, func(t *testing.T, open func() *natsbus.Bus, sb string) {
		b := open()
		ctx := context.Background()
		filter := "precinct." + sb + ".>"
		before, err := b.SubjectMessages(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		e := event(sb, "st1", precinct.NewID("dup", time.Now()))
		for i := 0; i < 3; i++ {
			if err := b.Publish(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		after, _ := b.SubjectMessages(ctx, filter)
		if after-before != 1 {
			t.Fatalf("stream grew by %d messages for one event published thrice", after-before)
		}
	})
}

func TestEmbeddedStreamPersists(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := natsbus.Open(ctx, natsbus.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, event("sb1", "st1", "p1"), event("sb1", "st1", "p2")); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b2 := openBus(t, natsbus.Config{DataDir: dir})
	n, err := b2.StreamMessages(ctx)
	if err != nil || n != 2 {
		t.Fatalf("after restart the stream holds %d messages (%v), want 2", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nats")); err != nil {
		t.Errorf("no JetStream store in the data directory: %v", err)
	}
}

func TestRelayPublishesCommittedEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	b := openBus(t, natsbus.Config{DataDir: t.TempDir()})
	got := make(chan time.Time, 10)
	stop, err := b.Subscribe(ctx, "precinct.>", func(e *precinct.Event) { got <- time.Now() })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	relay := &natsbus.Relay{Events: db, Bus: b, Interval: time.Hour}
	go relay.Run(ctx)
	time.Sleep(50 * time.Millisecond) // the first sweep finds nothing
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
	inc := &precinct.Incident{ID: "i1", Status: precinct.IncidentReceived, Category: "help", Location: loc, ReceivedAt: time.Now(), Version: 1}
	if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{precinct.NewEvent(ctx, time.Now(), "incident.created", loc, "incident", "i1", nil, inc, nil)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	relay.Notify()
	select {
	case at := <-got:
		// Notify must wake the relay at once, not at its hourly sweep; the
		// latency itself is measured by BenchmarkIntake (cmd/precinct).
		if d := at.Sub(start); d > time.Second {
			t.Errorf("event reached the subscriber %v after Notify: the relay did not wake", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("relay did not publish")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		un, _ := db.Unpublished(ctx, 10)
		if len(un) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("event not marked published")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPositionFeed(t *testing.T) {
	buses(t, func(t *testing.T, open func() *natsbus.Bus, sb string) {
		if sb != "sb1" {
			t.Skip("the position subjects are shared; checked on the embedded server")
		}
		a, ctx := open(), context.Background()
		live := make(chan []precinct.Position, 1)
		stop, err := a.SubscribeLive(ctx, func(ps []precinct.Position) { live <- ps })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		ps := []precinct.Position{{UnitID: "un1", Point: precinct.Point{Lon: 108, Lat: 29}, At: time.Now().UTC()}}
		if err := a.PublishLive(ctx, ps); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-live:
			if len(got) != 1 || got[0].UnitID != "un1" {
				t.Fatalf("got %+v", got)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no live batch")
		}
		// Two ingest subscribers: each device batch is handled once in all.
		var handled atomic.Int32
		var wg sync.WaitGroup
		wg.Add(20)
		for i := 0; i < 2; i++ {
			stop, err := a.SubscribeIngest(ctx, func([]precinct.Position) { handled.Add(1); wg.Done() })
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
		}
		body, _ := json.Marshal(map[string]any{"positions": ps})
		for i := 0; i < 20; i++ {
			if err := a.Conn().Publish(natsbus.SubjectIngest, body); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		time.Sleep(100 * time.Millisecond)
		if n := handled.Load(); n != 20 {
			t.Errorf("20 batches handled %d times", n)
		}
	})
}

func BenchmarkPublish(b *testing.B) {
	bus, err := natsbus.Open(context.Background(), natsbus.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bus.Publish(ctx, event("sb1", "st1", precinct.NewID("evt", time.Now()))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
