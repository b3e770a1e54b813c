/**
 * {@code nexus-sidecar}: the trusted process beside a panel's untrusted user server. It holds every
 * credential (the panel's, the invoke key, the bus); the user server holds none.
 */
@NullMarked
package io.nexusmesh.sidecar;

import org.jspecify.annotations.NullMarked;
