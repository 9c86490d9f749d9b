// Command precinct runs the Precinct police-station operations platform.
//
// Usage:
//
//	precinct serve [--addr A] [--data DIR] [--db URL] [--nats URL] [--demo]
//	precinct users [--data DIR] [--db URL]
//	precinct import osm FILE [--data DIR]
//	precinct import jurisdiction DIR [--data DIR | --db URL] [--dry-run] [--json]
//	precinct route --data DIR --from LON,LAT --to LON,LAT [--to LON,LAT …] [--profile car] [--json]
//	precinct sim [--scenario qianjiang|foshan|nanning|FILE] [--days N] [--seed S] [--policy legacy|reform|FILE] [--json] [--target URL]
//	precinct vault keygen ID | reseal [--check]
//	precinct version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "precinct:", err)
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand. It is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return flag.ErrHelp
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "users":
		return runUsers(ctx, rest, getenv, stdout)
	case "import":
		switch {
		case len(rest) > 0 && rest[0] == "osm":
			return runImportOSM(ctx, rest[1:], stdout, stderr)
		case len(rest) > 0 && rest[0] == "jurisdiction":
			return runImportJurisdiction(ctx, rest[1:], getenv, stdout, stderr)
		}
		return errors.New("usage: precinct import osm FILE [--data DIR] | precinct import jurisdiction DIR [--data D | --db URL] [--dry-run] [--json]")
	case "route":
		return runRoute(ctx, rest, stdout, stderr)
	case "sim":
		return runSim(ctx, rest, getenv, stdout, stderr)
	case "vault":
		return runVault(ctx, rest, getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "precinct", version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Precinct — 派出所综合警务平台 / police-station operations platform

Usage:
  precinct serve [flags]        run the server (precinct serve -h for flags)
  precinct users                list users with role and jurisdiction
  precinct import osm FILE      build the road-routing graph from OpenStreetMap data
  precinct import jurisdiction DIR
                                import or update the organisation from a folder (docs/jurisdiction.md)
  precinct route --from LON,LAT --to LON,LAT [--to LON,LAT …]
                                travel time and road distance between two points,
                                or from one point to several (a table, --json)
  precinct sim                  simulate a district under the legacy and reform organisation
  precinct vault keygen ID       print a new key pair for sealing personal data
  precinct vault reseal         re-encrypt stored personal data after a key rotation
  precinct version
`)
}

// runServe runs the server until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := ParseServeFlags(args, getenv)
	if err != nil {
		return err
	}
	// A person at a first start waits for the console, not for the demo's
	// past.
	cfg.DemoPastInBackground = true
	m := NewMain(cfg, stdout, stderr)
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	return m.Close()
}
