/**
 * What every Nexus Mesh process shares: the Armeria server recipe ({@code server}), the error model
 * ({@code error}), authentication primitives ({@code auth}), request validation ({@code
 * validation}) and telemetry ({@code telemetry}).
 */
@NullMarked
package io.nexusmesh.runtime;

import org.jspecify.annotations.NullMarked;
