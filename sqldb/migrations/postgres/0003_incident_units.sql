-- incident_units lists every unit ever sent to an incident, so that a unit's
-- incidents are found after it has been released. Filled for existing
-- incidents from their dispatch and reinforcement events.
CREATE TABLE incident_units (
	incident_id TEXT NOT NULL REFERENCES incidents(id),
	unit_id     TEXT NOT NULL,
	PRIMARY KEY (incident_id, unit_id)
);
CREATE INDEX incident_units_unit ON incident_units(unit_id);
INSERT INTO incident_units (incident_id, unit_id)
	SELECT DISTINCT e.entity_id, u.unit_id
	FROM events e, jsonb_array_elements_text(e.data::jsonb -> 'units') AS u(unit_id)
	WHERE e.entity_type = 'incident' AND e.type IN ('incident.dispatched', 'incident.reinforced')
	AND e.entity_id IN (SELECT id FROM incidents)
ON CONFLICT DO NOTHING;
