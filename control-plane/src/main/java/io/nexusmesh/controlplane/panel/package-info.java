/**
 * Panels on the control plane: their records, their sidecars' credentials and running instances,
 * and what of them the organisation's gateways receive.
 */
@NullMarked
package io.nexusmesh.controlplane.panel;

import org.jspecify.annotations.NullMarked;
