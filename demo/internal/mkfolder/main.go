// Command mkfolder writes the demo's import folder, demo/data/qianjiang,
// from demo.Folder(1). Run it with go generate ./demo.
package main

import (
	"log"
	"os"
	"path/filepath"

	"precinct/demo"
)

func main() {
	fo, err := demo.Folder(1)
	if err != nil {
		log.Fatal(err)
	}
	dir := filepath.Join("data", "qianjiang")
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	if err := fo.WriteDir(dir); err != nil {
		log.Fatal(err)
	}
}
