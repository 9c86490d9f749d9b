package peers

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"precinct"
)

// PostGIS is the design a team with PostgreSQL would reach for: a table of
// units with a point (geography, so that <-> orders by metres on the sphere,
// not by degrees), a GiST index on it and a btree on the filters, and a
// K-nearest-neighbour query, ORDER BY geom <-> point LIMIT k, with the kind,
// status and station filters in the WHERE clause.
type PostGIS struct {
	db    *pgxpool.Pool
	table string
}

// NewPostGIS creates the PostGIS extension in db's database if needed and
// the peer's table (dropped first if it exists).
func NewPostGIS(ctx context.Context, db *pgxpool.Pool, table string) (*PostGIS, error) {
	p := &PostGIS{db: db, table: pgx.Identifier{table}.Sanitize()}
	for _, q := range []string{
		`CREATE EXTENSION IF NOT EXISTS postgis`,
		`DROP TABLE IF EXISTS ` + p.table,
		`CREATE TABLE ` + p.table + ` (id text PRIMARY KEY, kind text NOT NULL, status text NOT NULL, station text NOT NULL,
			lon double precision NOT NULL, lat double precision NOT NULL,
			geom geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED)`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("postgis peer: %s: %w", q, err)
		}
	}
	return p, nil
}

// Drop removes the peer's table.
func (p *PostGIS) Drop(ctx context.Context) error {
	_, err := p.db.Exec(ctx, `DROP TABLE IF EXISTS `+p.table)
	return err
}

// Load copies units into the table, then builds the indexes and analyses it.
func (p *PostGIS) Load(ctx context.Context, units []*precinct.Unit) error {
	rows := make([][]any, 0, len(units))
	for _, u := range units {
		if !u.Position.IsZero() {
			rows = append(rows, []any{u.ID, string(u.Kind), status(u), u.StationID, u.Position.Lon, u.Position.Lat})
		}
	}
	name := pgx.Identifier{p.table[1 : len(p.table)-1]}
	if _, err := p.db.CopyFrom(ctx, name, []string{"id", "kind", "status", "station", "lon", "lat"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("postgis peer: copy: %w", err)
	}
	for _, q := range []string{
		`CREATE INDEX ON ` + p.table + ` USING gist (geom)`,
		`CREATE INDEX ON ` + p.table + ` (station, kind, status)`,
		`ANALYZE ` + p.table,
	} {
		if _, err := p.db.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgis peer: %s: %w", q, err)
		}
	}
	return nil
}

// Nearest returns the k available units of kinds in stations nearest to pt,
// nearest first, with their distance on the sphere.
func (p *PostGIS) Nearest(ctx context.Context, pt precinct.Point, k int, kinds []precinct.UnitKind, stations []string) ([]Hit, error) {
	ks := make([]string, len(kinds))
	for i, kind := range kinds {
		ks[i] = string(kind)
	}
	rows, err := p.db.Query(ctx, `SELECT id, ST_Distance(geom, q.pt, false) FROM `+p.table+`,
		(SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS pt) q
		WHERE status = 'available' AND kind = ANY($3) AND station = ANY($4)
		ORDER BY geom <-> q.pt LIMIT $5`, pt.Lon, pt.Lat, ks, stations, k)
	if err != nil {
		return nil, fmt.Errorf("postgis peer: %w", err)
	}
	hits := make([]Hit, 0, k)
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.UnitID, &h.DistanceM); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}
