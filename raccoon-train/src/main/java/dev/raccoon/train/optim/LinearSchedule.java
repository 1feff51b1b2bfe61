package dev.raccoon.train.optim;

/**
 * transformers' get_linear_schedule_with_warmup: the learning rate rises linearly from 0 to {@code peakLr} over
 * {@code warmupSteps}, then falls linearly to 0 at {@code totalSteps}. {@link #lr} takes the number of
 * optimizer steps already done, as the scheduler's counter is when {@code optimizer.step()} runs.
 */
public record LinearSchedule(float peakLr, int warmupSteps, int totalSteps) {
    public LinearSchedule {
        if (!(peakLr >= 0) || warmupSteps < 0 || totalSteps < 0)
            throw new IllegalArgumentException("learning rate schedule needs peak lr ≥ 0 and step counts ≥ 0");
    }

    public float lr(int step) {
        if (step < warmupSteps) return (float) ((double) peakLr * step / Math.max(1, warmupSteps));
        return (float) ((double) peakLr * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps)));
    }
}
