package dispatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"precinct"
)

// Rules is the routing rules document of one sub-bureau: data, not code. It
// is stored as JSON through precinct.RuleStore and edited through the API.
// The first rule in Rules whose condition matches an incident fires; when
// none does, Default fires. Rural and Border then adjust the result.
type Rules struct {
	// FirstReceipt gives first receipt of every incident to the community
	// officer of its police grid (警情首接责任制) [004].
	FirstReceipt bool `json:"first_receipt"`
	// Rules are tried in order.
	Rules []Rule `json:"rules"`
	// Default fires when no rule matches; its When is ignored.
	Default Rule `json:"default"`
	// Rural is the central-station cross-dispatch of the countryside [002].
	Rural Rural `json:"rural"`
	// Border shares incidents near the district boundary with a border
	// station's partner stations (六联协作) [002].
	Border Border `json:"border"`
	// Reinforcement sets the tiers of reinforcement (梯次增援) [000, 001].
	Reinforcement Reinforcement `json:"reinforcement"`
	// Candidates is how many units each wave recommends (k).
	Candidates int `json:"candidates"`
	// Desk is the command office's working settings: disposition codes,
	// overdue times by priority, duplicate-call detection. A document
	// without it uses DefaultDesk.
	Desk *Desk `json:"desk,omitempty"`
}

// Rule is one routing rule: when an incident matches When, Handler handles it
// with units of UnitKinds.
type Rule struct {
	ID       string           `json:"id"`
	Seed     string           `json:"seed,omitempty"` // the report it comes from, e.g. "003"
	Reason   string           `json:"reason"`         // why, in Chinese, shown with the decision
	ReasonEN string           `json:"reason_en"`
	When     Condition        `json:"when"`
	Handler  precinct.Handler `json:"handler"`
	// UnitKinds are the kinds of unit the handler sends.
	UnitKinds []precinct.UnitKind `json:"unit_kinds"`
}

// Condition is what an incident must be for a rule to fire. Every non-empty
// list must contain the incident's value; empty lists match everything.
type Condition struct {
	// Categories are category codes; a top-level code matches its children.
	Categories []string `json:"categories,omitempty"`
	// CategoryKinds are kinds of category (case, dispute, help…).
	CategoryKinds []precinct.CategoryKind `json:"category_kinds,omitempty"`
	PlaceTypes    []precinct.PlaceType    `json:"place_types,omitempty"`
	StationKinds  []precinct.StationKind  `json:"station_kinds,omitempty"`
	Sources       []precinct.Source       `json:"sources,omitempty"`
}

// Rural configures the countryside rule [002]: when the home station has no
// available force within MaxTravelS seconds, its central station's command
// office dispatches from the neighbouring station with the shortest travel.
type Rural struct {
	Enabled bool `json:"enabled"`
	// StationKinds are the kinds of home station the rule applies to.
	StationKinds []precinct.StationKind `json:"station_kinds"`
	// MaxTravelS is the longest acceptable travel time of the home force.
	MaxTravelS float64 `json:"max_travel_s"`
	// Neighbours is how many nearest other stations are considered.
	Neighbours int `json:"neighbours"`
	// UnitKinds are the kinds of force measured and sent.
	UnitKinds []precinct.UnitKind `json:"unit_kinds"`
}

// MaxTravel returns MaxTravelS as a duration.
func (r Rural) MaxTravel() time.Duration { return time.Duration(r.MaxTravelS * float64(time.Second)) }

// Border configures sharing with partner stations across the district
// boundary [002].
type Border struct {
	Enabled bool `json:"enabled"`
	// ShareWithinM is the distance from the district boundary within which
	// an incident of a border station is shared with its partners.
	ShareWithinM float64 `json:"share_within_m"`
}

// Reinforcement configures tiered reinforcement. Wave 1 comes from the
// route's own stations; wave n ≥ 2 adds Waves[n-2].ExtraStations of the
// nearest other stations and the service stations bound to any of them.
type Reinforcement struct {
	// AutoTwoWavesPriority: incidents of this priority or more urgent
	// (a smaller number) get two waves proposed at once. 0 disables it.
	AutoTwoWavesPriority int    `json:"auto_two_waves_priority"`
	Waves                []Wave `json:"waves"`
}

// Wave is one reinforcement tier beyond the first.
type Wave struct {
	ExtraStations int                 `json:"extra_stations"`
	UnitKinds     []precinct.UnitKind `json:"unit_kinds"`
}

// Rule IDs of the decisions the evaluator makes itself.
const (
	RuleRuralCentral = "rural_central" // [002] cross-station dispatch
	RulePush         = "push"          // [003] a station pushes to its service station
	// RuleAntiFraud is the default rule that sends anti-fraud warnings to
	// the grid's community officer [004].
	RuleAntiFraud = "anti_fraud_dissuasion"
)

var (
	patrolKinds  = []precinct.UnitKind{precinct.UnitFootPatrol, precinct.UnitPatrolCar, precinct.UnitArmedVehicle}
	stationKinds = []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol, precinct.UnitCommunity}
	anyForce     = []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitMotorcycle, precinct.UnitFootPatrol,
		precinct.UnitArmedVehicle, precinct.UnitCommunity}
)

// DefaultRules returns the rules a sub-bureau starts with, from the seeds.
func DefaultRules() *Rules {
	return &Rules{
		FirstReceipt: true,
		Rules: []Rule{
			{
				ID: RuleAntiFraud, Seed: "004",
				Reason:   "反诈预警精准匹配警格，点对点下达劝阻指令，由社区民警劝阻（不交案件办理队）",
				ReasonEN: "Anti-fraud warnings are matched to the police grid and pushed to its community officer as a dissuasion task (not to the case team)",
				When:     Condition{Sources: []precinct.Source{precinct.SourceAntiFraud}},
				Handler:  precinct.HandlerCommunity, UnitKinds: []precinct.UnitKind{precinct.UnitCommunity},
			},
			{
				ID: "street_1plus1", Seed: "003",
				Reason:   "“1+1”接处警：街面、公园、广场、商场的噪音扰民、求助、纠纷类警情由绑定警务站就近巡逻警力先期处置",
				ReasonEN: "\"1+1\": noise, help and dispute incidents in streets, parks, squares and malls go to the nearest patrol of the bound service station",
				When: Condition{
					Categories: []string{"noise", "help", "dispute", "public_order"},
					PlaceTypes: []precinct.PlaceType{precinct.PlaceStreet, precinct.PlacePark, precinct.PlaceSquare, precinct.PlaceMall},
				},
				Handler: precinct.HandlerPatrol, UnitKinds: patrolKinds,
			},
			{
				ID: "special_places", Seed: "003",
				Reason:   "发生在单位、住宅小区、城中村的特殊案事件由分局指挥中心调度派警",
				ReasonEN: "Incidents inside units, residential compounds and urban villages are dispatched by the sub-bureau command centre",
				When: Condition{
					PlaceTypes: []precinct.PlaceType{precinct.PlaceUnit, precinct.PlaceCompound, precinct.PlaceUrbanVillage},
				},
				Handler: precinct.HandlerCommandCentre, UnitKinds: anyForce,
			},
			{
				ID: "case_team", Seed: "004",
				Reason:   "案件类警情交案件办理队",
				ReasonEN: "Case-type incidents go to the case-handling team",
				When:     Condition{CategoryKinds: []precinct.CategoryKind{precinct.KindCase}},
				Handler:  precinct.HandlerCaseTeam, UnitKinds: []precinct.UnitKind{precinct.UnitCaseTeam, precinct.UnitPatrolCar},
			},
			{
				ID: "community_office", Seed: "004",
				Reason:   "矛盾纠纷、求助类警情由社区警务室处置",
				ReasonEN: "Disputes and requests for help are handled by the community police office",
				When:     Condition{CategoryKinds: []precinct.CategoryKind{precinct.KindDispute, precinct.KindHelp}},
				Handler:  precinct.HandlerCommunity, UnitKinds: []precinct.UnitKind{precinct.UnitCommunity},
			},
		},
		Default: Rule{
			ID: "station_command", Seed: "000",
			Reason:   "其他警情由派出所综合指挥室就近调派本所警力",
			ReasonEN: "Other incidents are dispatched by the station command office from its nearest force",
			Handler:  precinct.HandlerStation, UnitKinds: stationKinds,
		},
		Rural: Rural{
			Enabled:      true,
			StationKinds: []precinct.StationKind{precinct.StationCentral, precinct.StationBase, precinct.StationBorder},
			MaxTravelS:   20 * 60, Neighbours: 3, UnitKinds: stationKinds,
		},
		Border:        Border{Enabled: true, ShareWithinM: 3000},
		Reinforcement: Reinforcement{AutoTwoWavesPriority: 1, Waves: []Wave{{ExtraStations: 1, UnitKinds: anyForce}, {ExtraStations: 3, UnitKinds: anyForce}}},
		Candidates:    5,
		Desk:          DefaultDesk(),
	}
}

// ParseRules decodes and validates a rules document. Unknown fields are
// EINVALID. cats, when not nil, is the category dictionary rule conditions
// are checked against.
func ParseRules(doc []byte, cats []precinct.Category) (*Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var r Rules
	if err := dec.Decode(&r); err != nil {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "rules", "规则文档格式错误：%v", "Malformed rules document: %v", err)
	}
	if err := r.Validate(cats); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate reports the first problem of r as EINVALID naming the bad field,
// e.g. "rules[2].handler". cats, when not nil, is the category dictionary.
func (r *Rules) Validate(cats []precinct.Category) error {
	seen := map[string]bool{RuleRuralCentral: true, RulePush: true}
	for i := range r.Rules {
		if err := r.Rules[i].validate(fmt.Sprintf("rules[%d]", i), cats, seen); err != nil {
			return err
		}
	}
	if err := r.Default.validate("default", cats, seen); err != nil {
		return err
	}
	if r.Rural.Enabled {
		if r.Rural.MaxTravelS <= 0 {
			return invalid("rural.max_travel_s", "必须大于 0", "must be greater than 0")
		}
		if r.Rural.Neighbours < 1 {
			return invalid("rural.neighbours", "至少为 1", "must be at least 1")
		}
		if err := validKinds("rural.unit_kinds", r.Rural.UnitKinds, true); err != nil {
			return err
		}
		for _, k := range r.Rural.StationKinds {
			if !k.Valid() {
				return invalid("rural.station_kinds", fmt.Sprintf("未知的派出所类型 %q", k), fmt.Sprintf("unknown station kind %q", k))
			}
		}
	}
	if r.Border.ShareWithinM < 0 {
		return invalid("border.share_within_m", "不能为负数", "must not be negative")
	}
	if r.Reinforcement.AutoTwoWavesPriority < 0 || r.Reinforcement.AutoTwoWavesPriority > 4 {
		return invalid("reinforcement.auto_two_waves_priority", "应在 0 至 4 之间", "must be within 0..4")
	}
	for i, w := range r.Reinforcement.Waves {
		f := fmt.Sprintf("reinforcement.waves[%d]", i)
		if w.ExtraStations < 0 {
			return invalid(f+".extra_stations", "不能为负数", "must not be negative")
		}
		if err := validKinds(f+".unit_kinds", w.UnitKinds, true); err != nil {
			return err
		}
	}
	if r.Candidates < 1 || r.Candidates > 50 {
		return invalid("candidates", "应在 1 至 50 之间", "must be within 1..50")
	}
	if r.Desk != nil {
		return r.Desk.validate()
	}
	return nil
}

func (ru *Rule) validate(f string, cats []precinct.Category, seen map[string]bool) error {
	if ru.ID == "" {
		return invalid(f+".id", "不能为空", "must not be empty")
	}
	if seen[ru.ID] {
		return invalid(f+".id", fmt.Sprintf("规则编号 %q 重复或为保留编号", ru.ID), fmt.Sprintf("rule id %q is repeated or reserved", ru.ID))
	}
	seen[ru.ID] = true
	if ru.Reason == "" || ru.ReasonEN == "" {
		return invalid(f+".reason", "需要中文和英文理由", "needs a Chinese and an English reason")
	}
	switch ru.Handler {
	case precinct.HandlerCommunity, precinct.HandlerCaseTeam, precinct.HandlerPatrol, precinct.HandlerStation, precinct.HandlerCommandCentre:
	default:
		return invalid(f+".handler", fmt.Sprintf("未知或不可配置的处置主体 %q", ru.Handler), fmt.Sprintf("unknown or not configurable handler %q", ru.Handler))
	}
	if err := validKinds(f+".unit_kinds", ru.UnitKinds, true); err != nil {
		return err
	}
	w := ru.When
	for _, c := range w.Categories {
		if cats != nil && !slices.ContainsFunc(cats, func(k precinct.Category) bool { return k.Code == c }) {
			return invalid(f+".when.categories", fmt.Sprintf("未知的警情类别 %q", c), fmt.Sprintf("unknown category %q", c))
		}
	}
	for _, k := range w.CategoryKinds {
		switch k {
		case precinct.KindCase, precinct.KindDispute, precinct.KindHelp, precinct.KindOrder, precinct.KindTraffic,
			precinct.KindDisaster, precinct.KindMass, precinct.KindOther:
		default:
			return invalid(f+".when.category_kinds", fmt.Sprintf("未知的类别性质 %q", k), fmt.Sprintf("unknown category kind %q", k))
		}
	}
	for _, p := range w.PlaceTypes {
		if !p.Valid() {
			return invalid(f+".when.place_types", fmt.Sprintf("未知的地点类型 %q", p), fmt.Sprintf("unknown place type %q", p))
		}
	}
	for _, k := range w.StationKinds {
		if !k.Valid() {
			return invalid(f+".when.station_kinds", fmt.Sprintf("未知的派出所类型 %q", k), fmt.Sprintf("unknown station kind %q", k))
		}
	}
	for _, s := range w.Sources {
		if !s.Valid() {
			return invalid(f+".when.sources", fmt.Sprintf("未知的警情来源 %q", s), fmt.Sprintf("unknown source %q", s))
		}
	}
	return nil
}

func validKinds(f string, kinds []precinct.UnitKind, required bool) error {
	if required && len(kinds) == 0 {
		return invalid(f, "至少需要一种警力类型", "needs at least one unit kind")
	}
	for _, k := range kinds {
		if !k.Valid() {
			return invalid(f, fmt.Sprintf("未知的警力类型 %q", k), fmt.Sprintf("unknown unit kind %q", k))
		}
	}
	return nil
}

func invalid(field, zh, en string) error {
	return &precinct.Error{Code: precinct.EINVALID, Field: field,
		Message: "路由规则字段 " + field + " " + zh, MessageEN: "Routing rules field " + field + " " + en + "."}
}
