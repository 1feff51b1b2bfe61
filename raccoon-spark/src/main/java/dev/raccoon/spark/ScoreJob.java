package dev.raccoon.spark;

import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
import dev.raccoon.serve.RecordReader;
import dev.raccoon.serve.ScoreColumns;
import dev.raccoon.serve.ScoreNotes;
import dev.raccoon.serve.ScoreRows;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.Truncation;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapred.FileAlreadyExistsException;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code raccoon score} on Spark: TSV, CSV or JSON lines in, every input column plus the label, probability,
 * per-label probabilities and error columns out, row for row as the command writes them.
 *
 * <pre>
 * spark-submit --class dev.raccoon.spark.ScoreJob raccoon-spark-job.jar \
 *     --model /models/nsmc --input hdfs:///reviews/ --output hdfs:///scored/ [--single-file]
 * </pre>
 *
 * The output is a directory of part files in input order, each TSV/CSV part with the header; with
 * {@code --single-file} it is one file in input order, comparable line for line with {@code raccoon score}'s
 * (everything then passes through one task at the end, so it suits results that fit one disk).
 */
public final class ScoreJob {
    private static final String USAGE = """
            usage: ScoreJob --model DIR --input PATH --output PATH [--format tsv|csv|jsonl] [--text-column NAME]
                            [--encoding NAME] [--single-file] [--partitions N] [--batch-size N] [--max-length N] [--truncation head-tail|head]
                            [--threads N] [--device cpu|scalar]
              --model        model directory on every executor: a shared path, or the name given to --archives
              --input        a file, directory (subdirectories too) or glob; TSV/CSV files each start with the same header
              --output       a directory of part files, or with --single-file one file; must not exist
              --format       default: by the input's extension (.tsv/.txt, .csv, .jsonl/.ndjson/.json)
              --text-column  default: the first of text, document, review, sentence, sentence1, comments, content (JSONL: that each object has)
              --encoding     the input's, e.g. CP949 or EUC-KR (default UTF-8); the output is UTF-8
              --partitions   repartition the records before scoring (a CSV file is otherwise one task)
              --threads      CPU threads of each executor's model (default 1, 0: all its cores; see docs/SPARK.md)
            """;

    /** The job's parameters; {@code partitions} 0 keeps the input's partitioning. */
    public record Args(String input, String output, TableFormat format, String textColumn, Charset encoding,
                       boolean singleFile, int partitions, ScoringSettings settings) {}

    /**
     * @param failed      rows written with an error instead of predictions; a retried task's rows count again
     * @param undecodable those of them not valid in the input's encoding
     * @param truncated   scored rows longer than the model reads
     * @param tokensRead  the tokens of a text the model reads: --max-length, or the model's positions if fewer
     */
    public record Summary(long rows, long failed, long undecodable, long truncated, int tokensRead) {}

    private ScoreJob() {}

    public static void main(String[] argv) {
        if (List.of(argv).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        Args args;
        try {
            args = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.print("ScoreJob: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("raccoon-score").getOrCreate();
        int status;
        try {
            status = execute(spark, args, System.out, System.err);
        } finally {
            spark.stop();
        }
        if (status != 0) System.exit(status);
    }

    /** Runs the job and tells how it went, as {@link #main} does; returns the exit status. */
    static int execute(SparkSession spark, Args args, PrintStream out, PrintStream err) {
        Summary s;
        try {
            s = run(spark, args);
        } catch (Exception e) { // Spark's own SparkException is checked, though Scala declares it nowhere
            err.println("ScoreJob: " + reason(e));
            return 1;
        }
        out.printf(Locale.ROOT, "scored %d rows into %s (%d without predictions)%n", s.rows(), args.output(), s.failed());
        ScoringSettings settings = args.settings();
        if (s.tokensRead() < settings.maxLength())
            err.println("ScoreJob: note: " + ScoreNotes.maxLengthAbovePositions(settings.maxLength(), s.tokensRead(), settings.modelDir()));
        if (s.truncated() > 0)
            err.println("ScoreJob: " + ScoreNotes.truncated(s.truncated(), s.tokensRead(), settings.truncation(),
                    "truncated is true in their rows"));
        // as raccoon score: rows without predictions fail the run (a pipeline sees it), with what to do about them
        if (s.failed() == 0) return 0;
        err.println("ScoreJob: " + ScoreNotes.notScored(s.failed()));
        if (s.undecodable() > 0) err.println("ScoreJob: " + ScoreNotes.undecodable(s.undecodable(), args.encoding()));
        return 1;
    }

    /**
     * What went wrong: a task's failure (a model directory an executor cannot read, a broken input file) reaches the
     * driver wrapped in Spark's stage and job reports, and a task throws an IOException wrapped as unchecked; the
     * failure inside says it (and names the file), while the causes below it are its own details.
     */
    static String reason(Throwable e) {
        Throwable told = e;
        while ((told instanceof SparkException || told instanceof UncheckedIOException)
                && told.getCause() != null && told.getCause() != told)
            told = told.getCause();
        String message = told.getMessage() != null ? told.getMessage() : told.toString();
        return message.lines().findFirst().orElse(message);
    }

    public static Args parse(String[] argv) {
        String model = null, input = null, output = null, format = null, textColumn = null, device = "cpu";
        Charset encoding = StandardCharsets.UTF_8;
        boolean singleFile = false;
        int partitions = 0;
        ScoringSettings d = ScoringSettings.of("unset");
        int batchSize = d.batchSize(), maxLength = d.maxLength(), threads = d.threads();
        Truncation truncation = d.truncation();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--single-file")) {
                singleFile = true;
                continue;
            }
            int at = i++;
            // read in each option's case, so that an unknown option is named as such even as the last argument
            Supplier<String> value = () -> {
                if (at + 1 >= argv.length) throw new IllegalArgumentException(a + " needs a value");
                return argv[at + 1];
            };
            switch (a) {
                case "--model" -> model = value.get();
                case "--input" -> input = value.get();
                case "--output" -> output = value.get();
                case "--format" -> format = value.get();
                case "--text-column" -> textColumn = value.get();
                case "--encoding" -> encoding = TextEncodings.named(value.get());
                case "--device" -> device = value.get();
                case "--partitions" -> {
                    partitions = number(a, value.get());
                    if (partitions < 0) throw new IllegalArgumentException("--partitions must be 0 (as the input is) or more, got " + partitions);
                }
                case "--batch-size" -> batchSize = number(a, value.get());
                case "--max-length" -> maxLength = number(a, value.get());
                case "--truncation" -> truncation = Truncation.of(value.get());
                case "--threads" -> threads = number(a, value.get());
                default -> throw new IllegalArgumentException(a.startsWith("-") ? "unknown option " + a : "unexpected " + a);
            }
        }
        if (model == null || input == null || output == null)
            throw new IllegalArgumentException("--model, --input and --output are required");
        TableFormat f = format != null ? TableFormat.parse(format) : TableFormat.byExtension(java.nio.file.Path.of(new Path(input).getName()));
        if (f == null) throw new IllegalArgumentException("cannot tell the format of " + input + "; give --format");
        return new Args(input, output, f, textColumn, encoding, singleFile, partitions,
                new ScoringSettings(model, device, threads, maxLength, batchSize, truncation));
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + value + "'");
        }
    }

    public static Summary run(SparkSession spark, Args args) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        Path output = new Path(args.output());
        FileSystem outFs = output.getFileSystem(conf);
        if (outFs.exists(output)) throw new IOException(args.output() + " exists; choose another output or delete it");

        boolean tabular = args.format() != TableFormat.JSONL, quoted = args.format() == TableFormat.CSV;
        List<Path> files = InputRecords.files(conf, args.input());
        Header header = header(conf, files, args); // before the model loads: a missing text column is found at once
        ModelReading model = modelReading(sc, args.settings());
        ScoreRows layout = layout(args, header, model.labels());

        JavaRDD<InputRecords.Record> records = InputRecords.read(sc, files, quoted, tabular);
        // keyed by their place in the input, which InputRecords knows already: zipWithIndex would read it all once more
        JavaPairRDD<InputRecords.Record, Long> numbered = records.mapToPair(r -> new Tuple2<>(r, r.order()));
        if (args.partitions() > 0) numbered = numbered.repartition(args.partitions());
        Counts counts = new Counts(sc.sc().longAccumulator("rows"), sc.sc().longAccumulator("failed"),
                sc.sc().longAccumulator("undecodable"), sc.sc().longAccumulator("truncated"));
        ScoringSettings settings = args.settings();
        JavaPairRDD<Long, String> scored = numbered.mapPartitionsToPair(part -> Chunks.map(part, settings.chunkRows(),
                chunk -> score(layout, settings, chunk, counts)), true);

        String headerLine = layout.headerLine();
        Path parts = new Path(output.getParent(), "." + output.getName() + ".parts");
        try {
            if (args.singleFile()) {
                outFs.delete(parts, true); // left by a run that died before moving its file
                JavaRDD<String> ordered = scored.repartitionAndSortWithinPartitions(new HashPartitioner(1)).values();
                withHeader(ordered, headerLine).saveAsTextFile(parts.toString());
                FileStatus[] written = outFs.listStatus(parts, p -> p.getName().startsWith("part-")); // no glob: the name may hold [ ]
                if (written.length != 1) throw new IOException("expected one part file in " + parts);
                if (!outFs.rename(written[0].getPath(), output)) throw new IOException("cannot move " + written[0].getPath() + " to " + output);
                outFs.delete(parts, true);
                // The local filesystem moved the part's checksum along: it would fail a later read of an edited copy.
                outFs.delete(new Path(output.getParent(), "." + output.getName() + ".crc"), false);
            } else {
                withHeader(scored.values(), headerLine).saveAsTextFile(args.output());
            }
        } catch (Exception e) {
            // A failed job leaves an empty output directory (or the parts of one file), which would refuse the rerun.
            // The output did not exist when this run began: unless another has made it since, it is this run's.
            if (args.singleFile()) outFs.delete(parts, true);
            else if (!(e instanceof FileAlreadyExistsException)) outFs.delete(output, true);
            throw e;
        }
        return new Summary(counts.rows().value(), counts.failed().value(), counts.undecodable().value(),
                counts.truncated().value(), model.tokensRead());
    }

    /** The rows of {@link Summary}, counted by the tasks. */
    private record Counts(LongAccumulator rows, LongAccumulator failed, LongAccumulator undecodable,
                          LongAccumulator truncated) implements Serializable {}

    /** The model's labels and the tokens of a text it reads (--max-length, or its positions if fewer). */
    private record ModelReading(List<String> labels, int tokensRead) implements Serializable {}

    /** From an executor: the driver may have no access to the model directory. */
    private static ModelReading modelReading(JavaSparkContext sc, ScoringSettings settings) {
        return sc.parallelize(List.of(0), 1).map(x -> {
            Classifier classifier = SharedClassifiers.get(settings);
            return new ModelReading(new ArrayList<>(classifier.labels()), classifier.maxLength());
        }).first();
    }

    /**
     * What the input's first records say: a TSV or CSV header (the same in every file) and its text column, or the
     * fields of JSONL's first object.
     */
    private record Header(List<String> columns, int textIndex, List<String> jsonFields) {}

    private static Header header(Configuration conf, List<Path> files, Args args) throws IOException {
        if (args.format() == TableFormat.JSONL)
            return new Header(null, -1, firstObjectFields(conf, files, args.encoding()));
        boolean quoted = args.format() == TableFormat.CSV;
        List<String> columns = null;
        for (Path f : files) {
            RecordReader.Raw first;
            try (RecordReader records = InputRecords.records(conf, f, quoted)) {
                first = records.next();
            }
            if (first == null) throw new IOException(f + " is empty; it needs a header row");
            List<String> h = args.format().split(ScoreRows.header(first.bytes(), args.encoding(), f));
            if (columns == null) columns = h;
            else if (!columns.equals(h)) throw new IOException(f + " has the columns " + h + " but " + files.getFirst() + " has " + columns);
        }
        return new Header(columns, ScoreRows.textColumnIndex(columns, args.textColumn(), "the input"), null);
    }

    private static ScoreRows layout(Args args, Header header, List<String> labels) {
        if (args.format() == TableFormat.JSONL)
            return new ScoreRows(args.format(), null, -1, args.textColumn(), labels,
                    header.jsonFields(), args.encoding().name());
        return new ScoreRows(args.format(), header.columns(), header.textIndex(), null, labels, header.columns(),
                args.encoding().name());
    }

    /**
     * The fields of the first JSON object of the files in path order, as raccoon score takes them from its one file:
     * they decide whether the columns get a prefix (an empty first file, as a former job leaves, decides nothing).
     */
    private static List<String> firstObjectFields(Configuration conf, List<Path> files, Charset encoding) throws IOException {
        for (Path f : files) {
            try (RecordReader records = InputRecords.records(conf, f, false)) {
                List<String> names = ScoreRows.firstObjectFields(records, encoding, f);
                if (names != null) return names;
            }
        }
        return List.of();
    }

    private static List<Tuple2<Long, String>> score(ScoreRows layout, ScoringSettings settings,
                                                    List<Tuple2<InputRecords.Record, Long>> chunk, Counts counts) {
        List<ScoreRows.Parsed> parsed = new ArrayList<>(chunk.size());
        List<String> texts = new ArrayList<>(chunk.size());
        for (Tuple2<InputRecords.Record, Long> r : chunk) {
            ScoreRows.Parsed p = layout.parse(r._1().bytes(), r._1().line());
            parsed.add(p);
            texts.add(p.text());
        }
        List<Answers.Answer> scores = Scores.classify(settings, texts);
        ScoreColumns columns = new ScoreColumns(layout.labels(), layout.inputFields());
        List<Tuple2<Long, String>> out = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            ScoreRows.Parsed p = parsed.get(i);
            if (p.text() == null) counts.failed().add(1);
            if (p.undecodable()) counts.undecodable().add(1);
            Answers.Answer s = scores.get(i);
            if (s != null && s.truncated()) counts.truncated().add(1);
            out.add(new Tuple2<>(chunk.get(i)._2(), s == null ? layout.line(p, null, false, columns)
                    : layout.line(p, s.prediction(), s.truncated(), columns)));
        }
        counts.rows().add(chunk.size());
        return out;
    }

    /** Each partition's lines after the header (TSV/CSV), so that every part file reads as a table of its own. */
    private static JavaRDD<String> withHeader(JavaRDD<String> lines, String header) {
        if (header == null) return lines;
        return lines.mapPartitions(part -> new Iterator<>() {
            private boolean headerDone;

            @Override
            public boolean hasNext() {
                return !headerDone || part.hasNext();
            }

            @Override
            public String next() {
                if (headerDone) return part.next();
                headerDone = true;
                return header;
            }
        }, true);
    }
}
