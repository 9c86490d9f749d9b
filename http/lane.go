package http

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// laneRoutes are the routes a connection's requests are answered on the
// lane while they keep to them: the recommendation a dispatch system polls,
// the login that starts its session, and the health check of a balancer.
// Each is a short request whose whole answer is written at once.
var laneRoutes = []string{
	"GET /api/v1/incidents/{id}/recommendations",
	"POST /api/v1/auth/login",
	"GET /healthz",
}

// A lane serves the requests of a connection to laneRoutes itself, with
// the same handler as net/http but without its per-request machinery (a
// goroutine started and stopped on each request to watch the connection,
// deadlines set and cleared, a response buffered in two layers and often
// written in two system calls): each request is read with net/http's own
// parser (http.ReadRequest) and its answer written in one system call.
//
// The first request of a connection to any other route — a page, an event
// stream, an export, a request in HTTP/1.0 — hands the connection to
// net/http with every byte it has received, and net/http serves it from
// then on. The lane decides on the request line alone, before it consumes
// anything, so a handed connection is exactly what net/http would have
// read.
type lane struct {
	handler http.Handler
	routes  *http.ServeMux // the patterns of laneRoutes; only matched, never served
	logger  *slog.Logger
	// headerTimeout bounds the reading of a request's header once its
	// first byte has arrived (net/http's ReadHeaderTimeout).
	headerTimeout time.Duration

	ln      net.Listener
	handoff chan net.Conn
	done    chan struct{} // closed when the lane closes

	// closing is set before close ends the idle connections, and a
	// connection marks itself idle before it checks closing: one of the two
	// sees the other, without a lock taken on every request.
	closing atomic.Bool
	mu      sync.Mutex
	conns   map[*laneConn]struct{} // each connection the lane serves
	wg      sync.WaitGroup
	once    sync.Once
}

// laneMaxHeader is the most a request's line and header may take, as for
// net/http (DefaultMaxHeaderBytes and its slack).
const laneMaxHeader = http.DefaultMaxHeaderBytes + 4096

// laneMaxDrain is the most of an unread request body the lane reads past
// to keep a connection, as net/http does.
const laneMaxDrain = 256 << 10

func newLane(h http.Handler, logger *slog.Logger, headerTimeout time.Duration) *lane {
	l := &lane{handler: h, routes: http.NewServeMux(), logger: logger, headerTimeout: headerTimeout,
		handoff: make(chan net.Conn), done: make(chan struct{}), conns: map[*laneConn]struct{}{}}
	for _, p := range laneRoutes {
		l.routes.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	return l
}

// serve accepts the connections of ln until ln or the lane closes.
func (l *lane) serve(ln net.Listener) error {
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	if l.closing.Load() {
		_ = ln.Close()
		return http.ErrServerClosed
	}
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return http.ErrServerClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of descriptors and the like: wait a little, as
			// net/http does, rather than spin.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.logger.Warn("http accept", "err", err, "retry_in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		lc := &laneConn{Conn: c, limit: io.LimitedReader{R: c, N: laneMaxHeader}}
		if !l.track(lc) {
			_ = c.Close()
			continue
		}
		go l.serveConn(lc)
	}
}

// laneConn is a connection the lane serves. Its reads go through its
// reader, so that when it is handed to net/http the bytes the lane has
// buffered are read first.
type laneConn struct {
	net.Conn
	limit  io.LimitedReader // bounds a request's header
	r      *bufio.Reader
	remote string
	idle   atomic.Bool // waiting for its next request
	// probe and probeURL are the request line as the lane's routes are
	// matched against it, reused from request to request.
	probe    http.Request
	probeURL url.URL
}

func (c *laneConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite lets net/http close the sending side first, as it does on
// a TCP connection, when it ends a handed connection after an error.
func (c *laneConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// track adds c to the lane's connections, unless the lane is closing.
func (l *lane) track(c *laneConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing.Load() {
		return false
	}
	l.conns[c] = struct{}{}
	l.wg.Add(1)
	return true
}

// forget removes c from the lane's connections, handed on or closed.
func (l *lane) forget(c *laneConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	l.wg.Done()
}

// serveConn answers c's requests while they are to lane routes, then
// hands c to net/http or closes it.
func (l *lane) serveConn(c *laneConn) {
	defer l.forget(c)
	c.r = bufio.NewReaderSize(&c.limit, 4<<10)
	c.remote = c.RemoteAddr().String()
	for {
		// Idle: no deadline while waiting for the next request (the
		// server sets no IdleTimeout); Close ends the wait.
		c.idle.Store(true)
		if l.closing.Load() {
			_ = c.Close()
			return
		}
		_, err := c.r.Peek(1)
		c.idle.Store(false)
		if err != nil || l.closing.Load() {
			_ = c.Close()
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(l.headerTimeout))
		if !l.takes(c) {
			l.handOff(c)
			return
		}
		if !l.serveRequest(c) {
			hangUp(c)
			return
		}
	}
}

// handOff gives c to net/http, its deadline cleared (net/http sets its
// own), or closes it if the server has closed.
func (l *lane) handOff(c *laneConn) {
	_ = c.SetReadDeadline(time.Time{})
	c.limit.N = math.MaxInt64
	select {
	case l.handoff <- c:
	case <-l.done:
		_ = c.Close()
	}
}

// takes reports whether the request waiting in c, by its line alone, is
// to a lane route in HTTP/1.1. It consumes nothing.
func (l *lane) takes(c *laneConn) bool {
	line, ok := peekLine(c.r)
	if !ok {
		return false
	}
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || string(proto) != "HTTP/1.1" || len(target) == 0 || target[0] != '/' {
		return false
	}
	var m string
	switch string(method) {
	case http.MethodGet:
		m = http.MethodGet
	case http.MethodHead:
		m = http.MethodHead
	case http.MethodPost:
		m = http.MethodPost
	default:
		return false
	}
	path, query, _ := bytes.Cut(target, []byte("?"))
	c.probeURL = url.URL{Path: string(path), RawQuery: string(query)}
	if bytes.IndexByte(path, '%') >= 0 {
		u, err := url.ParseRequestURI(string(target))
		if err != nil {
			return false
		}
		c.probeURL = *u
	}
	c.probe = http.Request{Method: m, URL: &c.probeURL}
	_, pattern := l.routes.Handler(&c.probe)
	return pattern != ""
}

// peekLine returns the request line waiting in r, without its CRLF, if it
// fits r's buffer; the bytes stay in r.
func peekLine(r *bufio.Reader) ([]byte, bool) {
	for want := 1; want <= r.Size(); {
		if _, err := r.Peek(want); err != nil {
			return nil, false
		}
		b, _ := r.Peek(r.Buffered())
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return bytes.TrimSuffix(b[:i], []byte("\r")), true
		}
		want = len(b) + 1
	}
	return nil, false
}

// serveRequest reads one request from c, answers it and reports whether
// c stays open for the next.
func (l *lane) serveRequest(c *laneConn) (keep bool) {
	c.limit.N = laneMaxHeader
	req, err := http.ReadRequest(c.r)
	if err != nil {
		if c.limit.N == 0 {
			refuse(c, http.StatusRequestHeaderFieldsTooLarge)
		} else if !isNetError(err) {
			refuse(c, http.StatusBadRequest)
		}
		return false
	}
	c.limit.N = math.MaxInt64
	_ = c.SetReadDeadline(time.Time{})
	if status := checkRequest(req); status != 0 {
		refuse(c, status)
		return false
	}
	if req.Header.Get("Expect") == "100-continue" && req.ContentLength != 0 {
		// The body is read at once: say so before the handler waits for it.
		if _, err := io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return false
		}
	}
	// The request's context is not cancelled when its client goes, as
	// net/http's is: the lane's routes answer in micro- to milliseconds.
	req.RemoteAddr = c.remote

	w := newLaneResponse()
	defer w.release()
	if !l.run(w, req) {
		return false
	}
	keep = !req.Close && w.header.Get("Connection") != "close"
	if keep && req.Body != http.NoBody {
		// What the handler left of the body is read past, up to a limit,
		// for the next request to start where it should.
		n, err := io.CopyN(io.Discard, req.Body, laneMaxDrain+1)
		keep = err == io.EOF && n <= laneMaxDrain
	}
	_, err = c.Write(w.bytes(req, keep))
	return keep && err == nil
}

// run calls the handler; a panic that escapes it (the routes recover their
// own) is logged and closes the connection, as with net/http.
func (l *lane) run(w *laneResponse, req *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				l.logger.Error("panic", "path", req.URL.Path, "panic", p, "stack", string(debug.Stack()))
			}
			ok = false
		}
	}()
	l.handler.ServeHTTP(w, req)
	return true
}

// checkRequest applies net/http's checks of a request's header beyond its
// syntax and returns the status to refuse it with, or 0.
func checkRequest(req *http.Request) int {
	// http.ReadRequest moves the Host header to req.Host.
	if req.Host == "" || !httpguts.ValidHostHeader(req.Host) {
		return http.StatusBadRequest
	}
	for k, vs := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return http.StatusBadRequest
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return http.StatusBadRequest
			}
		}
	}
	if e := req.Header.Get("Expect"); e != "" && e != "100-continue" {
		return http.StatusExpectationFailed
	}
	return 0
}

// refuse answers a request that cannot be read, as net/http does, and the
// connection then closes.
func refuse(c *laneConn, status int) {
	_, _ = io.WriteString(c, "HTTP/1.1 "+strconv.Itoa(status)+" "+http.StatusText(status)+
		"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+strconv.Itoa(status)+" "+http.StatusText(status))
}

// hangUp closes c after its last answer. As net/http does, the sending
// side is closed first and what the client still sends is read for a
// moment, so that the answer is not lost to a reset of the connection.
func hangUp(c *laneConn) {
	if c.CloseWrite() == nil {
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.CopyN(io.Discard, c.Conn, laneMaxDrain)
	}
	_ = c.Close()
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// close stops the lane: it accepts no more connections, idle ones close
// at once, busy ones after their request, and close waits for them until
// ctx ends. Connections handed to net/http are net/http's to close.
func (l *lane) close(ctx context.Context) error {
	l.once.Do(func() { close(l.done) })
	l.closing.Store(true)
	l.mu.Lock()
	if l.ln != nil {
		_ = l.ln.Close()
	}
	for c := range l.conns {
		if c.idle.Load() {
			_ = c.Close()
		}
	}
	l.mu.Unlock()
	ended := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(ended)
	}()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// listener returns the listener net/http serves: the connections the lane
// hands on.
func (l *lane) listener(addr net.Addr) net.Listener { return &handoffListener{l: l, addr: addr} }

type handoffListener struct {
	l    *lane
	addr net.Addr
}

func (h *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-h.l.handoff:
		return c, nil
	case <-h.l.done:
		return nil, net.ErrClosed
	}
}

func (h *handoffListener) Close() error {
	h.l.once.Do(func() { close(h.l.done) })
	return nil
}

func (h *handoffListener) Addr() net.Addr { return h.addr }

// laneResponse is the answer to a lane request, kept whole until the
// handler returns.
type laneResponse struct {
	header http.Header
	status int
	body   []byte
	out    bytes.Buffer
	length [1]string // the Content-Length header's value
}

// laneResponses keeps answers' buffers and header maps from request to
// request: nothing holds them once the answer is written.
var laneResponses = sync.Pool{New: func() any { return &laneResponse{header: make(http.Header, 8)} }}

func newLaneResponse() *laneResponse { return laneResponses.Get().(*laneResponse) }

func (w *laneResponse) release() {
	if cap(w.body) > 64<<10 || w.out.Cap() > 64<<10 {
		return
	}
	clear(w.header)
	w.status, w.body = 0, w.body[:0]
	w.out.Reset()
	laneResponses.Put(w)
}

func (w *laneResponse) Header() http.Header { return w.header }

func (w *laneResponse) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *laneResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, b...)
	return len(b), nil
}

// bytes returns the response as it goes on the wire: what net/http would
// write for the same handler's answer written at once (a Date, a sniffed
// Content-Type, the Content-Length), in one piece.
func (w *laneResponse) bytes(req *http.Request, keep bool) []byte {
	w.WriteHeader(http.StatusOK)
	h := w.header
	delete(h, "Transfer-Encoding") // the answer is whole: its length is known
	if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		w.body = w.body[:0]
		delete(h, "Content-Length")
	} else {
		if _, ok := h["Content-Type"]; !ok && len(w.body) > 0 {
			h["Content-Type"] = []string{http.DetectContentType(w.body)}
		}
		w.length[0] = strconv.Itoa(len(w.body))
		h["Content-Length"] = w.length[:]
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = dateHeader(time.Now())
	}
	if !keep {
		h["Connection"] = []string{"close"}
	}
	b := w.out.AvailableBuffer()
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	if text := http.StatusText(w.status); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(w.status), 10)
	}
	b = append(b, "\r\n"...)
	w.out.Write(b)
	_ = h.Write(&w.out) // sorted, values with line breaks made spaces
	w.out.WriteString("\r\n")
	if req.Method != http.MethodHead {
		w.out.Write(w.body)
	}
	return w.out.Bytes()
}

// date is the Date header of the current second, shared by the answers
// written in it.
var date atomic.Pointer[datedHeader]

type datedHeader struct {
	unix  int64
	value []string
}

func dateHeader(now time.Time) []string {
	if d := date.Load(); d != nil && d.unix == now.Unix() {
		return d.value
	}
	d := &datedHeader{now.Unix(), []string{now.UTC().Format(http.TimeFormat)}}
	date.Store(d)
	return d.value
}
