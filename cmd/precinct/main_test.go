package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// Passwords of the test servers' admin and demo users.
const (
	testAdminPassword = "admin-pass-2026"
	testDemoPassword  = "demo-pass-2026"
)

// TestMain lets a test re-execute this binary as the real precinct command:
// with PRECINCT_TEST_EXEC set to a JSON array of arguments, the binary runs
// them through run and exits. Subprocess tests use it to kill a real server.
func TestMain(m *testing.M) {
	if raw := os.Getenv("PRECINCT_TEST_EXEC"); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			panic(err)
		}
		main1(args)
		return
	}
	os.Exit(m.Run())
}

// main1 is main with given arguments.
func main1(args []string) {
	os.Args = append([]string{"precinct"}, args...)
	main()
	os.Exit(0)
}

// startMain runs the real Main with the demo on port :0 in a temporary
// directory, stopped when the test ends.
func startMain(t testing.TB, edit func(*Config)) *Main {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	cfg.DemoMove = false
	cfg.DemoHistoryDays = 0 // tests that want a past ask for it
	cfg.AdminPassword = testAdminPassword
	cfg.DemoPassword = testDemoPassword
	cfg.LogLevel = "warn"
	if edit != nil {
		edit(&cfg)
	}
	m := NewMain(cfg, io.Discard, testWriter{t})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		m.Close()
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// startServer runs a demo server and returns its base URL and the passwords
// of its users: passwords["admin"] for admin, passwords["demo"] for every
// demo user.
func startServer(t *testing.T) (baseURL string, passwords map[string]string) {
	m := startMain(t, nil)
	return m.HTTP.URL(), map[string]string{"admin": testAdminPassword, "demo": testDemoPassword}
}

// testWriter sends log output to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// client is a small API client for end-to-end tests.
type client struct {
	t     testing.TB
	base  string
	token string
}

// login returns a client signed in as username.
func login(t testing.TB, base, username, password string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, &out); code != 200 {
		t.Fatalf("login %s: status %d", username, code)
	}
	if out.Token == "" || out.ExpiresAt.IsZero() {
		t.Fatalf("login %s: no token or expiry", username)
	}
	c.token = out.Token
	return c
}

// do sends a JSON request and decodes a JSON response into out (if not nil).
// body may be a string of raw JSON.
func (c *client) do(method, path string, body, out any) int {
	c.t.Helper()
	code, raw := c.raw(method, path, body, nil)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return code
}

// raw sends a request and returns the status and body.
func (c *client) raw(method, path string, body any, header http.Header) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// apiError is the error body of the API.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageEN string `json:"message_en"`
		Field     string `json:"field"`
	} `json:"error"`
}
