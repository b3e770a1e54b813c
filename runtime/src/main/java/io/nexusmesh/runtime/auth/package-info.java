/** See {@link io.nexusmesh.runtime}. */
@NullMarked
package io.nexusmesh.runtime.auth;

import org.jspecify.annotations.NullMarked;
