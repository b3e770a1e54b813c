package io.nexusmesh.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The shared logging setup writes one JSON object per line when NEXUS_LOG_FORMAT=json. */
class StructuredLoggingTest {
  private final PrintStream originalOut = System.out;
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @AfterEach
  void restore() throws Exception {
    System.setOut(originalOut);
    System.clearProperty("NEXUS_LOG_FORMAT");
    context.reset();
    new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig();
  }

  private String logWith(String format) throws Exception {
    var captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    System.setProperty("NEXUS_LOG_FORMAT", format);
    context.reset();
    var configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(
        new ByteArrayInputStream(
            ("<configuration><include resource=\"io/nexusmesh/runtime/logging/logback-base.xml\"/>"
                    + "</configuration>")
                .getBytes(StandardCharsets.UTF_8)));
    LoggerFactory.getLogger("nexus.test")
        .atInfo()
        .addKeyValue("execution", "ex-42")
        .log("node {} completed", "greet");
    return captured.toString(StandardCharsets.UTF_8).trim();
  }

  @Test
  void jsonFormatWritesParsableLines() throws Exception {
    String line = logWith("json").lines().reduce((first, second) -> second).orElseThrow();
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("loggerName").asText()).isEqualTo("nexus.test");
    assertThat(json.get("formattedMessage").asText()).isEqualTo("node greet completed");
    assertThat(json.get("kvpList").toString()).contains("ex-42");
  }

  @Test
  void textFormatIsForPeople() throws Exception {
    assertThat(logWith("text"))
        .contains("INFO")
        .contains("node greet completed")
        .contains("execution=\"ex-42\"");
  }
}
