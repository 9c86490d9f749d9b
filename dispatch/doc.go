// Package dispatch is the heart of Precinct: routing rules as data, nearest
// force recommendation with tiered reinforcement, and the incident lifecycle
// service.
//
// Rules (rules.go) are a JSON document per sub-bureau: an ordered list of
// rules, each a condition (categories, kinds of category, place types,
// station kinds, sources) and a handler with the unit kinds it sends, plus
// the rural cross-station rule [002], border sharing [002], the tiers of
// reinforcement and k. Route (route.go) evaluates them purely from Facts and
// records which rule fired and why, in Chinese and English, with the seed
// that describes it: first receipt by the grid's community officer,
// disputes and help to the community office, cases to the case team [004];
// "1+1" street incidents to the bound service station's patrol, special
// places to the command centre [003]; the station command office otherwise
// [000].
//
// Recommend (recommend.go) asks the live index (package live) for each
// wave's k nearest available units of the route's kinds within its stations,
// ranked by a precinct.Router; StraightLine is the router used when no road
// graph is loaded. KPIs computes an incident's figures from its timeline.
//
// Service (service.go) implements precinct.IncidentService,
// precinct.PositionService, precinct.RuleService and precinct.KPIService
// over a precinct.Store. Every method authorizes against the user in the
// context; the domain logic reads time only from the injected Clock, so the
// simulator runs the same code on a virtual clock.
package dispatch
