package precinct

import "fmt"

// Check reports the first inconsistency of a whole jurisdiction: an entity
// without what it needs, or a reference to what is not in it (a partner
// station may be of another jurisdiction). Each error is EINVALID with the
// field at fault, named kind[ID].field.
func (j *Jurisdiction) Check() error {
	bad := func(kind, id, field, zh, en string, args ...any) error {
		return FieldErrorf(EINVALID, fmt.Sprintf("%s[%s].%s", kind, id, field), zh, en, args...)
	}
	stations := map[string]*Station{}
	for _, s := range j.Stations {
		stations[s.ID] = s
	}
	for _, s := range j.Stations {
		switch {
		case s.ID == "" || s.Name == "":
			return bad("stations", s.ID, "name", "派出所须有编号和名称", "A station needs an ID and a name.")
		case !s.Kind.Valid():
			return bad("stations", s.ID, "kind", "未知的派出所类型 %q", "Unknown station kind %q.", s.Kind)
		case s.SubBureauID != j.SubBureau.ID:
			return bad("stations", s.ID, "sub_bureau_id", "派出所不属于该分局", "The station is not of this sub-bureau.")
		case s.Location.IsZero() || s.Location.Validate("location") != nil:
			return bad("stations", s.ID, "location", "派出所位置无效", "The station's location is invalid.")
		case s.CentralID != "" && (stations[s.CentralID] == nil || stations[s.CentralID].Kind != StationCentral):
			return bad("stations", s.ID, "central_id", "中心所 %s 不是本分局的中心所", "%s is not a central station of this sub-bureau.", s.CentralID)
		}
		if err := checkPolygon(s.Boundary); err != nil {
			return bad("stations", s.ID, "boundary", "辖区多边形无效：%s", "Invalid area polygon: %s", err.Error())
		}
	}
	for _, s := range j.ServiceStations {
		a, b := stations[s.StationIDs[0]], stations[s.StationIDs[1]]
		switch {
		case s.ID == "" || s.Name == "":
			return bad("service-stations", s.ID, "name", "警务站须有编号和名称", "A service station needs an ID and a name.")
		case a == nil || b == nil || a == b:
			return bad("service-stations", s.ID, "station_ids", "警务站须绑定本分局两个不同的派出所（1+1）", "A service station is bound to two different stations of this sub-bureau (1+1).")
		case s.Location.IsZero() || s.Location.Validate("location") != nil:
			return bad("service-stations", s.ID, "location", "位置无效", "The location is invalid.")
		}
	}
	grids := map[string]*PoliceGrid{}
	for _, g := range j.PoliceGrids {
		grids[g.ID] = g
		switch {
		case g.ID == "" || g.Name == "":
			return bad("police-grids", g.ID, "name", "警格须有编号和名称", "A police grid needs an ID and a name.")
		case stations[g.StationID] == nil:
			return bad("police-grids", g.ID, "station_id", "派出所 %s 不在本分局", "The station %s is not of this sub-bureau.", g.StationID)
		}
		if err := checkPolygon(g.Boundary); err != nil {
			return bad("police-grids", g.ID, "boundary", "警格多边形无效：%s", "Invalid police grid polygon: %s", err.Error())
		}
	}
	for _, g := range j.CommunityGrids {
		switch {
		case g.ID == "" || g.Name == "":
			return bad("community-grids", g.ID, "name", "网格须有编号和名称", "A community grid needs an ID and a name.")
		case grids[g.PoliceGridID] == nil:
			return bad("community-grids", g.ID, "police_grid_id", "警格 %s 不在本分局", "The police grid %s is not of this sub-bureau.", g.PoliceGridID)
		}
		if err := checkPolygon(g.Boundary); err != nil {
			return bad("community-grids", g.ID, "boundary", "网格多边形无效：%s", "Invalid community grid polygon: %s", err.Error())
		}
	}
	for _, o := range j.CommunityOffices {
		switch {
		case o.ID == "" || o.Name == "":
			return bad("community-offices", o.ID, "name", "警务室须有编号和名称", "A community office needs an ID and a name.")
		case stations[o.StationID] == nil:
			return bad("community-offices", o.ID, "station_id", "派出所 %s 不在本分局", "The station %s is not of this sub-bureau.", o.StationID)
		case o.PoliceGridID != "" && (grids[o.PoliceGridID] == nil || grids[o.PoliceGridID].StationID != o.StationID):
			return bad("community-offices", o.ID, "police_grid_id", "警格 %s 不属于该派出所", "The police grid %s is not of that station.", o.PoliceGridID)
		case o.Location.IsZero() || o.Location.Validate("location") != nil:
			return bad("community-offices", o.ID, "location", "位置无效", "The location is invalid.")
		}
	}
	services := map[string]bool{}
	for _, s := range j.ServiceStations {
		services[s.ID] = true
	}
	people := map[string]bool{}
	for _, p := range j.People {
		people[p.ID] = true
		switch {
		case p.ID == "" || p.Name == "":
			return bad("people", p.ID, "name", "人员须有编号和姓名", "A person needs an ID and a name.")
		case p.Kind == "":
			return bad("people", p.ID, "kind", "人员须有类别", "A person needs a kind.")
		case p.StationID != "" && stations[p.StationID] == nil:
			return bad("people", p.ID, "station_id", "派出所 %s 不在本分局", "The station %s is not of this sub-bureau.", p.StationID)
		case p.ServiceStationID != "" && !services[p.ServiceStationID]:
			return bad("people", p.ID, "service_station_id", "警务站 %s 不在本分局", "The service station %s is not of this sub-bureau.", p.ServiceStationID)
		case p.PoliceGridID != "" && grids[p.PoliceGridID] == nil:
			return bad("people", p.ID, "police_grid_id", "警格 %s 不在本分局", "The police grid %s is not of this sub-bureau.", p.PoliceGridID)
		case p.StationID == "" && p.ServiceStationID == "":
			return bad("people", p.ID, "station_id", "人员须属于一个派出所或警务站", "A person belongs to a station or a service station.")
		}
	}
	units := map[string]bool{}
	for _, u := range j.Units {
		units[u.ID] = true
		switch {
		case u.ID == "" || u.Callsign == "":
			return bad("units", u.ID, "callsign", "警力须有编号和呼号", "A unit needs an ID and a callsign.")
		case !u.Kind.Valid():
			return bad("units", u.ID, "kind", "未知的警力类型 %q", "Unknown unit kind %q.", u.Kind)
		case u.SubBureauID != j.SubBureau.ID:
			return bad("units", u.ID, "sub_bureau_id", "警力不属于该分局", "The unit is not of this sub-bureau.")
		case u.StationID != "" && stations[u.StationID] == nil:
			return bad("units", u.ID, "station_id", "派出所 %s 不在本分局", "The station %s is not of this sub-bureau.", u.StationID)
		case u.ServiceStationID != "" && !services[u.ServiceStationID]:
			return bad("units", u.ID, "service_station_id", "警务站 %s 不在本分局", "The service station %s is not of this sub-bureau.", u.ServiceStationID)
		case u.StationID == "" && u.ServiceStationID == "":
			return bad("units", u.ID, "station_id", "警力须属于一个派出所或警务站", "A unit belongs to a station or a service station.")
		case u.PoliceGridID != "" && grids[u.PoliceGridID] == nil:
			return bad("units", u.ID, "police_grid_id", "警格 %s 不在本分局", "The police grid %s is not of this sub-bureau.", u.PoliceGridID)
		}
		for _, m := range u.Members {
			if !people[m] {
				return bad("units", u.ID, "members", "成员 %s 不在本分局人员中", "The member %s is not a person of this sub-bureau.", m)
			}
		}
	}
	for _, u := range j.Users {
		if err := u.Validate(); err != nil {
			return err
		}
		sc := u.Scope
		switch {
		case u.Role == RoleAdmin && sc.SubBureauID == "":
			return bad("users", u.Username, "role", "此处不能创建全局系统管理员", "A system administrator of everything is not made here.")
		case sc.SubBureauID != j.SubBureau.ID:
			return bad("users", u.Username, "scope", "用户辖区不属于该分局", "The user's jurisdiction is not this sub-bureau.")
		case sc.StationID != "" && stations[sc.StationID] == nil:
			return bad("users", u.Username, "scope.station_id", "派出所 %s 不在本分局", "The station %s is not of this sub-bureau.", sc.StationID)
		case sc.PoliceGridID != "" && (grids[sc.PoliceGridID] == nil || grids[sc.PoliceGridID].StationID != sc.StationID):
			return bad("users", u.Username, "scope.police_grid_id", "警格 %s 不属于该派出所", "The police grid %s is not of that station.", sc.PoliceGridID)
		case u.PersonID != "" && !people[u.PersonID]:
			return bad("users", u.Username, "person_id", "人员 %s 不在本分局", "The person %s is not of this sub-bureau.", u.PersonID)
		case u.UnitID != "" && !units[u.UnitID]:
			return bad("users", u.Username, "unit_id", "警力 %s 不在本分局", "The unit %s is not of this sub-bureau.", u.UnitID)
		}
	}
	return nil
}

// checkPolygon checks rings: closed, four points or more, valid
// coordinates, no edge crossing another of the same polygon.
func checkPolygon(m MultiPolygon) error {
	for _, poly := range m {
		for _, ring := range poly {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return fmt.Errorf("ring of %d points, or not closed", len(ring))
			}
			for _, p := range ring {
				if p.Validate("boundary") != nil {
					return fmt.Errorf("coordinates out of range")
				}
			}
		}
		if SelfIntersects(poly) {
			return fmt.Errorf("edges cross")
		}
	}
	return nil
}

// SelfIntersects reports whether two edges of a polygon's rings cross
// (touching at a shared vertex of neighbouring edges is fine).
func SelfIntersects(poly Polygon) bool {
	type seg struct{ a, b Point }
	var segs []seg
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			if r[i] != r[i+1] {
				segs = append(segs, seg{r[i], r[i+1]})
			}
		}
	}
	for i := 0; i < len(segs); i++ {
		for k := i + 1; k < len(segs); k++ {
			s, t := segs[i], segs[k]
			if s.a == t.a || s.a == t.b || s.b == t.a || s.b == t.b {
				continue
			}
			if segmentsCross(s.a, s.b, t.a, t.b) {
				return true
			}
		}
	}
	return false
}

func orient(a, b, c Point) float64 { return (b.Lon-a.Lon)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lon-a.Lon) }

// segmentsCross reports whether segments ab and cd share a point.
func segmentsCross(a, b, c, d Point) bool {
	d1, d2, d3, d4 := orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
	if (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0) {
		return true
	}
	on := func(p, q, r Point) bool { // r on segment pq, given collinear
		return min(p.Lon, q.Lon) <= r.Lon && r.Lon <= max(p.Lon, q.Lon) && min(p.Lat, q.Lat) <= r.Lat && r.Lat <= max(p.Lat, q.Lat)
	}
	return d1 == 0 && on(c, d, a) || d2 == 0 && on(c, d, b) || d3 == 0 && on(a, b, c) || d4 == 0 && on(a, b, d)
}
