package main

import (
	"context"
	"log/slog"

	"precinct"
	"precinct/dispatch/live"
)

// livePositions shares accepted positions with the other nodes: a batch
// stored through this node is broadcast on the feed, and every node moves its
// live index with the batches the others broadcast. Devices may also publish
// positions on the bus; each batch reaches one node, which ingests it like an
// HTTP batch.
type livePositions struct {
	precinct.PositionService
	Feed   precinct.PositionFeed
	Live   *live.Index
	Logger *slog.Logger
}

// ReportPositions stores the batch, then broadcasts it.
func (p *livePositions) ReportPositions(ctx context.Context, ps []precinct.Position) error {
	if err := p.PositionService.ReportPositions(ctx, ps); err != nil {
		return err
	}
	return p.Feed.PublishLive(ctx, ps)
}

// Start subscribes to the live and ingest subjects until ctx ends. sys is the
// context that device batches are ingested in.
func (p *livePositions) Start(ctx, sys context.Context) error {
	if _, err := p.Feed.SubscribeLive(ctx, func(ps []precinct.Position) { p.Live.Move(ps) }); err != nil {
		return err
	}
	_, err := p.Feed.SubscribeIngest(ctx, func(ps []precinct.Position) {
		if err := p.ReportPositions(sys, ps); err != nil {
			p.Logger.Warn("device positions refused", "err", err, "positions", len(ps))
		}
	})
	return err
}
