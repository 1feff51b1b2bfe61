package dev.raccoon.train.pretrain;

/**
 * What one pretraining step measured; sums, so that steps add up into a logging window.
 *
 * @param loss        the optimised loss (MLM + λ·discriminator BCE, or MLM alone)
 * @param mlmLoss     generator (or MLM model) cross-entropy over the chosen positions
 * @param discLoss    discriminator binary cross-entropy over the real tokens (0 for MLM)
 * @param realTokens  non-padding tokens
 * @param chosen      positions chosen for prediction
 * @param mlmCorrect  chosen positions whose most likely prediction is the original token
 * @param discCorrect real tokens the discriminator labels right (replaced: logit &gt; 0)
 * @param originals   real tokens left as they were (a sampled token equal to the original counts as original)
 * @param content     real tokens that could be chosen: not [CLS], [SEP] or [MASK], which are never replaced
 * @param contentOriginals   of those, the ones left as they were
 * @param contentDiscLossSum the discriminator's binary cross-entropy summed (not averaged) over those, in nats
 * @param steps       steps summed
 */
public record StepStats(double loss, double mlmLoss, double discLoss, long realTokens, long chosen, long mlmCorrect,
                        long discCorrect, long originals, long content, long contentOriginals,
                        double contentDiscLossSum, int steps) {
    public static final StepStats ZERO = new StepStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public StepStats plus(StepStats o) {
        return new StepStats(loss + o.loss, mlmLoss + o.mlmLoss, discLoss + o.discLoss, realTokens + o.realTokens,
                chosen + o.chosen, mlmCorrect + o.mlmCorrect, discCorrect + o.discCorrect, originals + o.originals,
                content + o.content, contentOriginals + o.contentOriginals, contentDiscLossSum + o.contentDiscLossSum,
                steps + o.steps);
    }

    public double meanLoss() { return loss / steps; }

    public double meanMlmLoss() { return mlmLoss / steps; }

    public double meanDiscLoss() { return discLoss / steps; }

    public double mlmAccuracy() { return (double) mlmCorrect / chosen; }

    public double discAccuracy() { return (double) discCorrect / realTokens; }

    /** The accuracy of always answering "original". */
    public double baseRate() { return (double) originals / realTokens; }

    /**
     * What the discriminator knows about the tokens that can be replaced beyond their share of replacements, in nats
     * per token: the entropy of that share (the loss of answering it everywhere) minus its loss on them. Accuracy
     * hides this (it moves only where a token's odds pass even), and over all tokens it would count the free fact
     * that [CLS] and [SEP] are never replaced; 0 means nothing learnt from context or identity.
     */
    public double discInformation() {
        double p = (double) contentOriginals / content;
        double entropy = p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log1p(-p));
        return entropy - contentDiscLossSum / content;
    }
}
