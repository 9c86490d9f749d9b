package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"precinct"
)

// Bulk writes of a batch of warnings: every table gets its rows in as few
// statements as the engine allows (multi-row INSERTs on SQLite, COPY on
// PostgreSQL), in one transaction, instead of a statement per row. A batch
// of 5,000 warnings with their tasks writes some 30,000 rows.

// bulkTx is a write transaction on one connection of the writer pool, so
// that on PostgreSQL COPY runs inside it.
type bulkTx struct {
	db   *DB
	conn *sql.Conn
	tx   *sql.Tx
	ins  *batchInserter
}

// inBulkTx runs fn in a write transaction, committed if fn returns nil.
func (db *DB) inBulkTx(ctx context.Context, fn func(*bulkTx) error) error {
	return db.inConnTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		b := &bulkTx{db: db, conn: conn, tx: tx, ins: newBatchInserter(db, tx)}
		defer b.ins.close()
		return fn(b)
	})
}

// rows writes rows (values in the order of cols) to table.
func (b *bulkTx) rows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if !b.db.postgres {
		list := cols[0]
		for _, c := range cols[1:] {
			list += ", " + c
		}
		return b.ins.insert(ctx, table, list, rows)
	}
	err := b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqldb: COPY needs a pgx connection, not %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		if isUnique(err) {
			return precinct.Errorf(precinct.ECONFLICT, "记录已存在（%s）", "The record already exists (%s).", table)
		}
		return internal(err)
	}
	return nil
}

var (
	workItemColumns = []string{"state", "sub_bureau_id", "station_id", "police_grid_id", "community_grid_id", "category", "assignee", "tier",
		"due_at", "overdue", "closed_at", "version", "doc", "id", "kind", "reporter_id", "source_kind", "source_id", "opened_at", "idempotency_key"}
	eventColumnsIn = []string{"id", "type", "at", "actor", "sub_bureau_id", "station_id", "stations", "entity_type", "entity_id", "before", "after", "data", "published_at"}
)

// openWork writes new work items with their assignees, contacts, photos
// and tallies (summed by day, station and assignee first), and returns
// their events for the caller to write with its own. A change of an item
// met before (an imported item's later changes) replaces its row: each
// item is written as of its last change, with every assignee it had.
func (b *bulkTx) openWork(ctx context.Context, cs []precinct.WorkChange) ([]*precinct.Event, error) {
	var items, handlers, contacts, photos [][]any
	row := map[string]int{}         // item → its row in items
	handled := map[[2]string]bool{} // item, assignee
	var evs []*precinct.Event
	type countKey struct {
		day                    int64
		kind, sb, st, assignee string
	}
	sums := map[countKey]int{} // index in counts
	var counts []precinct.WorkCount
	for _, c := range cs {
		it := c.Item
		if it == nil || it.ID == "" || it.Kind == "" {
			return nil, precinct.Errorf(precinct.EINVALID, "工作事项缺少编号或类型", "A work item lacks its ID or kind.")
		}
		cols, err := workColumns(it)
		if err != nil {
			return nil, err
		}
		var key any
		if it.IdempotencyKey != "" {
			key = it.IdempotencyKey
		}
		vals := append(cols, it.ID, string(it.Kind), it.ReporterID, it.Source.Kind, it.Source.ID, micros(it.OpenedAt), key)
		if i, ok := row[it.ID]; ok {
			items[i] = vals
		} else {
			row[it.ID] = len(items)
			items = append(items, vals)
		}
		if h := [2]string{it.ID, string(it.Assignee)}; it.Assignee != "" && !handled[h] {
			handled[h] = true
			handlers = append(handlers, []any{it.ID, string(it.Assignee)})
		}
		for _, ct := range c.Contacts {
			doc, err := json.Marshal(ct)
			if err != nil {
				return nil, err
			}
			contacts = append(contacts, []any{it.ID, ct.Role, ct.Index, string(doc)})
		}
		for _, p := range c.Photos {
			photos = append(photos, []any{p.ID, it.ID, p.Step, p.ContentType, len(p.Data), micros(p.At), p.Data})
		}
		for _, n := range c.Counts {
			k := countKey{micros(n.Day), string(n.Kind), n.SubBureauID, n.StationID, string(n.Assignee)}
			if i, ok := sums[k]; ok {
				for m, v := range n.Tally {
					counts[i].Tally[m] += v
				}
				continue
			}
			sums[k] = len(counts)
			counts = append(counts, n)
		}
		evs = append(evs, c.Events...)
	}
	for _, t := range []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"work_items", workItemColumns, items},
		{"work_handlers", []string{"item_id", "assignee"}, handlers},
		{"work_contacts", []string{"item_id", "role", "idx", "doc"}, contacts},
		{"work_photos", []string{"id", "item_id", "step", "content_type", "size", "at", "data"}, photos},
	} {
		if err := b.rows(ctx, t.name, t.cols, t.rows); err != nil {
			return nil, err
		}
	}
	return evs, b.db.addWorkCounts(ctx, b.tx, counts)
}

// events appends events, last in the transaction: on PostgreSQL under the
// events' lock (held to commit, so that the sequence is in commit order).
// Their Seq is not read back. publishedAt, when not nil, marks them as
// published already (microseconds).
func (b *bulkTx) events(ctx context.Context, evs []*precinct.Event, publishedAt any) error {
	rows := make([][]any, 0, len(evs))
	for _, e := range evs {
		if e == nil {
			continue
		}
		if e.ID == "" || e.Type == "" {
			return precinct.Errorf(precinct.EINTERNAL, "事件缺少编号或类型", "An event lacks its ID or type.")
		}
		rows = append(rows, []any{e.ID, e.Type, micros(e.At), e.Actor, e.SubBureauID, e.StationID, jsonText(e.Stations), e.EntityType, e.EntityID,
			rawText(e.Before), rawText(e.After), rawText(e.Data), publishedAt})
	}
	if len(rows) == 0 {
		return nil
	}
	if b.db.postgres {
		if _, err := b.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(eventLock)+`)`); err != nil {
			return internal(err)
		}
	}
	return b.rows(ctx, "events", eventColumnsIn, rows)
}
