/** The Nexus Mesh control plane. */
@NullMarked
package io.nexusmesh.controlplane;

import org.jspecify.annotations.NullMarked;
