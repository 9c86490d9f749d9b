-- The monthly performance list (schema 0013) counts each officer's recorded
-- work by user and time: check-in days, and the events a workflow records
-- (a dispute's agreement, a grid report's feedback, a dissuasion).
-- Keep in step with the other engine's 0013_performance.sql.
CREATE INDEX check_ins_user_at ON check_ins(user_id, at);
CREATE INDEX events_actor_at ON events(actor, at);
