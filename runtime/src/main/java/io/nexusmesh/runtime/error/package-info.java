/** See {@link io.nexusmesh.runtime}. */
@NullMarked
package io.nexusmesh.runtime.error;

import org.jspecify.annotations.NullMarked;
