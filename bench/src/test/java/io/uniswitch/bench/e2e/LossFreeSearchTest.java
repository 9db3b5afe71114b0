package io.uniswitch.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RFC 2544 search against a model switch that forwards everything up to a known rate and drops the excess. */
class LossFreeSearchTest {
    private static final double GENERATOR = 1_000_000;

    /** A trial of one second against a switch that takes at most {@code capacity} frames/s. */
    private static LossFreeSearch.Trial model(double capacity, List<Double> asked) {
        return rate -> {
            asked.add(rate);
            double offered = rate == 0 ? GENERATOR : rate;
            long sent = Math.round(offered);
            return new LossFreeSearch.Outcome(sent, Math.min(sent, Math.round(capacity)), 1.0);
        };
    }

    @Test
    void convergesOnTheCapacityWithinTheResolution() throws Exception {
        List<Double> asked = new ArrayList<>();
        LossFreeSearch.Result r = new LossFreeSearch(0, 0.01, 20).search(model(300_000, asked));
        assertFalse(r.generatorBound());
        assertTrue(r.lossFreePps() <= 300_000 && r.lossFreePps() >= 297_000, "found " + r.lossFreePps());
        assertEquals(0, asked.get(0), "first trial at the generator's full rate");
        assertEquals(300_000, asked.get(1), 1, "second trial at the rate the full load delivered");
    }

    @Test
    void climbsPastWhatAnOverloadedSwitchDelivers() throws Exception {
        // Overloaded, this switch delivers half its capacity (a livelock), so the second probe lies far below the
        // answer and only the binary search can find it.
        List<Double> asked = new ArrayList<>();
        LossFreeSearch.Trial collapsing = rate -> {
            asked.add(rate);
            long sent = Math.round(rate == 0 ? GENERATOR : rate);
            return new LossFreeSearch.Outcome(sent, sent <= 300_000 ? sent : 150_000, 1.0);
        };
        LossFreeSearch.Result r = new LossFreeSearch(0, 0.01, 20).search(collapsing);
        assertEquals(150_000, asked.get(1), 1, "second probe at what the overload delivered");
        assertTrue(r.lossFreePps() <= 300_000 && r.lossFreePps() >= 294_000, "found " + r.lossFreePps());
        assertFalse(r.pacingShort());
    }

    @Test
    void aGeneratorThatOffersLessThanAskedIsJudgedAtWhatItOffered() throws Exception {
        // Paced, this generator reaches only 80 % of the rate asked: a loss-free trial counts at what it offered, and
        // the result says the answer came from such a trial.
        LossFreeSearch.Trial slowPacing = rate -> {
            long sent = Math.round(rate == 0 ? GENERATOR : 0.8 * rate);
            return new LossFreeSearch.Outcome(sent, Math.min(sent, 300_000), 1.0);
        };
        LossFreeSearch.Result r = new LossFreeSearch(0, 0.01, 20).search(slowPacing);
        assertTrue(r.lossFreePps() <= 300_000, "never more than the switch took: " + r.lossFreePps());
        assertTrue(r.lossFreePps() >= 240_000, "found " + r.lossFreePps());
        assertTrue(r.pacingShort());
    }

    @Test
    void isBoundedByTheTrialBudget() throws Exception {
        List<Double> asked = new ArrayList<>();
        LossFreeSearch.Result r = new LossFreeSearch(0, 1e-9, 5).search(model(123_456, asked));
        assertEquals(5, asked.size());
        assertEquals(5, r.trials());
        assertTrue(r.lossFreePps() <= 123_456);
    }

    @Test
    void aSwitchFasterThanTheGeneratorGivesTheGeneratorsRate() throws Exception {
        LossFreeSearch.Result r = new LossFreeSearch(0, 0.01, 10).search(model(5e6, new ArrayList<>()));
        assertTrue(r.generatorBound());
        assertEquals(GENERATOR, r.lossFreePps());
    }

    @Test
    void toleranceCountsSmallLossAsLossFree() {
        LossFreeSearch search = new LossFreeSearch(0.01, 0.01, 10);
        assertTrue(search.lossFree(new LossFreeSearch.Outcome(100_000, 99_990, 1)));
        assertFalse(search.lossFree(new LossFreeSearch.Outcome(100_000, 99_989, 1)));
        assertFalse(new LossFreeSearch(0, 0.01, 10).lossFree(new LossFreeSearch.Outcome(100_000, 99_999, 1)));
    }

    @Test
    void aSwitchThatLosesAtEveryRateGivesZeroAndTheLowestRateTried() throws Exception {
        LossFreeSearch.Trial lossy = rate -> new LossFreeSearch.Outcome(1000, 900, 1.0);
        LossFreeSearch.Result r = new LossFreeSearch(0, 0.01, 6).search(lossy);
        assertEquals(0, r.lossFreePps());
        assertTrue(r.lowestLossyPps() > 0 && r.lowestLossyPps() < 1000, "lowest " + r.lowestLossyPps());
    }
}
