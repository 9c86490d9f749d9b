package http

import (
	"net/http"
	"strconv"
	"strings"

	"precinct"
)

// tileRoutes are the routes of the maps' own street tiles.
func (s *Server) tileRoutes() []route {
	return []route{
		{"GET /api/v1/tiles/{z}/{x}/{y}", false, s.handleTile},
	}
}

// handleTile answers GET /api/v1/tiles/{z}/{x}/{y}.mvt: a Mapbox Vector Tile
// of the streets of imported road data (empty without any).
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) error {
	ys, ok := strings.CutSuffix(r.PathValue("y"), ".mvt")
	if !ok {
		return precinct.FieldErrorf(precinct.EINVALID, "y", "图块地址应以 .mvt 结尾", "A tile's address ends in .mvt.")
	}
	var n [3]int
	for i, v := range []string{r.PathValue("z"), r.PathValue("x"), ys} {
		k, err := strconv.Atoi(v)
		if err != nil {
			return precinct.Errorf(precinct.EINVALID, "图块编号应为整数：%q", "Tile numbers are integers: %q.", v)
		}
		n[i] = k
	}
	b, err := s.Tiles.Tile(r.Context(), n[0], n[1], n[2])
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}
