package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnknownFieldSet;
import java.util.HashMap;
import java.util.Map;
import org.redisson.api.RMap;

/**
 * A Redis hash that mirrors protobuf messages a gateway holds in memory, so a restarted gateway
 * serves what it was pushed even while the control plane is down. Messages are read back without
 * fields this build does not know (say, one a newer contract reserved), so what was stored by an
 * older build compares equal to the same content pushed again.
 */
final class Mirror<M extends Message> {
  private final RMap<String, byte[]> hash;
  private final Parser<M> parser;

  Mirror(RMap<String, byte[]> hash, Parser<M> parser) {
    this.hash = requireNonNull(hash, "hash");
    this.parser = requireNonNull(parser, "parser");
  }

  /** Everything stored, by key. */
  @SuppressWarnings("unchecked")
  Map<String, M> readAll() {
    Map<String, M> out = new HashMap<>();
    hash.readAllMap()
        .forEach(
            (key, bytes) -> {
              try {
                M message = parser.parseFrom(bytes);
                out.put(key, (M) withoutUnknownFields(message));
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(
                    hash.getName() + " entry " + key + " is not readable", e);
              }
            });
    return out;
  }

  void put(String key, M message) {
    hash.fastPut(key, message.toByteArray());
  }

  void remove(String key) {
    hash.fastRemove(key);
  }

  private static Message withoutUnknownFields(Message message) {
    Message.Builder builder = message.toBuilder();
    clearUnknown(builder);
    return builder.build();
  }

  private static void clearUnknown(Message.Builder builder) {
    builder.setUnknownFields(UnknownFieldSet.getDefaultInstance());
    builder
        .getAllFields()
        .forEach(
            (field, value) -> {
              if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
                clearUnknown(builder.getFieldBuilder(field));
              }
            });
  }
}
