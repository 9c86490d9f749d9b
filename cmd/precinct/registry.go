package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"precinct"
	"precinct/demo"
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

// seedRegistry stores the demo's generated registry (demo.RegistryOf) in
// one transaction: addresses, people with their ID numbers and phones
// sealed by the vault, houses, organisations, and the visits of the
// community officers over the last fourteen months, so that every grid
// shows records and the performance lists have a past. Like the
// jurisdiction's import, it is recorded without events.
func (m *Main) seedRegistry(ctx context.Context, j *precinct.Jurisdiction) error {
	start := time.Now()
	r, err := demo.RegistryOf(j, m.Clock.Now(), 1)
	if err != nil {
		return err
	}
	for _, res := range r.Residents {
		p := r.Personal[res.ID]
		if err := m.Registry.SealResident(res, p[0], p[1]); err != nil {
			return err
		}
	}
	byVisit := map[string][]*precinct.RecordChange{}
	for _, c := range r.Changes {
		byVisit[c.VisitID] = append(byVisit[c.VisitID], c)
	}
	err = m.Store.ApplyRegistryBatches(ctx, func(apply func(*precinct.RegistryWrite) error) error {
		if err := apply(&precinct.RegistryWrite{NewAddresses: r.Addresses}); err != nil {
			return err
		}
		const n = 2000
		for i := 0; i < len(r.Residents) || i < len(r.Houses) || i < len(r.Organisations); i += n {
			w := &precinct.RegistryWrite{NewHouses: window(r.Houses, i, n), NewResidents: window(r.Residents, i, n), NewOrganisations: window(r.Organisations, i, n)}
			if err := apply(w); err != nil {
				return err
			}
		}
		for _, v := range r.Visits {
			if err := apply(&precinct.RegistryWrite{Visit: v, Changes: byVisit[v.ID]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "演示一标三实（合成数据）/ demo registry (synthetic): %d 人 residents, %d 房屋 houses, %d 单位 organisations, %d 次走访 visits in %.1f s\n",
		len(r.Residents), len(r.Houses), len(r.Organisations), len(r.Visits), time.Since(start).Seconds())
	return nil
}

// window returns xs[i:i+n], clipped.
func window[T any](xs []T, i, n int) []T {
	if i >= len(xs) {
		return nil
	}
	return xs[i:min(i+n, len(xs))]
}
