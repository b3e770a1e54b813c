/**
 * The egress policy shared by the control plane (which validates rules and literal URLs) and the
 * gateways (which enforce it on every outbound call of a workflow): address classes, allow rules
 * and the decision for one destination.
 */
@NullMarked
package io.nexusmesh.runtime.egress;

import org.jspecify.annotations.NullMarked;
