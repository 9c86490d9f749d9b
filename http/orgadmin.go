package http

import (
	"net/http"

	"precinct"
)

// orgAdminRoutes are the organisation administrator's: create or edit, and
// retire, stations, police service stations, community police offices,
// police and community grids, people, units and users.
func (s *Server) orgAdminRoutes() []route {
	return []route{
		{"PUT /api/v1/org/{kind}/{id}", false, s.handleOrgPut},
		{"DELETE /api/v1/org/{kind}/{id}", false, s.handleOrgRetire},
	}
}

// maxOrgBody bounds an edit: a grid's polygon may hold many points.
const maxOrgBody = 8 << 20

func (s *Server) orgKind(r *http.Request) (precinct.OrgEntityKind, any, error) {
	kind := precinct.OrgEntityKind(r.PathValue("kind"))
	v := kind.New()
	if v == nil {
		return "", nil, precinct.FieldErrorf(precinct.ENOTFOUND, "kind", "没有这类组织对象：%s", "No such kind of organisation entity: %s", kind)
	}
	if s.OrgAdmin == nil {
		return "", nil, precinct.Errorf(precinct.EINTERNAL, "组织管理未启用", "Organisation editing is not enabled.")
	}
	return kind, v, nil
}

func (s *Server) handleOrgPut(w http.ResponseWriter, r *http.Request) error {
	kind, v, err := s.orgKind(r)
	if err != nil {
		return err
	}
	if err := decode(w, r, v, maxOrgBody); err != nil {
		return err
	}
	d, err := s.OrgAdmin.PutOrg(r.Context(), kind, r.PathValue("id"), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleOrgRetire(w http.ResponseWriter, r *http.Request) error {
	kind, _, err := s.orgKind(r)
	if err != nil {
		return err
	}
	d, err := s.OrgAdmin.RetireOrg(r.Context(), kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
