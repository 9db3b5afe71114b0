package io.uniswitch.daemon.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table with left-aligned text columns and right-aligned numeric columns. */
final class Table {
    private final String[] headers;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers;
        this.numeric = new boolean[headers.length];
    }

    Table numeric(int... columns) {
        for (int c : columns) {
            numeric[c] = true;
        }
        return this;
    }

    void add(Object... cells) {
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
    }

    void print(PrintWriter out) {
        int[] w = new int[headers.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        line(out, headers, w);
        for (String[] r : rows) {
            line(out, r, w);
        }
    }

    private void line(PrintWriter out, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String pad = " ".repeat(w[i] - cells[i].length());
            if (numeric[i]) {
                sb.append(pad).append(cells[i]);
            } else {
                sb.append(cells[i]);
                if (i < cells.length - 1) {
                    sb.append(pad);
                }
            }
        }
        out.println(sb.toString().stripTrailing());
    }

    /** 1234567 -> "1.2M", for byte and frame counts in narrow columns. */
    static String human(long v) {
        if (v < 10_000) {
            return Long.toString(v);
        }
        String[] units = {"k", "M", "G", "T", "P"};
        double d = v;
        int u = -1;
        while (d >= 1000 && u < units.length - 1) {
            d /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, d < 10 ? "%.1f%s" : "%.0f%s", d, units[u]);
    }
}
