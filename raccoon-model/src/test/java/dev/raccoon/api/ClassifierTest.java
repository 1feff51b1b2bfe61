package dev.raccoon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.Truncation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** What a prediction means follows config.json's problem_type, as in transformers. */
class ClassifierTest {
    private static Path withProblemType(Path dir, String problemType) throws IOException {
        Path from;
        try {
            from = Path.of(ClassifierTest.class.getResource("/oracle/electra-classifier").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (String f : List.of("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"))
            Files.copy(from.resolve(f), dir.resolve(f));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("problem_type", problemType);
        Files.writeString(dir.resolve("config.json"), config.toString());
        return dir;
    }

    @Test
    void singleLabelProbabilitiesAreASoftmaxAndMultiLabelOnesEachASigmoid(@TempDir Path tmp) throws IOException {
        try (Classifier single = Classifier.load(withProblemType(Files.createDirectory(tmp.resolve("s")), "single_label_classification"));
             Classifier multi = Classifier.load(withProblemType(Files.createDirectory(tmp.resolve("m")), "multi_label_classification"))) {
            float[] logits = single.logits(List.of("영화 정말 재밌어요"), null)[0];
            Prediction p = single.classify("영화 정말 재밌어요");
            double z = Math.exp(logits[0]) + Math.exp(logits[1]);
            assertThat(p.probabilities()).containsExactly(new float[] {(float) (Math.exp(logits[0]) / z), (float) (Math.exp(logits[1]) / z)}, within(1e-6f));
            Prediction m = multi.classify("영화 정말 재밌어요");
            assertThat(m.probabilities()).containsExactly(new float[] {(float) (1 / (1 + Math.exp(-logits[0]))),
                    (float) (1 / (1 + Math.exp(-logits[1])))}, within(1e-6f));
            assertThat(m.labelId()).isEqualTo(logits[1] > logits[0] ? 1 : 0);
        }
    }

    /**
     * Each occlusion variant is the text's own encoding with one id masked: the pieces after a masked word piece are
     * not split anew, and a text at the length limit is not cut again.
     */
    @Test
    void occlusionMasksOneTokenOfTheEncodingTheModelRead(@TempDir Path tmp) throws IOException {
        Path dir = withProblemType(tmp, "single_label_classification");
        String text = "스토리가 너무 엉망이라서 시간이 아까웠던 영화였습니다 다시는 안볼듯";
        for (int maxLength : new int[] {128, 12}) {
            try (Classifier c = Classifier.load(dir, Classifier.Options.defaults().withMaxLength(maxLength))) {
                dev.raccoon.text.Encoding read = c.encode(text);
                assertThat(read.tokens()).as("the text has word pieces after a word's start")
                        .anyMatch(t -> t.startsWith("##"));
                Occlusion occlusion = Occlusion.of(c, text);
                List<dev.raccoon.text.Encoding> variants = occlusion.variants();
                assertThat(variants).hasSize(read.length() - 2);
                int mask = c.tokenizer().vocab().maskId();
                for (int i = 0; i < variants.size(); i++) {
                    int[] expected = read.inputIds().clone();
                    expected[i + 1] = mask;
                    assertThat(variants.get(i).inputIds()).as("variant %d at max length %d", i, maxLength).containsExactly(expected);
                    assertThat(variants.get(i).tokens().get(i + 1)).isEqualTo("[MASK]");
                }
                List<dev.raccoon.text.Encoding> all = new java.util.ArrayList<>(List.of(read));
                all.addAll(variants);
                float[][] logits = c.logitsOf(all);
                assertThat(logits[0]).isEqualTo(c.logits(List.of(text), null)[0]);
                assertThat(occlusion.scores(c, c.prediction(logits[0]), logits, 1)).extracting(Occlusion.TokenScore::token)
                        .containsExactlyElementsOf(read.tokens().subList(1, read.length() - 1));
            }
        }
    }

    @Test
    void aLongTextIsReadFromItsStartAndItsEndUnlessTheHeadIsAsked(@TempDir Path tmp) throws IOException {
        Path dir = withProblemType(tmp, "single_label_classification");
        String text = "처음에는 지루했는데 중간부터 조금 나아졌고 배우들 연기는 그럭저럭 괜찮았지만 결말은 정말 최악이었다";
        Classifier.Options tail = Classifier.Options.defaults().withMaxLength(8), head = tail.withTruncation(Truncation.HEAD);
        try (Classifier byDefault = Classifier.load(dir, tail); Classifier byHead = Classifier.load(dir, head)) {
            assertThat(byDefault.truncation()).isEqualTo(Truncation.HEAD_AND_TAIL);
            List<String> all = byDefault.tokenizer().encode(text, null, 512).tokens();
            List<String> inner = all.subList(1, all.size() - 1);
            // 6 tokens of room: the first one and the last five
            List<String> expected = new java.util.ArrayList<>(List.of("[CLS]", inner.getFirst()));
            expected.addAll(inner.subList(inner.size() - 5, inner.size()));
            expected.add("[SEP]");
            assertThat(byDefault.tokens(text)).containsExactlyElementsOf(expected);
            List<String> headTokens = new java.util.ArrayList<>(all.subList(0, 7));
            headTokens.add("[SEP]");
            assertThat(byHead.tokens(text)).containsExactlyElementsOf(headTokens);
            assertThat(byDefault.truncated(text)).isTrue();
            assertThat(byDefault.logits(List.of(text), null)[0]).as("each classifies what it reads")
                    .isNotEqualTo(byHead.logits(List.of(text), null)[0]);
        }
    }

    @Test
    void bf16ProductsAreAskedForInTheOptionsAndMoveTheLogitsLittle(@TempDir Path tmp) throws IOException {
        Path dir = withProblemType(tmp, "single_label_classification");
        List<String> texts = List.of("정말 재밌어요", "시간 아깝다");
        try (Classifier fp32 = Classifier.load(dir, Classifier.Options.defaults().withThreads(2));
             Classifier bf16 = Classifier.load(dir, Classifier.Options.defaults().withThreads(2)
                     .withPrecision(dev.raccoon.engine.Precision.BF16))) {
            assertThat(fp32.precision()).isEqualTo(dev.raccoon.engine.Precision.FP32);
            assertThat(bf16.precision()).isEqualTo(dev.raccoon.engine.Precision.BF16);
            float[][] a = fp32.logits(texts, null), b = bf16.logits(texts, null);
            for (int i = 0; i < texts.size(); i++)
                assertThat(b[i]).as("rounded operands").isNotEqualTo(a[i]).containsExactly(a[i], org.assertj.core.data.Offset.offset(0.05f));
        }
    }

    @Test
    void manyThreadsShareOneClassifierAndGetTheSequentialAnswers(@TempDir Path tmp) throws Exception {
        List<String> texts = List.of("영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요", "스토리가 엉망", "최고", "그저 그랬다");
        try (Classifier classifier = Classifier.load(withProblemType(tmp, "single_label_classification"),
                Classifier.Options.defaults().withThreads(2).withBatchSize(4))) {
            float[][] sequential = classifier.logits(texts, null);
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
                List<java.util.concurrent.Future<float[][]>> answers = new java.util.ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    List<String> rotated = new java.util.ArrayList<>(texts);
                    java.util.Collections.rotate(rotated, i);
                    int shift = i;
                    answers.add(pool.submit(() -> {
                        float[][] got = classifier.logits(rotated, null);
                        float[][] back = new float[got.length][];
                        for (int j = 0; j < got.length; j++) back[Math.floorMod(j - shift, got.length)] = got[j];
                        return back;
                    }));
                }
                for (var a : answers) {
                    float[][] got = a.get();
                    for (int j = 0; j < texts.size(); j++) assertThat(got[j]).containsExactly(sequential[j], within(1e-5f));
                }
            }
        }
    }

    @Test
    void aRegressionModelPredictsNoLabel(@TempDir Path tmp) throws IOException {
        try (Classifier regression = Classifier.load(withProblemType(tmp, "regression"))) {
            assertThat(regression.isRegression()).isTrue();
            assertThat(regression.logits(List.of("두 문장"), null)[0]).hasSize(2);
            assertThatThrownBy(() -> regression.classify("두 문장")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is a regression model").hasMessageContaining("raccoon logits");
            assertThatThrownBy(() -> regression.classify(List.of())).as("no texts: the model is still the wrong one")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("is a regression model");
        }
    }

    @Test
    void misuseGetsAClearAnswerAndPredictionsAreValues(@TempDir Path tmp) throws IOException {
        Path dir = withProblemType(tmp, "single_label_classification");
        Classifier c = Classifier.load(dir, Classifier.Options.defaults().withThreads(2));
        Prediction a = c.classify("좋다"), b = c.classify("좋다");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c.classify("별로다"));
        assertThat(a.toString()).contains("probabilities=[0.").doesNotContain("[F@");
        a.probabilities()[0] = 42;
        assertThat(a.probabilities()[0]).isNotEqualTo(42f);

        assertThatThrownBy(() -> c.classify((String) null)).isInstanceOf(NullPointerException.class).hasMessage("text");
        assertThatThrownBy(() -> c.classify((List<String>) null)).isInstanceOf(NullPointerException.class).hasMessage("texts");
        assertThatThrownBy(() -> new Prediction("positive", 0, 0.9f, List.of("negative", "positive"), new float[2], new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit the labels [negative, positive]");
        assertThatThrownBy(() -> c.classify(Arrays.asList("좋다", null))).isInstanceOf(NullPointerException.class)
                .hasMessage("texts[1] is null");
        assertThatThrownBy(() -> c.logitsOf(Arrays.asList(c.encode("좋다"), null))).isInstanceOf(NullPointerException.class)
                .hasMessage("encodings[1] is null");
        assertThatThrownBy(() -> new Prediction("a", 0, 1f, Arrays.asList("a", null), new float[2], new float[2]))
                .isInstanceOf(NullPointerException.class).hasMessage("labels[1] is null");
        assertThatThrownBy(() -> c.prediction(new float[] {Float.NaN, 1f})).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[NaN, 1.0] are not finite");
        assertThatThrownBy(() -> new Classifier.Options(null, 1, 128, 8)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("device");
        assertThatThrownBy(() -> Classifier.load(dir.resolve("config.json"))).isInstanceOf(IOException.class)
                .hasMessageContaining("config.json is a file; a model is the directory");
        assertThatThrownBy(() -> c.classify(List.of("좋다", "x\udc00"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("texts[1]: text: not valid Unicode");
        assertThatCode(() -> new Prediction("positive", 1, 0.1f, List.of("negative", "positive"), new float[] {0.9f, 0.1f}, new float[2]))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> new Prediction("positive", 1, 0.9f, List.of("negative", "positive"), new float[] {0.9f, 0.1f}, new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probability 0.9 but probabilities[1] = 0.1");
        assertThatThrownBy(() -> new Prediction("positive", 1, 0.9f, List.of("negative", "positive"), null, new float[2]))
                .isInstanceOf(NullPointerException.class).hasMessage("probabilities");
        assertThatThrownBy(() -> new Prediction("negative", 0, 7f, List.of("negative", "positive"), new float[] {7f, 0.9f}, new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[7.0, 0.9] are not all in [0, 1]");
        assertThatThrownBy(() -> Classifier.load(null)).isInstanceOf(NullPointerException.class).hasMessage("modelDir");
        assertThatThrownBy(() -> Classifier.load(dir, null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> c.logitsOf(null)).isInstanceOf(NullPointerException.class).hasMessage("encodings");
        assertThatThrownBy(() -> c.prediction(null)).isInstanceOf(NullPointerException.class).hasMessage("logits");
        Answers answers = Answers.of(c, List.of("좋다", "별로"), true);
        assertThatThrownBy(() -> answers.read(new float[2][2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("2 rows of logits for " + answers.inputs().size() + " inputs");
        Path discriminator;
        try {
            discriminator = Path.of(ClassifierTest.class.getResource("/oracle/electra-discriminator").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        assertThatThrownBy(() -> Classifier.load(discriminator)).isInstanceOf(IOException.class)
                .hasMessageContaining("holds ElectraForPreTraining, not a sequence classification model");

        c.close();
        c.close();
        assertThatThrownBy(() -> c.classify("좋다")).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void nonFiniteWeightsAreRefusedWhenLoadingNamingTheTensor(@TempDir Path tmp) throws IOException {
        Path dir = withProblemType(tmp, "single_label_classification");
        Map<String, HostTensor> state = Checkpoints.readStateDict(dir);
        state.get("classifier.dense.bias").data()[3] = Float.NaN;
        SafeTensors.write(dir.resolve("model.safetensors"), state, Map.of("format", "pt"), DType.F32);
        assertThatThrownBy(() -> Classifier.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor classifier.dense.bias holds NaN (element 3)");
    }

    /** close() while another thread classifies waits for that call: on the GPU, freeing memory under it could crash. */
    @Test
    void closeWaitsForTheClassificationsInProgress(@TempDir Path tmp) throws Exception {
        Classifier c = Classifier.load(withProblemType(tmp, "single_label_classification"));
        List<dev.raccoon.text.Encoding> inputs = java.util.Collections.nCopies(8000, c.encode("배우들 연기가 좋았어요 정말 재밌어요"));
        c.logitsOf(inputs); // compiled
        long started = System.nanoTime();
        float[][] expected = c.logitsOf(inputs);
        long oneCall = System.nanoTime() - started;
        java.util.concurrent.atomic.AtomicReference<float[][]> got = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread worker = Thread.ofPlatform().start(() -> {
            try {
                got.set(c.logitsOf(inputs));
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        // close once the worker is inside the forward pass, which then has most of a call's time still to run
        while (worker.isAlive() && java.util.Arrays.stream(worker.getStackTrace())
                .noneMatch(f -> f.getClassName().equals(Classifier.class.getName()) && f.getMethodName().equals("forward"))) Thread.onSpinWait();
        c.close();
        assertThat(worker.getStackTrace()).as("close returned only once the pass (%d ms) was over", oneCall / 1_000_000)
                .noneMatch(f -> f.getClassName().equals(Classifier.class.getName()) && f.getMethodName().equals("forward"));
        worker.join();
        assertThat(failed.get()).isNull();
        assertThat(got.get()).isDeepEqualTo(expected);
        assertThatThrownBy(() -> c.logitsOf(inputs)).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    private static java.util.Set<Thread> workerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("raccoon-cpu-"))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** A service that swaps models may keep the closed one referenced: its weights must not stay with it. */
    @Test
    void aClosedClassifierStillReferencedLetsItsWeightsGo(@TempDir Path tmp) throws Exception {
        Classifier c = Classifier.load(withProblemType(tmp, "single_label_classification"), Classifier.Options.defaults().withThreads(2));
        java.lang.reflect.Field field = Classifier.class.getDeclaredField("model");
        field.setAccessible(true);
        java.lang.ref.WeakReference<Object> weights = new java.lang.ref.WeakReference<>(field.get(c));
        c.close();
        for (int i = 0; i < 100 && weights.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(weights.get()).as("the model after close, with the classifier still held").isNull();
        assertThat(c.labels()).hasSize(2);
        assertThat(c.maxLength()).isPositive();
        assertThatThrownBy(() -> c.classify("좋다")).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    /** A classifier dropped without close() does not keep its worker threads for the life of the JVM. */
    @Test
    void anUnclosedClassifierStopsItsThreadsOnceCollected(@TempDir Path tmp) throws Exception {
        Path dir = withProblemType(tmp, "single_label_classification");
        // This classifier's own workers: those of classifiers that other tests closed or dropped stop when they will.
        java.util.Set<Thread> others = workerThreads();
        Classifier c = Classifier.load(dir, Classifier.Options.defaults().withThreads(4));
        c.classify("좋다");
        java.util.Set<Thread> workers = workerThreads();
        workers.removeAll(others);
        assertThat(workers).hasSize(3);
        c = null;
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (workers.stream().anyMatch(Thread::isAlive) && System.nanoTime() < until) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(workers).noneMatch(Thread::isAlive);
    }
}
