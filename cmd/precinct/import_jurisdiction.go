package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"precinct/auth"
	"precinct/jurisdiction"
	"precinct/routing"
	"precinct/sqldb"
)

// runImportJurisdiction implements "precinct import jurisdiction DIR [--data
// D | --db URL] [--dry-run] [--json]": it reads an import folder (see
// docs/jurisdiction.md), checks all of it, and stores it as an update of the
// organisation. New users get a password, printed once.
func runImportJurisdiction(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import jurisdiction", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(getenv, "PRECINCT_DATA", "data"), "data directory of the embedded database (PRECINCT_DATA)")
	dsn := fs.String("db", getenv("PRECINCT_DB"), "database: empty = SQLite in the data directory, or a postgres:// URL (PRECINCT_DB)")
	dryRun := fs.Bool("dry-run", false, "check the folder and say what would change, writing nothing")
	asJSON := fs.Bool("json", false, "print the counts of the organisation as one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: precinct import jurisdiction DIR [--data D | --db URL] [--dry-run] [--json]")
		fmt.Fprintln(fs.Output(), "\nImports or updates the organisation from a folder: divisions, boundaries, stations, grids, people, units and users (docs/jurisdiction.md).")
		fs.PrintDefaults()
	}
	dir, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("import jurisdiction: %s is not a folder", dir)
	}
	if *dsn == "" {
		if err := os.MkdirAll(*dataDir, 0o750); err != nil {
			return err
		}
		*dsn = filepath.Join(*dataDir, "precinct.db")
	}
	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	opt := jurisdiction.ImportOptions{DryRun: *dryRun}
	bar := newProgressPrinter(stderr)
	if !*asJSON {
		opt.Progress = func(stage string, done, total int) {
			bar.update(routing.Progress{Stage: stage, Done: int64(done), Total: int64(total)})
		}
	}
	res, err := jurisdiction.Import(ctx, db, os.DirFS(dir), opt)
	bar.finish()
	var ps jurisdiction.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(stderr, ps.Error())
		return fmt.Errorf("%d 处错误 / %d problems", len(ps), len(ps))
	} else if err != nil {
		return err
	}
	passwords, err := setPasswords(ctx, db, res.Diff.NewUsers, *dryRun)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res.Counts); err != nil {
			return err
		}
		printPasswords(stderr, passwords)
		return nil
	}
	printDiff(stdout, res, *dryRun)
	printPasswords(stdout, passwords)
	return nil
}

// setPasswords gives each new user a generated password.
func setPasswords(ctx context.Context, db *sqldb.DB, usernames []string, dryRun bool) ([][2]string, error) {
	if dryRun {
		return nil, nil
	}
	var out [][2]string
	for _, name := range usernames {
		u, err := db.FindUserByUsername(ctx, name)
		if err != nil {
			return nil, err
		}
		pw := auth.GeneratePassword()
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return nil, err
		}
		if err := db.SetPassword(ctx, u.ID, hash); err != nil {
			return nil, err
		}
		out = append(out, [2]string{name, pw})
	}
	return out, nil
}

func printPasswords(w io.Writer, pws [][2]string) {
	if len(pws) == 0 {
		return
	}
	fmt.Fprintln(w, "新用户的初始密码（只显示这一次）/ initial passwords of the new users (shown only this once):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range pws {
		fmt.Fprintf(tw, "  %s\t%s\n", p[0], p[1])
	}
	tw.Flush()
}

// printDiff says what the import added, changed and removed.
func printDiff(w io.Writer, res *jurisdiction.Result, dryRun bool) {
	head := "已导入 / imported"
	if dryRun {
		head = "试运行，未写入 / dry run, nothing written"
	}
	fmt.Fprintln(w, head)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\t共 total\t新增 added\t修改 changed\t撤销 removed")
	d := res.Diff
	rows := []struct {
		name                         string
		total, added, changed, moved int
	}{
		{"分局 sub-bureaus", res.Counts.SubBureaus, d.Added.SubBureaus, d.Changed.SubBureaus, d.Removed.SubBureaus},
		{"派出所 stations", res.Counts.Stations, d.Added.Stations, d.Changed.Stations, d.Removed.Stations},
		{"警务站 service stations", res.Counts.ServiceStations, d.Added.ServiceStations, d.Changed.ServiceStations, d.Removed.ServiceStations},
		{"警务室 community offices", res.Counts.CommunityOffices, d.Added.CommunityOffices, d.Changed.CommunityOffices, d.Removed.CommunityOffices},
		{"警格 police grids", res.Counts.PoliceGrids, d.Added.PoliceGrids, d.Changed.PoliceGrids, d.Removed.PoliceGrids},
		{"网格 community grids", res.Counts.CommunityGrids, d.Added.CommunityGrids, d.Changed.CommunityGrids, d.Removed.CommunityGrids},
		{"人员 people", res.Counts.People, d.Added.People, d.Changed.People, d.Removed.People},
		{"警力 units", res.Counts.Units, d.Added.Units, d.Changed.Units, d.Removed.Units},
		{"用户 users", res.Counts.Users, d.Added.Users, d.Changed.Users, d.Removed.Users},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", r.name, r.total, r.added, r.changed, r.moved)
	}
	tw.Flush()
	for _, j := range res.Jurisdictions {
		if j.SubBureau.Derived {
			fmt.Fprintf(w, "%s：部分区域和网格为推算（derived），非实测 / some areas and grids of %s are derived, not surveyed\n", j.SubBureau.Name, j.SubBureau.Name)
		}
	}
}
