/**
 * The sidecar's side of the control plane: the panel's credential, its instance reports and
 * heartbeats.
 */
@NullMarked
package io.nexusmesh.sidecar.mesh;

import org.jspecify.annotations.NullMarked;
