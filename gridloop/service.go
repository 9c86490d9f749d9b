package gridloop

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"precinct"
	"precinct/workflow"
)

// Service files grid reports and moves them through the loop on the
// workflow engine. Engine and Resolver are required.
type Service struct {
	Engine   *workflow.Engine
	Resolver precinct.Resolver
}

// ReportInput is a new grid report.
type ReportInput struct {
	Category    string           `json:"category"`
	Urgency     precinct.Urgency `json:"urgency,omitempty"`
	Description string           `json:"description"`
	Point       precinct.Point   `json:"location"`
	Address     string           `json:"address,omitempty"`
	// ReporterKind is who reports; by default what the caller's role is.
	ReporterKind string                 `json:"reporter_kind,omitempty"`
	Reporter     *Contact               `json:"reporter,omitempty"`
	Photos       []precinct.PhotoUpload `json:"photos,omitempty"`
	MediaURL     string                 `json:"-"`
	Source       precinct.WorkSource    `json:"-"`
	// IdempotencyKey, from the Idempotency-Key header, makes a resent
	// report one report.
	IdempotencyKey string `json:"-"`
}

// Contact is how to reach the person who reported, when not a user.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// View is a grid report as the API shows it: the item, its photos (without
// bytes) and its reporter's contact, masked.
type View struct {
	*precinct.WorkItem
	Report   Report                 `json:"report"`
	Photos   []*precinct.Photo      `json:"photos"`
	Contacts []precinct.WorkContact `json:"contacts"`
}

// reporterKindOf is the kind of reporter a role reports as.
func reporterKindOf(r precinct.Role) string {
	switch r {
	case precinct.RoleGridWorker:
		return "grid_worker"
	case precinct.RoleCommunity, precinct.RoleAuxiliary:
		return "community_officer"
	}
	return "citizen"
}

// Report files a grid report: it is located in the grids, stored in the
// state to triage with its deadline, and answered once durable.
func (s *Service) Report(ctx context.Context, in ReportInput) (*precinct.WorkItem, bool, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReportWork); err != nil {
		return nil, false, err
	}
	cat, ok := CategoryOf(in.Category)
	if !ok {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "category", "未知的事项类别：%q", "Unknown report category %q.", in.Category)
	}
	if strings.TrimSpace(in.Description) == "" {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "description", "请描述发现的问题", "Describe what was found.")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"description", in.Description, maxDescription}, {"address", in.Address, 200}, {"media_url", in.MediaURL, 500}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return nil, false, err
		}
	}
	if in.ReporterKind == "" {
		in.ReporterKind = reporterKindOf(u.Role)
	}
	if !slices.Contains(ReporterKinds, in.ReporterKind) {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "reporter_kind", "未知的上报人类别：%q", "Unknown kind of reporter %q.", in.ReporterKind)
	}
	loc, err := s.Resolver.Resolve(in.Point)
	if err != nil {
		return nil, false, err
	}
	data, _ := json.Marshal(Report{ReporterKind: in.ReporterKind, Description: in.Description, MediaURL: in.MediaURL})
	title := cat.Name
	if in.Address != "" {
		title += "：" + in.Address
	}
	it := &precinct.WorkItem{Kind: Kind, Category: cat.Code, Urgency: in.Urgency, Title: title, Point: in.Point, Address: in.Address,
		Location: loc, Source: in.Source, Data: data, IdempotencyKey: in.IdempotencyKey}
	var contacts []precinct.WorkContact
	if in.Reporter != nil && (in.Reporter.Name != "" || in.Reporter.Phone != "" || in.Reporter.Email != "") {
		for _, f := range []struct{ name, v string }{{"reporter.name", in.Reporter.Name}, {"reporter.phone", in.Reporter.Phone}, {"reporter.email", in.Reporter.Email}} {
			if err := checkText(f.name, f.v, 100); err != nil {
				return nil, false, err
			}
		}
		contacts = []precinct.WorkContact{{Role: "reporter", Name: in.Reporter.Name, Phone: in.Reporter.Phone, Email: in.Reporter.Email}}
	}
	return s.Engine.Open(ctx, it, in.Photos, contacts)
}

// Find returns one grid report the caller may read.
func (s *Service) Find(ctx context.Context, id string) (*View, error) {
	it, err := s.Engine.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != Kind {
		return nil, precinct.ErrNotFound("网格事项", "Grid report", id)
	}
	return s.view(ctx, it)
}

func (s *Service) view(ctx context.Context, it *precinct.WorkItem) (*View, error) {
	v := &View{WorkItem: it}
	if err := json.Unmarshal(it.Data, &v.Report); err != nil {
		return nil, err
	}
	var err error
	if v.Photos, err = s.Engine.Store.ListPhotos(ctx, it.ID); err != nil {
		return nil, err
	}
	if v.Contacts, err = s.Engine.MaskedContacts(ctx, it.ID); err != nil {
		return nil, err
	}
	if v.Photos == nil {
		v.Photos = []*precinct.Photo{}
	}
	if v.Contacts == nil {
		v.Contacts = []precinct.WorkContact{}
	}
	return v, nil
}

// List returns grid reports the caller may read.
func (s *Service) List(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	f.Kind = Kind
	return s.Engine.List(ctx, f)
}

// Act takes an action on a grid report.
func (s *Service) Act(ctx context.Context, id string, req precinct.WorkRequest) (*View, error) {
	if _, err := s.Find(ctx, id); err != nil {
		return nil, err
	}
	it, err := s.Engine.Act(ctx, id, req)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, it)
}

// Departments returns the linked departments the caller may transfer to or
// read: the district's and those of the townships in the caller's scope.
func (s *Service) Departments(ctx context.Context) ([]*precinct.Department, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	ds, err := s.Engine.Store.ListDepartments(ctx, precinct.DepartmentFilter{Scope: precinct.ScopeOf(u)})
	if err != nil {
		return nil, err
	}
	if precinct.Authorize(u, precinct.PermManageUsers) != nil {
		for _, d := range ds {
			d.Members = nil
		}
	}
	return ds, nil
}

// PutDepartment creates or changes a linked department and its accounts.
func (s *Service) PutDepartment(ctx context.Context, d *precinct.Department) error {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermManageUsers, d.Location); err != nil {
		return err
	}
	if err := precinct.Authorize(u, precinct.PermManageOrg, d.Location); err != nil {
		return err
	}
	switch {
	case d.ID == "" || len(d.ID) > 64:
		return precinct.FieldErrorf(precinct.EINVALID, "id", "部门编号不能为空或过长", "The department ID is required and short.")
	case strings.TrimSpace(d.Name) == "":
		return precinct.FieldErrorf(precinct.EINVALID, "name", "部门名称不能为空", "The department name is required.")
	case !d.Kind.Valid():
		return precinct.FieldErrorf(precinct.EINVALID, "kind", "未知的部门类别：%q", "Unknown kind of department %q.", d.Kind)
	case d.Location.SubBureauID == "":
		return precinct.FieldErrorf(precinct.EINVALID, "jurisdiction", "部门须属于一个区县（分局）", "A department belongs to a district (sub-bureau).")
	}
	for _, m := range d.Members {
		usr, err := s.Engine.Store.FindUser(ctx, m)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return precinct.FieldErrorf(precinct.EINVALID, "members", "用户不存在：%s", "No such user: %s", m)
		} else if err != nil {
			return err
		}
		if usr.Role != precinct.RoleDepartment || !precinct.ScopeOf(usr).Covers(d.Location) && !(precinct.Scope{Location: d.Location}).Covers(usr.Scope) {
			return precinct.FieldErrorf(precinct.EINVALID, "members", "用户 %s 不是本部门辖区内的联动部门账号", "User %s is not a linked department's account of this jurisdiction.", m)
		}
	}
	now := s.Engine.Clock.Now()
	ev := precinct.NewEvent(ctx, now, "department.put", d.Location, "department", d.ID, nil, d, nil)
	return s.Engine.Store.PutDepartment(ctx, d, ev)
}
