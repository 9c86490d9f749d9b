package main

import (
	"context"
	"fmt"

	"precinct"
	"precinct/gridloop"
	"precinct/mediation"
	"precinct/prevention"
	"precinct/tasks"
	"precinct/workflow"
)

// openWork (after openRegistry, whose vault it shares) builds the workflow engine with the kinds of work that flow (grid
// reports, disputes), the services on it, and the daily tasks; it hands
// incidents handed over to them and sweeps deadlines in the background.
func (m *Main) openWork(ctx context.Context, resolver precinct.Resolver) error {
	kinds, err := workflow.NewKinds(gridloop.ReportKind, mediation.DisputeKind, prevention.DissuasionKind, prevention.PublicityKind)
	if err != nil {
		return err
	}
	m.Work = &workflow.Engine{Store: m.Store, Clock: m.Clock, Kinds: kinds, Notify: m.Relay.Notify, Vault: m.Registry.Vault}
	m.GridLoop = &gridloop.Service{Engine: m.Work, Resolver: resolver}
	m.Disputes = &mediation.Service{Engine: m.Work, Resolver: resolver}
	m.Prevention = &prevention.Service{Engine: m.Work, Vault: m.Registry.Vault, Router: m.Dispatch, Resolver: resolver}
	m.Tasks = &tasks.Service{Sources: []precinct.TaskSource{workflow.Tasks{Engine: m.Work}}}
	m.Dispatch.Handover = workflow.Handovers{m.Disputes, m.GridLoop}
	every := m.Config.SweepEvery
	if every > 0 {
		m.goRun(func() error { return m.Work.Run(ctx, every, m.Logger) })
	}
	return nil
}

// demoDepartments are the linked departments of the demo district, each
// with one account (dept-<kind>), and the categories it handles.
var demoDepartments = []struct {
	kind precinct.DepartmentKind
	name string
}{
	{precinct.DeptLawEnforcement, "区综合行政执法局"},
	{precinct.DeptMarket, "区市场监督管理局"},
	{precinct.DeptHousing, "区住房和城乡建设委员会"},
	{precinct.DeptCivil, "区民政局"},
	{precinct.DeptEmergency, "区应急管理局"},
	{precinct.DeptTransport, "区交通运输委员会"},
	{precinct.DeptEnvironment, "区生态环境局"},
}

// seedWork gives the demo its linked departments with their accounts, the
// district's governance centre, and a grid worker for each of the first
// police grids' community grids. Their password is the demo users'.
func (m *Main) seedWork(ctx context.Context, j *precinct.Jurisdiction, hash string) error {
	now := m.Clock.Now()
	sb := j.SubBureau.ID
	add := func(username, name string, role precinct.Role, scope precinct.Location) error {
		u := &precinct.User{ID: "user-" + username, Username: username, Name: name, Role: role, Scope: scope, PasswordHash: hash, CreatedAt: now}
		if err := m.Store.CreateUser(ctx, u); err != nil && precinct.ErrorCode(err) != precinct.ECONFLICT {
			return fmt.Errorf("demo user %s: %w", username, err)
		}
		return nil
	}
	for _, d := range demoDepartments {
		username := "dept-" + string(d.kind)
		if err := add(username, d.name, precinct.RoleDepartment, precinct.Location{SubBureauID: sb}); err != nil {
			return err
		}
		var cats []string
		for _, c := range gridloop.Categories {
			if c.Dept == d.kind {
				cats = append(cats, c.Code)
			}
		}
		dept := &precinct.Department{ID: sb + "-" + string(d.kind), Name: d.name, Kind: d.kind, Location: precinct.Location{SubBureauID: sb},
			Categories: cats, Members: []string{"user-" + username}}
		if err := m.Store.PutDepartment(ctx, dept, nil); err != nil {
			return err
		}
	}
	if err := add("gov-district", "区基层治理中心", precinct.RoleGovernance, precinct.Location{SubBureauID: sb}); err != nil {
		return err
	}
	n := 0
	for _, cg := range j.CommunityGrids {
		for _, u := range j.Users {
			if n < 5 && u.Role == precinct.RoleCommunity && u.Scope.PoliceGridID == cg.PoliceGridID {
				n++
				loc := u.Scope
				loc.CommunityGridID = cg.ID
				if err := add(fmt.Sprintf("grid%d", n), cg.Name+"网格员", precinct.RoleGridWorker, loc); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}
