/** Reading and checking a panel's {@code GET /manifest} against the panel contract's limits. */
@NullMarked
package io.nexusmesh.sidecar.manifest;

import org.jspecify.annotations.NullMarked;
