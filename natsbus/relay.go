package natsbus

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"precinct"
)

// relayBatch is how many events the relay moves at a time.
const relayBatch = 500

// Relay publishes committed events from the store's outbox to the bus. Call
// Notify after each commit for low latency; the sweep every Interval (default
// 1 s) catches anything missed, for example after a crash. Several nodes may
// relay at once: JetStream drops duplicates by event ID.
type Relay struct {
	Events   precinct.EventStore
	Bus      precinct.EventBus
	Logger   *slog.Logger
	Interval time.Duration

	once sync.Once
	wake chan struct{}
}

func (r *Relay) init() { r.once.Do(func() { r.wake = make(chan struct{}, 1) }) }

// Notify wakes the relay; it never blocks.
func (r *Relay) Notify() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	r.init()
	interval := r.Interval
	if interval <= 0 {
		interval = time.Second
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.flush(ctx); err != nil && ctx.Err() == nil {
			log.Warn("event relay", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		case <-t.C:
		}
	}
}

// flush publishes every unpublished event.
func (r *Relay) flush(ctx context.Context) error {
	for {
		evs, err := r.Events.Unpublished(ctx, relayBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		if err := r.Bus.Publish(ctx, evs...); err != nil {
			return err
		}
		seqs := make([]int64, len(evs))
		for i, e := range evs {
			seqs[i] = e.Seq
		}
		if err := r.Events.MarkPublished(ctx, seqs); err != nil {
			return err
		}
		if len(evs) < relayBatch {
			return nil
		}
	}
}
