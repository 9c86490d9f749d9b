// Package routing computes road travel times for dispatch from OpenStreetMap
// data.
//
// Import reads an extract (.osm.pbf, .osm or .osm.gz), keeps the ways a car or
// a motorcycle may use, sets a speed on each from its road class and tags
// (maxspeed, oneway, junction=roundabout, access), keeps the largest strongly
// connected part of the network, and builds one Graph per profile. Every
// node of a routable way is a graph node, so a route's geometry is the list
// of its nodes.
//
// A Graph is preprocessed into a contraction hierarchy: nodes are removed
// one by one in order of importance (edge difference, contracted neighbours
// and level, with lazy updates), and a shortcut replaces each shortest path
// through a removed node that no witness search finds a way around. Node
// IDs are contraction ranks. Queries search upward only: a bidirectional
// search for one pair, and for a table one exhaustive upward search from the
// single end plus a pruned upward search from each of the others
// (TravelOneToMany). Many-to-one (TravelManyToOne, the dispatch question of
// units near an incident) first runs one plain Dijkstra search backward
// from the single end, stopped once every origin's time is known, and
// leaves origins beyond its budget to the hierarchy. Shortcuts record the node they bypass,
// so a path unpacks to road nodes. A plain Dijkstra search on the road graph
// (TravelDijkstra, DijkstraOneToMany) is kept as the reference the tests
// compare against, exactly, in integer milliseconds.
//
// Points are placed on the nearest road segment (a grid of cells over segments)
// within a maximum distance; a trip starts or ends partway along that
// segment, in the directions the segment allows.
//
// Router holds the graphs of all profiles and implements precinct.Router.
// Save writes them to one versioned, checksummed binary file (written to a
// temporary file, synced, renamed); Load reads it back.
//
// Road data © OpenStreetMap contributors, available under the Open Database
// License (ODbL 1.0).
package routing
