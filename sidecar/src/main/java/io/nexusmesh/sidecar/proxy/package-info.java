/**
 * The panel's way onto the transactional bus ({@code localhost:3500/proxy}), stamped with its
 * identity.
 */
@NullMarked
package io.nexusmesh.sidecar.proxy;

import org.jspecify.annotations.NullMarked;
