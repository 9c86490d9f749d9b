package precinct

import (
	"context"
	"time"
)

// Source is where an incident came from.
type Source string

const (
	SourceCall110   Source = "call_110"   // 110 报警
	SourceWalkIn    Source = "walk_in"    // 来所报警
	SourcePatrol    Source = "patrol"     // 巡逻发现
	SourceGrid      Source = "grid"       // 网格上报（网格吹哨）
	SourceAntiFraud Source = "anti_fraud" // 反诈预警平台
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceCall110, SourceWalkIn, SourcePatrol, SourceGrid, SourceAntiFraud:
		return true
	}
	return false
}

// PlaceType is the kind of place an incident happened in; routing rules use it.
type PlaceType string

const (
	PlaceStreet       PlaceType = "street"        // 街面
	PlacePark         PlaceType = "park"          // 公园
	PlaceSquare       PlaceType = "square"        // 广场
	PlaceMall         PlaceType = "mall"          // 商场
	PlaceCompound     PlaceType = "compound"      // 住宅小区
	PlaceUnit         PlaceType = "unit"          // 单位内部
	PlaceUrbanVillage PlaceType = "urban_village" // 城中村
	PlaceVillage      PlaceType = "village"       // 村组
	PlaceRoad         PlaceType = "road"          // 道路
)

// PlaceTypes lists every place type in display order.
var PlaceTypes = []PlaceType{PlaceStreet, PlacePark, PlaceSquare, PlaceMall, PlaceCompound, PlaceUnit, PlaceUrbanVillage, PlaceVillage, PlaceRoad}

// Valid reports whether t is a known place type.
func (t PlaceType) Valid() bool {
	for _, v := range PlaceTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Category is an entry of the two-level incident category dictionary. A
// top-level category has no Parent. Kind tells the routing rules what sort of
// matter it is.
type Category struct {
	Code   string       `json:"code"`
	Name   string       `json:"name"`
	NameEN string       `json:"name_en"`
	Parent string       `json:"parent,omitempty"`
	Kind   CategoryKind `json:"kind"`
	// Priority is the priority (1 most urgent … 4) suggested for a new
	// incident of this category; 0 suggests none (the parent's, if any).
	Priority int `json:"priority,omitempty"`
}

// CategoryKind groups categories for routing.
type CategoryKind string

const (
	KindCase     CategoryKind = "case"    // 案件类: to the case-handling team
	KindDispute  CategoryKind = "dispute" // 矛盾纠纷类: community police office
	KindHelp     CategoryKind = "help"    // 求助类: community police office
	KindOrder    CategoryKind = "order"   // 治安、噪音等街面秩序类
	KindTraffic  CategoryKind = "traffic"
	KindDisaster CategoryKind = "disaster"
	KindMass     CategoryKind = "mass" // 群体性事件
	KindOther    CategoryKind = "other"
)

// DefaultCategories is the dictionary a new sub-bureau starts with.
var DefaultCategories = []Category{
	{Code: "criminal", Name: "刑事", NameEN: "Criminal", Kind: KindCase, Priority: 2},
	{Code: "public_order", Name: "治安", NameEN: "Public order", Kind: KindOrder, Priority: 3},
	{Code: "traffic", Name: "交通", NameEN: "Traffic", Kind: KindTraffic, Priority: 3},
	{Code: "dispute", Name: "纠纷", NameEN: "Dispute", Kind: KindDispute, Priority: 3},
	{Code: "help", Name: "求助", NameEN: "Request for help", Kind: KindHelp, Priority: 3},
	{Code: "noise", Name: "噪音扰民", NameEN: "Noise", Kind: KindOrder, Priority: 4},
	{Code: "fraud", Name: "诈骗", NameEN: "Fraud", Kind: KindCase, Priority: 3},
	{Code: "fire_disaster", Name: "火灾/灾害", NameEN: "Fire or disaster", Kind: KindDisaster, Priority: 1},
	{Code: "mass", Name: "群体性", NameEN: "Mass incident", Kind: KindMass, Priority: 1},
	{Code: "report", Name: "举报", NameEN: "Tip-off", Kind: KindOther, Priority: 3},
	{Code: "other", Name: "其他", NameEN: "Other", Kind: KindOther, Priority: 4},
	{Code: "theft", Name: "盗窃", NameEN: "Theft", Parent: "criminal", Kind: KindCase, Priority: 2},
	{Code: "robbery", Name: "抢劫抢夺", NameEN: "Robbery", Parent: "criminal", Kind: KindCase, Priority: 1},
	{Code: "fight", Name: "打架斗殴", NameEN: "Fight", Parent: "public_order", Kind: KindOrder, Priority: 1},
	{Code: "gambling", Name: "黄赌", NameEN: "Gambling or prostitution", Parent: "report", Kind: KindCase, Priority: 3},
	{Code: "neighbour", Name: "邻里纠纷", NameEN: "Neighbour dispute", Parent: "dispute", Kind: KindDispute, Priority: 3},
	{Code: "family", Name: "家庭纠纷", NameEN: "Family dispute", Parent: "dispute", Kind: KindDispute, Priority: 2},
	{Code: "accident", Name: "交通事故", NameEN: "Traffic accident", Parent: "traffic", Kind: KindTraffic, Priority: 2},
	{Code: "telecom_fraud", Name: "电信网络诈骗", NameEN: "Telecom fraud", Parent: "fraud", Kind: KindCase, Priority: 2},
	{Code: "lost_person", Name: "走失寻人", NameEN: "Missing person", Parent: "help", Kind: KindHelp, Priority: 2},
}

// IncidentStatus is a state of the incident lifecycle.
type IncidentStatus string

const (
	IncidentReceived     IncidentStatus = "received"      // 已接警
	IncidentDispatched   IncidentStatus = "dispatched"    // 已派警
	IncidentEnRoute      IncidentStatus = "en_route"      // 在途
	IncidentOnScene      IncidentStatus = "on_scene"      // 到达现场
	IncidentResolved     IncidentStatus = "resolved"      // 现场处置完毕
	IncidentHandedOver   IncidentStatus = "handed_over"   // 移交
	IncidentClosed       IncidentStatus = "closed"        // 已结警
	IncidentCallbackDone IncidentStatus = "callback_done" // 已回访
)

// Active reports whether the incident still holds units.
func (s IncidentStatus) Active() bool {
	switch s {
	case IncidentDispatched, IncidentEnRoute, IncidentOnScene:
		return true
	}
	return false
}

// Action is something done to an incident.
type Action string

const (
	ActionDispatch  Action = "dispatch"
	ActionAccept    Action = "accept"
	ActionEnRoute   Action = "en-route"
	ActionArrive    Action = "arrive"
	ActionResolve   Action = "resolve"
	ActionHandover  Action = "handover"
	ActionReinforce Action = "reinforce"
	ActionClose     Action = "close"
	ActionCallback  Action = "callback"
	ActionPush      Action = "push" // a station pushes the incident to its service station
	// ActionCancel takes units off an incident (派警取消); with none left
	// it waits for dispatch again.
	ActionCancel Action = "cancel"
	// ActionReassign replaces one unit of an incident with another (改派).
	ActionReassign Action = "reassign"
	// ActionNote adds what a caller reported after intake (追加警情).
	ActionNote Action = "note"
	// ActionCorrect corrects facts recorded at intake (更正).
	ActionCorrect Action = "correct"
	// ActionLink marks the incident a duplicate of another (重复报警关联).
	ActionLink Action = "link"
)

// anyStatus is every state of the lifecycle.
var anyStatus = []IncidentStatus{IncidentReceived, IncidentDispatched, IncidentEnRoute, IncidentOnScene, IncidentResolved, IncidentHandedOver, IncidentClosed, IncidentCallbackDone}

// transitions lists, for each action, the states it may start from and the
// state it leads to ("" keeps the state).
var transitions = map[Action]struct {
	from []IncidentStatus
	to   IncidentStatus
}{
	ActionDispatch:  {[]IncidentStatus{IncidentReceived}, IncidentDispatched},
	ActionPush:      {[]IncidentStatus{IncidentReceived}, ""},
	ActionAccept:    {[]IncidentStatus{IncidentDispatched}, ""},
	ActionEnRoute:   {[]IncidentStatus{IncidentDispatched}, IncidentEnRoute},
	ActionArrive:    {[]IncidentStatus{IncidentDispatched, IncidentEnRoute}, IncidentOnScene},
	ActionReinforce: {[]IncidentStatus{IncidentDispatched, IncidentEnRoute, IncidentOnScene}, ""},
	ActionResolve:   {[]IncidentStatus{IncidentOnScene}, IncidentResolved},
	ActionHandover:  {[]IncidentStatus{IncidentOnScene}, IncidentHandedOver},
	ActionClose:     {[]IncidentStatus{IncidentResolved, IncidentHandedOver}, IncidentClosed},
	ActionCallback:  {[]IncidentStatus{IncidentClosed}, IncidentCallbackDone},
	ActionCancel:    {[]IncidentStatus{IncidentDispatched, IncidentEnRoute, IncidentOnScene}, ""},
	ActionReassign:  {[]IncidentStatus{IncidentDispatched, IncidentEnRoute, IncidentOnScene}, ""},
	ActionNote:      {anyStatus, ""},
	ActionCorrect:   {anyStatus[:6], ""}, // not once closed
	ActionLink:      {anyStatus[:7], ""},
}

// Next returns the state that action a leads to from s, or ECONFLICT when the
// lifecycle does not allow it (arrive before dispatch) and EINVALID for an
// unknown action.
func (s IncidentStatus) Next(a Action) (IncidentStatus, error) {
	t, ok := transitions[a]
	if !ok {
		return "", FieldErrorf(EINVALID, "action", "未知的操作：%q", "Unknown action %q.", a)
	}
	for _, f := range t.from {
		if f == s {
			if t.to == "" {
				return s, nil
			}
			return t.to, nil
		}
	}
	return "", Errorf(ECONFLICT, "警情当前状态为“%s”，不能执行“%s”", "The incident is %s; %s is not allowed now.", s, a)
}

// Reporter is the person who reported an incident. Phone is personal data.
type Reporter struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Handler is who the routing rules give an incident to.
type Handler string

const (
	HandlerCommunity     Handler = "community_office" // 社区警务室 / 社区民警首接
	HandlerCaseTeam      Handler = "case_team"        // 案件办理队
	HandlerPatrol        Handler = "patrol"           // 警务站巡逻（1+1）
	HandlerStation       Handler = "station_command"  // 派出所综合指挥室
	HandlerCommandCentre Handler = "command_centre"   // 分局指挥中心
	HandlerCentral       Handler = "central_station"  // 中心所跨所调度
)

// Route is the routing decision for an incident: which rule fired and why,
// who handles it, and which forces may be sent.
type Route struct {
	RuleID                string  `json:"rule_id"`
	Reason                string  `json:"reason"`
	ReasonEN              string  `json:"reason_en"`
	Handler               Handler `json:"handler"`
	FirstReceiptOfficerID string  `json:"first_receipt_officer_id,omitempty"` // 首接民警
	// StationIDs are the stations whose forces may be sent, nearest first.
	StationIDs       []string   `json:"station_ids,omitempty"`
	ServiceStationID string     `json:"service_station_id,omitempty"`
	UnitKinds        []UnitKind `json:"unit_kinds,omitempty"`
	// DispatchedBy is the command office that dispatches: a station ID, or the
	// sub-bureau ID for its command centre.
	DispatchedBy string `json:"dispatched_by,omitempty"`
}

// Incident is a police incident (警情).
type Incident struct {
	ID           string         `json:"id"`
	Source       Source         `json:"source"`
	Category     string         `json:"category"` // a Category code
	PlaceType    PlaceType      `json:"place_type"`
	Point        Point          `json:"location"`
	Address      string         `json:"address,omitempty"`
	Description  string         `json:"description,omitempty"`
	Priority     int            `json:"priority"` // 1 (most urgent) … 4
	Reporter     Reporter       `json:"reporter"`
	Status       IncidentStatus `json:"status"`
	Location     Location       `json:"jurisdiction"`
	SharedWith   []string       `json:"shared_with,omitempty"` // other stations that see it (border partners, central station)
	Route        Route          `json:"route"`
	Units        []string       `json:"units,omitempty"` // units currently assigned
	HandedOverTo string         `json:"handed_over_to,omitempty"`
	Satisfaction int            `json:"satisfaction,omitempty"` // 1–5 from the callback
	// Disposition is the code the command office closed it with (处警结果),
	// from the sub-bureau's list.
	Disposition string `json:"disposition,omitempty"`
	// DuplicateOf is the incident this one repeats (a second call about
	// the same event), linked by the dispatcher.
	DuplicateOf    string `json:"duplicate_of,omitempty"`
	IdempotencyKey string `json:"-"`
	// RequestHash is a digest of the intake request, so that a key replayed
	// with a different body is told apart from a resend.
	RequestHash  string     `json:"-"`
	ReceivedAt   time.Time  `json:"received_at"`
	DispatchedAt *time.Time `json:"dispatched_at,omitempty"`
	ArrivedAt    *time.Time `json:"arrived_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"` // resolved on scene or handed over
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
	CreatedBy    string     `json:"created_by"`
}

// Locations returns the home location and those of the stations it is shared
// with, for authorization.
func (inc *Incident) Locations() []Location {
	locs := []Location{inc.Location}
	for _, s := range inc.SharedWith {
		locs = append(locs, Location{SubBureauID: inc.Location.SubBureauID, StationID: s})
	}
	return locs
}

// IncidentFilter selects incidents within Scope: those at a place it covers,
// those shared with a station it covers, and those its unit (Scope.UnitID)
// was ever sent to. Other zero fields match everything.
type IncidentFilter struct {
	Scope       Scope
	SubBureauID string
	// StationIDs keeps incidents of these stations or shared with them.
	StationIDs   []string
	PoliceGridID string
	Status       []IncidentStatus
	Category     string
	UnitID       string    // incidents the unit was ever sent to
	Since, Until time.Time // by ReceivedAt
	Cursor       string
	Limit        int
}

// IncidentChange is one atomic change to an incident: its new state, the
// units it claims or releases and the events that record it.
type IncidentChange struct {
	Incident    *Incident
	PrevVersion int // the change applies only if the stored version is this
	// Claim assigns these units to the incident. If any is held by another
	// active incident the whole change fails with ECONFLICT, Data["incident_id"]
	// naming the holder and Data["unit_id"] the unit.
	Claim []string
	// Release frees these units (back to available).
	Release []string
	// UnitStatus sets the status of units of the incident.
	UnitStatus map[string]UnitStatus
	Events     []*Event
	// Work are the work items the change opens (a hand-over's grid report
	// or dispute), stored in the same transaction.
	Work []WorkChange
}

// PastIncident is an incident of the past as it is imported: its final
// state, its timeline and every unit that was sent to it.
type PastIncident struct {
	Incident *Incident
	Events   []*Event
	Units    []string
}

// IncidentStore keeps incidents.
type IncidentStore interface {
	// CreateIncident stores inc and its events in one transaction. If
	// inc.IdempotencyKey is set and the same creator already used it, nothing
	// is written and the existing incident is returned with created false —
	// or ECONFLICT on field Idempotency-Key when its RequestHash differs.
	// Keys of different creators never meet.
	CreateIncident(ctx context.Context, inc *Incident, events []*Event) (stored *Incident, created bool, err error)
	FindIncident(ctx context.Context, id string) (*Incident, error)
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, string, error)
	// UpdateIncident applies c atomically. ECONFLICT when the stored version is
	// not c.PrevVersion or a unit to claim is held.
	UpdateIncident(ctx context.Context, c IncidentChange) error
	// Timeline returns the events of one incident, oldest first.
	Timeline(ctx context.Context, incidentID string) ([]*Event, error)
	// SentUnits returns every unit ever sent to an incident, released or not.
	SentUnits(ctx context.Context, incidentID string) ([]string, error)
	// ImportIncidents stores finished incidents of the past with their
	// timelines; their events are not news for the bus.
	ImportIncidents(ctx context.Context, past []PastIncident, progress func(done, total int)) error

	ListCategories(ctx context.Context, subBureauID string) ([]Category, error)
	PutCategories(ctx context.Context, subBureauID string, cats []Category, ev *Event) error
}
