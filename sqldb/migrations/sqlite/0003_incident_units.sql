-- incident_units lists every unit ever sent to an incident, so that a unit's
-- incidents are found after it has been released. Filled for existing
-- incidents from their dispatch and reinforcement events.
CREATE TABLE incident_units (
	incident_id TEXT NOT NULL REFERENCES incidents(id),
	unit_id     TEXT NOT NULL,
	PRIMARY KEY (incident_id, unit_id)
);
CREATE INDEX incident_units_unit ON incident_units(unit_id);
INSERT OR IGNORE INTO incident_units (incident_id, unit_id)
	SELECT e.entity_id, j.value FROM events e, json_each(e.data, '$.units') j
	WHERE e.entity_type = 'incident' AND e.type IN ('incident.dispatched', 'incident.reinforced')
	AND e.entity_id IN (SELECT id FROM incidents);
