package workflow

import (
	"context"

	"precinct"
)

// Handovers asks each of its members in turn what an incident handed over
// opens, and takes the first answer that opens something: mediation takes
// disputes, the grid loop the rest.
type Handovers []precinct.HandoverWork

var _ precinct.HandoverWork = Handovers{}

// HandoverWork returns the first non-empty answer.
func (hs Handovers) HandoverWork(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest) ([]precinct.WorkChange, error) {
	for _, h := range hs {
		cs, err := h.HandoverWork(ctx, inc, req)
		if err != nil || len(cs) > 0 {
			return cs, err
		}
	}
	return nil, nil
}
