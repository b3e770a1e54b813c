package io.nexusmesh.gateway.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexusmesh.runtime.egress.EgressPolicy;
import io.nexusmesh.runtime.egress.EgressRule;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guard decides from names and addresses alone: each case here resolves a made-up name to an
 * address that must never be called, and the guard refuses it without any connection being made
 * (this test opens no socket at all).
 */
class EgressGuardTest {
  private final List<String> lookups = new ArrayList<>();

  private EgressGuard guard(Map<String, List<InetAddress>> dns, String... allow) {
    HostResolver resolver =
        host -> {
          lookups.add(host);
          List<InetAddress> found = dns.get(host);
          if (found == null) {
            throw new java.net.UnknownHostException(host);
          }
          return found;
        };
    var policy =
        EgressPolicy.of(
            java.util.Arrays.stream(allow).map(EgressRule::parse).toList(),
            (address, port) -> port == 6379 && address.isLoopbackAddress());
    return new EgressGuard(org -> policy, resolver);
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.1.2.3",
        "172.20.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "127.0.0.1",
        "::1",
        "fd00::1",
        "fe80::1",
        "::",
        "224.0.0.1"
      })
  void aNameThatResolvesToAnInternalAddressIsRefused(String address) throws Exception {
    var guard = guard(Map.of("innocent.example", List.of(ip(address))));
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://innocent.example/x")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("innocent.example");
    assertThat(lookups).containsExactly("innocent.example");
  }

  @Test
  void ipv4MappedAndNat64AddressesAreJudgedByTheIpv4AddressTheyReach() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 169;
    mapped[13] = (byte) 254;
    mapped[14] = (byte) 169;
    mapped[15] = (byte) 254;
    // Built as an Inet6Address on purpose: InetAddress.getByName would hand back the IPv4 form.
    InetAddress sneaky = Inet6Address.getByAddress("sneaky", mapped, -1);
    assertThat(sneaky).isInstanceOf(Inet6Address.class);
    var guard =
        guard(
            Map.of(
                "mapped.example", List.of(sneaky),
                "nat64.example", List.of(ip("64:ff9b::a00:1"))));
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://mapped.example/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("169.254.169.254")
        .hasMessageContaining("link-local");
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://nat64.example/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("10.0.0.1")
        .hasMessageContaining("private");
  }

  @Test
  void aPublicAddressIsAllowedAndTheCheckedAddressIsTheOneToConnectTo() throws Exception {
    var guard = guard(Map.of("api.example", List.of(ip("93.184.216.34"))));
    var d = guard.check("acme", URI.create("https://api.example/v1"));
    assertThat(d.address()).isEqualTo(ip("93.184.216.34"));
    assertThat(d.host()).isEqualTo("api.example");
    assertThat(d.port()).isEqualTo(443);
  }

  @Test
  void amongSeveralAddressesOnlyAnAllowedOneIsChosen() throws Exception {
    var guard = guard(Map.of("both.example", List.of(ip("10.0.0.5"), ip("93.184.216.34"))));
    assertThat(guard.check("acme", URI.create("http://both.example/")).address())
        .isEqualTo(ip("93.184.216.34"));
  }

  @Test
  void anAllowRuleOpensExactlyWhatItNames() throws Exception {
    var guard =
        guard(
            Map.of(
                "localhost", List.of(ip("127.0.0.1")),
                "db.internal", List.of(ip("10.1.2.3"))),
            "127.0.0.1:8089",
            "*.internal:5432");
    assertThat(guard.check("acme", URI.create("http://localhost:8089/")).address())
        .isEqualTo(ip("127.0.0.1"));
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://localhost:8090/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("nexus egress allow 127.0.0.1:8090");
    assertThat(guard.check("acme", URI.create("http://db.internal:5432/")).address())
        .isEqualTo(ip("10.1.2.3"));
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://db.internal:80/")))
        .isInstanceOf(EgressGuard.Refused.class);
  }

  @Test
  void theMeshsOwnEndpointsStayClosedWhateverTheRules() throws Exception {
    var guard = guard(Map.of("localhost", List.of(ip("127.0.0.1"))), "127.0.0.0/8");
    assertThatThrownBy(() -> guard.check("acme", URI.create("redis-like://localhost:6379/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("only http and https");
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://localhost:6379/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("mesh itself");
  }

  @Test
  void linkLocalCannotBeOpenedEvenByABroadRule() throws Exception {
    var guard = guard(Map.of("meta.example", List.of(ip("169.254.169.254"))), "0.0.0.0/0");
    assertThatThrownBy(() -> guard.check("acme", URI.create("http://meta.example/")))
        .isInstanceOf(EgressGuard.Refused.class)
        .hasMessageContaining("never reachable");
  }
}
