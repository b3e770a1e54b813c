/**
 * Deployments pushed by the control plane, the API keys that travel with them, and the gateway's
 * registration with the control plane.
 */
@NullMarked
package io.nexusmesh.gateway.deploy;

import org.jspecify.annotations.NullMarked;
