package precinct

import (
	"context"
	"encoding/json"
)

// RuleDocument is a sub-bureau's routing rules document with its version.
// The schema of Rules belongs to the dispatch package.
type RuleDocument struct {
	SubBureauID string          `json:"sub_bureau_id"`
	Version     int             `json:"version"` // 0: the defaults, never stored
	Rules       json.RawMessage `json:"rules"`
}

// RuleService reads and replaces routing rules. Every method authorizes
// against the user in ctx.
type RuleService interface {
	// Rules returns the rules of a sub-bureau ("" for the user's own): the
	// stored document, or the defaults with version 0.
	Rules(ctx context.Context, subBureauID string) (*RuleDocument, error)
	// PutRules validates and stores d.Rules for d.SubBureauID ("" for the
	// user's own) if the stored version is d.Version, and returns the stored
	// document with its new version. EINVALID names the bad field; ECONFLICT
	// when the version is not the stored one.
	PutRules(ctx context.Context, d RuleDocument) (*RuleDocument, error)
}
