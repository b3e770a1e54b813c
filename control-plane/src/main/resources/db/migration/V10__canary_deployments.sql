-- Canary deployments: a deployment may send a share of its workflow's calls to its version while
-- the rest stay on the baseline (previous_version), until it is promoted or aborted.
ALTER TABLE deployments ADD COLUMN canary_percent INT DEFAULT 0 NOT NULL;
ALTER TABLE deployments ADD COLUMN canary_max_error_rate DOUBLE PRECISION DEFAULT 0 NOT NULL;
ALTER TABLE deployments ADD COLUMN canary_min_executions BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE deployments ADD COLUMN canary_state VARCHAR(32) DEFAULT '' NOT NULL;
ALTER TABLE deployments ADD COLUMN canary_reason VARCHAR(1024) DEFAULT '' NOT NULL;
ALTER TABLE deployments ADD COLUMN canary_successor VARCHAR(64) DEFAULT '' NOT NULL;

-- What gateways reported of each version while a canary ran: counts and a duration histogram
-- (the 16 buckets of nexus.controlplane.v1.UsageRecord.duration_buckets, comma-separated).
CREATE TABLE canary_stats (
    org           VARCHAR(63)  NOT NULL,
    deployment_id VARCHAR(64)  NOT NULL,
    version       BIGINT       NOT NULL,
    executions    BIGINT       NOT NULL,
    failures      BIGINT       NOT NULL,
    total_millis  BIGINT       NOT NULL,
    buckets       VARCHAR(512) NOT NULL,
    PRIMARY KEY (org, deployment_id, version)
);
