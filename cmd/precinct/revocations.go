package main

import (
	"context"
	"log/slog"

	"precinct/natsbus"
)

// revocations tells the other nodes about logouts. A failure is logged, not
// returned: the session is already gone from the store, and the other nodes
// drop it anyway when their short cache expires.
type revocations struct {
	Bus    *natsbus.Bus
	Logger *slog.Logger
}

func (r revocations) PublishRevoked(ctx context.Context, tokenHash string) error {
	if err := r.Bus.PublishRevoked(ctx, tokenHash); err != nil {
		r.Logger.Warn("logout not broadcast; other nodes end the session within 5 s", "err", err)
	}
	return nil
}
