package io.nexusmesh.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which browser origins may call {@code /mcp}. */
class OriginCheckTest {
  private final OriginCheck check = new OriginCheck(List.of("https://Console.Example.com/"));

  @Test
  void clientsWithoutAnOriginAndTheGatewaysOwnOriginPass() {
    assertThat(check.allows(null, "gw.internal:9090")).isTrue();
    assertThat(check.allows("http://gw.internal:9090", "gw.internal:9090")).isTrue();
    assertThat(check.allows("http://GW.internal:9090", "gw.internal:9090")).isTrue();
  }

  @Test
  void configuredOriginsPassWhateverTheirCase() {
    assertThat(check.allows("https://console.example.com", "gw.internal:9090")).isTrue();
  }

  @Test
  void otherOriginsAndGarbageAreRefused() {
    assertThat(check.allows("http://attacker.example", "gw.internal:9090")).isFalse();
    assertThat(check.allows("http://gw.internal:9091", "gw.internal:9090")).isFalse();
    assertThat(check.allows("null", "gw.internal:9090")).isFalse();
    assertThat(check.allows("http://[bad", "gw.internal:9090")).isFalse();
    assertThat(check.allows("http://gw.internal:9090", null)).isFalse();
  }
}
