package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"precinct"
	"precinct/dispatch/live/peers"
	phttp "precinct/http"
	"precinct/sqldb"
)

// engines runs a benchmark on the embedded store and, when configured, on
// PostgreSQL with an external NATS.
func engines(b *testing.B, fn func(b *testing.B, m *Main)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, startMain(b, nil)) })
	b.Run("postgres", func(b *testing.B) {
		pg, nu := os.Getenv("PRECINCT_TEST_POSTGRES"), os.Getenv("PRECINCT_TEST_NATS")
		if pg == "" || nu == "" {
			b.Skip("PRECINCT_TEST_POSTGRES or PRECINCT_TEST_NATS not set")
		}
		dsn, drop, err := sqldb.NewSchema(context.Background(), pg, "precinct_bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = drop() })
		fn(b, startMain(b, func(c *Config) { c.DB, c.NATS = dsn, nu }))
	})
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

// BenchmarkIntake posts incidents at 100 per second and measures the
// acknowledgement latency and how long the incident.created event takes to
// reach two consoles — the command centre's and the station's — after it.
func BenchmarkIntake(b *testing.B) {
	engines(b, func(b *testing.B, m *Main) {
		base := m.HTTP.URL()
		admin := login(b, base, "admin", testAdminPassword)
		c := login(b, base, "dispatcher", testDemoPassword)
		var st precinct.Station
		sts := listAll[*precinct.Station](admin, "/api/v1/stations")
		st = *sts[0]
		var cmd *precinct.User
		for _, u := range listAll[*precinct.User](admin, "/api/v1/users") {
			if u.Role == precinct.RoleCommand && u.Scope.StationID == st.ID {
				cmd = u
			}
		}
		station := login(b, base, cmd.Username, testDemoPassword)
		feeds := []*sseFeed{openFeed(b, c), openFeed(b, station)}
		var acks, delivery []time.Duration
		tick := time.NewTicker(10 * time.Millisecond) // 100 incidents/s
		defer tick.Stop()
		body := map[string]any{"source": "call_110", "category": "dispute", "place_type": "village", "location": st.Location, "priority": 2}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			<-tick.C
			var inc precinct.Incident
			start := time.Now()
			if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
				b.Fatalf("intake: %d", code)
			}
			acked := time.Now()
			acks = append(acks, acked.Sub(start))
			for _, f := range feeds {
				deadline := time.After(5 * time.Second)
			wait:
				for {
					select {
					case e := <-f.events:
						if e.EntityID == inc.ID && e.Type == "incident.created" {
							delivery = append(delivery, time.Since(acked))
							break wait
						}
					case <-deadline:
						b.Fatal("event not delivered within 5 s")
					}
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(percentile(acks, 0.5).Microseconds())/1000, "ack-p50-ms")
		b.ReportMetric(float64(percentile(acks, 0.99).Microseconds())/1000, "ack-p99-ms")
		b.ReportMetric(float64(percentile(delivery, 0.99).Microseconds())/1000, "sse-p99-ms")
		b.ReportMetric(float64(percentile(delivery, 1).Microseconds())/1000, "sse-max-ms")
	})
}

// BenchmarkPositionsHTTP sends batches of 1,000 positions through the HTTP
// endpoint, stored for trajectories and moved in the live index. On SQLite
// the peer then writes the same batches, in the same run, to a SQLite file
// of its own as a skilled user would: a table with a unique index on unit
// and time, one prepared 1,000-row INSERT … ON CONFLICT DO NOTHING in key
// order, one transaction per batch, the server's pragmas and durability —
// no HTTP, no checks, no live index. server/peer is the ratio of their
// throughputs.
//
//	go test ./cmd/precinct -run '^$' -bench PositionsHTTP -benchtime 200x
func BenchmarkPositionsHTTP(b *testing.B) {
	engines(b, func(b *testing.B, m *Main) {
		base := m.HTTP.URL()
		admin := login(b, base, "admin", testAdminPassword)
		units := listAll[*precinct.Unit](admin, "/api/v1/units")
		const batch = 1000
		var peer *positionsPeer
		if m.Config.DB == "" {
			peer = newPositionsPeer(b, batch)
		}
		// The devices' JSON is made before the timing: the server's
		// throughput is measured, not the client's encoder.
		t0 := time.Now().Add(-time.Hour)
		batches := make([][]precinct.Position, b.N)
		bodies := make([][]byte, b.N)
		for i := range batches {
			ps := make([]precinct.Position, batch)
			for j := range ps {
				u := units[(i*batch+j)%len(units)]
				ps[j] = precinct.Position{UnitID: u.ID, Point: u.Position, At: t0.Add(time.Duration(i*batch+j) * time.Millisecond)}
			}
			body, err := json.Marshal(map[string]any{"positions": ps})
			if err != nil {
				b.Fatal(err)
			}
			batches[i], bodies[i] = ps, body
		}
		b.ResetTimer()
		start := time.Now()
		for _, body := range bodies {
			if code, _ := admin.raw("POST", "/api/v1/positions", body, nil); code != 202 {
				b.Fatalf("positions: %d", code)
			}
		}
		rate := float64(b.N*batch) / time.Since(start).Seconds()
		b.StopTimer()
		b.ReportMetric(rate, "positions/s")
		if peer != nil {
			start := time.Now()
			for _, ps := range batches {
				peer.save(b, ps)
			}
			peerRate := float64(b.N*batch) / time.Since(start).Seconds()
			b.ReportMetric(peerRate, "peer-positions/s")
			b.ReportMetric(rate/peerRate, "server/peer")
		}
	})
}

// positionsPeer is the SQLite peer of BenchmarkPositionsHTTP.
type positionsPeer struct {
	db     *sql.DB
	insert *sql.Stmt
	args   []any
	order  []int
}

func newPositionsPeer(b *testing.B, batch int) *positionsPeer {
	path := filepath.Join(b.TempDir(), "peer.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)"+
		"&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(10000)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	// A table by rowid (appended to) with a unique index on (unit, time)
	// wrote faster than one table keyed by (unit, time) WITHOUT ROWID,
	// whose leaves hold whole rows, a third as many as an index page.
	for _, stmt := range []string{
		`CREATE TABLE positions (unit_id TEXT NOT NULL, at INTEGER NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
			speed_mps REAL NOT NULL DEFAULT 0, heading REAL NOT NULL DEFAULT 0, flag TEXT NOT NULL DEFAULT '')`,
		`CREATE UNIQUE INDEX positions_unit_at ON positions (unit_id, at)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			b.Fatal(err)
		}
	}
	insert, err := db.Prepare(`INSERT INTO positions (unit_id, at, lon, lat, speed_mps, heading, flag) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", batch), ", ") + ` ON CONFLICT (unit_id, at) DO NOTHING`)
	if err != nil {
		b.Fatal(err)
	}
	return &positionsPeer{db: db, insert: insert, args: make([]any, 0, 7*batch), order: make([]int, batch)}
}

// save writes one batch in one transaction.
func (p *positionsPeer) save(b *testing.B, ps []precinct.Position) {
	for i := range p.order {
		p.order[i] = i
	}
	slices.SortFunc(p.order, func(x, y int) int {
		if c := strings.Compare(ps[x].UnitID, ps[y].UnitID); c != 0 {
			return c
		}
		return ps[x].At.Compare(ps[y].At)
	})
	p.args = p.args[:0]
	for _, i := range p.order {
		q := &ps[i]
		p.args = append(p.args, q.UnitID, q.At.UnixMicro(), q.Point.Lon, q.Point.Lat, q.SpeedMPS, q.Heading, string(q.Flag))
	}
	tx, err := p.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Stmt(p.insert).Exec(p.args...); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRecommendHTTP asks for incidents' recommendations over HTTP, as
// the console does: authenticated, the incident and rules read as the
// server reads them, the units from the live index, the answer in JSON.
// The demo runs with its own 320 units, and with 20,000 loaded through the
// real import path (the jurisdiction importer reading the demo's folder,
// with --demo-units, then the index filled from the store at start),
// 64 incidents near the stations cycled, k = 5 with the route's kinds and
// stations. Beside the server, in the same run, the tuned Redis design
// answers the same incidents' queries over loopback: one pipelined round
// trip of GEOSEARCH … COUNT 5 over a geo set per (kind, status, station).
// The server is asked through a client as lean as the peer's (http), and
// through net/http's Client (http-net-client); server-stages times the
// server's stages in process and http-floor-healthz what net/http costs.
//
//	go test ./cmd/precinct -run '^$' -bench 'RecommendHTTP/.*units=20000'
func BenchmarkRecommendHTTP(b *testing.B) {
	for _, units := range []int{320, 20000} {
		name := fmt.Sprintf("units=%d", units)
		b.Run("sqlite-"+name, func(b *testing.B) {
			recommendHTTP(b, startMain(b, func(c *Config) { c.DemoUnits = units }))
		})
		b.Run("postgres-"+name, func(b *testing.B) {
			pg, nu := os.Getenv("PRECINCT_TEST_POSTGRES"), os.Getenv("PRECINCT_TEST_NATS")
			if pg == "" || nu == "" {
				b.Skip("PRECINCT_TEST_POSTGRES or PRECINCT_TEST_NATS not set")
			}
			dsn, drop, err := sqldb.NewSchema(context.Background(), pg, "precinct_bench")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = drop() })
			recommendHTTP(b, startMain(b, func(c *Config) { c.DB, c.NATS, c.DemoUnits = dsn, nu, units }))
		})
	}
}

// recommendHTTP measures the server m and the Redis peer on the same
// incidents; the peer reports its figures and the server's ratio to them.
func recommendHTTP(b *testing.B, m *Main) {
	ctx := context.Background()
	c := login(b, m.HTTP.URL(), "dispatcher", testDemoPassword)
	sts := listAll[*precinct.Station](c, "/api/v1/stations")
	rng := rand.New(rand.NewPCG(1, 2))
	type incident struct {
		id    string
		point precinct.Point
		route precinct.Route
	}
	var incs []incident
	for i := range 64 {
		s := sts[i%len(sts)].Location
		p := precinct.Point{Lon: s.Lon + rng.NormFloat64()*0.005, Lat: s.Lat + rng.NormFloat64()*0.005}
		var inc precinct.Incident
		// Priority 3: one wave, five candidates.
		code, body := c.raw("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "dispute", "place_type": "street",
			"location": p, "priority": 3}, nil)
		if code == 400 { // outside the district: at the station itself
			code, body = c.raw("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "dispute", "place_type": "street",
				"location": s, "priority": 3}, nil)
		}
		if code != 201 || json.Unmarshal(body, &inc) != nil {
			b.Fatalf("intake: %d %s", code, body)
		}
		incs = append(incs, incident{inc.ID, inc.Point, inc.Route})
	}
	var rec precinct.Recommendation
	if code := c.do("GET", "/api/v1/incidents/"+incs[0].id+"/recommendations", nil, &rec); code != 200 || len(rec.Candidates) != 5 {
		b.Fatalf("recommendations: %d, %d candidates", code, len(rec.Candidates))
	}
	var lat []time.Duration
	// The client is as lean as the Redis peer's: one keep-alive connection
	// used synchronously by the caller (go-redis writes and reads on the
	// caller's goroutine), the requests written once, each response parsed
	// by net/http and its body read to the end.
	b.Run("http", func(b *testing.B) {
		hc := dialHTTP(b, m.HTTP.URL(), c.token)
		reqs := make([][]byte, len(incs))
		for i, inc := range incs {
			reqs[i] = hc.request("GET", "/api/v1/incidents/"+inc.id+"/recommendations")
		}
		lat = make([]time.Duration, 0, timedOps)
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			if code := hc.do(reqs[i%len(reqs)]); code != 200 {
				b.Fatalf("recommendations: %d %s", code, hc.body)
			}
			lat = append(lat, time.Since(start))
		}
		reportMS(b, lat)
	})
	// Where a request's time goes in the server, stage by stage, timed in
	// process on the same incidents: authentication (the session cache),
	// the service's recommendation (reading the incident, its scope, the
	// rules, the search and ranking) and the JSON. The rest of a request's
	// time over HTTP is net/http's and the kernel's: see the floor below.
	b.Run("server-stages", func(b *testing.B) {
		var auth, serve, encode []time.Duration
		buf := make([]byte, 0, 16<<10)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			u, err := m.Auth.Authenticate(ctx, c.token)
			t1 := time.Now()
			if err != nil {
				b.Fatal(err)
			}
			rec, err := m.Dispatch.Recommend(precinct.NewContextWithUser(ctx, u), incs[i%len(incs)].id)
			t2 := time.Now()
			if err != nil {
				b.Fatal(err)
			}
			buf = phttp.AppendRecommendation(buf[:0], rec)
			t3 := time.Now()
			auth, serve, encode = append(auth, t1.Sub(t0)), append(serve, t2.Sub(t1)), append(encode, t3.Sub(t2))
		}
		us := func(ds []time.Duration, p float64) float64 { return float64(percentile(ds, p).Nanoseconds()) / 1000 }
		b.ReportMetric(us(auth, 0.5), "auth-p50-µs")
		b.ReportMetric(us(serve, 0.5), "recommend-p50-µs")
		b.ReportMetric(us(serve, 0.99), "recommend-p99-µs")
		b.ReportMetric(us(encode, 0.5), "json-p50-µs")
	})
	// The floor: GET /healthz (no authentication, a constant answer)
	// through the same client and server, so that what the server's
	// net/http costs is seen apart from the recommendation.
	b.Run("http-floor-healthz", func(b *testing.B) {
		hc := dialHTTP(b, m.HTTP.URL(), c.token)
		req := hc.request("GET", "/healthz")
		ds := make([]time.Duration, 0, timedOps)
		for b.Loop() {
			start := time.Now()
			if code := hc.do(req); code != 200 {
				b.Fatalf("healthz: %d", code)
			}
			ds = append(ds, time.Since(start))
		}
		reportMS(b, ds)
	})
	// The same through net/http's Client (its connection's reader and
	// writer goroutines add two hand-offs a request), for comparison.
	b.Run("http-net-client", func(b *testing.B) {
		ds := make([]time.Duration, 0, timedOps)
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			if code, _ := c.raw("GET", "/api/v1/incidents/"+incs[i%len(incs)].id+"/recommendations", nil, nil); code != 200 {
				b.Fatalf("recommendations: %d", code)
			}
			ds = append(ds, time.Since(start))
		}
		reportMS(b, ds)
	})
	b.Run("redis-tuned", func(b *testing.B) {
		peer := peers.NewRedis(redisPeerClient(b), "precinct:bench:http")
		var units []*precinct.Unit
		for cursor := ""; ; {
			page, next, err := m.Store.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			units = append(units, page...)
			if cursor = next; cursor == "" {
				break
			}
		}
		if err := peer.Load(ctx, units); err != nil {
			b.Fatal(err)
		}
		defer peer.Clear(ctx)
		ds := make([]time.Duration, 0, timedOps)
		for i := 0; b.Loop(); i++ {
			inc := incs[i%len(incs)]
			owners := inc.route.StationIDs
			if inc.route.ServiceStationID != "" {
				owners = append(slices.Clip(owners), inc.route.ServiceStationID)
			}
			start := time.Now()
			hits, err := peer.Nearest(ctx, inc.point, 5, inc.route.UnitKinds, owners, 20)
			ds = append(ds, time.Since(start))
			if err != nil || len(hits) == 0 {
				b.Fatalf("peer: %d hits, %v", len(hits), err)
			}
		}
		p50, p99 := reportMS(b, ds)
		if len(lat) > 0 {
			h50, h99 := percentile(lat, 0.5), percentile(lat, 0.99)
			b.ReportMetric(float64(h50)/float64(p50), "http-p50-x-peer")
			b.ReportMetric(float64(h99)/float64(p99), "http-p99-x-peer")
		}
	})
}

// httpConn is one keep-alive HTTP/1.1 connection used synchronously.
type httpConn struct {
	b     *testing.B
	conn  net.Conn
	r     *bufio.Reader
	host  string
	token string
	body  []byte // the last response's body
}

// dialHTTP connects to base.
func dialHTTP(b *testing.B, base, token string) *httpConn {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return &httpConn{b: b, conn: conn, r: bufio.NewReaderSize(conn, 64<<10), host: u.Host, token: token}
}

// request returns the bytes of a request without a body.
func (h *httpConn) request(method, path string) []byte {
	return []byte(method + " " + path + " HTTP/1.1\r\nHost: " + h.host + "\r\nAuthorization: Bearer " + h.token +
		"\r\nAccept: application/json\r\n\r\n")
}

// do sends req and reads the whole response; it returns the status.
func (h *httpConn) do(req []byte) int {
	if _, err := h.conn.Write(req); err != nil {
		h.b.Fatal(err)
	}
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil {
		h.b.Fatal(err)
	}
	h.body = h.body[:0]
	for {
		if len(h.body) == cap(h.body) {
			h.body = append(h.body, 0)[:len(h.body)]
		}
		n, err := resp.Body.Read(h.body[len(h.body):cap(h.body)])
		h.body = h.body[:len(h.body)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			h.b.Fatal(err)
		}
	}
	resp.Body.Close()
	return resp.StatusCode
}

// reportMS reports the median and 99th percentile of ds in milliseconds.
func reportMS(b *testing.B, ds []time.Duration) (p50, p99 time.Duration) {
	p50, p99 = percentile(ds, 0.5), percentile(ds, 0.99)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	return p50, p99
}

// redisPeerClient connects to PRECINCT_TEST_REDIS (host:port); it skips
// without it.
func redisPeerClient(b *testing.B) *redis.Client {
	addr := os.Getenv("PRECINCT_TEST_REDIS")
	if addr == "" {
		b.Skip("PRECINCT_TEST_REDIS is not set: no Redis peer")
	}
	opts := &redis.Options{Addr: addr}
	if strings.Contains(addr, "://") {
		var err error
		if opts, err = redis.ParseURL(addr); err != nil {
			b.Fatal(err)
		}
	}
	rdb := redis.NewClient(opts)
	b.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		b.Fatal(err)
	}
	return rdb
}

// BenchmarkDemoStart starts `serve --demo` on an empty data directory, as
// a user gets it (the default days of demo history, seeded in the
// background): s/start until it accepts requests, s/ready until /readyz
// answers 200 with the past in.
func BenchmarkDemoStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m := startMain(b, func(c *Config) {
			c.DemoHistoryDays, c.DemoPastInBackground = DefaultConfig().DemoHistoryDays, true
		})
		b.ReportMetric(time.Since(start).Seconds(), "s/start")
		for {
			resp, err := http.Get(m.HTTP.URL() + "/readyz")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/ready")
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		m.HTTP, m.Bus, m.Store, m.cancel = nil, nil, nil, nil
	}
}

// BenchmarkGeocodeHTTP asks GET /api/v1/geocode over loopback, as outside
// checks do, cycling through queries of the demo's names: whole station
// names, their first two characters, and pinyin initials. The peer, timed
// in the same loop on the same server, is GET /api/v1/me (authentication
// and the JSON answer without a search): the ratio of the p99s is what the
// search adds. Target: p99 under 20 ms.
func BenchmarkGeocodeHTTP(b *testing.B) {
	m := startMain(b, nil)
	c := login(b, m.HTTP.URL(), "dispatcher", testDemoPassword)
	var qs []string
	for _, st := range listAll[*precinct.Station](c, "/api/v1/stations") {
		r := []rune(st.Name)
		qs = append(qs, st.Name, string(r[:min(2, len(r))]))
	}
	qs = append(qs, "pcs", "xhdd", "cdpcs", "jw", "派出所", "大道", "路")
	var got struct {
		Items []json.RawMessage `json:"items"`
	}
	if code := c.do("GET", "/api/v1/geocode?q="+url.QueryEscape(qs[0]), nil, &got); code != 200 || len(got.Items) == 0 {
		b.Fatalf("geocode %q: %d, %d items", qs[0], code, len(got.Items))
	}
	var search, peer []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if code := c.do("GET", "/api/v1/geocode?q="+url.QueryEscape(qs[i%len(qs)]), nil, nil); code != 200 {
			b.Fatalf("geocode: %d", code)
		}
		search = append(search, time.Since(start))
		start = time.Now()
		if code := c.do("GET", "/api/v1/me", nil, nil); code != 200 {
			b.Fatalf("me: %d", code)
		}
		peer = append(peer, time.Since(start))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p99 := percentile(search, 0.99)
	b.ReportMetric(ms(percentile(search, 0.5)), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(percentile(peer, 0.99)), "peer-me-p99-ms")
	b.ReportMetric(ms(p99)/max(ms(percentile(peer, 0.99)), 0.001), "p99/peer")
}

// timedOps is the capacity of a benchmark's buffer of latencies. b.N is 1
// until b.Loop starts, so a buffer sized by it grew during the run, and its
// garbage set off collections inside the timings.
const timedOps = 1 << 17
