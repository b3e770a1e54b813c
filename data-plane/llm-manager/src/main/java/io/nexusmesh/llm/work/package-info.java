/**
 * Slow calls (models, tools) carried out beside the topology: ordered per session, answered as
 * commands.
 */
@NullMarked
package io.nexusmesh.llm.work;

import org.jspecify.annotations.NullMarked;
