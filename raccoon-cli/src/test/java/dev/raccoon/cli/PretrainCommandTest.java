package dev.raccoon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** pretrain end to end through {@link Main#run}: a few steps of both objectives on a tiny text corpus. */
class PretrainCommandTest {

    private static CliRun pretrain(Path corpus, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("pretrain", "--corpus", corpus.toString(),
                "--vocab", CliRun.oracleClassifier().toString(), "--out", out.toString(), "--batch-size", "4",
                "--seq-length", "32", "--threads", "2", "--no-progress", "--log-every", "2"));
        args.addAll(List.of(more));
        if (!args.contains("--config")) args.addAll(List.of("--config", "tiny"));
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
        assertThat(out.resolve("checkpoint-2/pretrain_state.json")).exists();
        CliRun resumed = pretrain(corpus(dir), out, "--steps", "4", "--resume");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("finished after 4 of 4 steps").contains("base rate").contains("disc information");
        assertThat(out.resolve("discriminator/model.safetensors")).exists();
        assertThat(Files.readString(out.resolve("discriminator/config.json"))).contains("ElectraForPreTraining");
        assertThat(Files.readString(out.resolve("generator/config.json"))).contains("ElectraForMaskedLM").contains("\"hidden_size\" : 32")
                .contains("\"hidden_dropout_prob\" : 0.1");
        assertThat(out.resolve("pretrain_curves.png")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("pretrain_log.jsonl"))).hasSize(2).allMatch(l -> l.contains("\"disc_information\""));
    }

    @Test
    void mlmByFlopBudgetWithoutDropoutAndUsageErrors(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliRun run = pretrain(corpus(dir), out, "--objective", "mlm", "--flops", "1e9", "--dropout", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(out.resolve("mlm/config.json"))).contains("ElectraForMaskedLM")
                .contains("\"hidden_dropout_prob\" : 0.0").contains("\"attention_probs_dropout_prob\" : 0.0");
        assertThat(pretrain(corpus(dir), dir.resolve("x"), "--steps", "2", "--objective", "bert").exitCode()).isEqualTo(2);
        assertThat(pretrain(corpus(dir), dir.resolve("y"), "--steps", "2", "--flops", "1e9").exitCode()).isEqualTo(2);
        assertThat(pretrain(corpus(dir), dir.resolve("z"), "--steps", "2", "--config", "huge").err()).contains("unknown config \"huge\"");
        CliRun badShare = pretrain(corpus(dir), dir.resolve("w"), "--steps", "2", "--mask-prob", "0");
        assertThat(badShare.exitCode()).isEqualTo(2);
        assertThat(badShare.err()).contains("--mask-prob must lie in (0, 1], got 0.0");
        assertThat(dir.resolve("w")).doesNotExist();
        CliRun badDropout = pretrain(corpus(dir), dir.resolve("v"), "--steps", "2", "--dropout", "1");
        assertThat(badDropout.exitCode()).isEqualTo(2);
        assertThat(badDropout.err()).contains("--dropout must lie in [0, 1), got 1.0");
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
        assertThat(resumed.out()).contains("finished after 4 of 4 steps");
    }

    @Test
    void readsTheCorpusPipelinesShards(@TempDir Path dir) throws IOException {
        Path shard = dir.resolve("corpus.seq");
        CliRun corpus = CliRun.run("", "corpus", "--corpus", corpus(dir).toString(), "--vocab",
                CliRun.oracleClassifier().toString(), "--out", shard.toString(), "--seq-length", "16");
        assertThat(corpus.exitCode()).as(corpus.err()).isZero();
        Path out = dir.resolve("out");
        CliRun run = pretrain(shard, out, "--steps", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(out.resolve("checkpoint-2/pretrain_state.json"))).contains("\"seq_length\" : \"16\"");
    }
}
