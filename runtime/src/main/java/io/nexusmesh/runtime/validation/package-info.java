/** See {@link io.nexusmesh.runtime}. */
@NullMarked
package io.nexusmesh.runtime.validation;

import org.jspecify.annotations.NullMarked;
