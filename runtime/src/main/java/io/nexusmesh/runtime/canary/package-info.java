/**
 * What the control plane and the gateways must agree on about canary deployments: which side of the
 * split a call falls on, and the duration histogram gateways report per version.
 */
@NullMarked
package io.nexusmesh.runtime.canary;

import org.jspecify.annotations.NullMarked;
