/**
 * A gateway embedded in a Java program: {@link io.nexusmesh.gateway.embed.NexusGateway}, with its
 * tools written in Java and its workflows given in code, served on every channel.
 */
@NullMarked
package io.nexusmesh.gateway.embed;

import org.jspecify.annotations.NullMarked;
