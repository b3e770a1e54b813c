/** See {@link io.nexusmesh.runtime}. */
@NullMarked
package io.nexusmesh.runtime.telemetry;

import org.jspecify.annotations.NullMarked;
