/** The {@code nexus} command line: picocli commands over the Java SDK. */
@NullMarked
package io.nexusmesh.cli;

import org.jspecify.annotations.NullMarked;
