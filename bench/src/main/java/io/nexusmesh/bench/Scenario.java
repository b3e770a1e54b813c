package io.nexusmesh.bench;

import org.jspecify.annotations.Nullable;

/**
 * A measured call and the baseline it is compared with (null for a baseline itself).
 *
 * @param name what the call does, printed in the report
 * @param baseline the scenario this one's ratios are taken against
 * @param call one call
 */
record Scenario(String name, @Nullable Scenario baseline, LoadGenerator.Call call) {}
