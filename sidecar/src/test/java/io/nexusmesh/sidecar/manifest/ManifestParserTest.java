package io.nexusmesh.sidecar.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.api.sidecar.v1.ManifestState;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The panel contract's manifest rules, including the hostile manifests a panel may serve. */
class ManifestParserTest {
  private static PanelManifest parse(String json) {
    return ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aGoodManifestIsReadyWithCompiledSchemas() {
    PanelManifest manifest =
        parse(
            """
            {"tools": [
              {"name": "greet", "desc": "Greets.", "inputSchema": {"type": "object",
                "properties": {"name": {"type": "string"}}, "required": ["name"]}},
              {"name": "ping"}],
             "extra": "ignored"}""");
    assertThat(manifest.state()).isEqualTo(ManifestState.MANIFEST_STATE_READY);
    assertThat(manifest.tools()).extracting(t -> t.getName()).containsExactly("greet", "ping");
    assertThat(manifest.tools().get(0).getInputSchema().getFieldsMap()).containsKey("required");
    assertThat(manifest.schemas()).containsOnlyKeys("greet");
    assertThat(manifest.tool("ping")).isPresent();
  }

  @Test
  void tenThousandToolsAreRefusedWithTheLimit() {
    StringBuilder json = new StringBuilder("{\"tools\": [");
    for (int i = 0; i < 10_000; i++) {
      json.append(i == 0 ? "" : ",").append("{\"name\": \"t").append(i).append("\"}");
    }
    PanelManifest manifest = parse(json.append("]}").toString());
    assertThat(manifest.state()).isEqualTo(ManifestState.MANIFEST_STATE_INVALID);
    assertThat(manifest.message()).contains("10000 tools", "limit is 256");
    assertThat(manifest.tools()).isEmpty();
  }

  @Test
  void tenMegabytesAreRefusedBeforeParsing() {
    byte[] body = new byte[10 * 1024 * 1024];
    java.util.Arrays.fill(body, (byte) ' ');
    PanelManifest manifest = ManifestParser.parse(body);
    assertThat(manifest.state()).isEqualTo(ManifestState.MANIFEST_STATE_INVALID);
    assertThat(manifest.message()).contains("10485760 bytes", "limit is 1048576");
  }

  @Test
  void invalidNamesDuplicatesAndLongDescriptionsNameTheTool() {
    assertThat(parse("{\"tools\": [{\"name\": \"1abc\"}]}").message())
        .contains("tools[0].name", "'1abc' is not a tool name");
    assertThat(parse("{\"tools\": [{\"name\": \"a b\"}]}").message()).contains("tools[0].name");
    assertThat(parse("{\"tools\": [{\"name\": \"" + "x".repeat(65) + "\"}]}").state())
        .isEqualTo(ManifestState.MANIFEST_STATE_INVALID);
    assertThat(parse("{\"tools\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}").message())
        .contains("tools[1].name", "declared twice");
    assertThat(
            parse("{\"tools\": [{\"name\": \"a\", \"desc\": \"" + "d".repeat(4097) + "\"}]}")
                .message())
        .contains("tools[0].desc", "4096");
    assertThat(parse("{\"tools\": [{\"desc\": \"no name\"}]}").message()).contains("tools[0]");
  }

  @Test
  void aSchemaThatIsNotJsonSchemaIsRefused() {
    assertThat(parse("{\"tools\": [{\"name\": \"a\", \"inputSchema\": {\"type\": 42}}]}").message())
        .contains("tools[0].inputSchema", "not a JSON Schema");
    assertThat(parse("{\"tools\": [{\"name\": \"a\", \"inputSchema\": \"object\"}]}").message())
        .contains("tools[0].inputSchema", "an object");
    assertThat(
            parse("{\"tools\": [{\"name\": \"a\", \"inputSchema\": {\"required\": \"name\"}}]}")
                .state())
        .isEqualTo(ManifestState.MANIFEST_STATE_INVALID);
  }

  @Test
  void notJsonOrTheWrongShapeIsInvalidNeverAnException() {
    assertThat(parse("<html>").message()).contains("not JSON");
    assertThat(parse("[]").message()).contains("\"tools\" array");
    assertThat(parse("{\"tools\": {}}").message()).contains("\"tools\" array");
    assertThat(parse("").state()).isEqualTo(ManifestState.MANIFEST_STATE_INVALID);
  }
}
