package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is what `precinct serve` is told by its flags and environment.
// Every flag has an environment variable; a flag given on the command line
// wins over the variable.
type Config struct {
	Addr    string // PRECINCT_ADDR
	DataDir string // PRECINCT_DATA
	DB      string // PRECINCT_DB: empty = SQLite in DataDir; postgres://… = PostgreSQL
	NATS    string // PRECINCT_NATS: empty = embedded server; nats://… = external
	Demo    bool   // PRECINCT_DEMO: seed the demo jurisdiction into an empty database
	// DemoMove moves the demo's on-duty units so live recommendations change.
	DemoMove bool // PRECINCT_DEMO_MOVE
	// DemoHistoryDays is how many days of past incidents the demo is seeded
	// with (and the same days a year before, for year-on-year figures).
	DemoHistoryDays int // PRECINCT_DEMO_HISTORY_DAYS
	// DemoPastInBackground seeds the demo's past (its incidents and
	// warnings) after the node has begun to serve, with /readyz answering
	// 503 until it is in; `precinct serve` sets it, so that a first start
	// answers in seconds. Otherwise Open returns with the past seeded.
	DemoPastInBackground bool
	// DemoUnits, when above the demo's own units, adds generated units
	// around the stations until there are that many: the demo at city scale.
	DemoUnits int // PRECINCT_DEMO_UNITS
	// AdminPassword and DemoPassword come only from the environment
	// (PRECINCT_ADMIN_PASSWORD, PRECINCT_DEMO_PASSWORD); empty = generate and
	// print once at first start.
	AdminPassword string
	DemoPassword  string
	// VaultKey and VaultKeyFile come only from the environment
	// (PRECINCT_VAULT_KEY, PRECINCT_VAULT_KEY_FILE): the keys that seal
	// personal data. Empty: a development key file in the data directory.
	VaultKey     string
	VaultKeyFile string
	// StaleAfter is the age after which a unit's position is stale.
	StaleAfter time.Duration // PRECINCT_STALE_AFTER
	// SweepEvery is how often deadlines of work items are checked; 0 stops
	// the sweeper (tests sweep by hand).
	SweepEvery time.Duration // PRECINCT_SWEEP_EVERY
	// ShutdownTimeout bounds how long in-flight requests may take at shutdown.
	ShutdownTimeout time.Duration
	LogLevel        string // PRECINCT_LOG: debug, info, warn, error
}

// DefaultConfig returns the configuration of a plain `precinct serve`.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "data",
		DemoMove:        true,
		DemoHistoryDays: 30,
		StaleAfter:      120 * time.Second,
		SweepEvery:      30 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		LogLevel:        "info",
	}
}

// ParseServeFlags reads the serve flags from args and the environment.
func ParseServeFlags(args []string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: precinct serve [flags]\n\nRuns the Precinct server. Every flag may also be set by its environment variable.")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "PRECINCT_ADDR", c.Addr), "listen address (PRECINCT_ADDR)")
	fs.StringVar(&c.DataDir, "data", envOr(getenv, "PRECINCT_DATA", c.DataDir), "data directory for the embedded database and bus (PRECINCT_DATA)")
	fs.StringVar(&c.DB, "db", envOr(getenv, "PRECINCT_DB", c.DB), "database: empty = SQLite in the data directory, or a postgres:// URL (PRECINCT_DB)")
	fs.StringVar(&c.NATS, "nats", envOr(getenv, "PRECINCT_NATS", c.NATS), "NATS: empty = embedded server, or a nats:// URL (PRECINCT_NATS)")
	demo, err := envBool(getenv, "PRECINCT_DEMO", c.Demo)
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.Demo, "demo", demo, "seed the demo jurisdiction (重庆市黔江区) when the database is empty (PRECINCT_DEMO)")
	move, err := envBool(getenv, "PRECINCT_DEMO_MOVE", c.DemoMove)
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.DemoMove, "demo-move", move, "with --demo, move on-duty units around their areas (PRECINCT_DEMO_MOVE)")
	days, err := envInt(getenv, "PRECINCT_DEMO_HISTORY_DAYS", c.DemoHistoryDays)
	if err != nil {
		return c, err
	}
	fs.IntVar(&c.DemoHistoryDays, "demo-history-days", days, "with --demo, days of past incidents to seed, and the same days a year before, with fourteen months of anti-fraud warnings; 0 for no past (PRECINCT_DEMO_HISTORY_DAYS)")
	units, err := envInt(getenv, "PRECINCT_DEMO_UNITS", c.DemoUnits)
	if err != nil {
		return c, err
	}
	fs.IntVar(&c.DemoUnits, "demo-units", units, "with --demo, add generated units around the stations up to this many, to try city scale; 0 for the demo's own (PRECINCT_DEMO_UNITS)")
	stale, err := envDuration(getenv, "PRECINCT_STALE_AFTER", c.StaleAfter)
	if err != nil {
		return c, err
	}
	fs.DurationVar(&c.StaleAfter, "stale-after", stale, "age after which a unit's position is stale (PRECINCT_STALE_AFTER)")
	sweep, err := envDuration(getenv, "PRECINCT_SWEEP_EVERY", c.SweepEvery)
	if err != nil {
		return c, err
	}
	fs.DurationVar(&c.SweepEvery, "sweep-every", sweep, "how often deadlines of grid reports and disputes are checked; 0 for never (PRECINCT_SWEEP_EVERY)")
	fs.StringVar(&c.LogLevel, "log", envOr(getenv, "PRECINCT_LOG", c.LogLevel), "log level: debug, info, warn, error (PRECINCT_LOG)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	c.AdminPassword = getenv("PRECINCT_ADMIN_PASSWORD")
	c.DemoPassword = getenv("PRECINCT_DEMO_PASSWORD")
	c.VaultKey, c.VaultKeyFile = getenv("PRECINCT_VAULT_KEY"), getenv("PRECINCT_VAULT_KEY_FILE")
	if c.DemoUnits < 0 || c.DemoUnits > 1_000_000 {
		return c, fmt.Errorf("--demo-units: want 0 to 1000000, got %d", c.DemoUnits)
	}
	if c.DemoHistoryDays < 0 || c.DemoHistoryDays > 366 {
		return c, fmt.Errorf("--demo-history-days: want 0 to 366, got %d", c.DemoHistoryDays)
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return c, fmt.Errorf("--db: want empty (embedded SQLite) or a postgres:// URL, got %q", c.DB)
	}
	if c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://") && !strings.HasPrefix(c.NATS, "tls://") {
		return c, fmt.Errorf("--nats: want empty (embedded server) or a nats:// URL, got %q", c.NATS)
	}
	return c, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func envBool(getenv func(string) string, key string, def bool) (bool, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s: not a boolean: %q", key, v)
	}
	return b, nil
}

func envInt(getenv func(string) string, key string, def int) (int, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("%s: not an integer: %q", key, v)
	}
	return n, nil
}

func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%s: not a duration: %q", key, v)
	}
	return d, nil
}
