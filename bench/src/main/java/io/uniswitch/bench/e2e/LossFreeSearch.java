package io.uniswitch.bench.e2e;

/**
 * The RFC 2544 throughput search (§26.1), bounded: trials at a fixed rate for a fixed duration, each judged loss-free
 * when the frames that arrived are at least the frames sent less the tolerance; a binary search between 0 and the
 * highest rate the generator can offer, which stops when the interval left is narrower than the resolution (a
 * fraction of its upper end) or after the trial budget, whichever comes first. The first trial is at the generator's
 * unlimited rate: if that is loss-free, the answer is the generator's rate (and says so). The second probes the rate
 * that trial delivered, where the answer usually lies, then the search halves the interval that is left. A loss-free
 * trial counts at the rate it offered, which a paced generator may keep below the rate asked; when the answer comes
 * from such a trial, the result says so.
 *
 * <p>The search only decides rates; {@link Trial} sends and counts. Stateless apart from its settings; one thread.
 */
final class LossFreeSearch {
    /** One trial at {@code ratePps} (0: as fast as the generator can). */
    @FunctionalInterface
    interface Trial {
        Outcome run(double ratePps) throws Exception;
    }

    /**
     * What a trial did: frames offered, frames counted at the worst receiver, and the generator's own time, so the
     * rate actually offered is {@code sent / seconds} (a generator asked for more than it can do offers less).
     */
    record Outcome(long sent, long received, double seconds) {
        double offeredPps() {
            return seconds > 0 ? sent / seconds : Double.NaN;
        }

        double deliveredPps() {
            return seconds > 0 ? Math.min(sent, received) / seconds : Double.NaN;
        }

        double lossPercent() {
            return sent > 0 ? 100.0 * Math.max(0, sent - received) / sent : Double.NaN;
        }
    }

    /**
     * The answer: the highest loss-free rate found (0 when even the lowest probe lost frames), trials run, whether
     * the answer is the generator's limit or came from a trial that offered less than asked, and the lowest rate that
     * lost frames (NaN if none did).
     */
    record Result(double lossFreePps, int trials, boolean generatorBound, boolean pacingShort, double lowestLossyPps) {
    }

    /** A paced trial that offered less than this share of the rate asked did not reach it. */
    static final double PACING_SHORT = 0.9;

    private final double lossTolerancePercent;
    private final double resolutionFraction;
    private final int maxTrials;

    /**
     * @param lossTolerancePercent loss still counted as loss-free (0: strictly none, as RFC 2544 has it)
     * @param resolutionFraction   stop when the interval is narrower than this fraction of its upper end
     * @param maxTrials            trials at most, the unlimited one included
     */
    LossFreeSearch(double lossTolerancePercent, double resolutionFraction, int maxTrials) {
        if (lossTolerancePercent < 0 || !(resolutionFraction > 0) || maxTrials < 2) {
            throw new IllegalArgumentException("bad search settings: " + lossTolerancePercent + " % tolerance, "
                    + resolutionFraction + " resolution, " + maxTrials + " trials");
        }
        this.lossTolerancePercent = lossTolerancePercent;
        this.resolutionFraction = resolutionFraction;
        this.maxTrials = maxTrials;
    }

    boolean lossFree(Outcome o) {
        return o.sent() > 0 && o.lossPercent() <= lossTolerancePercent;
    }

    Result search(Trial trial) throws Exception {
        Outcome max = trial.run(0);
        double generator = max.offeredPps();
        if (!(generator > 0)) {
            throw new IllegalStateException("the generator sent nothing: " + max);
        }
        if (lossFree(max)) {
            return new Result(generator, 1, true, false, Double.NaN);
        }
        double lo = 0;
        double hi = generator;
        int trials = 1;
        boolean pacingShort = false;
        double next = Math.min(max.deliveredPps(), hi * (1 - resolutionFraction));
        while (trials < maxTrials && hi - lo > hi * resolutionFraction) {
            Outcome o = trial.run(next);
            trials++;
            // A generator that could not keep the asked rate was judged at the rate it did offer.
            double offered = Double.isFinite(o.offeredPps()) ? Math.min(next, o.offeredPps()) : next;
            if (lossFree(o)) {
                if (offered > lo) {
                    lo = offered;
                    pacingShort = offered < PACING_SHORT * next;
                }
            } else {
                hi = Math.min(hi, next);
            }
            next = (lo + hi) / 2;
        }
        return new Result(lo, trials, false, pacingShort, hi);
    }
}
