package demo

import (
	"embed"
	"fmt"
	"io/fs"

	"precinct"
	"precinct/jurisdiction"
)

// The demo's import folder, built by Folder(1) and kept in the repository
// (go generate ./demo rewrites it; a test checks it is up to date). The
// server seeds the demo from it with the same importer as any jurisdiction.
//
//go:generate go run ./internal/mkfolder
//go:embed data/qianjiang
var folder embed.FS

// FolderFS is the demo's import folder, embedded in the binary.
func FolderFS() fs.FS {
	sub, err := fs.Sub(folder, "data/qianjiang")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// Folder generates the demo jurisdiction as an import folder, the same for
// the same seed: the real divisions and outline (GCJ-02, as published),
// with the stations, grids, people, units and users generated over them.
func Folder(seed int64) (jurisdiction.Folder, error) {
	j, err := generate(seed)
	if err != nil {
		return nil, err
	}
	divisions, err := data.ReadFile("data/qianjiang_villages.csv")
	if err != nil {
		return nil, err
	}
	fo, err := jurisdiction.Export([]*precinct.Jurisdiction{j}, divisions, precinct.GCJ02, uint64(seed))
	if err != nil {
		return nil, err
	}
	attribution, err := data.ReadFile("data/ATTRIBUTION.md")
	if err != nil {
		return nil, err
	}
	fo["ATTRIBUTION.md"] = attribution
	return fo, nil
}

// Qianjiang returns the demo jurisdiction, read by the importer (in
// WGS-84): seed 1 from the embedded folder the server seeds, another seed
// from a folder generated for it.
func Qianjiang(seed int64) (*precinct.Jurisdiction, error) {
	fsys := FolderFS()
	if seed != 1 {
		fo, err := Folder(seed)
		if err != nil {
			return nil, err
		}
		fsys = fo.FS()
	}
	js, err := jurisdiction.Read(fsys, jurisdiction.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo folder: %w", err)
	}
	return js[0], nil
}
