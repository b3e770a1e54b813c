/** Part of the control plane; see {@link io.nexusmesh.controlplane.ControlPlaneApplication}. */
@NullMarked
package io.nexusmesh.controlplane.gateway;

import org.jspecify.annotations.NullMarked;
