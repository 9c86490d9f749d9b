package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/demo"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/feed"
	"precinct/geo"
	"precinct/geocode"
	"precinct/gridloop"
	phttp "precinct/http"
	"precinct/jurisdiction"
	"precinct/mediation"
	"precinct/natsbus"
	"precinct/org"
	"precinct/prevention"
	"precinct/registry"
	"precinct/report"
	"precinct/routing"
	"precinct/sim"
	"precinct/sqldb"
	"precinct/streets"
	"precinct/tasks"
	"precinct/web"
	"precinct/workflow"
)

// Main is one running Precinct node: its store, bus, services and HTTP server.
// Open starts it; Close stops it cleanly. Tests run the same Main on port :0.
type Main struct {
	Config Config
	Clock  precinct.Clock
	Logger *slog.Logger

	Store    *sqldb.DB
	Bus      *natsbus.Bus
	Relay    *natsbus.Relay
	Auth     *auth.Service
	Dispatch *dispatch.Service
	Duty     *duty.Service
	// Shifts makes the roster drive this node's live index.
	Shifts   *duty.Scheduler
	Work     *workflow.Engine
	GridLoop *gridloop.Service
	Disputes *mediation.Service
	// Prevention: anti-fraud warnings and prevention work.
	Prevention *prevention.Service
	Tasks      *tasks.Service
	Registry   *registry.Service
	HTTP       *phttp.Server
	// Resolver locates points; it follows organisation changes (followOrg).
	Resolver *geo.Current
	// Streets are the streets and places of imported road data, or nil.
	Streets *streets.Map

	// Passwords generated at first start, kept for tests (never logged again).
	AdminPassword string
	DemoPassword  string

	// demoSeeded is the demo jurisdiction when this start seeded it, for
	// the registry to be seeded once the registry service is open.
	demoSeeded *precinct.Jurisdiction

	stdout io.Writer
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewMain returns a Main for cfg that prints first-start notices to stdout and
// logs to stderr.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return &Main{
		Config: cfg,
		Clock:  precinct.SystemClock{},
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		stdout: stdout,
	}
}

// systemContext is the context of work the node does on its own (seeding the
// demo, moving demo units, relaying events).
func systemContext(ctx context.Context) context.Context {
	return precinct.NewContextWithUser(ctx, &precinct.User{ID: "system", Username: "system", Role: precinct.RoleAdmin})
}

// Open opens the store and the bus, seeds what a first start needs, and starts
// serving. It returns once the server accepts connections.
func (m *Main) Open(ctx context.Context) (err error) {
	start := time.Now()
	cfg := m.Config
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	sys := systemContext(runCtx)

	dsn := cfg.DB
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "precinct.db")
	}
	if m.Store, err = sqldb.Open(ctx, dsn, sqldb.Options{Clock: m.Clock}); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if m.Bus, err = natsbus.Open(ctx, natsbus.Config{URL: cfg.NATS, DataDir: cfg.DataDir, Name: "precinct", Logger: m.Logger}); err != nil {
		return fmt.Errorf("open bus: %w", err)
	}
	m.Relay = &natsbus.Relay{Events: m.Store, Bus: m.Bus, Logger: m.Logger}
	m.goRun(func() error { return m.Relay.Run(runCtx) })

	m.Auth = &auth.Service{Users: m.Store, Clock: m.Clock, Revocations: revocations{m.Bus, m.Logger}}
	if _, err := m.Bus.SubscribeRevoked(runCtx, m.Auth.Forget); err != nil {
		return fmt.Errorf("session revocations: %w", err)
	}
	if err := m.ensureAdmin(sys); err != nil {
		return err
	}
	if cfg.Demo {
		if err := m.seedDemo(sys); err != nil {
			return err
		}
	}

	built, err := m.buildResolver(sys)
	if err != nil {
		return err
	}
	// The resolver in force is replaced whole when the organisation changes.
	resolver := geo.NewCurrent(built)
	m.Resolver = resolver
	router, err := m.loadRouter()
	if err != nil {
		return err
	}
	m.Dispatch = &dispatch.Service{
		Store:    m.Store,
		Resolver: resolver,
		Router:   router,
		Clock:    m.Clock,
		Notify:   m.Relay.Notify,
	}
	m.Dispatch.Live = dispatch.NewIndex(m.Clock, cfg.StaleAfter)
	if err := m.Dispatch.LoadUnits(sys); err != nil {
		return fmt.Errorf("load units: %w", err)
	}
	// An incident changed on any node is read again for its next
	// recommendation.
	if _, err := m.Bus.Subscribe(runCtx, precinct.SubjectPrefix+".*.*.incident.>", m.Dispatch.IncidentChanged); err != nil {
		return fmt.Errorf("incident events: %w", err)
	}

	if m.Streets, err = m.loadStreets(sys); err != nil {
		return err
	}
	if err := m.openRegistry(resolver); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if m.demoSeeded != nil {
		if err := m.seedRegistry(sys, m.demoSeeded); err != nil {
			return fmt.Errorf("demo registry: %w", err)
		}
	}
	if err := m.openWork(runCtx, resolver); err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	past := m.demoSeeded != nil && cfg.DemoHistoryDays > 0
	if past && !cfg.DemoPastInBackground {
		if err := m.seedPast(sys); err != nil {
			return err
		}
	}
	if err := m.startDuty(runCtx, sys); err != nil {
		return err
	}
	if err := m.followOrg(runCtx, sys); err != nil {
		return err
	}

	positions := &livePositions{PositionService: m.Dispatch, Feed: m.Bus, Live: m.Dispatch.Live, Logger: m.Logger}
	if err := positions.Start(runCtx, sys); err != nil {
		return fmt.Errorf("position feed: %w", err)
	}
	perf := m.performance()
	m.HTTP = &phttp.Server{
		Addr:        cfg.Addr,
		Database:    m.Store,
		Auth:        m.Auth,
		Org:         &org.Service{Store: m.Store, Resolver: resolver, Clock: m.Clock},
		OrgAdmin:    &org.Admin{Store: m.Store, Clock: m.Clock, HashPassword: auth.HashPassword, Notify: m.Relay.Notify},
		Units:       m.Dispatch,
		Incidents:   m.Dispatch,
		Positions:   positions,
		Rules:       m.Dispatch,
		KPIs:        m.Dispatch,
		Stats:       &report.Service{Store: m.Store},
		StatsExport: &report.Service{Store: m.Store, Catalog: m.Store, Dispositions: m.Dispatch},
		Tiles:       &streets.Service{Map: m.Streets},
		Geocode:     m.geocoder(),
		Registry:    m.Registry,
		Duty:        m.Duty,
		Performance: perf, PerformanceExport: perf,
		Feed:       feed.New(m.Store, m.Dispatch.UnitVisible, m.Dispatch.EventRules(), m.Work.EventRules(), m.Registry.EventRules(), m.Duty.EventRules(), m.Prevention.EventRules()),
		Bus:        m.Bus,
		Live:       m.Dispatch.Live,
		Resolver:   resolver,
		Clock:      m.Clock,
		Assets:     web.Assets(),
		Logger:     m.Logger,
		GridLoop:   m.GridLoop,
		Disputes:   m.Disputes,
		Tasks:      m.Tasks,
		Prevention: m.Prevention,
	}
	var seeding atomic.Bool // the demo's past is being seeded
	if past && cfg.DemoPastInBackground {
		seeding.Store(true)
		m.HTTP.Ready = func(context.Context) error {
			if seeding.Load() {
				return errors.New("the demo's past is being seeded")
			}
			return nil
		}
	}
	if err := m.HTTP.Open(); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if seeding.Load() {
		fmt.Fprintln(m.stdout, "演示历史数据在后台导入，完成前 /readyz 答 503 / seeding the demo's past in the background; /readyz answers 503 until it is in")
		m.goRun(func() error {
			defer seeding.Store(false)
			return m.seedPast(sys)
		})
	}
	if cfg.Demo && cfg.DemoMove {
		mover := &demo.Mover{Store: m.Store, Positions: positions, Clock: m.Clock, Logger: m.Logger}
		m.goRun(func() error { return mover.Run(sys) })
	}
	m.Logger.Info("precinct ready", "url", m.HTTP.URL(), "db", engineName(cfg.DB), "nats", busName(cfg.NATS), "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(m.stdout, "Precinct 已启动 / is running at %s\n", m.HTTP.URL())
	return nil
}

// startDuty builds the duty service and this node's shift scheduler: it
// sets the live index from the rosters before the node serves, then keeps
// it in step at every shift boundary, and looks again at once when a
// roster or pattern changes here or, by its event on the bus, on another
// node.
func (m *Main) startDuty(ctx, sys context.Context) error {
	m.Duty = &duty.Service{Store: m.Store, Clock: m.Clock, Incidents: m.Dispatch, Notify: m.Relay.Notify, HashPassword: auth.HashPassword,
		Clues: gridClues{Grid: m.GridLoop, Store: m.Store}}
	m.Shifts = &duty.Scheduler{Service: m.Duty, Live: m.Dispatch.Live, Logger: m.Logger}
	m.Duty.Rostered = m.Shifts.Wake
	_, err := m.Bus.Subscribe(ctx, precinct.SubjectPrefix+".*.*.duty.>", func(e *precinct.Event) {
		if strings.HasPrefix(e.Type, "duty.roster.") || strings.HasPrefix(e.Type, "duty.pattern.") || e.Type == "duty.roll_call.created" {
			m.Shifts.Wake()
		}
	})
	if err != nil {
		return fmt.Errorf("duty events: %w", err)
	}
	if _, err := m.Shifts.Tick(sys); err != nil {
		return fmt.Errorf("shifts: %w", err)
	}
	m.goRun(func() error { return m.Shifts.Run(ctx) })
	return nil
}

// followOrg keeps this node's point resolver and live index in step with
// the organisation: an org.changed event (an import, an administrator's
// edit, on any node) rebuilds the resolver from the store and updates the
// live index, without a restart.
func (m *Main) followOrg(ctx, sys context.Context) error {
	changed := make(chan string, 64)
	_, err := m.Bus.Subscribe(ctx, precinct.SubjectPrefix+".*.*."+precinct.EventOrgChanged, func(e *precinct.Event) {
		select {
		case changed <- e.SubBureauID:
		default: // a reload is pending anyway
		}
	})
	if err != nil {
		return fmt.Errorf("organisation events: %w", err)
	}
	m.goRun(func() error {
		for {
			var subs []string
			select {
			case <-ctx.Done():
				return ctx.Err()
			case sb := <-changed:
				subs = append(subs, sb)
			}
			for more := true; more; { // take every change waiting: one rebuild
				select {
				case sb := <-changed:
					subs = append(subs, sb)
				default:
					more = false
				}
			}
			if err := m.reloadOrg(sys, subs); err != nil && ctx.Err() == nil {
				m.Logger.Error("organisation reload", "err", err)
			}
		}
	})
	return nil
}

// reloadOrg rebuilds the resolver and updates the live index.
func (m *Main) reloadOrg(ctx context.Context, subBureaus []string) error {
	start := time.Now()
	r, err := m.buildResolver(ctx)
	if err != nil {
		return err
	}
	m.Resolver.Set(r)
	seen := map[string]bool{}
	for _, sb := range subBureaus {
		if !seen[sb] {
			seen[sb] = true
			if err := m.Dispatch.OrgChanged(ctx, sb); err != nil {
				return err
			}
		}
	}
	m.Logger.Info("organisation reloaded", "sub_bureaus", subBureaus, "grids", r.Len(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// goRun runs fn in the background until Close; an error other than
// cancellation is logged.
func (m *Main) goRun(fn func() error) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, context.Canceled) {
			m.Logger.Error("background task stopped", "err", err)
		}
	}()
}

// Close stops serving, waits for in-flight requests, and closes the bus and the
// database in that order. It is safe to call on a partly opened Main.
func (m *Main) Close() error {
	var errs []error
	if m.HTTP != nil {
		errs = append(errs, m.HTTP.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.Bus != nil {
		errs = append(errs, m.Bus.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// ensureAdmin creates the admin user at first start. Its password comes from
// PRECINCT_ADMIN_PASSWORD, else it is generated and printed once.
func (m *Main) ensureAdmin(ctx context.Context) error {
	_, err := m.Store.FindUserByUsername(ctx, "admin")
	if err == nil {
		return nil
	} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return err
	}
	pw, generated := m.Config.AdminPassword, false
	if pw == "" {
		pw, generated = auth.GeneratePassword(), true
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("PRECINCT_ADMIN_PASSWORD: %w", err)
	}
	u := &precinct.User{
		ID: "admin", Username: "admin", Name: "系统管理员", Role: precinct.RoleAdmin,
		PasswordHash: hash, CreatedAt: m.Clock.Now(),
	}
	if err := m.Store.CreateUser(ctx, u); precinct.ErrorCode(err) == precinct.ECONFLICT {
		return nil // another node, starting at the same time, created it
	} else if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	m.AdminPassword = pw
	if generated {
		fmt.Fprintf(m.stdout, "管理员账号 admin 的初始密码 / initial password of user admin: %s\n(只显示这一次 / shown only this once)\n", pw)
	}
	return nil
}

// seedDemo imports the demo jurisdiction into an empty database. Demo users
// share PRECINCT_DEMO_PASSWORD, else a generated password printed once.
func (m *Main) seedDemo(ctx context.Context) error {
	empty, err := m.Store.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	pw, generated := m.Config.DemoPassword, false
	if pw == "" {
		pw, generated = auth.GeneratePassword(), true
	}
	// One hash serves every demo user: they share one password by design.
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("PRECINCT_DEMO_PASSWORD: %w", err)
	}
	now := m.Clock.Now()
	// The demo is an import folder embedded in the binary, imported as
	// any jurisdiction is.
	res, err := jurisdiction.Import(ctx, m.Store, demo.FolderFS(), jurisdiction.ImportOptions{Prepare: func(js []*precinct.Jurisdiction) error {
		if len(js) > 0 {
			demo.ScaleUnits(js[0], m.Config.DemoUnits) // --demo-units: a city's worth of units
		}
		for _, j := range js {
			for _, u := range j.Users {
				u.PasswordHash, u.CreatedAt = hash, now
			}
			for _, u := range j.Units {
				// The demo's units report from their posts at first start,
				// and have held their status since (the unit board's time
				// in status).
				u.PositionAt, u.StatusSince = now, now
			}
		}
		return nil
	}})
	switch {
	case precinct.ErrorCode(err) == precinct.ECONFLICT:
		return nil // another node, starting at the same time, is seeding it
	case err != nil:
		return fmt.Errorf("import demo: %w", err)
	case res.Diff != nil && res.Diff.Added.SubBureaus == 0:
		return nil // another node seeded it between our look and our import
	}
	if res.Diff.Added.SubBureaus == 0 {
		return nil // another node, starting at the same time, seeded it
	}
	j := res.Jurisdictions[0]
	// The service station's 正副班 and 24-hour crews (seed 003), part of
	// the demo's import and, like it, recorded without events.
	for _, p := range demo.ShiftPatterns(j) {
		p.UpdatedAt = now
		if err := m.Store.PutShiftPattern(ctx, p, nil); err != nil {
			return fmt.Errorf("demo shift patterns: %w", err)
		}
	}
	m.DemoPassword = pw
	m.demoSeeded = j
	if err := m.seedWork(ctx, j, hash); err != nil {
		return err
	}
	names := make([]string, 0, 4)
	for _, u := range j.Users {
		if len(names) < 4 {
			names = append(names, u.Username)
		}
	}
	fmt.Fprintf(m.stdout, "演示辖区已导入 / demo jurisdiction seeded: %s, %d 个派出所 stations, %d 个警格 police grids, %d 个用户 users (%s…; precinct users 列出全部)\n",
		j.SubBureau.Name, len(j.Stations), len(j.PoliceGrids), len(j.Users), strings.Join(names, ", "))
	if generated {
		fmt.Fprintf(m.stdout, "演示用户共用密码 / demo users' shared password: %s\n(只显示这一次 / shown only this once)\n", pw)
	}
	return nil
}

// seedPast seeds the demo's past: its incidents and anti-fraud warnings.
func (m *Main) seedPast(ctx context.Context) error {
	if err := m.seedHistory(ctx, m.Config.DemoHistoryDays); err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	if err := m.seedWarnings(ctx, m.demoSeeded); err != nil {
		return fmt.Errorf("demo warnings: %w", err)
	}
	return nil
}

// loadRouter returns the road router when `precinct import osm` has built a
// graph in the data directory (falling back to the straight line for foot
// units and points off the road network), else the straight-line router.
func (m *Main) loadRouter() (precinct.Router, error) {
	straight := dispatch.NewStraightLineRouter()
	road, err := routing.Load(routing.GraphPath(m.Config.DataDir))
	switch {
	case precinct.ErrorCode(err) == precinct.ENOTFOUND:
		return straight, nil
	case err != nil:
		return nil, fmt.Errorf("road graph: %w", err)
	}
	m.Logger.Info("road routing loaded", "path", routing.GraphPath(m.Config.DataDir))
	return &routing.Fallback{Road: road, Other: straight}, nil
}

// loadStreets reads the streets `precinct import osm` kept in the data
// directory, in the datum of the jurisdiction's maps; nil without any.
func (m *Main) loadStreets(ctx context.Context) (*streets.Map, error) {
	d, err := streets.Read(streets.Path(m.Config.DataDir))
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("streets: %w", err)
	}
	datum := precinct.WGS84
	if sbs, err := m.Store.ListSubBureaus(ctx); err != nil {
		return nil, err
	} else if len(sbs) > 0 && sbs[0].Datum != "" {
		datum = sbs[0].Datum
	}
	m.Logger.Info("streets loaded", "streets", len(d.Streets), "places", len(d.POIs), "datum", datum)
	return streets.NewMap(d, func(p precinct.Point) precinct.Point { return geo.ToDatum(p, d.Datum, datum) }), nil
}

// geocoder searches addresses over the registry's standard addresses, the
// streets of imported road data (in the maps' datum) and the grids and
// stations of the store.
func (m *Main) geocoder() *geocode.Service {
	g := &geocode.Service{Store: m.Store, Clock: m.Clock}
	if m.Registry != nil {
		g.Addresses = m.Registry
	}
	if m.Streets != nil {
		g.Streets = m.Streets.Data()
	}
	return g
}

// buildResolver indexes every stored grid for locating points.
func (m *Main) buildResolver(ctx context.Context) (*geo.Resolver, error) {
	pgs, cgs, err := m.Store.AllGrids(ctx)
	if err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	var stations []*precinct.Station
	for cursor := ""; ; {
		page, next, err := m.Store.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("load stations: %w", err)
		}
		stations = append(stations, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	return geo.NewResolver(stations, pgs, cgs), nil
}

func engineName(dsn string) string {
	if dsn == "" {
		return "sqlite"
	}
	return "postgres"
}

func busName(url string) string {
	if url == "" {
		return "embedded"
	}
	return "external"
}

// seedHistory gives the demo a past: days of simulated incidents up to
// now, and the same days (with all of today) a year before, so that the heat map,
// the statistics and the year-on-year figures have something to show. The
// incidents go through the real routing and recommendation code in the
// simulator and are stored finished, with their timelines.
func (m *Main) seedHistory(ctx context.Context, days int) error {
	if days <= 0 {
		return nil
	}
	start := time.Now()
	sc, err := sim.LoadScenario("qianjiang", 1)
	if err != nil {
		return err
	}
	now := m.Clock.Now()
	today := precinct.DayStart(now)
	// Up to now, and a year before up to the end of that day, so that
	// today's figures compare with the same hours a year before.
	recent, err := sim.History(ctx, sc, today.AddDate(0, 0, -days), now, 1)
	if err != nil {
		return err
	}
	lastYear, err := sim.History(ctx, sc, today.AddDate(-1, 0, -days), today.AddDate(-1, 0, 1), 2)
	if err != nil {
		return err
	}
	past := append(lastYear, recent...)
	bar := newProgress(m.stdout, true)
	if err := m.Store.ImportIncidents(ctx, past, bar.update("history")); err != nil {
		return err
	}
	bar.done()
	fmt.Fprintf(m.stdout, "演示历史警情 / demo history: %d 起 incidents (近 %d 天及去年同期 last %d days and a year before) in %.1f s\n",
		len(past), days, days, time.Since(start).Seconds())
	return nil
}
