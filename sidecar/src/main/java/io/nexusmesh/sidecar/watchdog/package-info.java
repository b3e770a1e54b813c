/** The studio-mode idle watchdog ({@code :9999}): stops an idle panel. */
@NullMarked
package io.nexusmesh.sidecar.watchdog;

import org.jspecify.annotations.NullMarked;
