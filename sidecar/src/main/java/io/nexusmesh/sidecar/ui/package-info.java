/** The panel's own web UI, reached by the traffic gateway through the sidecar. */
@NullMarked
package io.nexusmesh.sidecar.ui;

import org.jspecify.annotations.NullMarked;
