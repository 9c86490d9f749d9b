package precinct

import "context"

// PositionFeed carries live unit positions between nodes and from devices.
type PositionFeed interface {
	// PublishLive broadcasts accepted positions to every node's live picture.
	PublishLive(ctx context.Context, ps []Position) error
	// SubscribeLive calls fn with every broadcast batch, on every node.
	SubscribeLive(ctx context.Context, fn func([]Position)) (stop func(), err error)
	// SubscribeIngest calls fn with position batches that devices publish on
	// the ingest subject; with several nodes each batch reaches one of them.
	SubscribeIngest(ctx context.Context, fn func([]Position)) (stop func(), err error)
}
