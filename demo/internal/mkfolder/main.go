// Command mkfolder writes the demo's import folders: demo/data/qianjiang
// from demo.Folder(1), and demo/data/foshan from the published divisions
// and outlines of 佛山市 in the shared data folder (-shared, default
// ../../shared/data from the demo folder, or PRECINCT_SHARED_DATA). Run it
// with go generate ./demo.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"precinct/demo"
	"precinct/jurisdiction"
)

func main() {
	def := os.Getenv("PRECINCT_SHARED_DATA")
	if def == "" {
		def = filepath.Join("..", "..", "shared", "data")
	}
	shared := flag.String("shared", def, "the shared data folder (divisions/foshan_*)")
	flag.Parse()
	fo, err := demo.Folder(1)
	if err != nil {
		log.Fatal(err)
	}
	write(filepath.Join("data", "qianjiang"), fo)
	divisions, err := os.ReadFile(filepath.Join(*shared, "divisions", "foshan_communities.csv"))
	if err != nil {
		log.Printf("foshan folder left as it is: %v", err)
		return
	}
	districts, err := os.ReadFile(filepath.Join(*shared, "divisions", "foshan_districts.geojson"))
	if err != nil {
		log.Fatal(err)
	}
	fs, err := demo.FoshanFolder(divisions, districts, 0)
	if err != nil {
		log.Fatal(err)
	}
	attribution, err := os.ReadFile(filepath.Join("data", "foshan", "ATTRIBUTION.md"))
	if err != nil {
		log.Fatal(err)
	}
	fs["ATTRIBUTION.md"] = attribution
	write(filepath.Join("data", "foshan"), fs)
}

func write(dir string, fo jurisdiction.Folder) {
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	if err := fo.WriteDir(dir); err != nil {
		log.Fatal(err)
	}
}
