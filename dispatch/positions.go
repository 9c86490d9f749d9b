package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"precinct"
)

// ReportPositions validates a batch of positions, stores it durably (for
// trajectories) and moves the units in the live index.
func (s *Service) ReportPositions(ctx context.Context, ps []precinct.Position) error {
	if err := precinct.Authorize(precinct.UserFromContext(ctx), precinct.PermReportPosition); err != nil {
		return err
	}
	return s.ingest(ctx, ps)
}

// ingest is ReportPositions without the user: the same path for the HTTP
// batch and for devices publishing on the bus.
func (s *Service) ingest(ctx context.Context, ps []precinct.Position) error {
	skew := s.MaxClockSkew
	if skew <= 0 {
		skew = DefaultMaxClockSkew
	}
	latest := s.now().Add(skew)
	var unknown []string
	for i, p := range ps {
		f := fmt.Sprintf("positions[%d]", i)
		if p.UnitID == "" {
			return precinct.FieldErrorf(precinct.EINVALID, f+".unit_id", "缺少警力编号", "The unit_id is missing.")
		}
		if err := p.Point.Validate(f + ".point"); err != nil {
			return err
		}
		if p.Point.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f+".point", "缺少坐标", "The point is missing.")
		}
		if p.At.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f+".at", "缺少定位时间", "The time (at) is missing.")
		}
		if p.At.After(latest) {
			return precinct.FieldErrorf(precinct.EINVALID, f+".at", "定位时间 %s 晚于当前时间", "The time %s is in the future.", p.At.Format(time.RFC3339))
		}
		if !s.Live.Has(p.UnitID) && !slices.Contains(unknown, p.UnitID) {
			unknown = append(unknown, p.UnitID)
		}
	}
	// Units created since the index was loaded join it; others are ENOTFOUND.
	for _, id := range unknown {
		unit, err := s.Store.FindUnit(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return precinct.FieldErrorf(precinct.ENOTFOUND, "positions", "警力不存在：%s", "Unit not found: %s", id)
		} else if err != nil {
			return err
		}
		s.Live.Put(unit)
	}
	if err := s.Store.SavePositions(ctx, ps); err != nil {
		return err
	}
	s.Live.Move(ps)
	return nil
}
