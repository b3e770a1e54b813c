/**
 * The LLM manager: a Kafka Streams application that runs each session's agent turns over the
 * semantic bus. {@code topology} is the per-session state machine, {@code work} carries slow calls
 * outside the stream threads, {@code model} talks to OpenAI-compatible servers, {@code tools} calls
 * the mesh's tools, {@code scripted} is the built-in scripted model for newcomers and tests.
 */
@NullMarked
package io.nexusmesh.llm;

import org.jspecify.annotations.NullMarked;
