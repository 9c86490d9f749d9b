package jurisdiction

import (
	"hash/fnv"
	"math/rand/v2"

	"precinct"
	"precinct/geo"
)

// derive completes what the folder leaves out, as the demo does and marked
// derived: a station's area is its townships' boundaries, else its Voronoi
// cell of the district among the stations; a station without police grids
// in the file gets one per village or community of its townships (Voronoi
// cells around spread points), and a police grid without community grids
// gets one covering it. A derived grid's officer or worker is the first
// person of the grid of that kind.
func (f *folder) derive() error {
	for _, j := range f.order {
		var sts []*stationRow
		for _, s := range f.stOrder {
			if s.sub == j {
				sts = append(sts, s)
			}
		}
		whole := true
		for _, s := range sts {
			for _, tw := range s.townships {
				if f.areas[tw] == nil {
					whole = false
				}
			}
		}
		if whole {
			for _, s := range sts {
				for _, tw := range s.townships {
					s.Boundary = append(s.Boundary, f.areas[tw]...)
				}
			}
		} else if len(sts) > 0 {
			seeds := make([]precinct.Point, len(sts))
			for i, s := range sts {
				seeds[i] = s.Location
			}
			for i, cell := range geo.Voronoi(j.SubBureau.Boundary, seeds) {
				sts[i].Boundary = cell
			}
			j.SubBureau.Derived = true
		}
		for _, s := range sts {
			j.Stations = append(j.Stations, s.Station)
		}
	}
	for _, g := range f.pgOrder {
		st := f.stations[g.StationID[len("ps-"):]]
		st.sub.PoliceGrids = append(st.sub.PoliceGrids, g)
		if g.Derived {
			st.sub.SubBureau.Derived = true
		}
	}
	for _, s := range f.stOrder {
		if f.hasGrids(s) {
			continue
		}
		if err := f.derivePoliceGrids(s); err != nil {
			return err
		}
	}
	// People by police grid, for derived grids' officers and workers.
	byGrid := map[string][]*precinct.Person{}
	for _, j := range f.order {
		for _, p := range j.People {
			if p.PoliceGridID != "" {
				byGrid[p.PoliceGridID] = append(byGrid[p.PoliceGridID], p)
			}
		}
	}
	hasCG := map[string]bool{}
	for _, g := range f.cgs {
		hasCG[g.PoliceGridID] = true
		pg := f.pgByCode[g.PoliceGridID[len("pg-"):]]
		st := f.stations[pg.StationID[len("ps-"):]]
		st.sub.CommunityGrids = append(st.sub.CommunityGrids, g)
		if g.Derived {
			st.sub.SubBureau.Derived = true
		}
	}
	workers := map[string]bool{}
	for _, g := range f.cgs {
		workers[g.WorkerID] = true
	}
	for _, j := range f.order {
		for _, pg := range j.PoliceGrids {
			if pg.OfficerID == "" {
				for _, p := range byGrid[pg.ID] {
					if p.Kind == precinct.PersonOfficer {
						pg.OfficerID = p.ID
						break
					}
				}
			}
			if hasCG[pg.ID] {
				continue
			}
			cg := &precinct.CommunityGrid{ID: "cg-" + pg.Code + "-1", PoliceGridID: pg.ID, Name: pg.Name + "网格", Boundary: pg.Boundary, Derived: true}
			for _, p := range byGrid[pg.ID] {
				if (p.Kind == precinct.PersonAuxiliary || p.Kind == precinct.PersonGridWorker) && !workers[p.ID] {
					cg.WorkerID = p.ID
					workers[p.ID] = true
					break
				}
			}
			j.CommunityGrids = append(j.CommunityGrids, cg)
			j.SubBureau.Derived = true
		}
	}
	return nil
}

// derivePoliceGrids makes a station's police grids from the villages and
// communities of its townships.
func (f *folder) derivePoliceGrids(s *stationRow) error {
	var villages []*Division
	for _, tw := range s.townships {
		villages = append(villages, f.children[tw]...)
	}
	j := s.sub
	j.SubBureau.Derived = true
	if len(villages) == 0 {
		g := &precinct.PoliceGrid{ID: "pg-" + s.Code, StationID: s.ID, Name: s.Name + "警格", Code: s.Code, Boundary: s.Boundary, Derived: true}
		f.pgByCode[g.Code] = g
		j.PoliceGrids = append(j.PoliceGrids, g)
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(s.Code))
	rng := rand.New(rand.NewPCG(f.manifest.Seed, h.Sum64()))
	seeds := geo.SpreadPoints(s.Boundary, len(villages), rng)
	if len(seeds) < len(villages) {
		return Problems{{File: StationsTable, Field: "townships", Message: "派出所 " + s.Code + " 的辖区太小，无法划分警格",
			MessageEN: "The area of station " + s.Code + " is too small to derive its police grids."}}
	}
	cells := geo.Voronoi(s.Boundary, seeds)
	for i, v := range villages {
		if len(cells[i]) == 0 {
			continue
		}
		g := &precinct.PoliceGrid{ID: "pg-" + v.Code, StationID: s.ID, Name: v.Name, Code: v.Code, Boundary: cells[i], Derived: true}
		f.pgByCode[g.Code] = g
		j.PoliceGrids = append(j.PoliceGrids, g)
	}
	return nil
}
