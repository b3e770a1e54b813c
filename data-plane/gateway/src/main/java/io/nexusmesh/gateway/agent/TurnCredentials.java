package io.nexusmesh.gateway.agent;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Turn credentials ({@code nxt_...}): what an agent's tool calls carry. One names the principal
 * that started the turn (its organisation, subject, roles, audiences, kind and workflow limits: the
 * session owner's rights, never more) and expires {@link #TTL} after the turn began. It is signed
 * with HMAC-SHA256 under a key every gateway shares through Redis ({@code nx:agent:turn-key}, made
 * once), so any gateway checks one in memory, without a round trip, and none is stored anywhere.
 * Hand-written because no library here mints such small, self-contained tokens (a JWT would need a
 * signing key pair and the JWKS plumbing for a credential that never leaves the mesh).
 */
public final class TurnCredentials implements ApiKeyVerifier {
  /** How long a turn's credential works. */
  public static final Duration TTL = Duration.ofMinutes(30);

  private static final String KEY = "nx:agent:turn-key";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final byte[] key;
  private final Clock clock;

  public TurnCredentials(RedissonClient redis, Clock clock) {
    this.clock = clock;
    RBucket<byte[]> bucket = redis.getBucket(KEY, ByteArrayCodec.INSTANCE);
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    bucket.setIfAbsent(fresh);
    this.key = bucket.get();
  }

  /** A credential for {@code owner}'s turn, valid for {@link #TTL}. */
  public String mint(Principal owner) {
    List<String> fields =
        List.of(
            "1",
            owner.org(),
            owner.subject(),
            owner.kind().name(),
            String.join(",", owner.roles()),
            String.join(",", owner.audiences()),
            String.join(",", owner.allowedWorkflows()),
            Long.toString(clock.millis() + TTL.toMillis()));
    for (String field : fields) {
      if (field.contains("\n")) {
        throw new IllegalArgumentException("a principal's names have no line breaks");
      }
    }
    byte[] payload = String.join("\n", fields).getBytes(UTF_8);
    return ApiKeys.TURN_PREFIX
        + B64.encodeToString(payload)
        + "."
        + B64.encodeToString(mac(payload));
  }

  @Override
  public Optional<Principal> verify(String presented) {
    String body = presented.substring(ApiKeys.TURN_PREFIX.length());
    int dot = body.indexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = B64D.decode(body.substring(0, dot));
      signature = B64D.decode(body.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(mac(payload), signature)) {
      return Optional.empty();
    }
    String[] fields = new String(payload, UTF_8).split("\n", -1);
    if (fields.length != 8 || !fields[0].equals("1")) {
      return Optional.empty();
    }
    if (Long.parseLong(fields[7]) < clock.millis()) {
      return Optional.empty();
    }
    return Optional.of(
        new Principal(
            fields[2],
            fields[1],
            set(fields[4]),
            set(fields[5]),
            PrincipalKind.valueOf(fields[3]),
            set(fields[6])));
  }

  private static Set<String> set(String joined) {
    return joined.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(joined.split(",")));
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
