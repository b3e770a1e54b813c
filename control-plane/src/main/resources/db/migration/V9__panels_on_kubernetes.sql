-- Panels on Kubernetes: the user container's image (empty: the panel runs elsewhere and the panel
-- manager leaves it alone), whether it should run, and the status the panel manager last saw.
ALTER TABLE panels ADD COLUMN image VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE panels ADD COLUMN started BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE panels ADD COLUMN status_phase VARCHAR(32) NOT NULL DEFAULT 'PANEL_PHASE_UNSPECIFIED';
ALTER TABLE panels ADD COLUMN status_pod VARCHAR(253) NOT NULL DEFAULT '';
ALTER TABLE panels ADD COLUMN status_revision VARCHAR(253) NOT NULL DEFAULT '';
ALTER TABLE panels ADD COLUMN status_url VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE panels ADD COLUMN status_error VARCHAR(2048) NOT NULL DEFAULT '';
ALTER TABLE panels ADD COLUMN status_time TIMESTAMP WITH TIME ZONE;
