package dev.raccoon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests run without a terminal, as a nohup'd job does: training writes plain lines, never a bar's carriage returns. */
class ProgressOutputTest {
    @Test
    void withoutATerminalTrainingWritesPlainLines(@TempDir Path dir) throws IOException {
        StringBuilder rows = new StringBuilder("id\tdocument\tlabel\n");
        String[] reviews = {"영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요", "스토리가 엉망"};
        for (int i = 0; i < 16; i++) rows.append(i).append('\t').append(reviews[i % 4]).append('\t').append((i + 1) % 2).append('\n');
        Path data = Files.writeString(dir.resolve("data.tsv"), rows.toString());
        CliRun r = CliRun.run("", "train", "--config", "tiny", "--vocab", CliRun.oracleClassifier().toString(),
                "--train", data.toString(), "--dev", data.toString(), "--out", dir.resolve("out").toString(),
                "--epochs", "1", "--batch-size", "8", "--max-length", "16", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("train step 2/2 · epoch 1.00 · loss ").contains("cpu, 1 thread)").doesNotContain("\r");
    }

    @Test
    void withoutATerminalVocabAndCorpusDrawNoBars(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++) text.append("영화 정말 재밌어요 ").append(i).append(" 배우들 연기가 좋았어요\n");
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), text.toString());
        CliRun vocab = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "200", "--out", dir.resolve("v").toString());
        assertThat(vocab.exitCode()).as(vocab.err()).isZero();
        assertThat(vocab.err()).doesNotContain("\r").doesNotContain("vocab: count words").contains("raccoon vocab: no pair occurs");
        CliRun shard = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", CliRun.oracleClassifier().toString(),
                "--out", dir.resolve("c.seq").toString(), "--seq-length", "16", "--no-progress");
        assertThat(shard.exitCode()).as(shard.err()).isZero();
        assertThat(shard.err()).doesNotContain("\r");
    }
}
