package http

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"precinct"
)

// positionsBody is the body of POST /api/v1/positions. Its decoding reads
// the usual shape of a batch — the fields of precinct.Position, spelled
// as documented, with plain strings and numbers — in one pass without
// reflection (encoding/json took a sixth of a 1,000-position batch's time).
// Anything else (escapes in strings, nulls, other spellings of the keys,
// unknown fields, numbers out of range) is decoded again by encoding/json,
// so that every body is read, and refused, exactly as encoding/json reads
// it.
type positionsBody struct {
	Positions []precinct.Position `json:"positions"`
}

// UnmarshalJSON is called with a value encoding/json has already checked
// to be well-formed JSON.
func (b *positionsBody) UnmarshalJSON(data []byte) error {
	r := positionsReader{data: data}
	if ps, ok := r.body(); ok {
		b.Positions = ps
		return nil
	}
	var plain struct {
		Positions []precinct.Position `json:"positions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plain); err != nil {
		return err
	}
	b.Positions = plain.Positions
	return nil
}

// positionsReader reads the usual shape of a positions batch; each method
// reports false, leaving the rest to encoding/json, on anything else.
type positionsReader struct {
	data []byte
	i    int
}

func (r *positionsReader) space() {
	for r.i < len(r.data) {
		switch r.data[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// byte consumes c, after white space.
func (r *positionsReader) byte(c byte) bool {
	r.space()
	if r.i < len(r.data) && r.data[r.i] == c {
		r.i++
		return true
	}
	return false
}

// peek returns the next byte after white space, 0 at the end.
func (r *positionsReader) peek() byte {
	r.space()
	if r.i < len(r.data) {
		return r.data[r.i]
	}
	return 0
}

// plainString returns the contents of a string without escapes, in UTF-8.
func (r *positionsReader) plainString() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	start := r.i
	ascii := true
	for r.i < len(r.data) {
		switch c := r.data[r.i]; {
		case c == '"':
			s := r.data[start:r.i]
			r.i++
			// encoding/json replaces bytes that are not UTF-8.
			return s, ascii || utf8.Valid(s)
		case c == '\\':
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		r.i++
	}
	return nil, false
}

// number returns a number as encoding/json reads it into a float64.
func (r *positionsReader) number() (float64, bool) {
	r.space()
	start := r.i
	for r.i < len(r.data) {
		c := r.data[r.i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		r.i++
	}
	if r.i == start {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(r.data[start:r.i]), 64)
	return f, err == nil
}

// object reads the members of an object, calling member with each key.
func (r *positionsReader) object(member func(key []byte) bool) bool {
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return true
	}
	for {
		key, ok := r.plainString()
		if !ok || !r.byte(':') || !member(key) {
			return false
		}
		if r.byte('}') {
			return true
		}
		if !r.byte(',') {
			return false
		}
	}
}

func (r *positionsReader) body() ([]precinct.Position, bool) {
	var ps []precinct.Position
	seen := false
	ok := r.object(func(key []byte) bool {
		if string(key) != "positions" || seen || !r.byte('[') {
			return false
		}
		seen = true
		ps = make([]precinct.Position, 0, bytes.Count(r.data[r.i:], []byte(`"unit_id"`)))
		if r.byte(']') {
			return true
		}
		for {
			var p precinct.Position
			if !r.position(&p) {
				return false
			}
			ps = append(ps, p)
			if r.byte(']') {
				return true
			}
			if !r.byte(',') {
				return false
			}
		}
	})
	r.space()
	return ps, ok && r.i == len(r.data)
}

func (r *positionsReader) position(p *precinct.Position) bool {
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "unit_id":
			s, ok := r.plainString()
			p.UnitID = string(s)
			return ok
		case "point":
			return r.point(&p.Point)
		case "at":
			r.space()
			start := r.i
			if r.peek() != '"' {
				return false
			}
			if _, ok := r.plainString(); !ok {
				return false
			}
			var t time.Time
			if t.UnmarshalJSON(r.data[start:r.i]) != nil {
				return false
			}
			p.At = t
			return true
		case "speed_mps":
			f, ok := r.number()
			p.SpeedMPS = f
			return ok
		case "heading":
			f, ok := r.number()
			p.Heading = f
			return ok
		case "flag":
			s, ok := r.plainString()
			p.Flag = precinct.PositionFlag(s)
			return ok
		}
		return false
	})
}

func (r *positionsReader) point(pt *precinct.Point) bool {
	return r.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "lon":
			pt.Lon, ok = r.number()
		case "lat":
			pt.Lat, ok = r.number()
		}
		return ok
	})
}
