/** The Nexus Mesh gateway: the stateless data plane that runs deployed workflows. */
@NullMarked
package io.nexusmesh.gateway;

import org.jspecify.annotations.NullMarked;
