// Package precinct holds the domain of the Precinct police-station operations
// platform: its organisation (sub-bureaus, stations with two teams and one
// office, police service stations), its people and users, its geography
// (police grids over community grids), incidents and units with their state
// machines, the event log, and the interfaces of the services that store and
// move them. It imports only the standard library; adapters (sqldb, natsbus,
// http…) implement or consume what is declared here, and cmd/precinct wires them.
package precinct

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"math"
	"strings"
	"time"
)

// Clock tells the time. Domain logic takes a Clock instead of calling time.Now
// so that the simulator can run the same code on a virtual clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Point is a position in degrees: longitude then latitude, as in GeoJSON.
type Point struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Validate reports an EINVALID error for coordinates outside the WGS-84 range
// or not finite. field names the request field for the error.
func (p Point) Validate(field string) error {
	if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || math.IsInf(p.Lon, 0) || math.IsInf(p.Lat, 0) ||
		p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90 {
		return FieldErrorf(EINVALID, field, "坐标超出范围：经度应在 -180 至 180，纬度应在 -90 至 90",
			"Coordinates out of range: longitude must be within -180..180 and latitude within -90..90.")
	}
	return nil
}

// IsZero reports whether p is the zero point (no position).
func (p Point) IsZero() bool { return p.Lon == 0 && p.Lat == 0 }

// EarthRadiusM is the mean radius of the Earth in metres, of every
// great-circle distance here.
const EarthRadiusM = 6371008.8

// DistanceM returns the great-circle distance between a and b in metres.
func DistanceM(a, b Point) float64 { return DistanceTo(b).From(a) }

// Destination measures great-circle distances to one point, the cosine of
// its latitude computed once: From(a) is DistanceM(a, to) to the last bit.
type Destination struct {
	to     Point
	cosLat float64
}

// DistanceTo returns the Destination of to.
func DistanceTo(to Point) Destination {
	const rad = math.Pi / 180
	return Destination{to: to, cosLat: math.Cos(to.Lat * rad)}
}

// From returns the great-circle distance from a in metres.
func (d Destination) From(a Point) float64 {
	const rad = math.Pi / 180
	b := d.to
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	// Each sine once (the compiler does not merge the calls).
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2)
	h := sLat*sLat + math.Cos(a.Lat*rad)*d.cosLat*sLon*sLon
	return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Datum names the geodetic datum of a jurisdiction's coordinates. Chinese web
// maps use GCJ-02; GPS and OpenStreetMap use WGS-84.
type Datum string

const (
	WGS84 Datum = "WGS84"
	GCJ02 Datum = "GCJ02"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new identifier with the given prefix, for example "inc_…".
// IDs sort by creation time (millisecond prefix) and carry 80 random bits.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
