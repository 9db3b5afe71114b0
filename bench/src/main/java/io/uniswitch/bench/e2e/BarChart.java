package io.uniswitch.bench.e2e;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A grouped bar chart drawn with plain AWT into a PNG, in headless mode: one group per category (a row of the
 * benchmark), one bar per series (a switch) at its median, a whisker from min to max of the repeats, the median
 * printed above both. A NaN median draws no bar. Stateless; any thread.
 */
final class BarChart {
    /** Colour per series, in column order; distinct in greyscale too. */
    static final Color[] COLORS = {new Color(0x4c72b0), new Color(0xdd8452), new Color(0x55a868),
        new Color(0xc44e52), new Color(0x8172b3), new Color(0x937860)};
    private static final int HEIGHT = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = 24;
    private static final int TOP = 56;
    private static final int BOTTOM = 96;
    private static final int GROUP_MIN_WIDTH = 200;

    /** One switch: per category its median, min and max (NaN where it has no figure). */
    record Series(String name, double[] medians, double[] mins, double[] maxs) {
    }

    private BarChart() {
    }

    static void write(Path file, String title, List<String> categories, List<Series> series) throws IOException {
        int width = Math.max(640, LEFT + RIGHT + categories.size() * Math.max(GROUP_MIN_WIDTH, 70 * series.size()));
        writePng(file, width, HEIGHT, g -> draw(g, width, title, categories, series));
    }

    /**
     * Five horizontal grid lines from 0 to {@code top} across the plot, with their values left of {@code left};
     * leaves the 11-point plain font set and returns its metrics.
     */
    static FontMetrics drawGrid(Graphics2D g, int left, int plotW, int baseY, int plotH, double top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i <= 5; i++) {
            int y = baseY - (int) Math.round(plotH * i / 5.0);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(left, y, left + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String tick = tick(top / 5 * i);
            g.drawString(tick, left - 6 - fm.stringWidth(tick), y + fm.getAscent() / 2 - 1);
        }
        return fm;
    }

    /** A white, antialiased {@code width x height} image drawn by {@code draw}, written to {@code file} as PNG. */
    static void writePng(Path file, int width, int height, java.util.function.Consumer<Graphics2D> draw)
            throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw.accept(g);
        } finally {
            g.dispose();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    private static void draw(Graphics2D g, int width, String title, List<String> categories, List<Series> series) {
        int plotW = width - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        int baseY = TOP + plotH;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 30);

        double top = niceCeiling(maxOf(series));
        FontMetrics fm = drawGrid(g, LEFT, plotW, baseY, plotH, top);
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, baseY, LEFT + plotW, baseY);
        g.drawLine(LEFT, TOP, LEFT, baseY);

        int groupW = plotW / Math.max(1, categories.size());
        int barW = Math.max(6, (int) (groupW * 0.8 / Math.max(1, series.size())));
        for (int c = 0; c < categories.size(); c++) {
            int groupX = LEFT + c * groupW + (groupW - barW * series.size()) / 2;
            for (int s = 0; s < series.size(); s++) {
                Series sr = series.get(s);
                double median = sr.medians()[c];
                if (!Double.isFinite(median)) {
                    continue;
                }
                int x = groupX + s * barW;
                int h = (int) Math.round(plotH * Math.max(0, median) / top);
                g.setColor(COLORS[s % COLORS.length]);
                g.fillRect(x + 2, baseY - h, barW - 4, h);
                whisker(g, x + barW / 2, baseY, plotH, top, sr.mins()[c], sr.maxs()[c]);
                g.setColor(Color.BLACK);
                String label = Table.format(median);
                double above = Double.isFinite(sr.maxs()[c]) ? Math.max(median, sr.maxs()[c]) : median;
                int labelY = baseY - (int) Math.round(plotH * Math.max(0, above) / top) - 4;
                g.drawString(label, x + (barW - fm.stringWidth(label)) / 2, Math.max(TOP - 2, labelY));
            }
            g.setColor(Color.BLACK);
            String name = categories.get(c);
            g.drawString(name, LEFT + c * groupW + (groupW - fm.stringWidth(name)) / 2, baseY + 18);
        }
        legend(g, series, baseY + 44);
    }

    private static void whisker(Graphics2D g, int x, int baseY, int plotH, double top, double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || max <= min) {
            return;
        }
        int y0 = baseY - (int) Math.round(plotH * Math.max(0, min) / top);
        int y1 = baseY - (int) Math.round(plotH * max / top);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(x, y0, x, y1);
        g.drawLine(x - 4, y0, x + 4, y0);
        g.drawLine(x - 4, y1, x + 4, y1);
    }

    /** One legend entry, a colour square and a name, at x; returns where the next one starts. Both chart kinds. */
    static int legendKey(Graphics2D g, int x, int y, int color, String name) {
        g.setColor(COLORS[color % COLORS.length]);
        g.fillRect(x, y - 10, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString(name, x + 16, y);
        return x + 16 + g.getFontMetrics().stringWidth(name) + 24;
    }

    private static void legend(Graphics2D g, List<Series> series, int y) {
        int x = LEFT;
        for (int s = 0; s < series.size(); s++) {
            x = legendKey(g, x, y, s, series.get(s).name());
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("bars: median of the repeats; whiskers: min to max", LEFT, y + 22);
    }

    /** An axis label without trailing zeros: 0, 2.5, 20000. */
    static String tick(double v) {
        return BigDecimal.valueOf(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static double maxOf(List<Series> series) {
        double max = 0;
        for (Series s : series) {
            for (double[] values : List.of(s.medians(), s.maxs())) {
                for (double v : values) {
                    if (Double.isFinite(v)) {
                        max = Math.max(max, v);
                    }
                }
            }
        }
        return max;
    }

    /** Five times the smallest step of 1, 2, 2.5 or 5 times a power of ten reaching {@code max}; 1 when empty. */
    static double niceCeiling(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double rawStep = max / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(rawStep)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= rawStep) {
                return 5 * m * magnitude;
            }
        }
        return 50 * magnitude;
    }
}
