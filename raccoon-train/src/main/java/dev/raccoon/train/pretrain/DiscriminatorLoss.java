package dev.raccoon.train.pretrain;

/** Which real tokens ELECTRA's discriminator loss counts. */
public enum DiscriminatorLoss {
    /** ELECTRA's: every real token, [CLS] and [SEP] included. */
    EVERY_REAL_TOKEN("every real token"),
    /** Only the tokens that can be replaced: [CLS], [SEP] and the other specials never are, so they teach nothing. */
    CONTENT_TOKENS("content tokens only");

    /** How a checkpoint's options record it. */
    final String description;

    DiscriminatorLoss(String description) {
        this.description = description;
    }
}
