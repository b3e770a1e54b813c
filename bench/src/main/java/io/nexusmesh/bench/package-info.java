/**
 * Load-generator benchmarks of the data plane, each against a baseline measured in the same run.
 */
@NullMarked
package io.nexusmesh.bench;

import org.jspecify.annotations.NullMarked;
