/**
 * The Java SDK of Nexus Mesh: {@link io.nexusmesh.client.NexusClient} and its typed calls to the
 * control plane and to gateways.
 */
@NullMarked
package io.nexusmesh.client;

import org.jspecify.annotations.NullMarked;
