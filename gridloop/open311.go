package gridloop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"precinct"
	"precinct/geo"
)

// Open311 GeoReport v2: outside systems and citizens' apps post service
// requests that enter the same triage as a grid worker's report, and follow
// them. Every call carries an api_key bound to one sub-bureau (its
// jurisdiction_id); a request is shown only to keys of its sub-bureau, with
// no personal data. Coordinates are WGS-84 as the spec says, converted to
// and from the jurisdiction's datum.

// Service311 is one service of the list (a report category).
type Service311 struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

// Request311 is a posted service request.
type Request311 struct {
	JurisdictionID string
	ServiceCode    string
	Lat, Long      *float64
	AddressString  string
	AddressID      string
	Email          string
	DeviceID       string
	AccountID      string
	FirstName      string
	LastName       string
	Phone          string
	Description    string
	MediaURL       string
}

// Receipt311 answers a posted request.
type Receipt311 struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"account_id"`
}

// View311 is a service request as GET shows it.
type View311 struct {
	ServiceRequestID  string  `json:"service_request_id" xml:"service_request_id"`
	Status            string  `json:"status" xml:"status"`
	StatusNotes       string  `json:"status_notes" xml:"status_notes"`
	ServiceName       string  `json:"service_name" xml:"service_name"`
	ServiceCode       string  `json:"service_code" xml:"service_code"`
	Description       string  `json:"description" xml:"description"`
	AgencyResponsible string  `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string  `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string  `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string  `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  *string `json:"expected_datetime" xml:"expected_datetime"`
	Address           string  `json:"address" xml:"address"`
	AddressID         *string `json:"address_id" xml:"address_id"`
	Zipcode           *string `json:"zipcode" xml:"zipcode"`
	Lat               float64 `json:"lat" xml:"lat"`
	Long              float64 `json:"long" xml:"long"`
	MediaURL          *string `json:"media_url" xml:"media_url"`
}

// Query311 selects service requests.
type Query311 struct {
	JurisdictionID    string
	ServiceRequestIDs []string
	ServiceCodes      []string
	StartDate         time.Time
	EndDate           time.Time
	Status            []string
}

// HashKey returns the stored form of an API key.
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// errKey is the Open311 error for a missing or unknown key (403).
func errKey() error {
	return precinct.FieldErrorf(precinct.EFORBIDDEN, "api_key", "缺少或无效的 api_key", "Missing or invalid api_key.")
}

// caller returns the key's client as a user who reports in its sub-bureau,
// checking the jurisdiction_id when one is given.
func (s *Service) caller(ctx context.Context, apiKey, jurisdiction string) (context.Context, *precinct.APIKey, error) {
	if apiKey == "" {
		return nil, nil, errKey()
	}
	k, err := s.Engine.Store.FindAPIKey(ctx, HashKey(apiKey))
	if precinct.ErrorCode(err) == precinct.ENOTFOUND || err == nil && k.Disabled {
		return nil, nil, errKey()
	} else if err != nil {
		return nil, nil, err
	}
	if jurisdiction != "" && jurisdiction != k.SubBureauID {
		return nil, nil, precinct.FieldErrorf(precinct.ENOTFOUND, "jurisdiction_id", "未知的 jurisdiction_id：%s", "Unknown jurisdiction_id: %s", jurisdiction)
	}
	u := &precinct.User{ID: "apikey:" + k.ID, Username: k.Name, Name: k.Name, Role: precinct.RoleGridWorker,
		Scope: precinct.Location{SubBureauID: k.SubBureauID}}
	return precinct.NewContextWithUser(ctx, u), k, nil
}

// NewAPIKey creates a key for an outside system and returns it once; only
// its hash is kept.
func (s *Service) NewAPIKey(ctx context.Context, name, subBureauID, reporterKind string) (*precinct.APIKey, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermManageUsers, precinct.Location{SubBureauID: subBureauID}); err != nil {
		return nil, "", err
	}
	if strings.TrimSpace(name) == "" || len(name) > 100 {
		return nil, "", precinct.FieldErrorf(precinct.EINVALID, "name", "请填写接入系统名称", "Name the outside system.")
	}
	if reporterKind == "" {
		reporterKind = "citizen"
	}
	if !slices.Contains(ReporterKinds, reporterKind) || reporterKind == "incident" {
		return nil, "", precinct.FieldErrorf(precinct.EINVALID, "reporter_kind", "未知的上报人类别：%q", "Unknown kind of reporter %q.", reporterKind)
	}
	if _, err := s.Engine.Store.FindSubBureau(ctx, subBureauID); err != nil {
		return nil, "", precinct.FieldErrorf(precinct.EINVALID, "sub_bureau_id", "分局不存在：%s", "No such sub-bureau: %s", subBureauID)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	key := "o311_" + hex.EncodeToString(b[:])
	now := s.Engine.Clock.Now()
	k := &precinct.APIKey{ID: precinct.NewID("key", now), Name: name, SubBureauID: subBureauID, ReporterKind: reporterKind, Hash: HashKey(key), CreatedAt: now}
	if err := s.Engine.Store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, key, nil
}

// APIKeys lists the keys of the sub-bureaus the caller manages.
func (s *Service) APIKeys(ctx context.Context) ([]*precinct.APIKey, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermManageUsers); err != nil {
		return nil, err
	}
	ks, err := s.Engine.Store.ListAPIKeys(ctx)
	if err != nil {
		return nil, err
	}
	sc := precinct.ScopeOf(u)
	out := []*precinct.APIKey{}
	for _, k := range ks {
		if sc.Covers(precinct.Location{SubBureauID: k.SubBureauID}) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Services311 lists the service types (report categories).
func (s *Service) Services311(ctx context.Context, apiKey, jurisdiction string) ([]Service311, error) {
	if _, _, err := s.caller(ctx, apiKey, jurisdiction); err != nil {
		return nil, err
	}
	out := make([]Service311, 0, len(Categories))
	for _, c := range Categories {
		group := "police"
		if c.Dept != "" {
			group = string(c.Dept)
		}
		out = append(out, Service311{ServiceCode: c.Code, ServiceName: c.Name + " " + c.NameEN, Description: c.Name + "（" + c.NameEN + "）",
			Metadata: false, Type: "realtime", Keywords: c.Name + ", " + c.NameEN, Group: group})
	}
	return out, nil
}

// datum returns the datum of a sub-bureau's coordinates.
func (s *Service) datum(ctx context.Context, subBureauID string) (precinct.Datum, error) {
	sb, err := s.Engine.Store.FindSubBureau(ctx, subBureauID)
	if err != nil {
		return "", err
	}
	if sb.Datum == "" {
		return precinct.WGS84, nil
	}
	return sb.Datum, nil
}

// Post311 files a service request as a grid report to triage.
func (s *Service) Post311(ctx context.Context, apiKey string, r Request311) (*Receipt311, error) {
	ctx, k, err := s.caller(ctx, apiKey, r.JurisdictionID)
	if err != nil {
		return nil, err
	}
	if r.ServiceCode == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "service_code", "缺少 service_code", "service_code was not provided.")
	}
	if _, ok := CategoryOf(r.ServiceCode); !ok {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "service_code", "未知的 service_code：%s", "Unknown service_code: %s", r.ServiceCode)
	}
	if r.Lat == nil || r.Long == nil {
		// An address alone cannot be placed in a grid: this server has no
		// address repository to look it up in.
		return nil, precinct.FieldErrorf(precinct.EINVALID, "lat", "请提供 lat 和 long（WGS-84）；本系统无法仅凭地址定位到网格", "Give lat and long (WGS-84); an address alone cannot be placed in a grid here.")
	}
	datum, err := s.datum(ctx, k.SubBureauID)
	if err != nil {
		return nil, err
	}
	p := precinct.Point{Lon: *r.Long, Lat: *r.Lat}
	if err := p.Validate("lat"); err != nil {
		return nil, err
	}
	p = geo.ToDatum(p, precinct.WGS84, datum)
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		desc = "（无描述）"
	}
	name := strings.TrimSpace(r.LastName + r.FirstName)
	in := ReportInput{Category: r.ServiceCode, Description: desc, Point: p, Address: r.AddressString, ReporterKind: k.ReporterKind,
		MediaURL: r.MediaURL, Source: precinct.WorkSource{Kind: "open311", ID: k.ID}}
	if name != "" || r.Phone != "" || r.Email != "" {
		in.Reporter = &Contact{Name: name, Phone: r.Phone, Email: r.Email}
	}
	if r.MediaURL != "" && !strings.HasPrefix(r.MediaURL, "https://") && !strings.HasPrefix(r.MediaURL, "http://") {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "media_url", "media_url 应为 http(s) 地址", "media_url must be an http(s) URL.")
	}
	it, _, err := s.Report(ctx, in)
	if err != nil {
		return nil, err
	}
	if it.Location.SubBureauID != k.SubBureauID {
		return nil, precinct.ErrOutsideJurisdiction("lat")
	}
	return &Receipt311{ServiceRequestID: it.ID, ServiceNotice: notice(it)}, nil
}

// notice tells the reporter what happens next.
func notice(it *precinct.WorkItem) string {
	if it.DueAt == nil {
		return "已受理。Received."
	}
	at := it.DueAt.In(precinct.CST).Format("2006-01-02 15:04")
	return "已进入网格研判，将于 " + at + " 前转办处置部门。Entered triage; it will be transferred to the responsible body by " + at + " (China Standard Time)."
}

// Requests311 returns the service requests a key may see that q selects:
// those posted through Open311 in its sub-bureau, at most 1000, within 90
// days of requested time.
func (s *Service) Requests311(ctx context.Context, apiKey string, q Query311) ([]View311, error) {
	ctx, k, err := s.caller(ctx, apiKey, q.JurisdictionID)
	if err != nil {
		return nil, err
	}
	sc := precinct.Scope{Location: precinct.Location{SubBureauID: k.SubBureauID}}
	for _, st := range q.Status {
		if st != "open" && st != "closed" {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "status", "status 只能为 open 或 closed", "status must be open or closed.")
		}
	}
	var items []*precinct.WorkItem
	if len(q.ServiceRequestIDs) > 0 {
		if len(q.ServiceRequestIDs) > 1000 {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "service_request_id", "最多查询 1000 个编号", "At most 1000 IDs.")
		}
		for _, id := range q.ServiceRequestIDs {
			it, err := s.Engine.Store.FindWork(ctx, id)
			if precinct.ErrorCode(err) == precinct.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			if visible311(it, sc) {
				items = append(items, it)
			}
		}
	} else {
		end, start := q.EndDate, q.StartDate
		switch {
		case end.IsZero() && start.IsZero():
			end = s.Engine.Clock.Now()
			start = end.AddDate(0, 0, -90)
		case end.IsZero():
			end = start.AddDate(0, 0, 90)
		case start.IsZero():
			start = end.AddDate(0, 0, -90)
		}
		if end.Before(start) || end.Sub(start) > 90*24*time.Hour {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "end_date", "start_date 与 end_date 的跨度不能超过 90 天", "start_date to end_date may not span more than 90 days.")
		}
		f := precinct.WorkFilter{Scope: sc, Kind: Kind, Source: precinct.WorkSource{Kind: "open311"}, Since: start, Until: end.Add(time.Microsecond), Limit: 1000}
		if len(q.Status) == 1 {
			open := q.Status[0] == "open"
			f.Open = &open
		}
		items, _, err = s.Engine.Store.ListWork(ctx, f)
		if err != nil {
			return nil, err
		}
	}
	out := []View311{}
	for _, it := range items {
		if len(q.ServiceCodes) > 0 && !slices.Contains(q.ServiceCodes, it.Category) {
			continue
		}
		v, err := s.view311(ctx, it)
		if err != nil {
			return nil, err
		}
		if len(q.Status) > 0 && !slices.Contains(q.Status, v.Status) {
			continue
		}
		out = append(out, *v)
	}
	return out, nil
}

// Request311 returns one service request.
func (s *Service) Request311(ctx context.Context, apiKey, jurisdiction, id string) (*View311, error) {
	ctx, k, err := s.caller(ctx, apiKey, jurisdiction)
	if err != nil {
		return nil, err
	}
	it, err := s.Engine.Store.FindWork(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible311(it, precinct.Scope{Location: precinct.Location{SubBureauID: k.SubBureauID}}) {
		return nil, precinct.ErrNotFound("服务请求", "Service request", id)
	}
	return s.view311(ctx, it)
}

func visible311(it *precinct.WorkItem, sc precinct.Scope) bool {
	return it.Kind == Kind && it.Source.Kind == "open311" && sc.Covers(it.Location)
}

func (s *Service) view311(ctx context.Context, it *precinct.WorkItem) (*View311, error) {
	var r Report
	_ = json.Unmarshal(it.Data, &r)
	cat, _ := CategoryOf(it.Category)
	datum, err := s.datum(ctx, it.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	p := geo.ToDatum(it.Point, datum, precinct.WGS84)
	st := ReportKind.State(it.State)
	v := &View311{ServiceRequestID: it.ID, Status: "open", StatusNotes: st.Label.ZH + " " + st.Label.EN, ServiceName: cat.Name + " " + cat.NameEN,
		ServiceCode: it.Category, Description: r.Description, ServiceNotice: notice(it),
		RequestedDatetime: it.OpenedAt.UTC().Format(time.RFC3339), UpdatedDatetime: it.UpdatedAt.UTC().Format(time.RFC3339),
		Address: it.Address, Lat: p.Lat, Long: p.Lon}
	if it.ClosedAt != nil {
		v.Status, v.ServiceNotice = "closed", ""
		if r.Feedback != nil {
			v.StatusNotes += "：" + r.Feedback.Note
		}
	}
	if it.DueAt != nil {
		e := it.DueAt.UTC().Format(time.RFC3339)
		v.ExpectedDatetime = &e
	}
	if r.MediaURL != "" {
		v.MediaURL = &r.MediaURL
	}
	if it.Assignee != "" {
		names, err := s.names(ctx, precinct.Scope{Location: precinct.Location{SubBureauID: it.Location.SubBureauID}})
		if err != nil {
			return nil, err
		}
		v.AgencyResponsible = names[string(it.Assignee)]
	}
	return v, nil
}
