package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"precinct"
	"precinct/sqldb"
)

// runUsers prints every user with role and jurisdiction.
func runUsers(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	data := fs.String("data", envOr(getenv, "PRECINCT_DATA", "data"), "data directory (PRECINCT_DATA)")
	dsn := fs.String("db", getenv("PRECINCT_DB"), "database URL; empty = SQLite in the data directory (PRECINCT_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = filepath.Join(*data, "precinct.db")
	}
	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := db.ListUsers(ctx)
	if err != nil {
		return err
	}
	names, err := jurisdictionNames(ctx, db)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "用户名 USERNAME\t姓名 NAME\t角色 ROLE\t辖区 JURISDICTION")
	for _, u := range users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Username, u.Name, u.Role, describeScope(u.Scope, names))
	}
	return w.Flush()
}

// jurisdictionNames maps sub-bureau, station and police-grid IDs to names.
func jurisdictionNames(ctx context.Context, db *sqldb.DB) (map[string]string, error) {
	names := map[string]string{}
	sbs, err := db.ListSubBureaus(ctx)
	if err != nil {
		return nil, err
	}
	for _, sb := range sbs {
		names[sb.ID] = sb.Name
	}
	for cursor := ""; ; {
		sts, next, err := db.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, s := range sts {
			names[s.ID] = s.Name
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	for cursor := ""; ; {
		pgs, next, err := db.ListPoliceGrids(ctx, precinct.GridFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, g := range pgs {
			names[g.ID] = g.Name
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	return names, nil
}

// describeScope names the narrowest level of a user's jurisdiction.
func describeScope(s precinct.Location, names map[string]string) string {
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n + " (" + id + ")"
		}
		return id
	}
	switch {
	case s.SubBureauID == "":
		return "全部 all"
	case s.PoliceGridID != "":
		return "警格 " + name(s.PoliceGridID)
	case s.StationID != "":
		return "派出所 " + name(s.StationID)
	default:
		return "分局 " + name(s.SubBureauID)
	}
}
