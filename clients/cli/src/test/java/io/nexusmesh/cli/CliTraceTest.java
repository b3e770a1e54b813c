package io.nexusmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CliTraceTest {
  private static final String VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void aValidTraceparentFromTheEnvironmentIsKept() {
    assertThat(CliTrace.of(VALID)).isEqualTo(VALID);
  }

  @Test
  void anythingElseStartsANewSampledTrace() {
    for (String given :
        new String[] {
          null,
          "",
          "garbage",
          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
          VALID.toUpperCase()
        }) {
      String made = CliTrace.of(given);
      assertThat(made).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01").isNotEqualTo(given);
      assertThat(made.substring(3, 35)).doesNotMatch("0+");
    }
    assertThat(CliTrace.of(null)).isNotEqualTo(CliTrace.of(null));
  }
}
