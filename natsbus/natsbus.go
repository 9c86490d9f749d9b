// Package natsbus carries Precinct's events and live positions on NATS: a
// server embedded in the process by default (JetStream stored in the data
// directory), or an external NATS JetStream cluster chosen by URL.
//
// Subjects:
//
//	precinct.<sub-bureau>.<station>.<entity>.<verb>   events, in the JetStream stream PRECINCT
//	precinct.positions.live                            accepted positions, to every node
//	precinct.positions.ingest                          positions published by devices (queue group)
//
// Events are published with the Nats-Msg-Id header set to the event ID, so a
// re-publication (by another node's relay, or after a crash) is dropped by
// JetStream's duplicate window. The Relay publishes committed events from the
// database's outbox: at once when told of a commit, and by a periodic sweep.
// Consoles resume from the database's event log, not from the bus.
package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"precinct"
)

// Subjects of the position feed.
const (
	SubjectLive   = precinct.SubjectPrefix + ".positions.live"
	SubjectIngest = precinct.SubjectPrefix + ".positions.ingest"
	ingestQueue   = "precinct-ingest"
)

// SubjectRevoked carries the token hashes of ended sessions between nodes.
const SubjectRevoked = precinct.SubjectPrefix + ".sessions.revoked"

// DefaultStream is the JetStream stream that keeps events.
const DefaultStream = "PRECINCT"

// Config says which NATS to use.
type Config struct {
	// URL of an external NATS (comma-separated for a cluster); empty starts
	// a server embedded in this process.
	URL string
	// DataDir holds the embedded server's JetStream store (DataDir/nats).
	DataDir string
	// Name names the connection.
	Name   string
	Logger *slog.Logger
	// Stream is the JetStream stream name (default PRECINCT); Subjects its
	// subjects (default every event subject).
	Stream   string
	Subjects []string
}

// Bus is a connection to NATS. It implements precinct.EventBus and
// precinct.PositionFeed.
type Bus struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	ns     *server.Server // nil for an external server
	log    *slog.Logger
	stream string
}

var (
	_ precinct.EventBus     = (*Bus)(nil)
	_ precinct.PositionFeed = (*Bus)(nil)
)

// Open connects to NATS, starting an embedded server if cfg.URL is empty,
// and creates or updates the event stream.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	b := &Bus{log: cfg.Logger, stream: cfg.Stream}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.stream == "" {
		b.stream = DefaultStream
	}
	opts := []nats.Option{nats.Name(cfg.Name), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}
	url := cfg.URL
	if url == "" {
		ns, err := server.NewServer(&server.Options{
			ServerName: "precinct-embedded", Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
			JetStream: true, StoreDir: filepath.Join(cfg.DataDir, "nats"), DontListen: true,
		})
		if err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		go ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			ns.Shutdown()
			return nil, errors.New("embedded nats: not ready within 10 s")
		}
		b.ns, url = ns, ns.ClientURL()
		opts = append(opts, nats.InProcessServer(ns))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.nc = nc
	if b.js, err = jetstream.New(nc); err != nil {
		b.Close()
		return nil, err
	}
	subjects := cfg.Subjects
	if len(subjects) == 0 {
		// Events have at least four tokens after the prefix; positions two.
		subjects = []string{precinct.SubjectPrefix + ".*.*.*.>"}
	}
	_, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: b.stream, Subjects: subjects, Storage: jetstream.FileStorage,
		MaxAge: 7 * 24 * time.Hour, Duplicates: 2 * time.Minute,
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("event stream: %w", err)
	}
	return b, nil
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() error {
	if b.nc != nil {
		_ = b.nc.Drain()
		for i := 0; i < 100 && !b.nc.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
	return nil
}

// Ping checks the connection and that JetStream answers.
func (b *Bus) Ping(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("nats: not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := b.js.AccountInfo(ctx)
	return err
}

// Publish stores each event in the stream, deduplicated by its ID, and
// returns once JetStream has acknowledged them all.
func (b *Bus) Publish(ctx context.Context, events ...*precinct.Event) error {
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		f, err := b.js.PublishMsgAsync(&nats.Msg{Subject: e.Subject(), Data: data}, jetstream.WithMsgID(e.ID))
		if err != nil {
			return fmt.Errorf("publish %s: %w", e.ID, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("publish: no acknowledgement within 10 s")
		}
	}
	return nil
}

// Subscribe calls fn for each live event on subjects matching filter.
func (b *Bus) Subscribe(ctx context.Context, filter string, fn func(*precinct.Event)) (func(), error) {
	sub, err := b.nc.Subscribe(filter, func(m *nats.Msg) {
		var e precinct.Event
		if err := json.Unmarshal(m.Data, &e); err != nil {
			b.log.Warn("bad event on bus", "subject", m.Subject, "err", err)
			return
		}
		fn(&e)
	})
	if err != nil {
		return nil, err
	}
	_ = sub.SetPendingLimits(65536, 64<<20)
	return unsubscribeOnDone(ctx, sub), nil
}

// unsubscribeOnDone returns a stop function, also called when ctx ends.
func unsubscribeOnDone(ctx context.Context, sub *nats.Subscription) func() {
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		_ = sub.Unsubscribe()
	}()
	return stop
}

type positionBatch struct {
	Positions []precinct.Position `json:"positions"`
}

// PublishLive broadcasts accepted positions to every node.
func (b *Bus) PublishLive(ctx context.Context, ps []precinct.Position) error {
	data, err := json.Marshal(positionBatch{Positions: ps})
	if err != nil {
		return err
	}
	return b.nc.Publish(SubjectLive, data)
}

// SubscribeLive calls fn with every broadcast batch.
func (b *Bus) SubscribeLive(ctx context.Context, fn func([]precinct.Position)) (func(), error) {
	return b.subscribePositions(ctx, SubjectLive, "", fn)
}

// SubscribeIngest calls fn with batches devices publish on the ingest
// subject; with several nodes each batch reaches one of them.
func (b *Bus) SubscribeIngest(ctx context.Context, fn func([]precinct.Position)) (func(), error) {
	return b.subscribePositions(ctx, SubjectIngest, ingestQueue, fn)
}

func (b *Bus) subscribePositions(ctx context.Context, subject, queue string, fn func([]precinct.Position)) (func(), error) {
	handler := func(m *nats.Msg) {
		var batch positionBatch
		if err := json.Unmarshal(m.Data, &batch); err != nil {
			b.log.Warn("bad position batch", "subject", m.Subject, "err", err)
			return
		}
		fn(batch.Positions)
	}
	var sub *nats.Subscription
	var err error
	if queue != "" {
		sub, err = b.nc.QueueSubscribe(subject, queue, handler)
	} else {
		sub, err = b.nc.Subscribe(subject, handler)
	}
	if err != nil {
		return nil, err
	}
	_ = sub.SetPendingLimits(65536, 256<<20)
	return unsubscribeOnDone(ctx, sub), nil
}

// PublishRevoked tells every node that the session of a token hash has
// ended. It returns once the server has the message.
func (b *Bus) PublishRevoked(ctx context.Context, tokenHash string) error {
	if err := b.nc.Publish(SubjectRevoked, []byte(tokenHash)); err != nil {
		return err
	}
	return b.nc.FlushWithContext(ctx)
}

// SubscribeRevoked calls fn with the token hash of every session ended on
// any node, until ctx ends.
func (b *Bus) SubscribeRevoked(ctx context.Context, fn func(tokenHash string)) (func(), error) {
	sub, err := b.nc.Subscribe(SubjectRevoked, func(m *nats.Msg) { fn(string(m.Data)) })
	if err != nil {
		return nil, err
	}
	return unsubscribeOnDone(ctx, sub), nil
}

// StreamMessages returns how many messages the event stream holds.
func (b *Bus) StreamMessages(ctx context.Context) (uint64, error) {
	s, err := b.js.Stream(ctx, b.stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// SubjectMessages returns how many messages the event stream holds on
// subjects matching filter.
func (b *Bus) SubjectMessages(ctx context.Context, filter string) (uint64, error) {
	s, err := b.js.Stream(ctx, b.stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// DeleteStream removes the event stream (tests use a stream of their own).
func (b *Bus) DeleteStream(ctx context.Context) error {
	return b.js.DeleteStream(ctx, b.stream)
}

// Conn returns the underlying connection, for devices' ingest in tests.
func (b *Bus) Conn() *nats.Conn { return b.nc }
