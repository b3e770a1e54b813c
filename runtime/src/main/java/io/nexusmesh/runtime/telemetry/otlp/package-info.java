/**
 * An OTLP trace receiver that keeps the last traces in memory: {@code nexus dev}'s answer to "where
 * are my traces" without Jaeger, and the receiver tests assert span trees against.
 */
@NullMarked
package io.nexusmesh.runtime.telemetry.otlp;

import org.jspecify.annotations.NullMarked;
