package io.nexusmesh.runtime.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rule syntax admins write, as the control plane validates it and gateways enforce it. */
class EgressRuleTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:8089     | 127.0.0.1  | any.host | 8089 | true",
        "127.0.0.1:8089     | 127.0.0.1  | any.host | 8090 | false",
        "127.0.0.1          | 127.0.0.1  | any.host | 1    | true",
        "10.1.0.0/16        | 10.1.200.3 | x        | 443  | true",
        "10.1.0.0/16        | 10.2.0.1   | x        | 443  | false",
        "[::1]:8080         | ::1        | x        | 8080 | true",
        "[fd00::/8]         | fd12::1    | x        | 5432 | true",
        "db.internal        | 10.9.9.9   | DB.internal | 5432 | true",
        "db.internal        | 10.9.9.9   | api.db.internal | 5432 | false",
        "*.corp.example:443 | 10.9.9.9   | api.corp.example | 443 | true",
        "*.corp.example:443 | 10.9.9.9   | corp.example | 443 | true",
        "*.corp.example:443 | 10.9.9.9   | evilcorp.example | 443 | false",
      })
  void aRuleMatchesWhatItNames(String rule, String address, String host, int port, boolean allowed)
      throws Exception {
    assertThat(EgressRule.parse(rule).matches(host, ip(address), port)).isEqualTo(allowed);
  }

  @Test
  void anIpv4RuleAlsoCoversTheIpv4MappedFormOfItsAddresses() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 127;
    mapped[15] = 1;
    var address = java.net.Inet6Address.getByAddress(null, mapped, -1);
    assertThat(EgressRule.parse("127.0.0.1:80").matches("x", address, 80)).isTrue();
    assertThat(AddressClass.of(address)).isEqualTo(AddressClass.LOOPBACK);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "169.254.169.254       | link-local",
        "169.254.0.0/16        | link-local",
        "[fe80::1]             | link-local",
        "0.0.0.0               | unspecified",
        "224.0.0.1             | multicast",
        "::1                   | brackets",
        "10.0.0.1/33           | prefix length",
        "10.0.0.1/8            | bits set past",
        "host:99999            | port",
        "bad_host!             | not a host name",
        "example.com/24        | needs an IP address",
        "*.*.example           | not a host name",
      })
  void aRuleThatCannotBeReadOrMayNeverBeAllowedIsRefused(String rule, String problem) {
    assertThatThrownBy(() -> EgressRule.parse(rule))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void addressClassesCoverTheRangesTheDefaultPolicyRefuses() throws Exception {
    assertThat(AddressClass.of(ip("172.16.0.1"))).isEqualTo(AddressClass.PRIVATE);
    assertThat(AddressClass.of(ip("172.32.0.1"))).isEqualTo(AddressClass.PUBLIC);
    assertThat(AddressClass.of(ip("192.168.0.1"))).isEqualTo(AddressClass.PRIVATE);
    assertThat(AddressClass.of(ip("100.100.100.100"))).isEqualTo(AddressClass.PRIVATE);
    assertThat(AddressClass.of(ip("255.255.255.255")))
        .isEqualTo(AddressClass.MULTICAST_OR_BROADCAST);
    assertThat(AddressClass.of(ip("::"))).isEqualTo(AddressClass.UNSPECIFIED);
    assertThat(AddressClass.of(ip("fc00::1"))).isEqualTo(AddressClass.PRIVATE);
    assertThat(AddressClass.of(ip("2001:db8::1"))).isEqualTo(AddressClass.PUBLIC);
    assertThat(AddressClass.of(ip("64:ff9b::a9fe:a9fe"))).isEqualTo(AddressClass.LINK_LOCAL);
  }
}
