package streets

import (
	"compress/gzip"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"precinct"
)

// fileVersion is the version of the saved format.
const fileVersion = 1

// Path returns where the streets of a data directory are saved.
func Path(dataDir string) string { return filepath.Join(dataDir, "streets", "streets.gob.gz") }

type fileHeader struct {
	Version int
	Data    *Data
}

// Save writes d to path: to a temporary file, synced, then renamed.
func (d *Data) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".streets-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	zw := gzip.NewWriter(tmp)
	if err := gob.NewEncoder(zw).Encode(fileHeader{Version: fileVersion, Data: d}); err != nil {
		tmp.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Read reads streets saved by Save. A missing file is ENOTFOUND; a damaged
// one or one of another version is EINVALID.
func Read(path string) (*Data, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, precinct.ErrNotFound("道路数据", "Street data", path)
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, damaged(path, err)
	}
	var h fileHeader
	if err := gob.NewDecoder(zr).Decode(&h); err != nil {
		return nil, damaged(path, err)
	}
	if h.Version != fileVersion || h.Data == nil {
		return nil, damaged(path, fmt.Errorf("version %d, want %d", h.Version, fileVersion))
	}
	return h.Data, nil
}

func damaged(path string, err error) error {
	return precinct.Errorf(precinct.EINVALID, "道路数据文件 %s 已损坏，请重新导入（%v）", "The street data file %s is damaged; import it again (%v).", path, err)
}
