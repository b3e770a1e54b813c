package io.nexusmesh.runtime.telemetry.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads OTLP's spans into {@link ReceivedSpan}s. */
final class OtlpSpans {
  private static final HexFormat HEX = HexFormat.of();

  private OtlpSpans() {}

  /** The {@code service.name} of a resource; "unknown" without one. */
  static String serviceOf(Resource resource) {
    for (KeyValue attribute : resource.getAttributesList()) {
      if (attribute.getKey().equals("service.name")) {
        return text(attribute.getValue());
      }
    }
    return "unknown";
  }

  /** {@code span}, sent by {@code service}, read. */
  static ReceivedSpan of(String service, Span span) {
    return new ReceivedSpan(
        hex(span.getTraceId()),
        hex(span.getSpanId()),
        hex(span.getParentSpanId()),
        span.getName(),
        span.getKind().name().replace("SPAN_KIND_", ""),
        service,
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        attributes(span.getAttributesList()),
        span.getLinksList().stream()
            .map(link -> hex(link.getTraceId()) + "/" + hex(link.getSpanId()))
            .toList(),
        span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR);
  }

  private static String hex(ByteString bytes) {
    return HEX.formatHex(bytes.toByteArray());
  }

  private static Map<String, String> attributes(List<KeyValue> values) {
    return values.stream()
        .collect(
            Collectors.toMap(
                KeyValue::getKey, kv -> text(kv.getValue()), (a, b) -> b, LinkedHashMap::new));
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      case ARRAY_VALUE ->
          value.getArrayValue().getValuesList().stream()
              .map(OtlpSpans::text)
              .collect(Collectors.joining(",", "[", "]"));
      default -> value.toString();
    };
  }
}
