package http_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	phttp "precinct/http"
)

// openLane starts e's server on a real listener (lane and net/http) and
// returns it with a token of the dispatcher and an incident of st1.
func openLane(t *testing.T) (e *env, s *phttp.Server, token, incident string) {
	t.Helper()
	e = newEnv(t)
	token = e.login("dispatcher")
	incident = e.intake(token)
	h := e.http
	s = &phttp.Server{Addr: "127.0.0.1:0", Database: h.Database, Auth: h.Auth, Org: h.Org, Units: h.Units, Incidents: h.Incidents, Positions: h.Positions, Rules: h.Rules,
		KPIs: h.KPIs, Feed: h.Feed, Bus: h.Bus, Resolver: h.Resolver, Clock: h.Clock, Logger: h.Logger}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return e, s, token, incident
}

// rawConn is one TCP connection to the server, written and read by hand.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, s *phttp.Server) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatal(err)
	}
}

// read reads one response to a request of method.
func (rc *rawConn) read(method string) (*http.Response, []byte) {
	rc.t.Helper()
	resp, err := http.ReadResponse(rc.r, &http.Request{Method: method})
	if err != nil {
		rc.t.Fatalf("reading a response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatal(err)
	}
	return resp, b
}

// closed reports whether the server has closed the connection.
func (rc *rawConn) closed() bool {
	_ = rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.r.ReadByte()
	return err == io.EOF
}

func rawGet(path, token string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: precinct\r\nAuthorization: Bearer " + token + "\r\n\r\n"
}

// TestLaneAnswersAsNetHTTP: the lane's answers to its routes are net/http's
// (status, headers but the date, body), a connection keeps to the lane
// while its requests do, and is handed to net/http, its bytes intact, by
// the first that does not (here pipelined behind lane requests).
func TestLaneAnswersAsNetHTTP(t *testing.T) {
	e, s, token, id := openLane(t)
	rec := "/api/v1/incidents/" + id + "/recommendations"
	login := `{"username":"dispatcher","password":"` + password + `"}`
	loginReq := "POST /api/v1/auth/login HTTP/1.1\r\nHost: precinct\r\nContent-Type: application/json\r\nContent-Length: " +
		fmt.Sprint(len(login)) + "\r\n\r\n" + login
	type answer struct {
		status int
		header http.Header
		body   []byte
	}
	ask := func(rc *rawConn, req, method string) answer {
		rc.send(req)
		resp, b := rc.read(method)
		resp.Header.Del("Date")
		return answer{resp.StatusCode, resp.Header, b}
	}
	// net/http alone (the handler under httptest) and the lane, the same
	// requests.
	ref := httptest.NewServer(s.Handler())
	defer ref.Close()
	refConn, err := net.Dial("tcp", strings.TrimPrefix(ref.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer refConn.Close()
	want := &rawConn{t: t, c: refConn, r: bufio.NewReader(refConn)}
	lane := dialRaw(t, s)
	for _, tt := range []struct{ name, req, method string }{
		{"health", "GET /healthz HTTP/1.1\r\nHost: precinct\r\n\r\n", "GET"},
		{"health, HEAD", "HEAD /healthz HTTP/1.1\r\nHost: precinct\r\n\r\n", "HEAD"},
		{"recommendation", rawGet(rec, token), "GET"},
		{"recommendation, no token", rawGet(rec, ""), "GET"},
		{"recommendation, unknown incident", rawGet("/api/v1/incidents/nope/recommendations", token), "GET"},
		{"recommendation, bad wave", rawGet(rec+"?wave=x", token), "GET"},
		{"login, wrong password", strings.Replace(loginReq, password, "wrong-pass-1", 1), "POST"},
		{"login, not JSON", "POST /api/v1/auth/login HTTP/1.1\r\nHost: precinct\r\nContent-Length: 3\r\n\r\n{{{", "POST"},
	} {
		got, w := ask(lane, tt.req, tt.method), ask(want, tt.req, tt.method)
		if got.status != w.status || !bytes.Equal(got.body, w.body) || fmt.Sprint(got.header) != fmt.Sprint(w.header) {
			t.Errorf("%s: lane answered\n%d %v %s\nnet/http answered\n%d %v %s", tt.name, got.status, got.header, got.body, w.status, w.header, w.body)
		}
	}
	// A login answers a new token each time: the same shape, not bytes.
	if a := ask(lane, loginReq, "POST"); a.status != 200 || !bytes.Contains(a.body, []byte(`"token":"`)) {
		t.Errorf("login: %d %s", a.status, a.body)
	}

	// Pipelined: two lane requests, then one net/http serves (the user
	// list), then a recommendation, all written at once: four answers in
	// order on the same connection, the last from net/http.
	rc := dialRaw(t, s)
	rc.send(rawGet(rec, token) + "GET /healthz HTTP/1.1\r\nHost: precinct\r\n\r\n" + rawGet("/api/v1/me", token) + rawGet(rec, token))
	for i, want := range []string{`"candidates"`, `"status":"ok"`, `"username":"dispatcher"`, `"candidates"`} {
		resp, b := rc.read("GET")
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(want)) {
			t.Errorf("pipelined answer %d: %d %s, want %s", i, resp.StatusCode, b, want)
		}
	}
	_ = e
}

// TestLaneRefuses: what the lane cannot read is refused with net/http's
// status and the connection closed; a body left unread by the handler is
// read past, and the next request answered.
func TestLaneRefuses(t *testing.T) {
	_, s, token, id := openLane(t)
	rec := "/api/v1/incidents/" + id + "/recommendations"
	for _, tt := range []struct {
		name, req string
		status    int
	}{
		{"no host", "GET /healthz HTTP/1.1\r\n\r\n", 400},
		{"bad host", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"two hosts", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"header line without a colon", "GET /healthz HTTP/1.1\r\nHost: precinct\r\nBroken\r\n\r\n", 400},
		{"bad header value", "GET /healthz HTTP/1.1\r\nHost: precinct\r\nX-A: a\x00b\r\n\r\n", 400},
		{"header too large", "GET /healthz HTTP/1.1\r\nHost: precinct\r\nX-Big: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+8192) + "\r\n\r\n", 431},
		{"unknown expectation", "GET /healthz HTTP/1.1\r\nHost: precinct\r\nExpect: magic\r\n\r\n", 417},
		{"bad chunked body", "POST /api/v1/auth/login HTTP/1.1\r\nHost: precinct\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
	} {
		rc := dialRaw(t, s)
		rc.send(tt.req)
		resp, _ := rc.read("GET")
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		if !rc.closed() {
			t.Errorf("%s: the connection stays open", tt.name)
		}
	}

	// A body on a GET the handler does not read, then a second request;
	// and Connection: close is honoured.
	rc := dialRaw(t, s)
	rc.send("GET /healthz HTTP/1.1\r\nHost: precinct\r\nContent-Length: 5\r\n\r\nhello" + rawGet(rec, token))
	if resp, b := rc.read("GET"); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"ok"`)) {
		t.Errorf("health with a body: %d %s", resp.StatusCode, b)
	}
	if resp, b := rc.read("GET"); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"candidates"`)) {
		t.Errorf("after a body: %d %s", resp.StatusCode, b)
	}
	rc.send("GET /healthz HTTP/1.1\r\nHost: precinct\r\nConnection: close\r\n\r\n")
	if resp, _ := rc.read("GET"); resp.StatusCode != 200 || !resp.Close || !rc.closed() {
		t.Errorf("Connection: close: %d %v", resp.StatusCode, resp.Header)
	}

	// Expect: 100-continue on a lane route: the continue, then the answer.
	rc = dialRaw(t, s)
	body := `{"username":"dispatcher","password":"` + password + `"}`
	rc.send("POST /api/v1/auth/login HTTP/1.1\r\nHost: precinct\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n")
	if line, _ := rc.r.ReadString('\n'); line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("expected a continue, got %q", line)
	}
	_, _ = rc.r.ReadString('\n')
	rc.send(body)
	if resp, b := rc.read("POST"); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"token"`)) {
		t.Errorf("login after a continue: %d %s", resp.StatusCode, b)
	}
}

// TestLaneClose: Close ends the lane's idle connections at once, answers
// nothing more, and leaves none behind.
func TestLaneClose(t *testing.T) {
	_, s, token, id := openLane(t)
	idle := dialRaw(t, s)
	idle.send(rawGet("/api/v1/incidents/"+id+"/recommendations", token))
	if resp, _ := idle.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("recommendation: %d", resp.StatusCode)
	}
	handed := dialRaw(t, s)
	handed.send(rawGet("/api/v1/me", token))
	if resp, _ := handed.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("me: %d", resp.StatusCode)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	if !idle.closed() || !handed.closed() {
		t.Error("an idle connection outlived Close")
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.URL(), "http://"), time.Second); err == nil {
		c.Close()
		t.Error("the listener accepts after Close")
	}
}
