package dev.raccoon.train;

/**
 * Training diverged: a loss, the weights or the model's outputs stopped being finite numbers. A search records the
 * trial and goes on; a single run stops with the message.
 */
public final class Divergence extends IllegalStateException {
    private final String event;

    /** @param what what stopped being finite, e.g. "the loss became NaN"; {@code step} is 1-based */
    public Divergence(String what, int step) {
        this(what + " at step " + step);
    }

    private Divergence(String event) {
        super(event + "; lower the learning rate (--lr)");
        this.event = event;
    }

    /** What happened and when, without the advice: "the loss became NaN at step 3". */
    public String event() { return event; }
}
