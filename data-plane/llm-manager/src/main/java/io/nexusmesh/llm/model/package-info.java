/** Model calls through the OpenAI-compatible chat completions API. */
@NullMarked
package io.nexusmesh.llm.model;

import org.jspecify.annotations.NullMarked;
