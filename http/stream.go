package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"precinct"
)

var timeZero time.Time

// streamBuffer bounds the events waiting for one slow client; past it the
// client is disconnected and resumes with Last-Event-ID.
const streamBuffer = 1024

// positionsEvery is how often a stream with ?positions=1 sends the units
// that moved.
const positionsEvery = time.Second

// LiveUnits is the live picture of units, followed by streams that ask for
// positions.
type LiveUnits interface {
	// Revision is where a follower starts.
	Revision() uint64
	// Moved calls fn with each unit that moved after revision since and
	// returns the current revision.
	Moved(since uint64, fn func(*precinct.Unit)) uint64
}

// EventFeed decides what each caller hears of the event log and the bus
// (package feed): every event passes the read rule of its entity type.
type EventFeed interface {
	// Filter returns e as u may see it, or nil.
	Filter(u *precinct.User, e *precinct.Event) *precinct.Event
	// Replay returns the events after a sequence number that u may see, the
	// sequence number of the last event read and how many were read.
	Replay(ctx context.Context, u *precinct.User, after int64, limit int) ([]*precinct.Event, int64, int, error)
	// UnitVisible reports whether u may follow the position of a unit.
	UnitVisible(u *precinct.User, un *precinct.Unit) bool
}

// handleStream sends the events the user may see as Server-Sent Events. With
// Last-Event-ID it first replays the log after that sequence number, then
// continues live, without gap or duplicate: it subscribes before replaying and
// skips live events already sent.
//
// With ?positions=1 it also sends, every second, a "positions" message (with
// no id, so that it does not move Last-Event-ID) holding the last position of
// each unit of the user's jurisdiction that moved since the previous one.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return err
	}
	withPositions, err := queryBool(r, "positions")
	if err != nil {
		return err
	}
	if withPositions {
		if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
			return err
		}
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return precinct.Errorf(precinct.EINTERNAL, "不支持流式推送", "Streaming is not supported.")
	}
	last, replay, err := lastEventID(r)
	if err != nil {
		return err
	}
	s.streams.Add(1)
	defer s.streams.Done()
	ctx := r.Context()
	live := make(chan *precinct.Event, streamBuffer)
	overflow := make(chan struct{})
	var overflowOnce sync.Once
	filter := precinct.SubjectPrefix + ".>"
	if sc := precinct.ScopeOf(u); !sc.All {
		filter = precinct.SubjectPrefix + "." + sc.SubBureauID + ".>"
	}
	stop, err := s.Bus.Subscribe(ctx, filter, func(e *precinct.Event) {
		select {
		case live <- e:
		default:
			overflowOnce.Do(func() { close(overflow) })
		}
	})
	if err != nil {
		return err
	}
	defer stop()

	// Positions are followed from before the answer starts: a client that
	// sees the stream open and then reloads the units misses no move.
	var moves <-chan time.Time
	var rev uint64
	if withPositions && s.Live != nil {
		rev = s.Live.Revision()
		t := time.NewTicker(positionsEvery)
		defer t.Stop()
		moves = t.C
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	flusher.Flush()

	// floor: every event at or below it was sent (or replayed); seen: events
	// above it that were sent. A node may hear an event twice when two
	// nodes' relays publish it.
	floor, seen := last, map[int64]bool{}
	send := func(e *precinct.Event) error {
		if e.Seq <= floor || seen[e.Seq] {
			return nil
		}
		if seen[e.Seq] = true; len(seen) > 4096 {
			clear(seen)
			floor = max(floor, e.Seq-1)
		}
		last = max(last, e.Seq)
		if e = s.Feed.Filter(u, e); e == nil {
			return nil
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b); err != nil {
			return err
		}
		flusher.Flush()
		return nil
	}
	if replay {
		from := last
		for {
			evs, upto, read, err := s.Feed.Replay(ctx, u, from, 1000)
			if err != nil {
				return nil // the response has started; the client reconnects
			}
			for _, e := range evs {
				if err := send(e); err != nil {
					return nil
				}
			}
			if from = upto; read < 1000 {
				break
			}
		}
		// Everything up to the last event read is handled, seen or not.
		floor = max(floor, from)
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	var batch []precinct.Position
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-overflow:
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			flusher.Flush()
		case e := <-live:
			if err := send(e); err != nil {
				return nil
			}
		case <-moves:
			batch = batch[:0]
			rev = s.Live.Moved(rev, func(unit *precinct.Unit) {
				if s.Feed.UnitVisible(u, unit) {
					batch = append(batch, precinct.Position{UnitID: unit.ID, Point: unit.Position, At: unit.PositionAt})
				}
			})
			if len(batch) == 0 {
				continue
			}
			b, err := json.Marshal(struct {
				Positions []precinct.Position `json:"positions"`
			}{batch})
			if err != nil {
				return nil
			}
			if _, err := fmt.Fprintf(w, "event: positions\ndata: %s\n\n", b); err != nil {
				return nil
			}
			flusher.Flush()
		}
	}
}

// lastEventID reads the Last-Event-ID header or the last_event_id
// parameter: the stream replays the events after it. Without either it
// sends live events only; an explicit 0 replays from the beginning.
func lastEventID(r *http.Request) (int64, bool, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, precinct.FieldErrorf(precinct.EINVALID, "Last-Event-ID", "Last-Event-ID 应为事件序号", "Last-Event-ID must be an event sequence number.")
	}
	return n, true, nil
}
