package io.sslfarm.node;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, enough to prove {@code /metrics} is valid: every
 * line is a comment ({@code # HELP}/{@code # TYPE} with a known type) or a sample {@code name{labels} value}, label
 * values are properly escaped, values are floats, and every sample belongs to a declared family.
 */
final class PrometheusText {

  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)\\})? "
          + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf|Inf))( -?[0-9]+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  record Sample(String name, Map<String, String> labels, double value) {
  }

  record Parsed(Map<String, String> families, List<Sample> samples) {

    /** The value of the one sample of {@code name} whose labels include {@code labels}. */
    double value(String name, Map<String, String> labels) {
      List<Sample> m = samples.stream().filter(s -> s.name.equals(name))
          .filter(s -> s.labels.entrySet().containsAll(labels.entrySet())).toList();
      if (m.size() != 1) {
        throw new AssertionError(m.size() + " samples of " + name + labels);
      }
      return m.get(0).value;
    }
  }

  static Parsed parse(String text) {
    Map<String, String> families = new LinkedHashMap<>();
    List<Sample> samples = new java.util.ArrayList<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher m;
      if (line.startsWith("#")) {
        if ((m = TYPE.matcher(line)).matches()) {
          if (families.put(m.group(1), m.group(2)) != null) {
            throw new AssertionError("line " + lineNo + ": family declared twice: " + m.group(1));
          }
        } else if (!HELP.matcher(line).matches() && !line.startsWith("# EOF")) {
          throw new AssertionError("line " + lineNo + ": bad comment: " + line);
        }
        continue;
      }
      m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("line " + lineNo + ": not a sample: " + line);
      }
      String name = m.group(1);
      String family = families.containsKey(name) ? name
          : name.replaceAll("_(bucket|count|sum|total|created|max)$", "");
      if (!families.containsKey(family) && !families.containsKey(name.replaceAll("_total$", ""))) {
        throw new AssertionError("line " + lineNo + ": sample of undeclared family: " + name);
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      String v = m.group(4).replace("+Inf", "Infinity").replace("-Inf", "-Infinity");
      samples.add(new Sample(name, labels, v.equals("Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v)));
    }
    // counters are exposed as <name>_total families in Prometheus format; index them by that name too
    Map<String, String> all = new LinkedHashMap<>(families);
    families.forEach((k, t) -> {
      if (t.equals("counter") && !k.endsWith("_total")) {
        all.put(k + "_total", t);
      }
    });
    if (samples.isEmpty()) {
      throw new AssertionError("no samples");
    }
    return new Parsed(all, samples);
  }
}
