package main

import (
	"context"
	"fmt"
	"time"

	"precinct"
	"precinct/demo"
)

// seedWarnings gives the demo its anti-fraud warnings (demo.WarningsOf:
// synthetic, of the last fourteen months, about people of the demo
// registry) and replays what became of them through the prevention
// service as of their times (prevention.Service.Replay): matched, pushed to
// the grids' community officers, reported, escalated, or left in triage.
// Like the registry, it is stored in one transaction, its events marked
// published. It is part of the demo's past: with --demo-history-days 0
// (as most tests start the demo) there is none.
func (m *Main) seedWarnings(ctx context.Context, j *precinct.Jurisdiction) error {
	start := time.Now()
	now := m.Clock.Now()
	r, err := demo.RegistryOf(j, now, 1)
	if err != nil {
		return err
	}
	past := demo.WarningsOf(j, r, now, 1)
	var intake *precinct.User
	command := map[string]*precinct.User{} // station → its command office's account
	users := map[string]*precinct.User{}
	for _, u := range j.Users {
		users[u.ID] = u
		switch {
		case u.Role == precinct.RoleDispatcher && intake == nil:
			intake = u
		case u.Role == precinct.RoleCommand && u.Scope.StationID != "":
			command[u.Scope.StationID] = u
		}
	}
	if intake == nil {
		return fmt.Errorf("no dispatcher account to take the warnings in")
	}
	actor := func(a precinct.Assignee, loc precinct.Location) *precinct.User {
		if id, ok := a.User(); ok && users[id] != nil {
			return users[id]
		}
		return command[loc.StationID]
	}
	res, err := m.Prevention.Replay(ctx, intake, past, now, actor)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "演示反诈预警（合成数据）/ demo anti-fraud warnings (synthetic): %d 条 warnings, %d 推送 pushed, %d 待研判 in triage, %d 已反馈 reported, %d 未联系上 not reached, %d 未办结 open (%d 升级 escalated) in %.1f s\n",
		res.Warnings, res.Pushed, res.Triage, res.Reported, res.Unreached, res.Open, res.Escalated, time.Since(start).Seconds())
	return nil
}
