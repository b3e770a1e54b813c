/** See {@link io.nexusmesh.runtime}. */
@NullMarked
package io.nexusmesh.runtime.server;

import org.jspecify.annotations.NullMarked;
