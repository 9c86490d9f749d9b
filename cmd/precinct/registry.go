package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"precinct"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/vault"
)

// openVault loads the keys that seal personal data: PRECINCT_VAULT_KEY or
// PRECINCT_VAULT_KEY_FILE, else a development key file in the data
// directory, with a warning at every start.
func openVault(cfg Config, logger interface{ Warn(string, ...any) }) (*vault.Vault, error) {
	getenv := func(k string) string {
		switch k {
		case vault.EnvKey:
			return cfg.VaultKey
		case vault.EnvKeyFile:
			return cfg.VaultKeyFile
		}
		return ""
	}
	v, origin, err := vault.Load(getenv, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if origin.Source == "generated" {
		logger.Warn("personal data is sealed with a development key kept in the data directory; set PRECINCT_VAULT_KEY or PRECINCT_VAULT_KEY_FILE in production (docs/vault.md)",
			"path", origin.Path, "new", origin.Created)
	}
	return v, nil
}

// openRegistry builds the registry service of the node.
func (m *Main) openRegistry(resolver precinct.Resolver) error {
	v, err := openVault(m.Config, m.Logger)
	if err != nil {
		return err
	}
	m.Registry = &registry.Service{Store: m.Store, Vault: v, Resolver: resolver, Clock: m.Clock, Notify: m.Relay.Notify}
	return nil
}

// runVault runs `precinct vault keygen ID` (print a new key pair) and
// `precinct vault reseal [--check]` (re-encrypt stored personal data under
// the current keys, after a rotation).
func runVault(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	usage := fmt.Errorf("usage: precinct vault keygen ID | precinct vault reseal [--check] [--data DIR] [--db URL]")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "keygen":
		if len(args) != 2 {
			return usage
		}
		for _, kind := range []string{vault.KindEncrypt, vault.KindHash} {
			line, err := vault.NewKey(kind, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, line)
		}
		return nil
	case "reseal":
		fs := flag.NewFlagSet("vault reseal", flag.ContinueOnError)
		data := fs.String("data", envOr(getenv, "PRECINCT_DATA", "data"), "data directory (PRECINCT_DATA)")
		dsn := fs.String("db", getenv("PRECINCT_DB"), "database URL; empty = SQLite in the data directory (PRECINCT_DB)")
		check := fs.Bool("check", false, "only count the values still under older keys")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *dsn == "" {
			*dsn = filepath.Join(*data, "precinct.db")
		}
		v, origin, err := vault.Load(getenv, *data)
		if err != nil {
			return err
		}
		if origin.Created {
			return fmt.Errorf("no vault keys: set %s or %s (a new key was generated in %s, which opens nothing stored)", vault.EnvKey, vault.EnvKeyFile, origin.Path)
		}
		db, err := sqldb.Open(ctx, *dsn, sqldb.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		svc := &registry.Service{Store: db, Vault: v}
		if *check {
			n, err := svc.CountStale(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%d 个值仍在旧密钥下 / values still under older keys\n", n)
			return nil
		}
		n, err := svc.Reseal(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已重新加密 %d 个值 / resealed %d values (keys %s)\n", n, n, v)
		return nil
	}
	return usage
}
