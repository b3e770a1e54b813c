-- Every change to an organisation's API keys advances its key generation in the same
-- transaction, so gateways can tell a newer key set from an older one whatever order pushes
-- arrive in. Orgs that already have keys start at 1.
CREATE TABLE key_generations (
    org        VARCHAR(63) NOT NULL PRIMARY KEY,
    generation BIGINT      NOT NULL
);
INSERT INTO key_generations (org, generation) SELECT DISTINCT org, 1 FROM api_keys;

-- The key generation each gateway last confirmed holding.
ALTER TABLE gateways ADD COLUMN applied_key_generation BIGINT NOT NULL DEFAULT 0;

-- What a deployment pushes is fixed when it is made (the same generation never carries two
-- contents): the workflow's description, as it was then, is kept with it.
ALTER TABLE deployments ADD COLUMN description VARCHAR(4096) NOT NULL DEFAULT '';
UPDATE deployments SET description = COALESCE(
    (SELECT w.description FROM workflows w WHERE w.org = deployments.org AND w.id = deployments.workflow_id), '');
