package io.nexusmesh.api.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonNumbersTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"n\":1.0}                      | {\"n\":1}",
        "{\"n\":-3.0,\"f\":1.5}           | {\"n\":-3,\"f\":1.5}",
        "{\"n\":9.007199254740992E15}     | {\"n\":9007199254740992}",
        "{\"n\":1.8014398509481984E16}    | {\"n\":1.8014398509481984E16}",
        "{\"s\":\"1.0 stays\",\"n\":2.0}  | {\"s\":\"1.0 stays\",\"n\":2}",
        "{\"s\":\"q\\\"1.0\",\"n\":[0.0,-0.0]} | {\"s\":\"q\\\"1.0\",\"n\":[0,-0.0]}",
        "{\"id\":\"42\",\"v\":7}          | {\"id\":\"42\",\"v\":7}",
      })
  void integralDoublesAreWrittenAsIntegers(String in, String out) {
    assertThat(JsonNumbers.integral(in)).isEqualTo(out);
  }

  @Test
  void protobufsPrinterOutputKeepsItsLayout() throws Exception {
    Struct struct =
        Struct.newBuilder()
            .putFields("n", com.google.protobuf.Value.newBuilder().setNumberValue(1).build())
            .build();
    String printed = JsonFormat.printer().print(struct);
    assertThat(printed).contains("1.0");
    assertThat(JsonNumbers.integral(printed)).isEqualTo(printed.replace("1.0", "1"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"workflow\":\"w\",\"input\":{\"big\":12345678901234567}}          | input.big",
        "{\"workflow\":\"w\",\"input\":{\"a\":[1,{\"b\":-9007199254740993}]}} | input.a[1].b",
        "{\"workflow\":\"w\",\"input\":{\"c\":9007199254740993.0}}          | input.c",
      })
  void anIntegerBeyond2To53InAStructIsFound(String json, String path) {
    var found =
        JsonNumbers.inexactInteger(
            ExecuteRequest.getDescriptor(), json.getBytes(StandardCharsets.UTF_8));
    assertThat(found).isPresent();
    assertThat(found.get().path()).isEqualTo(path);
    assertThat(found.get().description()).contains("2^53");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"workflow\":\"w\",\"input\":{\"max\":9007199254740992,\"min\":-9007199254740992}}",
        "{\"workflow\":\"w\",\"input\":{\"e\":1e17,\"s\":\"12345678901234567\"}}",
        "{\"workflow\":\"w\",\"request_id\":\"12345678901234567890\"}",
        "not json at all 12345678901234567",
      })
  void exactNumbersAndOtherFieldsPass(String json) {
    assertThat(
            JsonNumbers.inexactInteger(
                ExecuteRequest.getDescriptor(), json.getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
    assertThat(
            JsonNumbers.inexactInteger(
                GetExecutionRequest.getDescriptor(), json.getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }
}
