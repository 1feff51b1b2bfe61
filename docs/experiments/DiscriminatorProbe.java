// Prints an ELECTRA discriminator's logits for a few reviews, as written and with one token replaced by 그리고 (marked *).
// Run: java --add-modules jdk.incubator.vector -cp raccoon-cli/target/raccoon.jar docs/experiments/DiscriminatorProbe.java DIR
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.*;
import dev.raccoon.model.*;
import dev.raccoon.text.*;
import java.nio.file.*;
import java.util.*;
public class DiscriminatorProbe {
    public static void main(String[] a) throws Exception {
        try (Backend backend = Backends.create("cpu", 1)) {
            ModelDirectory md = ModelDirectory.load(Path.of(a[0]), backend);
            ElectraForPreTraining disc = (ElectraForPreTraining) md.model();
            WordPieceTokenizer tok = md.tokenizer();
            String[] texts = {"이 영화 정말 재밌어요 배우들 연기도 최고", "스토리가 너무 지루하고 결말도 별로였다", "감독의 연출이 훌륭하고 음악도 좋았습니다"};
            SplittableRandom r = new SplittableRandom(1);
            for (String t : texts) {
                Encoding e = tok.encode(t, null, 32);
                int[] ids = e.inputIds().clone();
                int pos = 2 + r.nextInt(ids.length - 4);
                int orig = ids[pos];
                ids[pos] = tok.encode("그리고", null, 8).inputIds()[1];
                int n = ids.length; int[] mask = new int[n]; Arrays.fill(mask, 1);
                for (int[] in : new int[][] {e.inputIds(), ids}) {
                    float[] lg = backend.read(disc.logits(new Batch(1, n, in, new int[n], mask)));
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < n; i++) sb.append(String.format("%s%.2f ", i == pos ? "*" : "", lg[i]));
                    System.out.println(sb);
                }
            }
        }
    }
}
