package io.nexusmesh.runtime.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Says that no method of a gRPC service blocks, so {@link NexusServer} may run all of them on the
 * event loop. The counterpart of Armeria's {@code @Blocking}: every service served by {@link
 * NexusServer} carries one or the other.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface NonBlocking {}
