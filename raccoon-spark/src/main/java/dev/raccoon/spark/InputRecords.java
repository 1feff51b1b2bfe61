package dev.raccoon.spark;

import dev.raccoon.serve.RecordReader;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.text.TextFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

/**
 * Records of the input files, split by BatchScorer's reader ({@link RecordReader}): at {@code \n}, {@code \r\n} or a
 * lone {@code \r} (for CSV only outside double quotes, a stray quote costing its own line only), as raw bytes so that
 * each record's UTF-8 is checked on its own; gzipped files (.gz) are read gunzipped, as Hadoop reads them.
 * TSV and JSONL files are split across tasks at line boundaries; a CSV file is read by one task, since where its
 * records start depends on every quote before them (repartition to spread the scoring).
 */
final class InputRecords {
    private InputRecords() {}

    private static final Pattern GLOB_CHARACTER = Pattern.compile("[\\\\\\[\\]{}*?]");

    /** TextInputFormat that never splits a file. */
    public static final class WholeFiles extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return false;
        }
    }

    /**
     * The files of a file, directory (with its subdirectories, as a partitioned layout such as {@code dt=2024-01-01/}
     * has them) or glob, in path order, without hidden and {@code _}-prefixed files and directories (a former job's
     * _SUCCESS, checksums, _temporary), which Hadoop's input formats skip; one named outright is refused by name.
     */
    static List<Path> files(Configuration conf, String input) throws IOException {
        Path path = new Path(input);
        FileSystem fs = path.getFileSystem(conf);
        // a path that exists is that file or directory, though its name hold a glob's characters (reviews[1].tsv)
        FileStatus[] matched = fs.exists(path) ? new FileStatus[] {fs.getFileStatus(path)} : fs.globStatus(path);
        if (matched == null || matched.length == 0) throw new IOException("no input at " + input);
        List<Path> files = new ArrayList<>();
        for (FileStatus s : matched) {
            if (s.isDirectory()) for (FileStatus c : fs.listStatus(s.getPath())) addVisibleFiles(fs, c, files);
            else addVisibleFiles(fs, s, files);
        }
        if (files.isEmpty() && matched.length == 1 && matched[0].isFile())
            throw new IOException(input + ": Hadoop reads no file whose name starts with _ or . (it takes them for a job's"
                    + " own files); rename it");
        if (files.isEmpty()) throw new IOException("no input files at " + input);
        files.sort(Comparator.comparing(Path::toString));
        for (Path f : files) requireGzipAsNamed(fs, f);
        return files;
    }

    /**
     * Hadoop gunzips a file by its name (.gz), raccoon score by its first bytes ({@link TextFiles#startsAsGzip}): a file
     * where the two disagree would be read as gzip data that is none, or as text that is gzip data, so it is refused
     * with the name that works.
     */
    private static void requireGzipAsNamed(FileSystem fs, Path file) throws IOException {
        byte[] start;
        try (InputStream in = fs.open(file)) {
            start = in.readNBytes(2);
        }
        if (start.length == 0) return; // an empty file reads as no records either way
        boolean named = gzipNamed(file), gzip = TextFiles.startsAsGzip(start);
        if (gzip && !named)
            throw new IOException(file + " is gzipped, but Hadoop gunzips a file only when its name ends in .gz: rename it "
                    + file.getName() + ".gz");
        if (named && !gzip)
            throw new IOException(file + " is not gzipped, but Hadoop takes a file named .gz for gzip data: rename it"
                    + " without .gz");
    }

    private static boolean gzipNamed(Path file) {
        return TableFormat.gzipped(java.nio.file.Path.of(file.getName()));
    }

    private static void addVisibleFiles(FileSystem fs, FileStatus s, List<Path> files) throws IOException {
        String name = s.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".")) return;
        if (s.isFile()) files.add(s.getPath());
        else if (s.isDirectory()) for (FileStatus c : fs.listStatus(s.getPath())) addVisibleFiles(fs, c, files);
    }

    /** The records of a file, read on the driver. */
    static RecordReader records(Configuration conf, Path file, boolean quoted) throws IOException {
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(file);
        InputStream raw = file.getFileSystem(conf).open(file);
        try {
            return new RecordReader(codec == null ? raw : codec.createInputStream(raw), quoted);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * A record's bytes, the line of its file it starts on (1-based, as raccoon score and eval name it) and the file's
     * place among the input files.
     */
    record Record(byte[] bytes, long line, int file) implements Serializable {
        /** Lines a file may have and still sort by {@link #order}: about 10^12. */
        private static final int LINE_BITS = 40;

        /** Where the record stands in the input, files in path order and lines in file order: the output's order. */
        long order() {
            return ((long) file << LINE_BITS) | line;
        }
    }

    /**
     * The data records of {@code files} in file and line order; with {@code header} the first record of each file is
     * left out.
     */
    static JavaRDD<Record> read(JavaSparkContext sc, List<Path> files, boolean quoted, boolean header) throws IOException {
        Job job = Job.getInstance(sc.hadoopConfiguration()); // given files, not directories: no recursive lookup needed
        // FileInputFormat takes each input path for a glob: escaped, a name such as reviews[1].tsv matches itself
        FileInputFormat.setInputPaths(job, files.stream().map(f -> new Path(GLOB_CHARACTER.matcher(f.toString())
                .replaceAll("\\\\$0"))).toArray(Path[]::new));
        if (job.getConfiguration().get(FileInputFormat.SPLIT_MAXSIZE) == null) {
            // Splits as large as a filesystem block would leave most cores idle on a file of a few blocks or less:
            // scoring costs far more per byte than reading (64 KiB is about 600 reviews, a second or more of
            // ELECTRA-small on one core), so split the input over the cores, down to 64 KiB.
            long bytes = 0;
            for (Path f : files) bytes += f.getFileSystem(job.getConfiguration()).getFileStatus(f).getLen();
            long perCore = bytes / Math.max(1, sc.defaultParallelism()) + 1;
            FileInputFormat.setMaxInputSplitSize(job, Math.min(128L << 20, Math.max(64L << 10, perCore)));
        }
        // Hadoop's default lines end where BatchScorer's do (ByteLines): at \n, \r\n or a lone \r; a delimiter set in
        // the Spark configuration would end them elsewhere
        job.getConfiguration().unset("textinputformat.record.delimiter");
        Class<? extends TextInputFormat> format = quoted ? WholeFiles.class : TextInputFormat.class;
        JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>)
                sc.newAPIHadoopRDD(job.getConfiguration(), format, LongWritable.class, Text.class);
        Map<Split, SplitStart> starts = starts(lines);
        return lines.mapPartitionsWithInputSplit((split, part) -> new Records(((FileSplit) split).getPath(), part, quoted,
                header, starts.get(Split.of((FileSplit) split))), true);
    }

    /** A split by its file and the byte it starts at. */
    private record Split(String file, long start) implements Serializable {
        static Split of(FileSplit split) {
            return new Split(split.getPath().toString(), split.getStart());
        }
    }

    /** A split's lines, as counted. */
    private record SplitLines(Split split, long lines) implements Serializable {}

    /** The place of a split's file among the input files (in path order), and its first line's number in that file. */
    private record SplitStart(int file, long firstLine) implements Serializable {}

    /**
     * Where each split starts. A task reads its split only, so the lines of the splits before it in its file are
     * counted first, in a pass over the input of its own; with the files' order, this also orders the output.
     */
    private static Map<Split, SplitStart> starts(JavaNewHadoopRDD<LongWritable, Text> lines) {
        List<SplitLines> counts = new ArrayList<>(lines.mapPartitionsWithInputSplit((split, part) -> {
            FileSplit f = (FileSplit) split;
            long n = 0;
            while (nextLine(part, f.getPath()) != null) n++;
            return List.of(new SplitLines(Split.of(f), n)).iterator();
        }, true).collect());
        counts.sort(Comparator.comparing((SplitLines c) -> c.split().file()).thenComparingLong(c -> c.split().start()));
        Map<Split, SplitStart> starts = new HashMap<>();
        String file = null;
        int files = -1;
        long line = 1;
        for (SplitLines c : counts) {
            if (!c.split().file().equals(file)) {
                file = c.split().file();
                files++;
                line = 1;
            }
            starts.put(c.split(), new SplitStart(files, line));
            line += c.lines();
        }
        return starts;
    }

    /** Hadoop's next line of {@code file}, or null at the end of the split; a gzip file that breaks off is named. */
    private static Tuple2<LongWritable, Text> nextLine(Iterator<Tuple2<LongWritable, Text>> lines, Path file) throws IOException {
        try {
            return lines.hasNext() ? lines.next() : null;
        } catch (Exception e) { // Hadoop's reader throws its IOExceptions undeclared
            // Hadoop's gunzipping says how the data ended ("Unexpected end of input stream") but not where
            if (gzipNamed(file) && e instanceof IOException broken) throw TextFiles.notCompleteGzip(file, broken);
            throw e;
        }
    }

    /**
     * Hadoop's lines of {@code file} as {@link RecordReader} records, copied out of its reused Text objects; a record
     * starting at byte 0 is the first of its file, and the split's first line is {@code start}'s.
     */
    private static final class Records implements Iterator<Record> {
        private final RecordReader records;
        private final boolean header;
        private final SplitStart start;
        private Record next;

        Records(Path file, Iterator<Tuple2<LongWritable, Text>> lines, boolean quoted, boolean header, SplitStart start) {
            this.records = new RecordReader(() -> {
                Tuple2<LongWritable, Text> t = nextLine(lines, file);
                return t == null ? null : new RecordReader.Line(t._1().get(), Arrays.copyOf(t._2().getBytes(), t._2().getLength()), true);
            }, quoted);
            this.header = header;
            this.start = start;
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    RecordReader.Raw r = records.next();
                    if (r == null) return false;
                    if (!(header && r.start() == 0)) next = new Record(r.bytes(), start.firstLine() - 1 + r.line(), start.file());
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e); // Hadoop's failure to read the file (a broken gzip file, named)
            }
        }

        @Override
        public Record next() {
            if (!hasNext()) throw new NoSuchElementException();
            Record r = next;
            next = null;
            return r;
        }
    }
}
