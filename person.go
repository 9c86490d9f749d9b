package precinct

import (
	"context"
	"strings"
	"unicode/utf8"
)

// PersonKind is what a person is to the station.
type PersonKind string

const (
	PersonOfficer    PersonKind = "officer"     // 民警
	PersonAuxiliary  PersonKind = "auxiliary"   // 辅警
	PersonVolunteer  PersonKind = "volunteer"   // 义警
	PersonGridWorker PersonKind = "grid_worker" // 网格员
	PersonCadre      PersonKind = "cadre"       // 村（社区）干部
	PersonMediator   PersonKind = "mediator"    // 调解员、律师
	PersonLiaison    PersonKind = "liaison"     // 联动部门联络员（综合执法等）
)

// Person is anyone the station works with. Phone and IDNumber are personal
// data: lists show them masked, and every unmasked read is audited.
type Person struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Kind        PersonKind `json:"kind"`
	SubBureauID string     `json:"sub_bureau_id"`
	StationID   string     `json:"station_id,omitempty"`
	Team        TeamKind   `json:"team,omitempty"`
	// ServiceStationID is set for patrol officers of a police service station.
	ServiceStationID string `json:"service_station_id,omitempty"`
	PoliceGridID     string `json:"police_grid_id,omitempty"`
	Phone            string `json:"phone,omitempty"`
	IDNumber         string `json:"id_number,omitempty"`
	// Seconded is set for officers sent down from the bureau for a cycle.
	Seconded bool `json:"seconded,omitempty"`
}

// Location is where the person belongs in the jurisdiction tree.
func (p *Person) Location() Location {
	return Location{SubBureauID: p.SubBureauID, StationID: p.StationID, PoliceGridID: p.PoliceGridID}
}

// Masked returns a copy of p with its personal data masked.
func (p Person) Masked() Person {
	p.Phone = MaskPhone(p.Phone)
	p.IDNumber = MaskIDNumber(p.IDNumber)
	return p
}

// MaskPhone keeps the first three and last four digits of a phone number.
func MaskPhone(s string) string { return mask(s, 3, 4) }

// MaskIDNumber keeps the first six and last four characters of an ID number.
func MaskIDNumber(s string) string { return mask(s, 6, 4) }

func mask(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}

// PersonFilter selects people within Scope.
type PersonFilter struct {
	Scope            Scope
	StationID        string
	ServiceStationID string
	Kind             PersonKind
	Cursor           string
	Limit            int
}

// PersonStore keeps people.
type PersonStore interface {
	FindPerson(ctx context.Context, id string) (*Person, error) // unmasked: masking is the service's
	ListPeople(ctx context.Context, f PersonFilter) ([]*Person, string, error)
}
