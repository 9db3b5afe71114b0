package io.uniswitch.daemon.run;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What start-up has changed on the system, newest first, so that a failure half-way (or a stop) puts everything back
 * in reverse order. An undo step that fails is logged and the rest still run.
 */
final class UndoStack {
    private static final System.Logger LOG = System.getLogger(UndoStack.class.getName());

    private final Deque<Step> steps = new ArrayDeque<>();

    private record Step(String what, Runnable action, boolean onFailureOnly) {
    }

    /** An undo step for both a failed start and a normal stop (closing a device, restoring an MTU). */
    void push(String what, Runnable action) {
        steps.push(new Step(what, action, false));
    }

    /** An undo step only for a failed start (removing a persistent tap that this start created). */
    void pushOnFailure(String what, Runnable action) {
        steps.push(new Step(what, action, true));
    }

    /** Runs the steps newest first; a normal stop skips the failure-only ones. */
    void unwind(boolean failure) {
        while (!steps.isEmpty()) {
            Step s = steps.pop();
            if (s.onFailureOnly && !failure) {
                continue;
            }
            try {
                s.action.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "undo failed: " + s.what + ": " + e.getMessage());
            }
        }
    }
}
