package http

import (
	"bytes"
	"encoding/json"

	"precinct"
)

// DecodePositions decodes a POST /api/v1/positions body as the handler
// does.
func DecodePositions(data []byte) ([]precinct.Position, error) {
	var b positionsBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&b)
	return b.Positions, err
}
