-- Model tokens in the usage gateways report: per organisation, workflow (empty for sessions'
-- agents) and model.
ALTER TABLE usage_records ADD COLUMN model VARCHAR(256) DEFAULT '' NOT NULL;
ALTER TABLE usage_records ADD COLUMN prompt_tokens BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE usage_records ADD COLUMN completion_tokens BIGINT DEFAULT 0 NOT NULL;
