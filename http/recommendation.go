package http

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"precinct"
)

// The recommendation is the console's most frequent read while a call is
// open, so its JSON is written by hand into a pooled buffer: no reflection,
// one write with a Content-Length. AppendRecommendation writes exactly the
// bytes encoding/json writes for a *precinct.Recommendation (with HTML
// escaping off, as writeJSON), newline included; TestRecommendationJSON
// compares the two on random recommendations.

var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeRecommendation writes rec as a 200 response.
func writeRecommendation(w http.ResponseWriter, rec *precinct.Recommendation) {
	if rec == nil || !encodable(rec) {
		writeJSON(w, http.StatusOK, rec)
		return
	}
	bp := jsonBuffers.Get().(*[]byte)
	b := AppendRecommendation((*bp)[:0], rec)
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 {
		*bp = b[:0]
		jsonBuffers.Put(bp)
	}
}

// contentTypeJSON is the Content-Type of JSON responses; it is only read.
var contentTypeJSON = []string{"application/json; charset=utf-8"}

// AppendRecommendation appends to b the JSON the server answers for rec,
// newline included: the bytes encoding/json writes with HTML escaping off,
// for a recommendation of finite numbers and times of years 0–9999.
func AppendRecommendation(b []byte, rec *precinct.Recommendation) []byte {
	b = append(b, `{"incident_id":`...)
	b = appendJSONString(b, rec.IncidentID)
	b = append(b, `,"route":`...)
	b = appendRoute(b, &rec.Route)
	b = append(b, `,"router":`...)
	b = appendJSONString(b, rec.Router)
	b = append(b, `,"candidates":`...)
	if rec.Candidates == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range rec.Candidates {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCandidate(b, &rec.Candidates[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"excluded":`...)
	if rec.Excluded == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, e := range rec.Excluded {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"unit_id":`...)
			b = appendJSONString(b, e.UnitID)
			b = append(b, `,"reason":`...)
			b = appendJSONString(b, e.Reason)
			b = append(b, `,"reason_en":`...)
			b = appendJSONString(b, e.ReasonEN)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func appendRoute(b []byte, r *precinct.Route) []byte {
	b = append(b, `{"rule_id":`...)
	b = appendJSONString(b, r.RuleID)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, r.Reason)
	b = append(b, `,"reason_en":`...)
	b = appendJSONString(b, r.ReasonEN)
	b = append(b, `,"handler":`...)
	b = appendJSONString(b, string(r.Handler))
	if r.FirstReceiptOfficerID != "" {
		b = append(b, `,"first_receipt_officer_id":`...)
		b = appendJSONString(b, r.FirstReceiptOfficerID)
	}
	if len(r.StationIDs) > 0 {
		b = append(b, `,"station_ids":[`...)
		for i, id := range r.StationIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, id)
		}
		b = append(b, ']')
	}
	if r.ServiceStationID != "" {
		b = append(b, `,"service_station_id":`...)
		b = appendJSONString(b, r.ServiceStationID)
	}
	if len(r.UnitKinds) > 0 {
		b = append(b, `,"unit_kinds":[`...)
		for i, k := range r.UnitKinds {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, string(k))
		}
		b = append(b, ']')
	}
	if r.DispatchedBy != "" {
		b = append(b, `,"dispatched_by":`...)
		b = appendJSONString(b, r.DispatchedBy)
	}
	return append(b, '}')
}

func appendCandidate(b []byte, c *precinct.Candidate) []byte {
	b = append(b, `{"unit":`...)
	b = appendUnit(b, c.Unit)
	b = append(b, `,"eta":`...)
	b = strconv.AppendInt(b, int64(c.ETA), 10)
	b = append(b, `,"eta_s":`...)
	b = appendJSONFloat(b, c.ETASec)
	b = append(b, `,"distance_m":`...)
	b = appendJSONFloat(b, c.DistanceM)
	b = append(b, `,"position_stale":`...)
	b = strconv.AppendBool(b, c.Stale)
	b = append(b, `,"wave":`...)
	b = strconv.AppendInt(b, int64(c.Wave), 10)
	b = append(b, `,"station_id":`...)
	b = appendJSONString(b, c.StationID)
	return append(b, '}')
}

func appendUnit(b []byte, u *precinct.Unit) []byte {
	if u == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = appendJSONString(b, u.ID)
	b = append(b, `,"callsign":`...)
	b = appendJSONString(b, u.Callsign)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(u.Kind))
	b = append(b, `,"sub_bureau_id":`...)
	b = appendJSONString(b, u.SubBureauID)
	if u.StationID != "" {
		b = append(b, `,"station_id":`...)
		b = appendJSONString(b, u.StationID)
	}
	if u.ServiceStationID != "" {
		b = append(b, `,"service_station_id":`...)
		b = appendJSONString(b, u.ServiceStationID)
	}
	if u.PoliceGridID != "" {
		b = append(b, `,"police_grid_id":`...)
		b = appendJSONString(b, u.PoliceGridID)
	}
	if len(u.Members) > 0 {
		b = append(b, `,"members":[`...)
		for i, m := range u.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m)
		}
		b = append(b, ']')
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(u.Status))
	if !u.StatusSince.IsZero() {
		b = append(b, `,"status_since":`...)
		b = appendJSONTime(b, u.StatusSince)
	}
	if u.IncidentID != "" {
		b = append(b, `,"incident_id":`...)
		b = appendJSONString(b, u.IncidentID)
	}
	b = append(b, `,"position":{"lon":`...)
	b = appendJSONFloat(b, u.Position.Lon)
	b = append(b, `,"lat":`...)
	b = appendJSONFloat(b, u.Position.Lat)
	b = append(b, `},"position_at":`...)
	b = appendJSONTime(b, u.PositionAt)
	return append(b, '}')
}

// appendJSONFloat writes a finite f as encoding/json does: 'f' notation
// between 1e-6 and 1e21, 'e' notation outside, with a one-digit negative
// exponent unpadded.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONTime writes t, of a year within 0–9999, as time.Time's
// MarshalJSON does (RFC 3339 with nanoseconds).
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// encodable reports whether encoding/json can encode rec: its numbers are
// finite and its times' years within 0–9999. What it cannot encode goes
// through writeJSON, to fail as it always has.
func encodable(rec *precinct.Recommendation) bool {
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	year := func(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }
	for i := range rec.Candidates {
		c := &rec.Candidates[i]
		if !finite(c.ETASec) || !finite(c.DistanceM) {
			return false
		}
		if u := c.Unit; u != nil && (!finite(u.Position.Lon) || !finite(u.Position.Lat) || !year(u.PositionAt) ||
			!u.StatusSince.IsZero() && !year(u.StatusSince)) {
			return false
		}
	}
	return true
}

// appendJSONString writes s quoted as encoding/json does with HTML escaping
// off. The common text — no control character, quote or backslash, and
// valid UTF-8 without U+2028 or U+2029 — is copied as it is, checked eight
// bytes at a time; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	if !plainJSON(s) {
		return appendMarshaled(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON reports whether encoding/json writes s as it is, quoted.
func plainJSON(s string) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	// hasByteBelow and hasByte are the classic tests for a byte of a word
	// below n (n ≤ 128) or equal to c; bytes ≥ 0x80 never match them.
	hasByteBelow := func(w, n uint64) bool { return (w-ones*n)&^w&highs != 0 }
	hasByte := func(w, c uint64) bool { return hasByteBelow(w^(ones*c), 1) }
	high := uint64(0)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8] // one load: the compiler merges the eight
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if hasByteBelow(w, 0x20) || hasByte(w, '"') || hasByte(w, '\\') {
			return false
		}
		high |= w
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		high |= uint64(c)
	}
	if high&highs == 0 {
		return true // ASCII
	}
	// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
	return utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

// appendMarshaled appends s as writeJSON's encoder writes it.
func appendMarshaled(b []byte, s string) []byte {
	a := jsonAppender{b}
	enc := json.NewEncoder(&a)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return a.b[:len(a.b)-1]
}

// jsonAppender collects what an Encoder writes.
type jsonAppender struct{ b []byte }

func (a *jsonAppender) Write(p []byte) (int, error) { a.b = append(a.b, p...); return len(p), nil }
