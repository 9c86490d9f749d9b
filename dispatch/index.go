package dispatch

import (
	"time"

	"precinct"
	"precinct/dispatch/live"
)

// NewIndex returns an empty live index of units reading the time from clock,
// marking positions older than staleAfter (0: 120 s) as stale.
func NewIndex(clock precinct.Clock, staleAfter time.Duration) *live.Index {
	return live.New(clock, live.Options{StaleAfter: staleAfter})
}
