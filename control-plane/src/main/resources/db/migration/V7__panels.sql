-- Panels: untrusted user servers whose tools become the organisation's tools.
CREATE TABLE panels (
    org         VARCHAR(63)   NOT NULL,
    name        VARCHAR(63)   NOT NULL,
    mode        VARCHAR(32)   NOT NULL,
    description VARCHAR(1024) NOT NULL,
    creator     VARCHAR(256)  NOT NULL,
    create_time TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (org, name)
);

-- The running instance of a panel, as its sidecar reports it (at most one per panel). tools is a
-- serialized nexus.sidecar.v1.Manifest; invoke_key is encrypted at rest like the secrets (Tink
-- AEAD, bound to org and panel).
CREATE TABLE panel_instances (
    org            VARCHAR(63)   NOT NULL,
    panel          VARCHAR(63)   NOT NULL,
    instance       VARCHAR(64)   NOT NULL,
    endpoint       VARCHAR(512)  NOT NULL,
    tools          BYTEA         NOT NULL,
    manifest_state VARCHAR(32)   NOT NULL,
    message        VARCHAR(2048) NOT NULL,
    invoke_key     BYTEA         NOT NULL,
    start_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_time TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (org, panel)
);

-- Panel credentials (nxp_<id>_<secret>): only the SHA-256 of the whole credential is stored.
CREATE TABLE panel_credentials (
    id          VARCHAR(32) NOT NULL PRIMARY KEY,
    org         VARCHAR(63) NOT NULL,
    panel       VARCHAR(63) NOT NULL,
    sha256      CHAR(64)    NOT NULL,
    create_time TIMESTAMP WITH TIME ZONE NOT NULL,
    expire_time TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX panel_credentials_by_panel ON panel_credentials (org, panel);
