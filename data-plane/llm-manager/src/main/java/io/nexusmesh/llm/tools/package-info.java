/** The mesh's tools, called over gRPC with a turn's own credential. */
@NullMarked
package io.nexusmesh.llm.tools;

import org.jspecify.annotations.NullMarked;
