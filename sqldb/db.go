// Package sqldb keeps every Precinct store in a SQL database: SQLite through
// a pure-Go driver (the embedded default) or PostgreSQL through pgx (for
// several nodes). One code path serves both; a small dialect covers their
// differences (placeholders, the event sequence). Each engine has its own
// embedded, versioned migrations, applied at Open in one transaction each.
//
// Writes that record events append them to the events table in the same
// transaction as the change, so the event log and the state never disagree.
// Invariants that several nodes must share — a unit serves one active
// incident, an Idempotency-Key makes one incident, an incident changes only
// from the version the caller read — are enforced by the database itself.
//
// Times are stored as Unix microseconds (UTC), polygons and lists as JSON.
package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"precinct"
)

//go:embed migrations
var migrations embed.FS

// Options configures Open.
type Options struct {
	// Clock stamps rows the store creates itself; nil is the system clock.
	Clock precinct.Clock
	// Schema, for PostgreSQL, is the schema to create (if missing) and use.
	Schema string
}

// DB is a Precinct store on SQLite or PostgreSQL. It implements precinct.Store.
type DB struct {
	write    *sql.DB // SQLite: one connection, so writers queue in Go, not in SQLITE_BUSY
	read     *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: the same as write
	postgres bool
	clock    precinct.Clock
	rowStmts rowStatements // the positions path's prepared statements
}

var _ precinct.Store = (*DB)(nil)

// Open opens the database named by dsn and applies pending migrations. A DSN
// beginning postgres:// or postgresql:// is PostgreSQL; anything else is the
// path of a SQLite file.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db := &DB{clock: opt.Clock}
	if db.clock == nil {
		db.clock = precinct.SystemClock{}
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = db.openPostgres(ctx, dsn, opt.Schema)
	} else {
		err = db.openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	// The one writer keeps its statement journals in memory (a multi-row
	// INSERT … ON CONFLICT writes one, a write call per page changed, to a
	// temporary file otherwise) and 64 MB of pages, so that a batch of
	// positions, touching index pages all over the table, reaches the disk
	// only as the log's frames at commit. It copies the log into the
	// database every 10,000 pages (40 MB) rather than 1,000: a batch of
	// positions rewrites one index page per unit, the same pages batch
	// after batch, and a checkpoint copies each page once however often it
	// was rewritten (positions/s: +15–30%).
	w, err := sql.Open("sqlite", "file:"+abs+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(10000)&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// The writer creates the file and switches it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return fmt.Errorf("open %s: %w", abs, err)
	}
	r, err := sql.Open("sqlite", "file:"+abs+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(8)
	db.write, db.read = w, r
	return nil
}

func (db *DB) openPostgres(ctx context.Context, dsn, schema string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("postgres DSN: %w", err)
	}
	if schema != "" {
		if !validIdent(schema) {
			return fmt.Errorf("postgres schema %q: letters, digits and _ only", schema)
		}
		boot := stdlib.OpenDB(*cfg.Copy())
		_, err := boot.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema)
		boot.Close()
		if err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		cfg.RuntimeParams["search_path"] = schema
	}
	d := stdlib.OpenDB(*cfg)
	d.SetMaxOpenConns(20)
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return fmt.Errorf("connect to postgres: %w", err)
	}
	db.write, db.read, db.postgres = d, d, true
	return nil
}

func validIdent(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes the database; on SQLite it checkpoints the write-ahead log.
func (db *DB) Close() error {
	errs := []error{db.rowStmts.close()}
	if !db.postgres && db.write != nil {
		_, _ = db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// migrate applies the engine's pending migrations, each in one transaction.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	if db.postgres {
		dir = "migrations/postgres"
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if db.postgres {
				// Several nodes may start at once: one migrates, the others wait.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", version, err)
			}
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, micros(db.clock.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// q rewrites ? placeholders as $1, $2… for PostgreSQL. Queries in this
// package hold no literal question marks.
func (db *DB) q(query string) string {
	if !db.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// inTx runs fn in a write transaction, committed if fn returns nil. On SQLite
// the transaction starts IMMEDIATE, and commit is durable (synchronous=FULL).
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return internal(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal(err)
	}
	return nil
}

// internal wraps a database error for logs; users see only EINTERNAL.
func internal(err error) error {
	if err == nil || precinct.ErrorCode(err) != precinct.EINTERNAL {
		return err
	}
	if isUnique(err) {
		return precinct.Errorf(precinct.ECONFLICT, "记录已存在", "The record already exists.")
	}
	if isForeignKey(err) {
		return precinct.Errorf(precinct.EINVALID, "引用的记录不存在", "A referenced record does not exist.")
	}
	return fmt.Errorf("sqldb: %w", err)
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// micros is the stored form of a time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// limit returns the page size of a list request.
func limit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// cursor encodes the sort key of the last row of a page.
func cursor(parts ...string) string {
	return url.QueryEscape(strings.Join(parts, "|"))
}

// parseCursor splits a cursor into n parts; a malformed cursor is EINVALID.
func parseCursor(c string, n int) ([]string, error) {
	if c == "" {
		return nil, nil
	}
	raw, err := url.QueryUnescape(c)
	parts := strings.Split(raw, "|")
	if err != nil || len(parts) != n {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "cursor", "分页游标无效", "Invalid cursor.")
	}
	return parts, nil
}

// DropSchema removes a PostgreSQL schema and everything in it (tests use one
// schema per run).
func DropSchema(ctx context.Context, dsn, schema string) error {
	if !validIdent(schema) {
		return fmt.Errorf("schema %q: letters, digits and _ only", schema)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	d := stdlib.OpenDB(*cfg)
	defer d.Close()
	_, err = d.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	return err
}

// NewSchema creates a PostgreSQL schema with a random name for one test run
// or benchmark and returns a DSN that uses it, with a function that drops it.
func NewSchema(ctx context.Context, dsn, prefix string) (string, func() error, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	schema := prefix + "_" + hex.EncodeToString(b[:])
	db, err := Open(ctx, dsn, Options{Schema: schema})
	if err != nil {
		return "", nil, err
	}
	db.Close()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, func() error { return DropSchema(context.Background(), dsn, schema) }, nil
}
