/** The semantic bus's topic names and record formats, in one registry. */
@NullMarked
package io.nexusmesh.llm.topics;

import org.jspecify.annotations.NullMarked;
