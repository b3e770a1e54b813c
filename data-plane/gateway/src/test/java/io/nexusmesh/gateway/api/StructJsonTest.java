package io.nexusmesh.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import org.junit.jupiter.api.Test;

class StructJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOC =
      """
      {"s": "x", "n": 1, "f": 1.5, "b": true, "z": null, "l": [1, {"k": [2.25, "y"]}], "o": {}}""";

  @Test
  void aTreeBecomesTheStructJsonFormatWouldParse() throws Exception {
    Struct.Builder expected = Struct.newBuilder();
    JsonFormat.parser().merge(DOC, expected);
    assertThat(StructJson.struct((ObjectNode) JSON.readTree(DOC), "args"))
        .isEqualTo(expected.build());
  }

  @Test
  void aStructBecomesTheTreeOfItsText() throws Exception {
    Struct.Builder struct = Struct.newBuilder();
    JsonFormat.parser().merge(DOC, struct);
    // As every channel shows numbers: integral ones as integers.
    assertThat(StructJson.tree(struct.build(), true).orElseThrow()).isEqualTo(JSON.readTree(DOC));
    // As JsonFormat prints them: every number a double.
    assertThat(StructJson.tree(struct.build(), false).orElseThrow())
        .isEqualTo(JSON.readTree(JsonFormat.printer().print(struct.build())));
  }

  @Test
  void integersADoubleCannotHoldAreFoundWithTheirPath() throws Exception {
    var inexact =
        catchThrowableOfType(
            StructJson.InexactNumber.class,
            () ->
                StructJson.struct(
                    (ObjectNode) JSON.readTree("{\"a\": [1, {\"big\": 9007199254740993}]}"),
                    "params.arguments"));
    assertThat(inexact.found().orElseThrow().path()).isEqualTo("params.arguments.a[1].big");
    assertThat(inexact.found().orElseThrow().literal()).isEqualTo("9007199254740993");
    // 2^53 itself is exact.
    assertThat(
            StructJson.struct((ObjectNode) JSON.readTree("{\"n\": 9007199254740992}"), "a")
                .getFieldsOrThrow("n")
                .getNumberValue())
        .isEqualTo(9007199254740992d);
    // An integral float beyond 2^53 has lost its literal: the caller judges the text.
    assertThat(
            catchThrowableOfType(
                    StructJson.InexactNumber.class,
                    () ->
                        StructJson.struct(
                            (ObjectNode) JSON.readTree("{\"n\": 100000000000000000.0}"), "a"))
                .found())
        .isEmpty();
  }

  @Test
  void numbersJsonCannotWriteAreLeftToJsonFormat() {
    Struct nan =
        Struct.newBuilder()
            .putFields("x", Value.newBuilder().setNumberValue(Double.NaN).build())
            .build();
    assertThat(StructJson.tree(nan, true)).isEmpty();
  }
}
