package dev.raccoon.train.corpus;

import dev.raccoon.text.WordPieceTrainer;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.lucene.analysis.ko.KoreanTokenizer;
import org.apache.lucene.analysis.ko.KoreanTokenizer.DecompoundMode;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;

/**
 * Morpheme starts from Lucene's Korean analyser Nori (mecab-ko-dic bundled), for learning a WordPiece vocabulary
 * along morpheme boundaries. Only offsets are used, so the pieces are always surface text even where Nori would
 * decompose an inflected form (했 into 하 + 았). DecompoundMode.NONE keeps compound nouns whole (가곡역), as
 * Mecab's surface output that KoELECTRA v3 learned from does; merges may still learn them or not by frequency.
 * Not thread-safe: one instance per thread.
 */
public final class NoriMorphemes implements WordPieceTrainer.MorphemeSplitter {

    private final KoreanTokenizer tokenizer;
    private final OffsetAttribute offsets;
    private int[] starts = new int[64];

    public NoriMorphemes() {
        tokenizer = new KoreanTokenizer(KoreanTokenizer.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, null, DecompoundMode.NONE,
                false, true);
        offsets = tokenizer.addAttribute(OffsetAttribute.class);
    }

    @Override
    public int[] morphemeStarts(String text) {
        int n = 0;
        try {
            tokenizer.setReader(new StringReader(text));
            tokenizer.reset();
            while (tokenizer.incrementToken()) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = offsets.startOffset();
            }
            tokenizer.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        } finally {
            try {
                tokenizer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Arrays.copyOf(starts, n);
    }
}
