package gridloop

import (
	"context"
	"encoding/json"

	"precinct"
)

// incidentCategory maps the kind of an incident's category to the grid
// report category it becomes when handed over.
var incidentCategory = map[precinct.CategoryKind]string{
	precinct.KindDispute: "dispute", precinct.KindHelp: "welfare", precinct.KindOrder: "public_order", precinct.KindTraffic: "traffic",
	precinct.KindDisaster: "safety_hazard", precinct.KindMass: "public_order", precinct.KindCase: "public_order", precinct.KindOther: "other",
}

// HandoverWork opens a grid report to triage for an incident that could not
// be finished on scene and is handed over: the station or the linked
// department takes it in the same loop, with its deadline. The report is
// stored in the incident's transaction.
func (s *Service) HandoverWork(ctx context.Context, inc *precinct.Incident, req precinct.ActionRequest) ([]precinct.WorkChange, error) {
	kind := precinct.KindOther
	cats, err := s.Engine.Store.ListCategories(ctx, inc.Location.SubBureauID)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.Code == inc.Category {
			kind = c.Kind
		}
	}
	cat, _ := CategoryOf(incidentCategory[kind])
	desc := inc.Description
	if req.Note != "" {
		desc += "\n移交说明：" + req.Note
	}
	if desc == "" {
		desc = "警情移交"
	}
	data, _ := json.Marshal(Report{ReporterKind: "incident", Description: desc})
	urgency := precinct.UrgencyRoutine
	if inc.Priority <= 2 {
		urgency = precinct.UrgencyPress
	}
	it := &precinct.WorkItem{Kind: Kind, Category: cat.Code, Urgency: urgency, Title: cat.Name + "（警情移交" + handoverTarget(req.To) + "）：" + inc.Address,
		Point: inc.Point, Address: inc.Address, Location: inc.Location, Source: precinct.WorkSource{Kind: "incident", ID: inc.ID}, Data: data,
		IdempotencyKey: "handover:" + inc.ID}
	c, err := s.Engine.Following(ctx, it, nil)
	if err != nil {
		return nil, err
	}
	return []precinct.WorkChange{c}, nil
}

// handoverTarget names whom an incident was handed over to, in the title
// of the work it opens: the console's codes in words, a department as typed.
func handoverTarget(to string) string {
	switch to {
	case "station":
		return "派出所"
	case "case_team":
		return "案件办理队"
	case "department":
		return "联动部门"
	}
	return to
}
