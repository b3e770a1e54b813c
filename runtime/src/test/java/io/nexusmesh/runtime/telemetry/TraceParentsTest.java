package io.nexusmesh.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;

class TraceParentsTest {
  private static final String SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void aTraceparentSurvivesParsingAndWritingAgain() {
    Context parsed = TraceParents.parse(SAMPLED);
    SpanContext span = Span.fromContext(parsed).getSpanContext();
    assertThat(span.isRemote()).isTrue();
    assertThat(span.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(span.getSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(span.isSampled()).isTrue();
    assertThat(TraceParents.of(parsed)).isEqualTo(SAMPLED);
    String unsampled = SAMPLED.substring(0, SAMPLED.length() - 2) + "00";
    assertThat(TraceParents.of(TraceParents.spanOf(unsampled))).isEqualTo(unsampled);
  }

  @Test
  void nothingOrGarbageIsNoTraceRatherThanAnError() {
    for (String bad :
        new String[] {
          null,
          "",
          "garbage",
          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"
        }) {
      assertThat(TraceParents.spanOf(bad).isValid()).as(bad).isFalse();
      assertThat(TraceParents.of(TraceParents.parse(bad))).as(bad).isEmpty();
    }
  }
}
