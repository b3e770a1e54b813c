package io.nexusmesh.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A {@code /metrics} page as Prometheus reads it: parsed by the Prometheus project's own text
 * parser (its Python client, Debian's {@code python3-prometheus-client}, run through {@code
 * scripts/metrics-parse.py}), so a page that only looks right to a regular expression fails here.
 * Families have types; samples have names ({@code x_total}, {@code x_bucket}, {@code x_count}...),
 * labels and values.
 */
public final class PrometheusText {
  // Samples may be NaN (a Kafka client's average before its first event): Python's JSON says so.
  private static final ObjectMapper JSON =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** One sample: its family, name, labels and value. */
  public record Sample(String family, String name, Map<String, String> labels, double value) {}

  private final Map<String, String> familyTypes;
  private final List<Sample> samples;

  private PrometheusText(Map<String, String> familyTypes, List<Sample> samples) {
    this.familyTypes = familyTypes;
    this.samples = samples;
  }

  /** Parses {@code text}; fails the test when it is not valid Prometheus text. */
  public static PrometheusText parse(String text) throws IOException, InterruptedException {
    Path script = RepositoryRoot.find().resolve("scripts/metrics-parse.py");
    Path file = Files.createTempFile("metrics", ".txt");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    try {
      // Debian's interpreter, which has Debian's python3-prometheus-client (a python3 earlier on
      // the PATH, e.g. pyenv's, may not).
      String python = new File("/usr/bin/python3").canExecute() ? "/usr/bin/python3" : "python3";
      Process process =
          new ProcessBuilder(python, script.toString(), file.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the Prometheus text parser did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(
            "the Prometheus text parser refused the page (or is not installed: Debian's"
                + " python3-prometheus-client):\n"
                + text);
      }
      Map<String, String> types = new LinkedHashMap<>();
      List<Sample> samples = new ArrayList<>();
      for (JsonNode family : JSON.readTree(out)) {
        types.put(family.path("name").asText(), family.path("type").asText());
        for (JsonNode sample : family.path("samples")) {
          Map<String, String> labels = new LinkedHashMap<>();
          sample
              .path("labels")
              .fields()
              .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
          samples.add(
              new Sample(
                  family.path("name").asText(),
                  sample.path("name").asText(),
                  labels,
                  sample.path("value").asDouble()));
        }
      }
      return new PrometheusText(types, samples);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Every family name and sample name on the page (what a query may name). */
  public Set<String> names() {
    Set<String> names = new TreeSet<>(familyTypes.keySet());
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  /**
   * The type ({@code counter}, {@code gauge}, {@code histogram}...) of the family {@code name}
   * names, by family or sample name; null when there is none.
   */
  public String type(String name) {
    String type = familyTypes.get(name);
    if (type != null) {
      return type;
    }
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .map(s -> familyTypes.get(s.family()))
        .findFirst()
        .orElse(null);
  }

  /** The label sets of the samples named {@code name}. */
  public List<Map<String, String>> labelSets(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).map(Sample::labels).toList();
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels}; 0 if none. */
  public double sum(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }
}
