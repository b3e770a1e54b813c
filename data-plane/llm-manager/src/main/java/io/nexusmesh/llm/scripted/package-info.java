/** A small built-in model speaking the chat completions wire protocol, for newcomers and tests. */
@NullMarked
package io.nexusmesh.llm.scripted;

import org.jspecify.annotations.NullMarked;
