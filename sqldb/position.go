package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"

	"precinct"
)

// maxRowsPerStatement is the most positions one INSERT writes, and the most
// units one UPDATE moves: 7,168 bound values at most, under SQLite's limit
// of 32,766 and PostgreSQL's of 65,535.
const maxRowsPerStatement = 1024

// rowStatement names a multi-row statement of the positions path.
type rowStatement int

const (
	insertPositions rowStatement = iota // positions, stored once per (unit, time)
	moveUnits                           // units' latest positions
)

// rowStatements keeps the multi-row statements of the positions path
// prepared, for each number of rows that is a power of two up to
// maxRowsPerStatement: a batch of any size runs a few of them and parses no
// SQL (parsing a 1,000-row INSERT took an eighth of a batch's time).
type rowStatements struct {
	mu    sync.Mutex
	stmts map[rowKey]*sql.Stmt
}

type rowKey struct {
	what rowStatement
	rows int
}

// close closes the prepared statements.
func (c *rowStatements) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for k, st := range c.stmts {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.stmts, k)
	}
	return first
}

// rowCounts splits n rows into statements: full ones of maxRowsPerStatement,
// then the powers of two of the remainder, largest first.
func rowCounts(n int) []int {
	var out []int
	for ; n >= maxRowsPerStatement; n -= maxRowsPerStatement {
		out = append(out, maxRowsPerStatement)
	}
	for size := maxRowsPerStatement / 2; size > 0; size /= 2 {
		if n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}

// rowStatement returns the prepared statement of what for rows rows,
// preparing it on first use. It must not be called inside a transaction on
// SQLite: the writer has one connection, which the transaction holds.
func (db *DB) rowStatement(ctx context.Context, what rowStatement, rows int) (*sql.Stmt, error) {
	c := &db.rowStmts
	c.mu.Lock()
	defer c.mu.Unlock()
	k := rowKey{what, rows}
	if st, ok := c.stmts[k]; ok {
		return st, nil
	}
	var query string
	switch what {
	case insertPositions:
		query = `INSERT INTO positions (unit_id, at, lon, lat, speed_mps, heading, flag) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", rows), ", ") + ` ON CONFLICT (unit_id, at) DO NOTHING`
	case moveUnits:
		// The casts give PostgreSQL the types of the values' columns.
		query = `WITH v (id, lon, lat, at) AS (VALUES ` +
			strings.TrimSuffix(strings.Repeat("(CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT)), ", rows), ", ") +
			`) UPDATE units SET lon = v.lon, lat = v.lat, position_at = v.at FROM v WHERE units.id = v.id AND units.position_at <= v.at`
	}
	st, err := db.write.PrepareContext(ctx, db.q(query))
	if err != nil {
		return nil, internal(err)
	}
	if c.stmts == nil {
		c.stmts = make(map[rowKey]*sql.Stmt)
	}
	c.stmts[k] = st
	return st, nil
}

// rowStatementsFor returns the prepared statements that write n rows, and
// the rows each writes.
func (db *DB) rowStatementsFor(ctx context.Context, what rowStatement, n int) ([]*sql.Stmt, []int, error) {
	counts := rowCounts(n)
	stmts := make([]*sql.Stmt, len(counts))
	for k, rows := range counts {
		st, err := db.rowStatement(ctx, what, rows)
		if err != nil {
			return nil, nil, err
		}
		stmts[k] = st
	}
	return stmts, counts, nil
}

// SavePositions stores a batch of positions and each unit's latest position
// not flagged, in one transaction; a (unit, time) already stored is kept as
// it was; an unknown unit fails the batch with ENOTFOUND.
//
// The rows go in ordered by unit and time (the unique index), by prepared
// multi-row statements: one INSERT per 1,024 positions and one UPDATE per
// 1,024 units moved. The positions' foreign key checks the units; only when
// it fails are they looked up, to name the unknown one.
func (db *DB) SavePositions(ctx context.Context, ps []precinct.Position) error {
	if len(ps) == 0 {
		return nil
	}
	// Of two positions of a unit at the same time, the first sent is stored.
	order := precinct.ByUnitAndTime(ps)
	// Each unit's latest position not flagged: the last of its run.
	var latest []int
	for _, i := range order {
		if ps[i].Flag != "" {
			continue
		}
		if n := len(latest); n > 0 && ps[latest[n-1]].UnitID == ps[i].UnitID {
			latest[n-1] = i
		} else {
			latest = append(latest, i)
		}
	}
	inserts, insertRows, err := db.rowStatementsFor(ctx, insertPositions, len(order))
	if err != nil {
		return err
	}
	moves, moveRows, err := db.rowStatementsFor(ctx, moveUnits, len(latest))
	if err != nil {
		return err
	}
	args := make([]any, 0, 7*min(len(ps), maxRowsPerStatement))
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		rest := order
		for k, st := range inserts {
			args = args[:0]
			for _, i := range rest[:insertRows[k]] {
				p := &ps[i]
				args = append(args, p.UnitID, micros(p.At), p.Point.Lon, p.Point.Lat, p.SpeedMPS, p.Heading, string(p.Flag))
			}
			rest = rest[insertRows[k]:]
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		rest = latest
		for k, st := range moves {
			args = args[:0]
			for _, i := range rest[:moveRows[k]] {
				p := &ps[i]
				args = append(args, p.UnitID, p.Point.Lon, p.Point.Lat, micros(p.At))
			}
			rest = rest[moveRows[k]:]
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if isForeignKey(err) {
		if e := db.unknownUnit(ctx, ps); e != nil {
			return e
		}
	}
	return internal(err)
}

// unknownUnit returns ENOTFOUND naming the first unit of ps not stored, nil
// when every one is.
func (db *DB) unknownUnit(ctx context.Context, ps []precinct.Position) error {
	var want []string
	for _, p := range ps {
		if !slices.Contains(want, p.UnitID) {
			want = append(want, p.UnitID)
		}
	}
	found := map[string]bool{}
	for start := 0; start < len(want); start += maxRowsPerStatement {
		chunk := want[start:min(start+maxRowsPerStatement, len(want))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT id FROM units WHERE id IN (`+placeholders(len(chunk))+`)`), args...)
		if err != nil {
			return internal(err)
		}
		got, err := collect(rows, func(s scanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range got {
			found[id] = true
		}
	}
	for _, id := range want {
		if !found[id] {
			e := precinct.ErrNotFound("警力单元", "Unit", id)
			e.Field = "positions"
			return e
		}
	}
	return nil
}
