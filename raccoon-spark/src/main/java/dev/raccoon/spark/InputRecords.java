package dev.raccoon.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Records of the input files, split as BatchScorer's reader splits them: at {@code \n} (for CSV only outside double
 * quotes), a trailing {@code \r} dropped, as raw bytes so that each record's UTF-8 is checked on its own. TSV and
 * JSONL files are split across tasks at line boundaries; a CSV file is read by one task, since where its records
 * start depends on every quote before them (repartition to spread the scoring).
 */
final class InputRecords {
    private InputRecords() {}

    /** TextInputFormat that never splits a file. */
    public static final class WholeFiles extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return false;
        }
    }

    /** The files of a file, directory or glob, in path order (hidden and {@code _}-prefixed files skipped). */
    static List<Path> files(Configuration conf, String input) throws IOException {
        Path path = new Path(input);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matched = fs.globStatus(path);
        if (matched == null || matched.length == 0) throw new IOException("no input at " + input);
        List<Path> files = new ArrayList<>();
        for (FileStatus s : matched) {
            FileStatus[] children = s.isDirectory() ? fs.listStatus(s.getPath()) : new FileStatus[] {s};
            for (FileStatus c : children) {
                String name = c.getPath().getName();
                if (c.isFile() && !name.startsWith("_") && !name.startsWith(".")) files.add(c.getPath());
            }
        }
        if (files.isEmpty()) throw new IOException("no input files at " + input);
        files.sort(Comparator.comparing(Path::toString));
        return files;
    }

    /** The first {@code n} records of a file (fewer if it has fewer), read on the driver. */
    static List<byte[]> head(Configuration conf, Path file, boolean quoted, int n) throws IOException {
        List<byte[]> records = new ArrayList<>();
        try (InputStream in = new java.io.BufferedInputStream(file.getFileSystem(conf).open(file), 1 << 16)) {
            ByteArrayOutputStream record = new ByteArrayOutputStream();
            boolean inQuotes = false;
            for (int b = in.read(); records.size() < n; b = in.read()) {
                if (b == -1 || (b == '\n' && !inQuotes)) {
                    if (b == -1 && record.size() == 0) break;
                    records.add(stripCr(record.toByteArray()));
                    record.reset();
                    if (b == -1) break;
                    continue;
                }
                if (quoted && b == '"') inQuotes = !inQuotes;
                record.write(b);
            }
        }
        return records;
    }

    /**
     * The data records of {@code files} in file and line order; with {@code header} the first record of each file is
     * left out.
     */
    static JavaRDD<byte[]> read(JavaSparkContext sc, List<Path> files, boolean quoted, boolean header) throws IOException {
        Job job = Job.getInstance(sc.hadoopConfiguration());
        FileInputFormat.setInputPaths(job, files.toArray(Path[]::new));
        if (job.getConfiguration().get(FileInputFormat.SPLIT_MAXSIZE) == null) {
            // Splits as large as a filesystem block would leave most cores idle on a file of a few blocks or less:
            // scoring costs far more per byte than reading (64 KiB is about 600 reviews, a second or more of
            // ELECTRA-small on one core), so split the input over the cores, down to 64 KiB.
            long bytes = 0;
            for (Path f : files) bytes += f.getFileSystem(job.getConfiguration()).getFileStatus(f).getLen();
            long perCore = bytes / Math.max(1, sc.defaultParallelism()) + 1;
            FileInputFormat.setMaxInputSplitSize(job, Math.min(128L << 20, Math.max(64L << 10, perCore)));
        }
        // Only \n ends a line, as in BatchScorer; Hadoop's default also ends lines at a lone \r.
        job.getConfiguration().set("textinputformat.record.delimiter", "\n");
        Class<? extends TextInputFormat> format = quoted ? WholeFiles.class : TextInputFormat.class;
        return sc.newAPIHadoopRDD(job.getConfiguration(), format, LongWritable.class, Text.class)
                .mapPartitions(lines -> new Records(lines, quoted, header));
    }

    /**
     * Copies lines out of Hadoop's reused Text objects; for CSV joins lines while a quote is open. A record starting
     * at byte 0 is the first of its file.
     */
    private static final class Records implements Iterator<byte[]> {
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private final boolean quoted, header;
        private byte[] next;

        Records(Iterator<Tuple2<LongWritable, Text>> lines, boolean quoted, boolean header) {
            this.lines = lines;
            this.quoted = quoted;
            this.header = header;
        }

        @Override
        public boolean hasNext() {
            while (next == null && lines.hasNext()) {
                Tuple2<LongWritable, Text> first = lines.next();
                long start = first._1().get();
                ByteArrayOutputStream record = new ByteArrayOutputStream(first._2().getLength() + 16);
                record.write(first._2().getBytes(), 0, first._2().getLength());
                int quotes = quoted ? quotes(first._2()) : 0;
                while (quotes % 2 == 1 && lines.hasNext()) {
                    Text more = lines.next()._2();
                    record.write('\n');
                    record.write(more.getBytes(), 0, more.getLength());
                    quotes += quotes(more);
                }
                if (!(header && start == 0)) next = stripCr(record.toByteArray());
            }
            return next != null;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) throw new NoSuchElementException();
            byte[] r = next;
            next = null;
            return r;
        }

        private static int quotes(Text t) {
            int n = 0;
            byte[] b = t.getBytes();
            for (int i = 0; i < t.getLength(); i++) if (b[i] == '"') n++;
            return n;
        }
    }

    private static byte[] stripCr(byte[] record) {
        int n = record.length;
        return n > 0 && record[n - 1] == '\r' ? Arrays.copyOf(record, n - 1) : record;
    }
}
