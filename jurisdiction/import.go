package jurisdiction

import (
	"context"
	"io/fs"
	"testing/fstest"

	"precinct"
)

// Store is what Import writes to.
type Store interface {
	ApplyJurisdictions(ctx context.Context, js []*precinct.Jurisdiction, dryRun bool) (*precinct.OrgDiff, error)
	FindStation(ctx context.Context, id string) (*precinct.Station, error)
}

// ImportOptions tune Import.
type ImportOptions struct {
	// DryRun checks everything and says what would change, writing nothing.
	DryRun bool
	// Prepare, if set, is called with the jurisdictions read before they
	// are stored (to set password hashes or first positions' times).
	Prepare func([]*precinct.Jurisdiction) error
	// Progress, if set, is told how far the import has gone.
	Progress func(stage string, done, total int)
}

// Result is what an import read and what it changed.
type Result struct {
	Jurisdictions []*precinct.Jurisdiction
	// Counts are the folder's entities: the organisation after the import.
	Counts precinct.OrgCounts
	Diff   *precinct.OrgDiff
}

// Import reads and checks a folder, then stores it as an update of what
// is stored, in one transaction: every problem of the folder (Problems)
// or of the store (a removed station with open incidents, a username of
// another jurisdiction) leaves the store as it was.
func Import(ctx context.Context, st Store, fsys fs.FS, opt ImportOptions) (*Result, error) {
	known := func(id string) bool {
		_, err := st.FindStation(ctx, id)
		return err == nil
	}
	js, err := Read(fsys, Options{KnownStation: known, Progress: opt.Progress})
	if err != nil {
		return nil, err
	}
	if opt.Prepare != nil {
		if err := opt.Prepare(js); err != nil {
			return nil, err
		}
	}
	if opt.Progress != nil {
		opt.Progress("store", 0, 1)
	}
	d, err := st.ApplyJurisdictions(ctx, js, opt.DryRun)
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress("store", 1, 1)
	}
	return &Result{Jurisdictions: js, Counts: precinct.CountOrg(js...), Diff: d}, nil
}

// FS returns the folder as a file system to Read.
func (fo Folder) FS() fs.FS {
	m := fstest.MapFS{}
	for name, b := range fo {
		m[name] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return m
}
