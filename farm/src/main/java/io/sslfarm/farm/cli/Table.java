package io.sslfarm.farm.cli;

import java.util.List;

/** Left-aligned text tables for the CLI. */
final class Table {

  private Table() {
  }

  static String render(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], String.valueOf(r[i]).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        String c = String.valueOf(r[i]);
        sb.append(c);
        if (i < cols - 1) {
          sb.append(" ".repeat(w[i] - c.length() + 2));
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
