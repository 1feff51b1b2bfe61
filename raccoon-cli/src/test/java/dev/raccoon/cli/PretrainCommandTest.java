package dev.raccoon.cli;

import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** pretrain end to end through {@link Main#run}: a few steps of both objectives on a tiny text corpus. */
class PretrainCommandTest {

    private static CliRun pretrain(Path corpus, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("pretrain", "--corpus", corpus.toString(),
                "--out", out.toString(), "--batch-size", "4", "--no-progress", "--log-every", "2"));
        args.addAll(List.of(more));
        if (!args.contains("--threads")) args.addAll(List.of("--threads", "2"));
        if (!args.contains("--seq-length") && !corpus.toString().endsWith(".seq")) args.addAll(List.of("--seq-length", "32"));
        if (!args.contains("--init")) {
            if (!args.contains("--vocab")) args.addAll(List.of("--vocab", CliRun.oracleClassifier().toString()));
            if (!args.contains("--config")) args.addAll(List.of("--config", "tiny"));
        }
        return CliRun.run("", args.toArray(String[]::new));
    }

    private static Path corpus(Path dir) throws IOException {
        Path file = dir.resolve("corpus.txt");
        Files.write(file, List.of("최고의 영화였다 정말 재밌다", "지루하고 너무 길었다", "배우들의 연기가 좋았다", "다시 보고 싶은 영화",
                "스토리가 별로였다", "음악이 아름답다"));
        return file;
    }

    @Test
    void electraWritesBothModelsAndResumes(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliRun stopped = pretrain(corpus(dir), out, "--steps", "4", "--stop-after", "2");
        assertThat(stopped.exitCode()).as(stopped.err()).isZero();
        assertThat(stopped.out()).contains("stopped (resume with --resume) after 2 of 4 steps");
        // --no-progress: the header, and a plain line per checkpoint instead of a bar.
        assertThat(stopped.err()).contains("electra pretraining (").containsPattern("electra step 2/4 · loss [0-9.]+ · disc acc [0-9.]+ "
                + "\\(base [0-9.]+\\) · \\d+ tok/s · [0-9.]+s, about [0-9.]+s left").doesNotContain("\r");
        assertThat(out.resolve("checkpoint-2/pretrain_state.json")).exists();
        CliRun resumed = pretrain(corpus(dir), out, "--steps", "4", "--resume");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming ").contains("electra step 4/4 · ");
        assertThat(resumed.out()).contains("finished after 4 of 4 steps").contains("base rate").contains("disc information");
        assertThat(out.resolve("discriminator/model.safetensors")).exists();
        assertThat(Files.readString(out.resolve("discriminator/config.json"))).contains("ElectraForPreTraining");
        assertThat(Files.readString(out.resolve("generator/config.json"))).contains("ElectraForMaskedLM").contains("\"hidden_size\" : 32")
                .contains("\"hidden_dropout_prob\" : 0.1");
        assertThat(out.resolve("pretrain_curves.png")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("pretrain_log.jsonl"))).hasSize(2).allMatch(l -> l.contains("\"disc_information\""));
    }

    /** Two pretraining runs into one output would each export over the other's models and both report success. */
    @Test
    void aRunIntoAnOutputAnotherRunIsWritingIsRefused(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        try (var _ = dev.raccoon.train.run.OutputLock.acquire(out)) {
            CliRun refused = pretrain(corpus(dir), out, "--steps", "2");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("raccoon pretrain: another raccoon run is writing " + out + "\n");
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void mlmByFlopBudgetWithoutDropoutAndUsageErrors(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliRun run = pretrain(corpus(dir), out, "--objective", "mlm", "--flops", "1e9", "--dropout", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).containsPattern("--flops 1\\.00e\\+09 buys \\d+ steps of \\S+ FLOPs \\(\\S+ in all\\)");
        assertThat(Files.readString(out.resolve("mlm/config.json"))).contains("ElectraForMaskedLM")
                .contains("\"hidden_dropout_prob\" : 0.0").contains("\"attention_probs_dropout_prob\" : 0.0");
        assertThat(pretrain(corpus(dir), dir.resolve("x"), "--steps", "2", "--objective", "bert").exitCode()).isEqualTo(2);
        assertThat(pretrain(corpus(dir), dir.resolve("y"), "--steps", "2", "--flops", "1e9").exitCode()).isEqualTo(2);
        CliRun tooMuch = pretrain(corpus(dir), dir.resolve("u"), "--flops", "1e20");
        assertThat(tooMuch.exitCode()).isEqualTo(2);
        assertThat(tooMuch.err()).contains("--flops 1.00e+20 buys ").contains("steps of").contains("more than a run can take")
                .doesNotContain("buys -");
        assertThat(pretrain(corpus(dir), dir.resolve("z"), "--steps", "2", "--config", "huge").err()).contains("unknown config \"huge\"");
        CliRun badShare = pretrain(corpus(dir), dir.resolve("w"), "--steps", "2", "--mask-prob", "0");
        assertThat(badShare.exitCode()).isEqualTo(2);
        assertThat(badShare.err()).contains("--mask-prob must lie in (0, 1], got 0.0");
        assertThat(dir.resolve("w")).doesNotExist();
        CliRun badDropout = pretrain(corpus(dir), dir.resolve("v"), "--steps", "2", "--dropout", "1");
        assertThat(badDropout.exitCode()).isEqualTo(2);
        assertThat(badDropout.err()).contains("--dropout must lie in [0, 1), got 1.0");
        // mistakes in the compute options and the sequence length are told before the corpus is read
        for (String[] mistake : List.of(new String[] {"--precision", "fp16"}, new String[] {"--threads", "-1"},
                new String[] {"--seq-length", "1000"}, new String[] {"--seq-length", "2"})) {
            CliRun refused = pretrain(corpus(dir), dir.resolve("t"), "--steps", "2", mistake[0], mistake[1]);
            assertThat(refused.exitCode()).as(String.join(" ", mistake)).isEqualTo(2);
            assertThat(refused.err()).as(String.join(" ", mistake)).doesNotContain("reading ");
        }
        assertThat(dir.resolve("t")).doesNotExist();
    }

    @Test
    void readsACp949CorpusWithItsEncoding(@TempDir Path dir) throws IOException {
        Path cp949 = Files.write(dir.resolve("excel.txt"), Files.readString(corpus(dir)).getBytes("x-windows-949"));
        CliRun refused = pretrain(cp949, dir.resolve("refused"), "--steps", "2");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("not valid UTF-8").contains("pass --encoding cp949");
        CliRun run = pretrain(cp949, dir.resolve("out"), "--steps", "2", "--encoding", "cp949");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("finished after 2 of 2 steps");
    }

    @Test
    void theDiscriminatorLossWithoutSpecialsIsKeptForResuming(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliRun stopped = pretrain(corpus(dir), out, "--steps", "4", "--stop-after", "2", "--disc-loss-without-specials");
        assertThat(stopped.exitCode()).as(stopped.err()).isZero();
        assertThat(Files.readString(out.resolve("checkpoint-2/pretrain_state.json")))
                .contains("\"discriminator_loss\" : \"content tokens only\"").contains("\"dropout\" : \"0.1\"");
        CliRun otherLoss = pretrain(corpus(dir), out, "--steps", "4", "--resume");
        assertThat(otherLoss.exitCode()).isNotZero();
        assertThat(otherLoss.err()).contains("discriminator_loss was content tokens only and is now every real token");
        CliRun resumed = pretrain(corpus(dir), out, "--steps", "4", "--resume", "--disc-loss-without-specials");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming ").contains("electra step 4/4 · ");
        assertThat(resumed.out()).contains("finished after 4 of 4 steps");
    }

    @Test
    void readsTheCorpusPipelinesShards(@TempDir Path dir) throws IOException {
        Path shard = dir.resolve("corpus.seq");
        CliRun corpus = CliRun.run("", "corpus", "--corpus", corpus(dir).toString(), "--vocab",
                CliRun.oracleClassifier().resolve("vocab.txt").toString(), "--out", shard.toString(), "--seq-length", "16");
        assertThat(corpus.exitCode()).as(corpus.err()).isZero();
        Path out = dir.resolve("out");
        CliRun run = pretrain(shard, out, "--steps", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(out.resolve("checkpoint-2/pretrain_state.json"))).contains("\"seq_length\" : \"16\"");
        // The same number of tokens in another order would read every id as another token.
        List<String> tokens = new java.util.ArrayList<>(Files.readAllLines(CliRun.oracleClassifier().resolve("vocab.txt")));
        java.util.Collections.swap(tokens, 100, 101);
        Path swapped = Files.write(dir.resolve("swapped-vocab.txt"), tokens);
        CliRun other = pretrain(shard, dir.resolve("other"), "--steps", "2", "--vocab", swapped.toString());
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).contains("corpus.seq: made with another vocabulary of " + tokens.size() + " tokens");
        // A summary left by another run (one stopped between renaming the shard and its summary) is named as such.
        Path summary = dir.resolve("corpus.seq.json");
        String written = Files.readString(summary);
        Files.writeString(summary, written.replaceFirst("\"sequences\"\\s*:\\s*(\\d+)", "\"sequences\" : 1$1"));
        CliRun stale = pretrain(shard, dir.resolve("stale"), "--steps", "2");
        assertThat(stale.exitCode()).isEqualTo(1);
        assertThat(stale.err()).contains("corpus.seq.json describes 1").contains("it is another run's");
        Files.writeString(summary, written);
        // A shard from before the summary's keys were snake_case is checked all the same.
        Files.writeString(summary, Files.readString(summary).replace("\"vocab_fingerprint\"", "\"vocabFingerprint\""));
        CliRun camel = pretrain(shard, dir.resolve("camel"), "--steps", "2", "--vocab", swapped.toString());
        assertThat(camel.exitCode()).isEqualTo(1);
        assertThat(camel.err()).contains("made with another vocabulary");
        // A shard from before fingerprints is read as before, with a warning that its vocabulary went unchecked.
        Files.writeString(summary, Files.readString(summary).replaceAll("\"vocabFingerprint\"\\s*:\\s*\"[0-9a-f]+\",?", ""));
        CliRun old = pretrain(shard, dir.resolve("old"), "--steps", "2");
        assertThat(old.exitCode()).as(old.err()).isZero();
        assertThat(old.err()).contains("corpus.seq records no vocabulary fingerprint");
        // A shard copied without its summary: the warning names the missing file, not an old shard.
        Path copy = Files.copy(shard, dir.resolve("copy.seq"));
        CliRun alone = pretrain(copy, dir.resolve("alone"), "--steps", "2");
        assertThat(alone.exitCode()).as(alone.err()).isZero();
        assertThat(alone.err()).contains(dir.resolve("copy.seq.json") + " is missing").doesNotContain("made before");
        // --seq-length is the shard's: another one is refused before any training, the same one accepted.
        CliRun otherLength = pretrain(shard, dir.resolve("len"), "--steps", "2", "--seq-length", "32");
        assertThat(otherLength.exitCode()).isEqualTo(2);
        assertThat(otherLength.err()).contains("--seq-length 32: the sequence shards hold sequences of 16 tokens");
        assertThat(pretrain(shard, dir.resolve("same"), "--steps", "2", "--seq-length", "16").exitCode()).isZero();
    }

    @Test
    void goesOnFromTheOraclesDiscriminatorAndGenerator(@TempDir Path dir) throws IOException {
        Path oracle = CliRun.repo("raccoon-model/src/test/resources/oracle");
        String discriminator = oracle.resolve("electra-discriminator").toString(), generator = oracle.resolve("electra-generator").toString();
        Path out = dir.resolve("out");
        CliRun run = pretrain(corpus(dir), out, "--init", discriminator, "--init-generator", generator, "--steps", "2", "--lr", "1e-6");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // The sizes are the checkpoints' (the generator's too, not --generator-fraction's), and so are the weights,
        // give or take two steps at lr 1e-6.
        assertThat(Files.readString(out.resolve("discriminator/config.json"))).contains("\"hidden_size\" : 64").contains("\"num_attention_heads\" : 4");
        assertThat(Files.readString(out.resolve("generator/config.json"))).contains("\"hidden_size\" : 16");
        Map<String, HostTensor> before = SafeTensors.read(oracle.resolve("electra-discriminator/model.safetensors"));
        Map<String, HostTensor> after = SafeTensors.read(out.resolve("discriminator/model.safetensors"));
        for (String name : List.of("electra.embeddings.word_embeddings.weight", "electra.encoder.layer.1.attention.self.query.weight",
                "discriminator_predictions.dense_prediction.weight"))
            assertThat(after.get(name).data()).as(name).containsExactly(before.get(name).data(), within(1e-4f));
        Map<String, HostTensor> generatorBefore = SafeTensors.read(oracle.resolve("electra-generator/model.safetensors"));
        Map<String, HostTensor> generatorAfter = SafeTensors.read(out.resolve("generator/model.safetensors"));
        assertThat(generatorAfter.get("generator_lm_head.bias").data())
                .containsExactly(generatorBefore.get("generator_lm_head.bias").data(), within(1e-4f));

        // a Hub name given as it is: say that --init wants a local folder
        CliRun hubName = pretrain(corpus(dir), dir.resolve("h"), "--init", "koelectra-small-v3-discriminator", "--steps", "2");
        assertThat(hubName.exitCode()).isEqualTo(1);
        assertThat(hubName.err()).contains("--init koelectra-small-v3-discriminator: no such model directory; it names a local folder");
        CliRun both = pretrain(corpus(dir), dir.resolve("a"), "--init", discriminator, "--config", "tiny", "--steps", "2");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        CliRun mlm = pretrain(corpus(dir), dir.resolve("b"), "--init", discriminator, "--init-generator", generator,
                "--objective", "mlm", "--steps", "2");
        assertThat(mlm.exitCode()).isEqualTo(2);
        assertThat(mlm.err()).contains("--init-generator needs --objective electra");
        CliRun fraction = pretrain(corpus(dir), dir.resolve("c"), "--init", discriminator, "--init-generator", generator,
                "--generator-fraction", "0.5", "--steps", "2");
        assertThat(fraction.err()).contains("leave out --generator-fraction");
        CliRun mlmSpecials = pretrain(corpus(dir), dir.resolve("m"), "--objective", "mlm", "--disc-loss-without-specials", "--steps", "2");
        assertThat(mlmSpecials.exitCode()).isEqualTo(2);
        assertThat(mlmSpecials.err()).contains("--disc-loss-without-specials needs --objective electra");
        Path otherVocab = Files.write(dir.resolve("vocab.txt"), List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "영화"));
        CliRun vocab = pretrain(corpus(dir), dir.resolve("d"), "--init", discriminator, "--vocab", otherVocab.toString(), "--steps", "2");
        assertThat(vocab.exitCode()).isEqualTo(2);
        assertThat(vocab.err()).contains("--vocab " + otherVocab + " has 6 tokens, --init " + discriminator + " 32200");
        List<String> tokens = new java.util.ArrayList<>(Files.readAllLines(oracle.resolve("electra-discriminator/vocab.txt")));
        java.util.Collections.swap(tokens, 100, 101);
        Path swapped = Files.write(dir.resolve("swapped.txt"), tokens);
        CliRun swappedVocab = pretrain(corpus(dir), dir.resolve("s"), "--init", discriminator, "--vocab", swapped.toString(), "--steps", "2");
        assertThat(swappedVocab.exitCode()).isEqualTo(2);
        assertThat(swappedVocab.err()).contains("at id 100: \"" + tokens.get(100) + "\" against \"" + tokens.get(101) + "\"");
        CliRun noVocab = CliRun.run("", "pretrain", "--corpus", corpus(dir).toString(), "--out", dir.resolve("e").toString(),
                "--config", "tiny", "--steps", "2");
        assertThat(noVocab.exitCode()).isEqualTo(2);
        assertThat(noVocab.err()).contains("--config needs --vocab");
        Path bert = Files.createDirectories(dir.resolve("bert"));
        for (String f : List.of("vocab.txt", "tokenizer_config.json"))
            Files.copy(oracle.resolve("electra-discriminator").resolve(f), bert.resolve(f));
        Files.writeString(bert.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": 32200}");
        CliRun fromBert = pretrain(corpus(dir), dir.resolve("f"), "--init", bert.toString(), "--steps", "2");
        assertThat(fromBert.exitCode()).isEqualTo(1);
        assertThat(fromBert.err()).contains(bert + ": a BERT model; pretraining starts from ELECTRA models only");
        assertThat(dir.resolve("f")).doesNotExist();
        Files.writeString(bert.resolve("config.json"), "{\"model_type\": \"electra\", \"vocab_size\": 10}");
        CliRun tooFewRows = pretrain(corpus(dir), dir.resolve("g"), "--init", bert.toString(), "--steps", "2");
        assertThat(tooFewRows.exitCode()).isEqualTo(1);
        assertThat(tooFewRows.err()).contains(bert + ": the tokenizer has 32200 tokens but config.json says vocab_size 10");
    }

    /** SIGTERM (or Ctrl-C) while checkpoints are written: the run ends with a whole checkpoint and a matching pair of models. */
    @Test
    void anInterruptLeavesTheCheckpointAndBothModelsOfOneStep(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main",
                "pretrain", "--corpus", corpus(dir).toString(), "--out", out.toString(), "--batch-size", "4", "--seq-length", "32",
                "--threads", "1", "--no-progress", "--vocab", CliRun.oracleClassifier().toString(), "--config", "tiny",
                "--steps", "100000", "--save-every", "1")); // saving is most of each step, so the signal lands in one
        Path log = dir.resolve("pretrain.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline && p.isAlive()
                    && !Files.exists(out.resolve("generator/model.safetensors")); ) Thread.sleep(50);
            Thread.sleep(1500);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        String printed = Files.readString(log);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("pretrain: interrupted; checkpoint-(\\d+) and the models").matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        Path checkpoint = out.resolve("checkpoint-" + m.group(1));
        for (String model : List.of("discriminator", "generator"))
            assertThat(Files.readAllBytes(out.resolve(model).resolve("model.safetensors"))).as(model)
                    .isEqualTo(Files.readAllBytes(checkpoint.resolve(model).resolve("model.safetensors")));
        try (var files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".tmp-") || n.endsWith(".old"))
                    .filteredOn(n -> n.startsWith("checkpoint-")).containsExactly(checkpoint.getFileName().toString());
        }
    }
}
