package io.nexusmesh.runtime.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CanarySideTest {
  @Test
  void aKeyAlwaysFallsOnTheSameSide() {
    for (int i = 0; i < 200; i++) {
      String key = "session-" + i;
      boolean first = CanarySide.inCanary("d1", 30, key);
      assertThat(IntStream.range(0, 5).mapToObj(n -> CanarySide.inCanary("d1", 30, key)))
          .containsOnly(first);
    }
  }

  @Test
  void theShareOfKeysInTheCanaryIsThePercentage() {
    long in =
        IntStream.range(0, 20_000)
            .filter(i -> CanarySide.inCanary("d1", 20, Integer.toString(i)))
            .count();
    assertThat(in / 20_000.0).isCloseTo(0.20, within(0.015));
  }

  @Test
  void callsWithoutAKeyAreSpreadToo() {
    long in = IntStream.range(0, 20_000).filter(i -> CanarySide.inCanary("d1", 50, "")).count();
    assertThat(in / 20_000.0).isCloseTo(0.5, within(0.03));
  }

  @Test
  void anotherDeploymentDrawsAnew() {
    long differ =
        IntStream.range(0, 2_000)
            .filter(
                i ->
                    CanarySide.inCanary("d1", 50, "k" + i)
                        != CanarySide.inCanary("d2", 50, "k" + i))
            .count();
    assertThat(differ).isBetween(800L, 1200L);
  }

  @Test
  void theEdgesAreNoneAndAll() {
    assertThat(CanarySide.inCanary("d1", 0, "k")).isFalse();
    assertThat(CanarySide.inCanary("d1", 100, "k")).isTrue();
  }
}
