/**
 * The {@code ./nexus} command: the CLI plus {@code nexus dev}, the whole Nexus Mesh stack in one
 * JVM on embedded defaults for a newcomer's first run.
 */
@NullMarked
package io.nexusmesh.launcher;

import org.jspecify.annotations.NullMarked;
