package dev.raccoon.api;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.Truncation;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Raccoon's public entry point for applications: load a Hugging Face classification model directory once,
 * then classify texts from any number of threads. Close it when done: that stops its worker threads (a classifier
 * that becomes unreachable unclosed has them stopped when the garbage collector finds it), and a closed classifier
 * refuses further calls.
 *
 * <p>Texts are taken as they are, as transformers takes them: an empty or blank text is classified from [CLS] and
 * [SEP] alone, which means little ({@link WordPieceTokenizer#isBlank} tells such texts apart; predict, eval, score
 * and the server refuse them, while logits and tokenize answer them as transformers would), and a text longer than {@link #maxLength()} tokens is classified by its first quarter and
 * its end, or by its beginning alone as transformers reads it ({@link Options#truncation()}, {@link #truncated}).
 * A string that is not valid Unicode (an unpaired surrogate) is refused.
 *
 * <pre>{@code
 * try (Classifier classifier = Classifier.load(Path.of("models/nsmc-binary"))) {
 *     Prediction p = classifier.classify("영화 정말 재밌어요");
 *     System.out.println(p.label() + " " + p.probability());
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Path directory;
    private final ElectraConfig config;
    private final String device;
    private final Precision precision;
    /** Null once closed, so that the weights can be collected while the caller still holds this classifier. */
    private volatile SequenceClassifier model;
    private final WordPieceTokenizer tokenizer;
    private final Options options;
    /** Closes the backend once, by {@link #close()} or when the classifier is collected unclosed. */
    private final Cleaner.Cleanable backendCloser;
    private volatile boolean closed;
    /** Held shared by every forward pass and alone by close, which so waits for passes in progress to end. */
    private final ReadWriteLock inUse = new ReentrantReadWriteLock();

    /**
     * @param device     "cpu" (default: the Vector API backend, which needs {@code --add-modules jdk.incubator.vector}),
     *                   "scalar" (plain loops, slower, runs anywhere), "cuda", or "auto" (CUDA when a GPU is there,
     *                   else cpu, else scalar, after a line on stderr saying which)
     * @param threads    worker threads of the CPU backend (0: all cores)
     * @param maxLength  tokens per text, [CLS] and [SEP] included; longer texts are truncated
     * @param batchSize  texts per forward pass
     * @param truncation which tokens of a longer text are read: its start, or its start and its end
     * @param precision  what the matrix products may round their operands to (TF32 or BF16 tensor cores on CUDA)
     */
    public record Options(String device, int threads, int maxLength, int batchSize, Truncation truncation,
                          Precision precision) {
        public Options {
            Objects.requireNonNull(device, "device (cpu, scalar, cuda or auto)");
            Objects.requireNonNull(truncation, "truncation");
            Objects.requireNonNull(precision, "precision");
            Backends.requireKnown(device);
            if (maxLength < 3)
                throw new IllegalArgumentException("the maximum length must be at least 3 tokens ([CLS], one token, [SEP]), got " + maxLength);
            if (batchSize < 1) throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
            if (threads < 0 || threads > Backend.MAX_THREADS)
                throw new IllegalArgumentException("threads must lie in [0, " + Backend.MAX_THREADS + "], got " + threads);
        }

        /** fp32 products. */
        public Options(String device, int threads, int maxLength, int batchSize, Truncation truncation) {
            this(device, threads, maxLength, batchSize, truncation, Precision.FP32);
        }

        /** {@link #truncation} {@link Truncation#HEAD_AND_TAIL}, which reads a long review's verdict; fp32 products. */
        public Options(String device, int threads, int maxLength, int batchSize) {
            this(device, threads, maxLength, batchSize, Truncation.HEAD_AND_TAIL);
        }

        /** The cpu device with a thread per core, 128 tokens a text, 32 texts a forward pass, head and tail. */
        public static Options defaults() {
            return new Options("cpu", 0, 128, 32);
        }

        public Options withDevice(String newDevice) {
            return new Options(newDevice, threads, maxLength, batchSize, truncation, precision);
        }

        public Options withThreads(int n) { return new Options(device, n, maxLength, batchSize, truncation, precision); }

        public Options withMaxLength(int n) { return new Options(device, threads, n, batchSize, truncation, precision); }

        public Options withBatchSize(int n) { return new Options(device, threads, maxLength, n, truncation, precision); }

        public Options withTruncation(Truncation t) { return new Options(device, threads, maxLength, batchSize, t, precision); }

        public Options withPrecision(Precision p) { return new Options(device, threads, maxLength, batchSize, truncation, p); }
    }

    private Classifier(ModelDirectory directory, Options options) throws IOException {
        if (!(directory.model() instanceof SequenceClassifier classifier))
            throw new IOException(directory.dir() + " holds " + directory.model().architecture().hfName
                    + ", not a sequence classification model; 'raccoon train --model " + directory.dir()
                    + "' puts a classification head on its encoder");
        this.directory = directory.dir();
        this.config = classifier.config();
        this.device = classifier.backend().name();
        this.precision = classifier.backend().precision();
        this.model = classifier;
        classifier.params().freeze(); // a Classifier only runs inference
        this.tokenizer = directory.tokenizer();
        this.options = options;
        Backend backend = classifier.backend(); // the cleaning action must not hold the classifier itself
        this.backendCloser = CLEANER.register(this, backend::close);
    }

    /**
     * Loads a Hugging Face model directory (config.json, the tokenizer files, model.safetensors or
     * pytorch_model.bin) of a sequence classification model, with {@link Options#defaults()}.
     *
     * @throws IOException           when a file is missing, unreadable or does not fit the others, or the directory
     *                                holds another kind of model (a discriminator, a generator); the message names it
     * @throws IllegalStateException  for the device "cpu" in a JVM started without {@code --add-modules jdk.incubator.vector}
     * @throws dev.raccoon.engine.cuda.CudaException for the device "cuda" where CUDA cannot start (no driver, no GPU)
     */
    public static Classifier load(Path modelDir) throws IOException {
        return load(modelDir, Options.defaults());
    }

    /** {@link #load(Path)} with the given {@link Options}: device, threads, maximum length, batch size, truncation, precision. */
    public static Classifier load(Path modelDir, Options options) throws IOException {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(options, "options");
        int threads = options.threads() == 0 ? Runtime.getRuntime().availableProcessors() : options.threads();
        Backend backend = Backends.create(options.device(), threads, options.precision());
        try {
            return new Classifier(ModelDirectory.load(modelDir, backend), options);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** The label names in label-id order (config.json's id2label), the order of every probability and logit array. */
    public List<String> labels() { return config.labels(); }

    /** The model directory this classifier was loaded from. */
    public Path directory() { return directory; }

    /** The model's own tokenizer, as transformers' tokenizer for the directory would encode. */
    public WordPieceTokenizer tokenizer() { return tokenizer; }

    /** The backend that runs the model: "cpu", "scalar" or "cuda". */
    public String device() { return device; }

    /** What the matrix products compute in ({@link Options#precision()}). */
    public Precision precision() { return precision; }

    /**
     * Tokens a text is read to, [CLS] and [SEP] included: {@link Options#maxLength()}, but never more than the model's
     * max_position_embeddings.
     */
    public int maxLength() { return Math.min(options.maxLength(), config.maxPositionEmbeddings()); }

    /** Which tokens of a text longer than {@link #maxLength()} are read. */
    public Truncation truncation() { return options.truncation(); }

    /**
     * The tokens of {@code text} the model reads, [CLS] and [SEP] included: all of them, or as many as
     * {@link #maxLength()} allows, cut as {@link Options#truncation()} says.
     */
    public List<String> tokens(String text) {
        return encode(text).tokens();
    }

    /** {@code text} encoded as the model reads it (see {@link #tokens}), for {@link #logitsOf}. */
    public Encoding encode(String text) {
        return encode(text, null);
    }

    /** {@code text} and its second segment ({@code pair}, null for none) encoded as the model reads them. */
    public Encoding encode(String text, String pair) {
        return tokenizer.encode(text, pair, maxLength(), options.truncation());
    }

    /** Whether {@code text} has more tokens than the model reads ({@link #maxLength()}), so part of it is not classified. */
    public boolean truncated(String text) {
        // The tokenizer stops soon after the length it is given, so a long text costs a few hundred tokens here.
        return tokenizer.encode(text, null, maxLength() + 1).length() > maxLength();
    }

    /**
     * {@link #truncated(String)} for a text whose {@link #encode} is at hand: an encoding shorter than the model reads
     * was not cut, which most texts' are, and needs no second tokenization.
     */
    public boolean truncated(String text, Encoding read) {
        return read.length() >= maxLength() && truncated(text);
    }

    /** {@link #classify(List)} for one text. */
    public Prediction classify(String text) {
        return classify(List.of(Objects.requireNonNull(text, "text"))).getFirst();
    }

    /**
     * The prediction for each text, in input order ({@link #prediction}).
     *
     * @throws IllegalStateException    for a regression model (read its scores with {@link #logits}), once closed, or
     *                                  when the model's logits are not finite (weights that diverged in training)
     * @throws IllegalArgumentException for a text that is not valid Unicode
     * @throws NullPointerException     for a null text, naming its index
     */
    public List<Prediction> classify(List<String> texts) {
        requireLabels(); // for no texts too: a wrong model is told at once, not at the first non-empty batch
        float[][] logits = logits(texts, null);
        List<Prediction> out = new ArrayList<>(texts.size());
        for (float[] row : logits) out.add(prediction(row));
        return out;
    }

    /**
     * Logits for texts (and, when {@code pairs} is not null, their second segments; a null pair means none),
     * in input order. Texts are grouped by length so padding stays small.
     *
     * @throws IllegalStateException    once closed
     * @throws IllegalArgumentException for a text that is not valid Unicode, or pairs not as many as the texts
     * @throws NullPointerException     for a null text, naming its index
     */
    public float[][] logits(List<String> texts, List<String> pairs) {
        if (closed) throw new IllegalStateException("this classifier of " + directory() + " is closed");
        requireTexts(texts);
        if (pairs != null && pairs.size() != texts.size())
            throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
        int n = texts.size();
        List<Encoding> encodings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                encodings.add(encode(texts.get(i), pairs == null ? null : pairs.get(i)));
            } catch (IllegalArgumentException e) { // which of many texts it is
                throw new IllegalArgumentException("texts[" + i + "]: " + e.getMessage(), e);
            }
        }
        return logitsOf(encodings);
    }

    /** A null list, or a null among the texts, named by its index. */
    static void requireTexts(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        for (int i = 0; i < texts.size(); i++)
            if (texts.get(i) == null) throw new NullPointerException("texts[" + i + "] is null");
    }

    /**
     * Logits for inputs already encoded (by {@link #encode}, or edited from such an encoding, as {@link Occlusion}
     * masks one token), in input order, grouped by length as {@link #logits} groups texts.
     *
     * @throws IllegalStateException    once closed
     * @throws IllegalArgumentException for an encoding longer than the model's positions, or with an id outside its
     *                                  vocabulary
     * @throws NullPointerException     for a null encoding, naming its index
     */
    public float[][] logitsOf(List<Encoding> encodings) {
        Objects.requireNonNull(encodings, "encodings");
        for (int i = 0; i < encodings.size(); i++)
            if (encodings.get(i) == null) throw new NullPointerException("encodings[" + i + "] is null");
        Lock running = inUse.readLock();
        running.lock();
        try {
            if (closed) throw new IllegalStateException("this classifier of " + directory() + " is closed");
            return forward(encodings);
        } finally {
            running.unlock();
        }
    }

    private float[][] forward(List<Encoding> encodings) {
        int n = encodings.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> encodings.get(i).inputIds().length));
        float[][] result = new float[n][];
        SequenceClassifier model = this.model; // not null: close waits for this pass
        int labels = config.numLabels();
        try {
            for (int start = 0; start < n; start += options.batchSize()) {
                int end = Math.min(n, start + options.batchSize());
                List<Encoding> chunk = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) chunk.add(encodings.get(order[i]));
                Tensor logits = model.logits(Batch.of(chunk, tokenizer.vocab().padId()));
                float[] flat = model.backend().read(logits);
                for (int i = start; i < end; i++)
                    result[order[i]] = Arrays.copyOfRange(flat, (i - start) * labels, (i - start + 1) * labels);
            }
        } finally {
            // The cleaner closes the backend once this classifier is unreachable: not while it still computes.
            Reference.reachabilityFence(this);
        }
        return result;
    }

    /** Whether the model scores rather than classifies (problem_type regression, or a single label, as transformers). */
    public boolean isRegression() {
        return "regression".equals(config.problemType()) || labels().size() == 1;
    }

    /** Whether each label has its own sigmoid probability (problem_type multi_label_classification) instead of one softmax. */
    public boolean isMultiLabel() {
        return "multi_label_classification".equals(config.problemType());
    }

    /** For the callers that need labels: a regression model's logit is a score, not a label's probability. */
    public void requireLabels() {
        if (isRegression())
            throw new IllegalStateException(directory() + " is a regression model: its logit is a score, not a label's"
                    + " probability; read it with logits() (raccoon logits) or evaluate it (raccoon eval)");
    }

    /**
     * The prediction that a row of this model's logits stands for: the most probable label, probabilities by softmax,
     * or for a multi-label model (problem_type multi_label_classification) each label's own sigmoid, as transformers.
     *
     * @throws IllegalStateException    for a regression model, whose one logit is a score and no label's probability,
     *                                  or logits that are not finite
     * @throws IllegalArgumentException for another number of logits than the model has labels
     */
    public Prediction prediction(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length != labels().size())
            throw new IllegalArgumentException(logits.length + " logits for " + labels().size() + " labels");
        requireLabels();
        requireFinite(logits);
        float[] probs = isMultiLabel() ? sigmoid(logits) : softmax(logits);
        int best = CpuMath.argmax(probs);
        return new Prediction(labels().get(best), best, probs[best], labels(), probs, logits);
    }

    /** @throws IllegalStateException when a logit is NaN or infinite (a diverged model's): no label is more likely */
    public static void requireFinite(float[] logits) {
        for (float v : logits)
            if (!Float.isFinite(v))
                throw new IllegalStateException("the model's logits " + Arrays.toString(logits) + " are not finite, so no label is more likely than another");
    }

        static float[] sigmoid(float[] logits) {
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) p[i] = (float) (1 / (1 + Math.exp(-logits[i])));
        return p;
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) sum += e[i] = Math.exp(logits[i] - max);
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    /**
     * Waits for the classifications in progress on other threads to end, then stops the worker threads and frees
     * the model's memory (on the GPU too, and on the CPU even while this object is still referenced); classify,
     * logits and logitsOf then throw IllegalStateException, while labels() and tokenizer(), which need no model,
     * still answer. Closing twice does nothing. Not to be called from
     * a thread that is classifying with this classifier.
     */
    @Override
    public void close() {
        Lock exclusive = inUse.writeLock();
        exclusive.lock();
        try {
            closed = true;
            model = null;
            backendCloser.clean();
        } finally {
            exclusive.unlock();
        }
    }
}
