package http

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"precinct"
	"precinct/auth"
	"precinct/gridloop"
	"precinct/mediation"
	"precinct/prevention"
)

// Pinger is what the readiness check asks of the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the HTTP server of one Precinct node: it parses requests, calls
// the services (which check the caller's role and jurisdiction) and writes
// their answers. Set the fields, then Open.
type Server struct {
	Addr string
	Auth *auth.Service
	Org  precinct.OrgService
	// OrgAdmin edits the organisation (the organisation administrator's).
	OrgAdmin  precinct.OrgAdminService
	Units     precinct.UnitService
	Incidents precinct.IncidentService
	Positions precinct.PositionService
	Rules     precinct.RuleService
	KPIs      precinct.KPIService
	// Duty runs rosters, roll calls, check-ins and the rest of duty.
	Duty precinct.DutyService
	// Feed filters the event stream by each entity type's read rule.
	Feed EventFeed
	Bus  precinct.EventBus
	// Database answers the readiness check; the server reads and writes
	// nothing through it.
	Database Pinger
	Resolver precinct.Resolver
	Clock    precinct.Clock
	// Assets holds the console (index.html, screen.html, app.html, static/…).
	Assets fs.FS
	Logger *slog.Logger
	// Stats answers incident statistics.
	Stats precinct.StatsService
	// StatsExport builds statistics files (.xlsx, CSV).
	StatsExport precinct.StatsExportService
	// Tiles draws the maps' street tiles.
	Tiles precinct.TileService
	// Geocode answers address searches.
	Geocode precinct.GeocodeService
	// Registry is the registry of addresses, residents, houses,
	// organisations and visits (一标三实).
	Registry precinct.RegistryService
	// Performance and PerformanceExport answer the monthly performance
	// list (绩效清单) and its files.
	Performance       precinct.PerformanceService
	PerformanceExport precinct.PerformanceExportService
	// Live, if set, lets event streams follow unit positions (?positions=1).
	Live LiveUnits
	// GridLoop, Disputes and Tasks serve the grid whistle loop and
	// Open311, disputes and mediation, and the daily tasks.
	GridLoop *gridloop.Service
	Disputes *mediation.Service
	Tasks    precinct.TaskService
	// Prevention serves anti-fraud warnings, dissuasion tasks and the
	// records of prevention work.
	Prevention *prevention.Service
	// Ready is an optional extra readiness check for /readyz, besides the
	// store and the bus.
	Ready func(ctx context.Context) error

	ln       net.Listener
	lane     *lane
	srv      *http.Server
	handler  http.Handler
	routes   []string
	metrics  *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	streams  sync.WaitGroup
	closing  chan struct{}
	once     sync.Once
	close    sync.Once
}

// route is one API endpoint; public routes need no token.
type route struct {
	pattern string
	public  bool
	handle  func(http.ResponseWriter, *http.Request) error
}

// table is every API route: each context's file lists its own routes, and a
// new context adds its list here.
func (s *Server) table() []route {
	return slices.Concat(
		s.systemRoutes(),
		s.orgRoutes(), s.orgAdminRoutes(),
		s.unitRoutes(),
		s.incidentRoutes(),
		s.dutyRoutes(),
		s.tileRoutes(),
		s.geocodeRoutes(),
		s.gridLoopRoutes(), s.mediationRoutes(), s.taskRoutes(), s.open311Routes(),
		s.registryRoutes(),
		s.preventionRoutes(), s.preventionWorkRoutes(),
		s.performanceRoutes(),
	)
}

// systemRoutes are the routes of sessions, the event stream, audit, users,
// the API document and health.
func (s *Server) systemRoutes() []route {
	return []route{
		{"POST /api/v1/auth/login", true, s.handleLogin},
		{"POST /api/v1/auth/logout", false, s.handleLogout},
		{"GET /api/v1/me", false, s.handleMe},
		{"GET /api/v1/stream", false, s.handleStream},
		{"GET /api/v1/audit", false, s.handleAudit},
		{"GET /api/v1/users", false, s.handleUsers},
		{"GET /api/v1/openapi.json", true, s.handleOpenAPI},
		{"GET /healthz", true, s.handleHealth},
		{"GET /readyz", true, s.handleReady},
	}
}

// Routes returns the method and path of every API route, e.g.
// "GET /api/v1/stations/{id}" (for the OpenAPI test).
func (s *Server) Routes() []string {
	s.build()
	return append([]string(nil), s.routes...)
}

// Handler returns the server's handler (for tests with httptest).
func (s *Server) Handler() http.Handler {
	s.build()
	return s.handler
}

func (s *Server) build() {
	s.once.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.Clock == nil {
			s.Clock = precinct.SystemClock{}
		}
		s.closing = make(chan struct{})
		s.metrics = prometheus.NewRegistry()
		s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "precinct_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
		s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "precinct_http_request_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}}, []string{"route", "code"})
		s.metrics.MustRegister(s.requests, s.latency)

		mux := http.NewServeMux()
		for _, rt := range s.table() {
			s.routes = append(s.routes, rt.pattern)
			mux.Handle(rt.pattern, s.wrap(rt))
		}
		s.routes = append(s.routes, "GET /metrics")
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{Registry: s.metrics}))
		// Everything else under /api/ answers in the API's JSON error shape:
		// 405 with Allow for a known path and another method, else 404.
		mux.Handle("/api/", s.wrap(route{pattern: "/api/", public: true, handle: func(w http.ResponseWriter, r *http.Request) error {
			return s.unrouted(mux, w, r)
		}}))
		if s.Assets != nil {
			s.mountAssets(mux)
		}
		s.handler = securityHeaders(mux)
	})
}

// wrap adds recovery, authentication, metrics, request logging and error
// writing to a route.
func (s *Server) wrap(rt route) http.Handler {
	label := rt.pattern
	// The metrics of a successful request, looked up once (by label values,
	// a hash and a map under a lock) on the first, not on every request.
	var ok200 atomic.Pointer[routeMetrics]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		var u *precinct.User
		defer func() {
			if p := recover(); p != nil {
				s.Logger.Error("panic", "route", label, "panic", p, "stack", string(debug.Stack()))
				if !rec.wrote {
					writeError(rec, r, nil, precinct.Errorf(precinct.EINTERNAL, "内部错误", "Internal error."))
				}
			}
			elapsed := time.Since(start)
			if rec.status == http.StatusOK {
				m := ok200.Load()
				if m == nil {
					m = &routeMetrics{s.requests.WithLabelValues(label, "200"), s.latency.WithLabelValues(label, "200")}
					ok200.Store(m)
				}
				m.requests.Inc()
				m.latency.Observe(elapsed.Seconds())
			} else {
				code := strconv.Itoa(rec.status)
				s.requests.WithLabelValues(label, code).Inc()
				s.latency.WithLabelValues(label, code).Observe(elapsed.Seconds())
			}
			s.logRequest(r, label, rec.status, elapsed, u)
		}()
		if !rt.public {
			var err error
			u, err = s.authenticate(r, rt.pattern == "GET /api/v1/stream")
			if err != nil {
				writeError(rec, r, s.Logger, err)
				return
			}
			r = r.WithContext(precinct.NewContextWithUser(r.Context(), u))
		}
		if err := rt.handle(rec, r); err != nil {
			writeError(rec, r, s.Logger, err)
		}
	})
}

// logRequest writes one log line per request: server errors as errors,
// successful reads and position reports (the bulk) at debug level, the rest
// (writes, refusals) as info.
func (s *Server) logRequest(r *http.Request, route string, status int, elapsed time.Duration, u *precinct.User) {
	level := slog.LevelInfo
	switch {
	case route == "GET /readyz": // a 503 is an answer, and its checks log why
		level = slog.LevelDebug
	case status >= 500:
		level = slog.LevelError
	case status < 400 && (r.Method == http.MethodGet || route == "POST /api/v1/positions"):
		level = slog.LevelDebug
	}
	ctx := r.Context()
	if !s.Logger.Enabled(ctx, level) {
		return
	}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	s.Logger.LogAttrs(ctx, level, "http request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("route", route), slog.Int("status", status), slog.Duration("elapsed", elapsed),
		slog.String("user", userID), slog.String("addr", clientAddr(r)))
}

// authenticate reads the bearer token (or, for the stream, ?access_token=).
func (s *Server) authenticate(r *http.Request, queryToken bool) (*precinct.User, error) {
	token := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	} else if queryToken {
		token = r.URL.Query().Get("access_token")
	}
	return s.Auth.Authenticate(r.Context(), token)
}

// routeMetrics are the metrics of one route and status.
type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// statusRecorder remembers the status of a response for metrics and logs.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush lets SSE flush through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

var (
	headerNoSniff    = []string{"nosniff"}
	headerSameOrigin = []string{"same-origin"}
	headerDeny       = []string{"DENY"}
	headerCSP        = []string{"default-src 'self'; img-src 'self' data: blob: http: https:; style-src 'self' 'unsafe-inline'; connect-src 'self'; worker-src 'self'; manifest-src 'self'"}
)

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The values are shared by every response (net/http only reads
		// them; Set and Add replace or copy a slice, never write into it).
		h := w.Header()
		h["X-Content-Type-Options"] = headerNoSniff
		h["Referrer-Policy"] = headerSameOrigin
		h["X-Frame-Options"] = headerDeny
		h["Content-Security-Policy"] = headerCSP
		next.ServeHTTP(w, r)
	})
}

// mountAssets serves the console pages and their static files.
func (s *Server) mountAssets(mux *http.ServeMux) {
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := fs.ReadFile(s.Assets, name)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(b)
		}
	}
	mux.HandleFunc("GET /{$}", page("index.html"))
	mux.HandleFunc("GET /screen", page("screen.html"))
	mux.HandleFunc("GET /app", page("app.html"))
	files := http.FileServerFS(s.Assets)
	mux.Handle("GET /static/", noListing(files))
	for _, name := range []string{"sw.js", "manifest.webmanifest", "favicon.ico"} {
		if _, err := fs.Stat(s.Assets, name); err == nil {
			mux.Handle("GET /"+name, files)
		}
	}
}

// unrouted answers a request under /api/ that no route takes: 405 naming
// the allowed methods when the path exists with other methods, else 404.
func (s *Server) unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return precinct.Errorf(EMETHOD, "此地址不支持 %s 方法，可用：%s", "Method %s is not allowed here; use %s.", r.Method, strings.Join(allow, ", "))
	}
	return precinct.Errorf(precinct.ENOTFOUND, "接口不存在：%s %s", "No such endpoint: %s %s", r.Method, r.URL.Path)
}

// noListing refuses directory paths, so that a folder of static files is
// never listed.
func noListing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Open starts listening on Addr and serving in the background.
func (s *Server) Open() error {
	s.build()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	// The lane answers a connection while its requests are to the lane's
	// routes; net/http serves every connection the lane hands on.
	const headerTimeout = 10 * time.Second
	s.lane = newLane(s.handler, s.Logger, headerTimeout)
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: headerTimeout, ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn)}
	serve := func(serve func() error) {
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server", "err", err)
		}
	}
	go serve(func() error { return s.lane.serve(ln) })
	go serve(func() error { return s.srv.Serve(s.lane.listener(ln.Addr())) })
	return nil
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Port returns the port the server listens on.
func (s *Server) Port() int {
	if s.ln == nil {
		return 0
	}
	return s.ln.Addr().(*net.TCPAddr).Port
}

// Close stops accepting requests, ends event streams, and waits up to ten
// seconds for requests in flight. It may be called more than once.
func (s *Server) Close() error {
	s.build()
	var err error
	s.close.Do(func() {
		close(s.closing)
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = errors.Join(s.lane.close(ctx), s.srv.Shutdown(ctx))
		}
		s.streams.Wait()
	})
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "bus": "ok"}
	ready := true
	// The endpoint is public: a failing check says "unavailable" and its
	// error goes to the log, not to whoever asks.
	check := func(name string, level slog.Level, err error) {
		if err != nil {
			s.Logger.Log(ctx, level, "not ready", "check", name, "err", err)
			checks[name], ready = "unavailable", false
		}
	}
	check("database", slog.LevelWarn, s.Database.Ping(ctx))
	if s.Bus == nil {
		checks["bus"], ready = "not configured", false
	} else {
		check("bus", slog.LevelWarn, s.Bus.Ping(ctx))
	}
	if s.Ready != nil {
		// The node's own start-up (the demo's past being seeded, say):
		// expected for a while and polled, not a fault.
		checks["extra"] = "ok"
		check("extra", slog.LevelDebug, s.Ready(ctx))
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ready, "checks": checks})
	return nil
}
