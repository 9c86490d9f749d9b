package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Environment variables that hold the keys in production.
const (
	EnvKey     = "PRECINCT_VAULT_KEY"      // the key specification itself
	EnvKeyFile = "PRECINCT_VAULT_KEY_FILE" // the path of a file holding it
)

// DevKeyFile is the name of the key file generated in the data directory when
// neither variable is set (demo and development only).
const DevKeyFile = "vault.keys"

// Origin says where Load found the keys.
type Origin struct {
	// Source is "env", "file" or "generated" (a development key file in the
	// data directory, new or from an earlier start).
	Source string
	// Path is the key file, for "file" and "generated".
	Path string
	// Created reports that Load wrote a new development key file.
	Created bool
}

// Load returns the vault configured by the environment: PRECINCT_VAULT_KEY,
// or the file named by PRECINCT_VAULT_KEY_FILE (not both). Without either it
// uses DevKeyFile in dataDir, generating it (mode 0600) at first start; the
// caller warns that such a key is for demonstration only.
func Load(getenv func(string) string, dataDir string) (*Vault, Origin, error) {
	spec, path := getenv(EnvKey), getenv(EnvKeyFile)
	switch {
	case spec != "" && path != "":
		return nil, Origin{}, fmt.Errorf("vault: set %s or %s, not both", EnvKey, EnvKeyFile)
	case spec != "":
		v, err := Parse(spec)
		if err != nil {
			return nil, Origin{}, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return v, Origin{Source: "env"}, nil
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, Origin{}, fmt.Errorf("%s: %w", EnvKeyFile, err)
		}
		v, err := Parse(string(b))
		if err != nil {
			return nil, Origin{}, fmt.Errorf("%s %s: %w", EnvKeyFile, path, err)
		}
		return v, Origin{Source: "file", Path: path}, nil
	}
	path = filepath.Join(dataDir, DevKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		v, err := Parse(string(b))
		if err != nil {
			return nil, Origin{}, fmt.Errorf("vault key file %s: %w", path, err)
		}
		return v, Origin{Source: "generated", Path: path}, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, Origin{}, fmt.Errorf("vault key file: %w", err)
	}
	spec, err = Generate("dev1")
	if err != nil {
		return nil, Origin{}, err
	}
	// Written aside and linked into place: of two nodes starting on one data
	// directory, one creates the file and the other reads the whole of it.
	tmp, err := os.CreateTemp(dataDir, ".vault-*.tmp")
	if err != nil {
		return nil, Origin{}, fmt.Errorf("vault key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, Origin{}, err
	}
	if _, err := tmp.WriteString(spec); err != nil {
		tmp.Close()
		return nil, Origin{}, fmt.Errorf("vault key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, Origin{}, err
	}
	if err := tmp.Close(); err != nil {
		return nil, Origin{}, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return Load(getenv, dataDir)
	} else if err != nil {
		return nil, Origin{}, fmt.Errorf("vault key file: %w", err)
	}
	v, err := Parse(spec)
	return v, Origin{Source: "generated", Path: path, Created: true}, err
}
