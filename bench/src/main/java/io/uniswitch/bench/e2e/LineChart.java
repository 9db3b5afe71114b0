package io.uniswitch.bench.e2e;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A line chart drawn with plain AWT into a PNG, in headless mode: categories evenly spaced along x (frame sizes),
 * one line per series (a switch) through its medians, each point marked and labelled; a NaN leaves a gap. Colours
 * match {@link BarChart}'s. Stateless; any thread.
 */
final class LineChart {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 56;
    private static final int BOTTOM = 90;

    /**
     * One line: its name, its colour (an index into {@link BarChart}'s, the switch's column, so a switch has the same
     * colour in every chart) and a median per category (NaN where it has none).
     */
    record Series(String name, int color, double[] values) {
    }

    private LineChart() {
    }

    static void write(Path file, String title, String xLabel, List<String> categories, List<Series> series)
            throws IOException {
        BarChart.writePng(file, WIDTH, HEIGHT, g -> draw(g, title, xLabel, categories, series));
    }

    private static void draw(Graphics2D g, String title, String xLabel, List<String> categories,
            List<Series> series) {
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        int baseY = TOP + plotH;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 30);
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        double top = BarChart.niceCeiling(max);
        FontMetrics fm = BarChart.drawGrid(g, LEFT, plotW, baseY, plotH, top);
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, baseY, LEFT + plotW, baseY);
        g.drawLine(LEFT, TOP, LEFT, baseY);
        int n = categories.size();
        int[] xs = new int[n];
        for (int c = 0; c < n; c++) {
            xs[c] = LEFT + (int) Math.round(plotW * (c + 0.5) / Math.max(1, n));
            String name = categories.get(c);
            g.setColor(Color.BLACK);
            g.drawString(name, xs[c] - fm.stringWidth(name) / 2, baseY + 18);
        }
        g.drawString(xLabel, LEFT + (plotW - fm.stringWidth(xLabel)) / 2, baseY + 36);
        for (int s = 0; s < series.size(); s++) {
            double[] v = series.get(s).values();
            g.setColor(BarChart.COLORS[series.get(s).color() % BarChart.COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            int prevX = -1;
            int prevY = -1;
            for (int c = 0; c < n && c < v.length; c++) {
                if (!Double.isFinite(v[c])) {
                    prevX = -1;
                    continue;
                }
                int y = baseY - (int) Math.round(plotH * Math.max(0, v[c]) / top);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, xs[c], y);
                }
                g.fillOval(xs[c] - 4, y - 4, 8, 8);
                String label = Table.format(v[c]);
                g.drawString(label, xs[c] + 6, y - 6);
                prevX = xs[c];
                prevY = y;
            }
        }
        int x = LEFT;
        int y = baseY + 62;
        for (int s = 0; s < series.size(); s++) {
            x = BarChart.legendKey(g, x, y, series.get(s).color(), series.get(s).name());
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("points: median of the repeats", x + 8, y);
    }
}
