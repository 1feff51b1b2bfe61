package dev.raccoon.cli;

import dev.raccoon.model.ElectraConfig;
import dev.raccoon.train.ModelInit;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BenchCommandTest {
    private static final Pattern ROW = Pattern.compile(
            "(?m)^(tiny [a-z ]+ \\d+x\\d+)\\s+1\\s+([\\d.]+)\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)$");

    /** Every case runs (on a tiny model, small batches) and reports consistent figures. */
    @Test
    void everyCaseRunsAndReportsThroughput() {
        CliRun run = CliRun.run("", "bench", "--case", "inference,finetune,pretrain,gemm", "--config", "tiny",
                "--batch-size", "2,3", "--tokens", "16", "--seconds", "0.05", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher m = ROW.matcher(run.out());
        List<String> cases = new java.util.ArrayList<>();
        while (m.find()) {
            cases.add(m.group(1));
            int batch = Integer.parseInt(m.group(1).replaceAll(".* (\\d+)x16", "$1"));
            double examples = Double.parseDouble(m.group(2)), tokens = Double.parseDouble(m.group(3));
            double ms = Double.parseDouble(m.group(4));
            assertThat(examples).as(m.group()).isPositive();
            assertThat(tokens).as(m.group()).isCloseTo(examples * 16, within(1 + examples * 16 * 1e-3));
            assertThat(ms).as(m.group()).isCloseTo(1e3 * batch / examples, within(0.01 + 1e3 * batch / examples * 1e-2));
            assertThat(Double.parseDouble(m.group(5))).as(m.group()).isPositive();
        }
        assertThat(cases).containsExactly("tiny inference 2x16", "tiny inference 3x16", "tiny finetune 2x16",
                "tiny finetune 3x16", "tiny pretrain electra 2x16", "tiny pretrain electra 3x16");
        assertThat(run.out()).containsPattern("(?m)^gemm 512x768x768\\s+1\\s+[\\d.]+$");
        assertThat(run.out()).contains("; precision fp32;");
    }

    @Test
    void bf16RunsOnTheCpuAndSaysSo() {
        CliRun run = CliRun.run("", "bench", "--case", "finetune", "--config", "tiny", "--batch-size", "2",
                "--tokens", "16", "--seconds", "0.05", "--threads", "1", "--precision", "bf16");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("; precision bf16;").containsPattern("(?m)^tiny finetune 2x16\\s+1\\s+[\\d.]+");
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun badCase = CliRun.run("", "bench", "--case", "inference,train");
        assertThat(badCase.exitCode()).isEqualTo(2);
        assertThat(badCase.err()).contains("--case takes inference, finetune, pretrain or gemm, not 'train'");
        CliRun badConfig = CliRun.run("", "bench", "--config", "huge");
        assertThat(badConfig.exitCode()).isEqualTo(2);
        assertThat(badConfig.err()).contains("unknown config \"huge\"");
    }

    /** A device, length or time bench cannot use is refused before any output, as the other bad options are. */
    @Test
    void unusableDeviceTokensOrSecondsAreUsageErrors() {
        assertUsageError(List.of("--device", "gpu"), "unknown device 'gpu' (known: auto, cpu, cuda, scalar)");
        assertUsageError(List.of("--config", "tiny", "--tokens", "1000"), "--tokens 1000 is more than the model's 512 positions");
        for (String seconds : List.of("Infinity", "1e12", "NaN", "0"))
            assertUsageError(List.of("--seconds", seconds), "--seconds must be a positive number, at most 86400 (a day)");
    }

    private static void assertUsageError(List<String> options, String message) {
        List<String> args = new java.util.ArrayList<>(List.of("bench", "--case", "gemm"));
        args.addAll(options);
        CliRun run = CliRun.run("", args.toArray(String[]::new));
        assertThat(run.exitCode()).as(options + ": " + run.err()).isEqualTo(2);
        assertThat(run.err()).contains(message).contains("raccoon bench --help");
        assertThat(run.out()).as(options.toString()).isEmpty();
    }

    /** A call slower than the measured time is not reported alone: at least three are, and the output says so. */
    @Test
    void measuresAFewCallsHoweverSlowAndWarnsWhenFewFit() {
        BenchCommand.Timing slow = BenchCommand.time(() -> sleep(60), 0.09); // 30 ms warm-up, 60 ms measured
        assertThat(slow.calls()).isEqualTo(BenchCommand.MIN_MEASURED_CALLS);
        assertThat(slow.callsStartedInTime()).isEqualTo(1);
        assertThat(slow.secondsPerCall()).isBetween(0.06, 1.0);
        BenchCommand.Timing fast = BenchCommand.time(() -> { }, 0.03);
        assertThat(fast.calls()).isGreaterThan(BenchCommand.MIN_MEASURED_CALLS).isEqualTo(fast.callsStartedInTime());

        // a pretraining step of even the tiny model takes milliseconds: 2 ms measured fit fewer than three
        CliRun run = CliRun.run("", "bench", "--case", "pretrain", "--config", "tiny", "--batch-size", "2",
                "--tokens", "16", "--seconds", "0.003", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("(?m)^tiny pretrain electra 2x16\\s+1\\s+[\\d.]+");
        assertThat(run.err()).containsPattern("tiny pretrain electra 2x16, 1 thread: only [12] calls? started in the 0.002 s measured,"
                + " so the mean of 3 may still hold JIT compilation");
    }

    /** GEMM is timed as the model cases are, and a run too short for the JIT says its figure falls short. */
    @Test
    void gemmWarnsWhenTooShortForTheJit() {
        CliRun shortRun = CliRun.run("", "bench", "--case", "gemm", "--seconds", "0.05", "--threads", "1");
        assertThat(shortRun.exitCode()).as(shortRun.err()).isZero();
        assertThat(shortRun.out()).containsPattern("(?m)^gemm 512x768x768\\s+1\\s+[\\d.]+$");
        assertThat(shortRun.err()).contains("gemm 512x768x768, 1 thread: 0.05 s is too short for the JIT to finish compiling"
                + " the product, so the figure falls short; give --seconds 2 or more");
        CliRun longEnough = CliRun.run("", "bench", "--case", "gemm", "--seconds", "2", "--threads", "1");
        assertThat(longEnough.exitCode()).as(longEnough.err()).isZero();
        assertThat(longEnough.err()).doesNotContain("too short");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** --threads 0 is all cores, as for the other commands; a negative count is a usage error before any output. */
    @Test
    void zeroThreadsIsAllCores() {
        CliRun run = CliRun.run("", "bench", "--case", "gemm", "--seconds", "0.03", "--threads", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("(?m)^gemm 512x768x768\\s+" + Runtime.getRuntime().availableProcessors() + "\\s+[\\d.]+$");
        CliRun negative = CliRun.run("", "bench", "--threads", "1,-2");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("--threads must be 0 (all cores) or more");
        assertThat(negative.out()).isEmpty();
    }

    /** The scalar backend ignores the thread count: it runs once, on the one thread it uses, whatever --threads asks. */
    @Test
    void aDeviceWithoutThreadsRunsOnce() {
        CliRun run = CliRun.run("", "bench", "--device", "scalar", "--case", "inference", "--config", "tiny",
                "--batch-size", "2", "--tokens", "16", "--seconds", "0.03", "--threads", "1,2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher rows = Pattern.compile("(?m)^tiny inference 2x16\\s+(\\d+)\\s").matcher(run.out());
        List<String> threads = new java.util.ArrayList<>();
        while (rows.find()) threads.add(rows.group(1));
        assertThat(threads).as(run.out()).containsExactly("1");
    }

    /** The header names the backend "auto" chose, and when the run started. */
    @Test
    void headerSaysWhatRanAndWhen() {
        CliRun run = CliRun.run("", "bench", "--device", "auto", "--case", "gemm", "--seconds", "0.03", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("(?m)^machine: .*; device (cpu|cuda|scalar); precision fp32; config small;"
                + " at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$");
    }

    /** A VM's model name alone can hide the CPU generation: the family and model numbers go with it. */
    @Test
    void cpuNameCarriesFamilyAndModel() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 26", "model\t\t: 2",
                "model name\t: AMD EPYC", "", "processor\t: 1", "model name\t: other");
        assertThat(BenchCommand.cpuName(cpuinfo)).isEqualTo("AMD EPYC (family 26, model 2)");
        assertThat(BenchCommand.cpuName(List.of("model name\t: Some CPU"))).isEqualTo("Some CPU");
        assertThat(BenchCommand.cpuName(List.of("processor\t: 0", "CPU part\t: 0xd0c"))).isEqualTo(System.getProperty("os.arch"));
    }

    /** Inference skips the last layer's work on every row but [CLS]; training runs it on every row. */
    @Test
    void inferenceFlopsLeaveOutTheLastLayersNonClsRows() {
        ElectraConfig c = ModelInit.Preset.SMALL.config(BenchCommand.VOCAB, List.of("a", "b"));
        double h = 256, f = 1024, seq = 64;
        double perTokenLayer = 2 * (4 * h * h + 2 * seq * h + 2 * h * f);
        double train = seq * (2 * 128 * h + 12 * perTokenLayer) + 2 * h * h + 2 * h * 2;
        assertThat(BenchCommand.trainForwardFlops(c, 64)).isCloseTo(train, within(1.0));
        assertThat(BenchCommand.forwardFlops(c, 64)).isCloseTo(train - 63 * 2 * (h * h + 2 * h * f), within(1.0));
    }
}
