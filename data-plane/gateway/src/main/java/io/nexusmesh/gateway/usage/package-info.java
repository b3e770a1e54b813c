/**
 * Usage metering: executions, node runs and durations per organisation and workflow, reported to
 * the control plane.
 */
@NullMarked
package io.nexusmesh.gateway.usage;

import org.jspecify.annotations.NullMarked;
