/**
 * Large payloads: inputs, outputs and journal entries above a threshold live in an object store
 * (files under {@code $NEXUS_HOME} by default, S3 in production) and Redis holds a reference.
 */
@NullMarked
package io.nexusmesh.gateway.payload;

import org.jspecify.annotations.NullMarked;
