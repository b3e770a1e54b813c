-- Egress: the destinations each organisation allows beyond the default policy, in order, and a
-- revision per organisation for etags. Orgs without a row have the default policy.
CREATE TABLE egress_policies (
    org         VARCHAR(63)  NOT NULL PRIMARY KEY,
    revision    BIGINT       NOT NULL,
    updater     VARCHAR(256) NOT NULL,
    update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE egress_rules (
    org         VARCHAR(63)  NOT NULL,
    position    INT          NOT NULL,
    destination VARCHAR(260) NOT NULL,
    description VARCHAR(500) NOT NULL,
    PRIMARY KEY (org, position)
);

-- Secrets: values encrypted at rest (Tink AEAD, base64), bound to their org and name; key_id is
-- the keyset key that encrypted the value, so a rotation finds what to re-encrypt.
CREATE TABLE secrets (
    org         VARCHAR(63)   NOT NULL,
    name        VARCHAR(64)   NOT NULL,
    version     BIGINT        NOT NULL,
    ciphertext  VARCHAR(32768) NOT NULL,
    key_id      BIGINT        NOT NULL,
    create_time TIMESTAMP WITH TIME ZONE NOT NULL,
    update_time TIMESTAMP WITH TIME ZONE NOT NULL,
    updater     VARCHAR(256)  NOT NULL,
    PRIMARY KEY (org, name)
);
CREATE INDEX secrets_by_key ON secrets (key_id);

-- The public key (a Tink HPKE public keyset, base64) each gateway registered with; secrets are
-- sealed to it.
ALTER TABLE gateways ADD COLUMN secrets_public_key VARCHAR(8192) NOT NULL DEFAULT '';
