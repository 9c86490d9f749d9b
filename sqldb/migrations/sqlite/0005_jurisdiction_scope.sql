-- Every jurisdiction-bound row says where it belongs, so that stores keep
-- each query to the caller's scope: people get their sub-bureau (from their
-- station or police service station), audit records the sub-bureau of what
-- was read and the reason given. Intake idempotency keys are kept per
-- creator and operation ("<user>|intake|<key>") with a digest of the request,
-- so one user's key never meets another's and a key replayed with another
-- body is told apart. Units are claimed only when on duty (see UpdateIncident).
ALTER TABLE people ADD COLUMN sub_bureau_id TEXT NOT NULL DEFAULT '';
UPDATE people SET sub_bureau_id = COALESCE(
	(SELECT s.sub_bureau_id FROM stations s WHERE s.id = people.station_id),
	(SELECT ss.sub_bureau_id FROM service_stations ss WHERE ss.id = people.service_station_id),
	'');
CREATE INDEX people_sub_bureau ON people(sub_bureau_id, id);
ALTER TABLE audit ADD COLUMN sub_bureau_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN reason TEXT NOT NULL DEFAULT '';
UPDATE audit SET sub_bureau_id = COALESCE(
	(SELECT p.sub_bureau_id FROM people p WHERE audit.entity_type = 'person' AND p.id = audit.entity_id),
	(SELECT i.sub_bureau_id FROM incidents i WHERE audit.entity_type = 'incident' AND i.id = audit.entity_id),
	'');
CREATE INDEX audit_sub_bureau ON audit(sub_bureau_id, id);
ALTER TABLE incidents ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
UPDATE incidents SET idempotency_key = COALESCE(json_extract(doc, '$.created_by'), '') || '|intake|' || idempotency_key
	WHERE idempotency_key IS NOT NULL;
CREATE INDEX units_sub_bureau ON units(sub_bureau_id, id);
CREATE INDEX check_ins_unit_at ON check_ins(unit_id, at);
-- The community grid of an incident, for scopes bound to one.
ALTER TABLE incidents ADD COLUMN community_grid_id TEXT NOT NULL DEFAULT '';
UPDATE incidents SET community_grid_id = COALESCE(json_extract(doc, '$.jurisdiction.community_grid_id'), '');
