/**
 * The control plane's own trace receiver and {@code nexus.controlplane.v1.TraceService}, which
 * shows an organisation the latest traces that touched it.
 */
@NullMarked
package io.nexusmesh.controlplane.telemetry;

import org.jspecify.annotations.NullMarked;
