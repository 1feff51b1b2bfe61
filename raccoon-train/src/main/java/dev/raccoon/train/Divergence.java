package dev.raccoon.train;

/**
 * Training diverged: a loss, the weights or the model's outputs stopped being finite numbers. A search records the
 * trial and goes on; a single run stops with the message.
 */
public final class Divergence extends IllegalStateException {
    private final String event;

    /** @param what what stopped being finite, e.g. "the loss became NaN"; {@code step} is 1-based */
    public Divergence(String what, int step) {
        this(what + " at step " + step, "lower the learning rate (--lr)");
    }

    private Divergence(String event, String advice) {
        super(event + "; " + advice);
        this.event = event;
    }

    /**
     * A loss that is not finite, computed after {@code updates} updates of the weights. Before the first one the
     * learning rate has not acted yet, so the weights or the config.json they were loaded with are what fails.
     */
    public static Divergence ofLoss(double loss, int updates) {
        if (updates == 0)
            return new Divergence("the loss is " + loss + " at step 1, before any update", "the model computes it from"
                    + " its own weights and config.json, so a lower learning rate would not help");
        return new Divergence("the loss became " + loss, updates + 1);
    }

    /** What happened and when, without the advice: "the loss became NaN at step 3". */
    public String event() { return event; }
}
