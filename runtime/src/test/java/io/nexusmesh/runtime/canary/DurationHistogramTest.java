package io.nexusmesh.runtime.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DurationHistogramTest {
  @Test
  void quantilesAreTheUpperBoundsOfTheirBuckets() {
    DurationHistogram h = DurationHistogram.empty();
    for (int i = 0; i < 98; i++) {
      h.record(3); // the <= 5 ms bucket
    }
    h.record(150); // <= 200 ms
    h.record(90_000); // beyond the last bound
    assertThat(h.total()).isEqualTo(100);
    assertThat(h.quantileMillis(0.5)).isEqualTo(5);
    assertThat(h.quantileMillis(0.99)).isEqualTo(200);
    assertThat(h.quantileMillis(1.0)).isEqualTo(120_000);
  }

  @Test
  void reportsAddUpAndSurviveTheirTextForm() {
    DurationHistogram a = DurationHistogram.empty();
    a.record(0);
    a.record(1_000);
    DurationHistogram b = DurationHistogram.decode(a.encode());
    b.add(a);
    assertThat(b.total()).isEqualTo(4);
    assertThat(b.counts()).hasSize(DurationHistogram.BUCKETS);
    assertThat(DurationHistogram.of(b.counts()).encode()).isEqualTo(b.encode());
    assertThat(DurationHistogram.decode("").total()).isZero();
    assertThat(DurationHistogram.empty().quantileMillis(0.5)).isZero();
  }

  @Test
  void badReportsAreRefused() {
    assertThatThrownBy(() -> DurationHistogram.of(List.of(-1L)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DurationHistogram.of(java.util.Collections.nCopies(17, 1L)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
