/**
 * JUnit 5 fixtures that give tests real servers (Redis, Kafka) started once per test JVM, and an
 * in-process gRPC server for unit tests.
 */
@NullMarked
package io.nexusmesh.testing;

import org.jspecify.annotations.NullMarked;
