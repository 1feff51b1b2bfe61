package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.ModelInit;
import dev.raccoon.train.run.OutputLock;
import dev.raccoon.train.run.Progress;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.corpus.CorpusPipeline;
import dev.raccoon.train.pretrain.DiscriminatorLoss;
import dev.raccoon.train.pretrain.InitialWeights;
import dev.raccoon.train.pretrain.Masking;
import dev.raccoon.train.pretrain.Objective;
import dev.raccoon.train.pretrain.Pretrainer;
import dev.raccoon.train.pretrain.Pretraining;
import dev.raccoon.train.pretrain.PretrainingData;
import dev.raccoon.train.report.TrainingLog;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "pretrain", description = {"Pretrains a model with ELECTRA's replaced-token detection or BERT's masked LM, "
        + "from scratch (--config) or from a Hugging Face ELECTRA directory (--init).",
        "Writes OUT/discriminator and OUT/generator (electra) or OUT/mlm, Hugging Face directories; OUT/checkpoint-N "
                + "(resumable); OUT/pretrain_log.jsonl and OUT/pretrain_curves.png."})
final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--objective", defaultValue = "electra", description = "electra or mlm (default: ${DEFAULT-VALUE}).")
    String objective;

    static final class Start {
        @Option(names = "--config", paramLabel = "SIZE", required = true,
                description = "A new discriminator (or MLM model) of this size, a preset of raccoon train: tiny (64/128/2 layers), mini (128/256/4 layers) or small (ELECTRA-small).")
        String config;

        @Option(names = "--init", paramLabel = "DIR", required = true,
                description = "Go on from the ELECTRA model in DIR (e.g. a KoELECTRA discriminator, or an MLM run's OUT/mlm): its size, "
                        + "vocabulary and encoder, and its head when it is of the objective's kind.")
        Path init;
    }

    @ArgGroup(multiplicity = "1")
    Start start;

    @Option(names = "--init-generator", paramLabel = "DIR",
            description = "ELECTRA: start the generator from the masked LM in DIR (its size, encoder and head) instead of a new one; "
                    + "the embedding tables it shares are --init's when both are given.")
    Path initGenerator;

    @Option(names = "--corpus", paramLabel = "FILE", required = true, arity = "1..*",
            description = "Text files (one segment per line, .gz allowed), packed in memory; or sequence shards from raccoon corpus.")
    List<Path> corpus;

    @Mixin
    EncodingOption encoding;

    @Option(names = "--vocab", paramLabel = "DIR|FILE",
            description = "Vocabulary: a model directory or a vocab.txt; required with --config, and with --init it must be DIR's.")
    Path vocab;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory.")
    Path out;

    static final class Length {
        @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps.")
        Integer steps;

        @Option(names = "--flops", paramLabel = "X",
                description = "A training-FLOP budget instead of --steps: the whole number of steps nearest to it, at least one (for equal-compute comparisons).")
        Double flops;
    }

    @ArgGroup(multiplicity = "1")
    Length length;

    @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "Linear warmup steps (default: 10%% of the steps, at most 10000).")
    Integer warmupSteps;

    @Option(names = "--seq-length", paramLabel = "N", description = "Tokens per packed sequence for text corpora (default: "
            + DEFAULT_SEQ_LENGTH + "); sequence shards have the length raccoon corpus gave them, which it must match if given.")
    Integer seqLength;

    static final int DEFAULT_SEQ_LENGTH = 128;

    @Option(names = "--generator-fraction",
            description = "Generator hidden and FFN size as a fraction of the discriminator's (default: " + DEFAULT_GENERATOR_FRACTION + ").")
    Float generatorFraction;

    static final float DEFAULT_GENERATOR_FRACTION = 0.25f;

    @Option(names = "--mask-prob", defaultValue = "" + Masking.DEFAULT_CHOOSE_PROB, paramLabel = "P",
            description = "Share of tokens chosen for the (generator's) masked-LM prediction (default: ${DEFAULT-VALUE}; ELECTRA-Large used 0.25).")
    float maskProb;

    @Option(names = "--dropout", defaultValue = "0.1", paramLabel = "P",
            description = "Hidden and attention dropout of every model pretrained, kept in their config.json (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--disc-loss-without-specials",
            description = "Leave [CLS], [SEP] and the other special tokens, which are never replaced, out of the discriminator's loss "
                    + "(ELECTRA's loss counts them).")
    boolean discLossWithoutSpecials;

    @Option(names = "--save-every", defaultValue = "1000", paramLabel = "STEPS", description = "Checkpoint every STEPS steps (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--log-every", defaultValue = "10", paramLabel = "STEPS", description = "Log every STEPS steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, data order, masking, sampling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Continue the run in OUT from its latest checkpoint (same options); "
            + "the summary reports the whole run's time and speed.")
    boolean resume;

    @Option(names = "--stop-after", defaultValue = "0", paramLabel = "STEPS", description = "Stop after STEPS steps with a checkpoint, to --resume later (default 0: run all steps).")
    int stopAfter;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        Objective obj;
        try {
            obj = Objective.parse(objective);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        if (initGenerator != null && obj != Objective.ELECTRA)
            throw TrainingOptions.usage(spec, "--init-generator needs --objective electra");
        if (discLossWithoutSpecials && obj != Objective.ELECTRA)
            throw TrainingOptions.usage(spec, "--disc-loss-without-specials needs --objective electra: MLM has no discriminator");
        if (initGenerator != null && generatorFraction != null)
            throw TrainingOptions.usage(spec, "--init-generator takes the generator's size from its config.json; leave out --generator-fraction");
        if (length.steps != null && length.steps < 1) throw TrainingOptions.usage(spec, "--steps must be at least 1");
        if (length.flops != null && !(length.flops > 0)) throw TrainingOptions.usage(spec, "--flops must be positive");
        if (!(maskProb > 0 && maskProb <= 1)) throw TrainingOptions.usage(spec, "--mask-prob must lie in (0, 1], got " + maskProb);
        TrainingOptions.requireDropout(spec, dropout);
        TrainingOptions.requireOutputDirectory(spec, out, "--out");
        try { // what needs no corpus, before one is read: with --flops the steps are known only then
            new Pretrainer.Options(length.steps != null ? length.steps : Integer.MAX_VALUE, batchSize, lr,
                    warmupSteps != null ? warmupSteps : 0, 0.01f, 1f, saveEvery, logEvery, stopAfter, seed, false);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        try (var _ = OutputLock.acquire(out)) {
            Pretrainer.requireStartable(out, resume);
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            WordPieceTokenizer tokenizer;
            ElectraConfig c;
            if (start.init != null) {
                requireLocalModel(start.init, "--init");
                if (initGenerator != null) requireLocalModel(initGenerator, "--init-generator");
                tokenizer = WordPieceTokenizer.load(start.init);
                if (vocab != null) requireVocabulary(tokenizer, "--init " + start.init, WordPieceTokenizer.loadVocabulary(vocab), "--vocab " + vocab);
                c = InitialWeights.config(start.init, tokenizer);
            } else {
                if (vocab == null) throw TrainingOptions.usage(spec, "--config needs --vocab (or go on from a model with --init DIR)");
                ModelInit.Preset preset;
                try {
                    preset = ModelInit.Preset.parse(start.config);
                } catch (IllegalArgumentException e) {
                    throw TrainingOptions.usage(spec, e.getMessage());
                }
                tokenizer = WordPieceTokenizer.loadVocabulary(vocab);
                c = preset.config(tokenizer.vocab().size(), List.of("LABEL_0", "LABEL_1"));
            }
            c = c.withDropout(dropout);
            ElectraConfig generator = null;
            if (obj == Objective.ELECTRA && initGenerator != null) {
                WordPieceTokenizer generatorTokenizer = WordPieceTokenizer.load(initGenerator);
                requireVocabulary(tokenizer, "the run", generatorTokenizer, "--init-generator " + initGenerator);
                generator = InitialWeights.config(initGenerator, generatorTokenizer).withDropout(dropout);
            } else if (obj == Objective.ELECTRA) {
                try {
                    generator = Pretraining.generatorConfig(c, generatorFraction != null ? generatorFraction : DEFAULT_GENERATOR_FRACTION);
                } catch (IllegalArgumentException e) {
                    throw TrainingOptions.usage(spec, "--generator-fraction: " + e.getMessage());
                }
            }
            Map<String, Path> initialWeights = new LinkedHashMap<>();
            if (start.init != null) initialWeights.put(obj == Objective.ELECTRA ? "discriminator" : "mlm", start.init);
            if (initGenerator != null) initialWeights.put("generator", initGenerator);
            CorpusFiles files = new CorpusFiles(corpus, encoding.encoding);
            boolean shards = PretrainingData.isShards(files);
            int textSeqLength = seqLength != null ? seqLength : DEFAULT_SEQ_LENGTH;
            if (!shards) requireSequenceLength(textSeqLength, c); // before the text is read and packed, which takes a while
            try (Backend backend = compute.backend(spec);
                 PretrainingData data = open(files, tokenizer, textSeqLength, err)) {
                if (shards) {
                    if (seqLength != null && seqLength != data.seqLength())
                        throw TrainingOptions.usage(spec, "--seq-length " + seqLength + ": the sequence shards hold sequences of "
                                + data.seqLength() + " tokens (raccoon corpus --seq-length made them so); leave --seq-length out");
                    requireSequenceLength(data.seqLength(), c);
                }
                for (Path f : data.vocabularyUnchecked()) {
                    Path summary = CorpusPipeline.summaryFile(f);
                    System.err.println("raccoon pretrain: warning: " + (Files.exists(summary)
                            ? f + " records no vocabulary fingerprint (made before shards had one), so only its vocabulary's size was"
                                    + " checked against --vocab; 'raccoon corpus' again makes one that has it"
                            : summary + " is missing: it records the vocabulary " + f + " was made with, so only that vocabulary's size"
                                    + " was checked against --vocab; copy " + summary.getFileName() + " along with the shard"));
                }
                DiscriminatorLoss loss = discLossWithoutSpecials ? DiscriminatorLoss.CONTENT_TOKENS : DiscriminatorLoss.EVERY_REAL_TOKEN;
                Pretraining model = obj == Objective.ELECTRA
                        ? Pretraining.electra(c, generator, maskProb, tokenizer.vocab(), backend, loss)
                        : Pretraining.mlm(c, maskProb, tokenizer.vocab(), backend);
                double perStep = model.flopsPerStep(batchSize, data.seqLength());
                long bought = length.steps != null ? length.steps : Math.max(1, Math.round(length.flops / perStep));
                if (bought > Integer.MAX_VALUE)
                    throw TrainingOptions.usage(spec, String.format(Locale.ROOT, "--flops %.3g buys %,d steps of %.3g FLOPs, more than"
                            + " a run can take (%,d); give a smaller budget", length.flops, bought, perStep, Integer.MAX_VALUE));
                int steps = (int) bought;
                if (length.flops != null)
                    System.err.printf(Locale.ROOT, "raccoon pretrain: --flops %.3g buys %d steps of %.3g FLOPs (%.3g in all)%n",
                            length.flops, steps, perStep, steps * perStep);
                Pretrainer.Options options;
                try {
                    options = new Pretrainer.Options(steps, batchSize, lr,
                            warmupSteps != null ? warmupSteps : Pretrainer.Options.defaultWarmup(steps), 0.01f, 1f, saveEvery,
                            logEvery, stopAfter, seed, compute.progress());
                } catch (IllegalArgumentException e) {
                    throw TrainingOptions.usage(spec, e.getMessage());
                }
                StringBuilder sizes = new StringBuilder();
                model.models().forEach((name, m) -> sizes.append(String.format(Locale.ROOT, "%s%s %.2fM", sizes.isEmpty() ? "" : ", ",
                        name, m.params().count() / 1e6)));
                err.printf(Locale.ROOT, "%s pretraining (%s parameters) on %,d sequences of %d tokens; %d steps of %.3g FLOPs (%s)%n",
                        obj.id(), sizes, data.size(), data.seqLength(), steps, perStep, ComputeOptions.describe(backend));
                Pretrainer.Result r = new Pretrainer(model, tokenizer, data, options, out, initialWeights).run(resume);
                new PrintStream(System.out, true, StandardCharsets.UTF_8).println(summary(r, obj, out));
            }
        }
        return 0;
    }

    private static PretrainingData open(CorpusFiles files, WordPieceTokenizer tokenizer, int textSeqLength, PrintStream err)
            throws IOException {
        err.println("reading " + files);
        return PretrainingData.open(files, tokenizer, textSeqLength);
    }

    /** A sequence holds [CLS], a token and [SEP] at the least, and no more tokens than the model has positions. */
    private void requireSequenceLength(int length, ElectraConfig c) {
        if (length < 3) throw TrainingOptions.usage(spec, "--seq-length must be at least 3 ([CLS], a token, [SEP]), got " + length);
        if (length > c.maxPositionEmbeddings())
            throw TrainingOptions.usage(spec, "sequences of " + length + " tokens exceed the model's " + c.maxPositionEmbeddings() + " positions");
    }

    /** The models' embedding rows follow the vocabulary's ids, so two sources of one run must agree on every token. */
    private void requireVocabulary(WordPieceTokenizer expected, String expectedSource, WordPieceTokenizer actual,
                                   String actualSource) {
        Vocabulary a = expected.vocab(), b = actual.vocab();
        if (a.size() != b.size())
            throw TrainingOptions.usage(spec, actualSource + " has " + b.size() + " tokens, " + expectedSource + " " + a.size());
        for (int id = 0; id < a.size(); id++)
            if (!a.token(id).equals(b.token(id)))
                throw TrainingOptions.usage(spec, actualSource + " differs from " + expectedSource + " at id " + id + ": \""
                        + b.token(id) + "\" against \"" + a.token(id) + "\"");
    }

    static String summary(Pretrainer.Result r, Objective objective, Path out) {
        List<TrainingLog.Entry> entries = r.log().entries();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s after %d of %d steps in %s, %.0f tokens/s, %.3g training FLOPs",
                r.steps() == r.totalSteps() ? "finished" : "stopped (resume with --resume)", r.steps(), r.totalSteps(),
                Progress.duration(r.seconds()), r.tokensPerSecond(), r.flops()));
        if (!entries.isEmpty()) {
            s.append(String.format(Locale.ROOT, "%nfirst log: %s%nlast log:  %s", describe(entries.getFirst()), describe(entries.getLast())));
        }
        s.append(String.format(Locale.ROOT, "%nmodels: %s", objective == Objective.ELECTRA
                ? out.resolve("discriminator") + ", " + out.resolve("generator") : out.resolve("mlm")));
        return s.toString();
    }

    private static String describe(TrainingLog.Entry e) {
        Map<String, Double> v = e.values();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "step %.0f: loss %.4f, mlm loss %.4f, mlm accuracy %.4f",
                e.step(), v.get("loss"), v.get("mlm_loss"), v.get("mlm_accuracy")));
        if (v.containsKey("disc_loss"))
            s.append(String.format(Locale.ROOT, ", disc loss %.4f, disc accuracy %.4f (base rate %.4f)",
                    v.get("disc_loss"), v.get("disc_accuracy"), v.get("disc_base_rate")));
        if (v.containsKey("disc_information"))
            s.append(String.format(Locale.ROOT, ", disc information %.4f nats/token", v.get("disc_information")));
        return s.toString();
    }

    /** --init names a folder on disk; one that is not there is most often a Hub name given as it is. */
    private static void requireLocalModel(Path dir, String option) throws IOException {
        if (!Files.isDirectory(dir))
            throw new IOException(option + " " + dir + ": no such model directory; it names a local folder (config.json, vocab.txt and"
                    + " the weights): download a published model first, e.g. huggingface-cli download"
                    + " monologg/koelectra-small-v3-discriminator --local-dir " + dir);
    }
}
