package dev.raccoon.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.TextEncodings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batch scoring: one output row per input row, in order, bad rows kept with an error, and resuming. */
class BatchScorerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BatchScorer scorer = new BatchScorer(Oracle.classifier());
    @TempDir
    Path dir;

    private static final List<String> REVIEWS = List.of("영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요",
            "스토리가 엉망", "ㅋㅋㅋ 최고", "다시 보고 싶다", "별로였다", "음악이 좋네요", "지루함", "강력 추천합니다",
            "돈 아까움", "그럭저럭");

    /** An NSMC-like TSV (id, document, label) with a row of too few fields, broken UTF-8 and a blank text. */
    private Path nsmcTsv() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("id\tdocument\tlabel\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < REVIEWS.size(); i++) {
            String row = switch (i) {
                case 3 -> "3\t0";                  // missing a field
                case 6 -> "6\t \t1";               // blank text
                default -> i + "\t" + REVIEWS.get(i) + "\t" + (i % 2);
            };
            b.writeBytes(row.getBytes(StandardCharsets.UTF_8));
            b.write('\n');
        }
        b.writeBytes("12\t깨진".getBytes(StandardCharsets.UTF_8));
        b.write(0xC3);
        b.writeBytes("\t0\n".getBytes(StandardCharsets.UTF_8));
        Path in = dir.resolve("ratings.txt");
        Files.write(in, b.toByteArray());
        return in;
    }

    @Test
    void tsvKeepsEveryRowInOrderWithPredictionsOrErrors() throws Exception {
        Path in = nsmcTsv(), out = dir.resolve("scored.tsv");
        AtomicLong progress = new AtomicLong();
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.TSV, null, 5), progress::addAndGet);
        assertThat(s).isEqualTo(new BatchScorer.Summary(0, 0, 10, 3, 1, 0));
        assertThat(progress.get()).isEqualTo(13);
        assertThat(BatchScorer.countRows(in, TableFormat.TSV)).isEqualTo(13);
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(14);
        assertThat(lines.getFirst()).isEqualTo(
                "id\tdocument\tlabel\tpred_label\tpred_probability\tpred_prob_LABEL_0\tpred_prob_LABEL_1\tpred_truncated\tpred_error");
        for (int i = 0; i < 13; i++) {
            String[] f = lines.get(i + 1).split("\t", -1);
            assertThat(f).hasSize(9);
            assertThat(f[0]).isEqualTo(Integer.toString(i));
            if (i == 3 || i == 6 || i == 12) {
                assertThat(f[3]).isEmpty();
                assertThat(f[7]).isEmpty();
                assertThat(f[8]).startsWith("line " + (i + 2) + ":"); // the line of the file, after the header
            } else {
                Prediction p = Oracle.classifier().classify(REVIEWS.get(i));
                assertThat(f[1]).isEqualTo(REVIEWS.get(i));
                assertThat(f[3]).isEqualTo(p.label());
                assertThat(Float.parseFloat(f[4])).isCloseTo(p.probability(), org.assertj.core.api.Assertions.within(1e-5f));
                assertThat(f[7]).isEqualTo("false");
                assertThat(f[8]).isEmpty();
            }
        }
        assertThat(lines.get(4)).endsWith("fields, but the header has 3");
        assertThat(lines.get(7)).endsWith("empty text");
        assertThat(lines.get(13)).endsWith("not valid UTF-8");
    }

    @Test
    void cp949InputIsScoredIntoUtf8Output() throws Exception {
        Charset cp949 = TextEncodings.named("CP949");
        Path in = dir.resolve("excel.csv"), out = dir.resolve("scored.csv");
        // 똠 is one of the syllables only CP949 (not EUC-KR) encodes; 0x80 starts no CP949 character.
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("번호,리뷰\n1,\"좋다, 정말\"\n2,똠방각하 지루함\n3,깨진".getBytes(cp949));
        b.write(0x80);
        b.write('\n');
        Files.write(in, b.toByteArray());
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, null, 2), n -> {}))
                .hasMessage(in + ": the header row is not valid UTF-8; a file saved by Excel on Korean Windows is CP949: pass --encoding cp949");
        assertThat(out).doesNotExist();
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, "리뷰", 2, cp949), n -> {});
        assertThat(s).isEqualTo(new BatchScorer.Summary(0, 0, 2, 1, 1, 0));
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        // UTF-8 with a byte-order mark: Excel, which saved it in CP949, opens it with its Hangul intact
        assertThat(lines.getFirst()).isEqualTo("\uFEFF번호,리뷰,label,probability,prob_LABEL_0,prob_LABEL_1,truncated,error");
        assertThat(lines.get(1)).startsWith("1,\"좋다, 정말\"," + Oracle.classifier().classify("좋다, 정말").label() + ",");
        assertThat(lines.get(2)).startsWith("2,똠방각하 지루함," + Oracle.classifier().classify("똠방각하 지루함").label() + ",");
        assertThat(lines.get(3)).startsWith("3,").endsWith(",,,,,line 4: not valid CP949");
    }

    @Test
    void csvQuotedFieldsSurviveAndTheTextColumnCanBeNamed() throws Exception {
        Path in = dir.resolve("in.csv"), out = dir.resolve("out.csv");
        Files.writeString(in, "n,review\n1,\"좋다, 정말 \"\"최고\"\"\"\n2,\"두 줄\n리뷰\"\n3,\"닫히지 않은\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, "review", 2), n -> {});
        List<List<String>> rows = new ArrayList<>();
        try (RecordReader r = new RecordReader(Files.newInputStream(out), true)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next())
                rows.add(TableFormat.CSV.split(new String(raw.bytes(), StandardCharsets.UTF_8)));
        }
        assertThat(rows.getFirst()).containsExactly("n", "review", "label", "probability", "prob_LABEL_0", "prob_LABEL_1", "truncated", "error");
        assertThat(rows).hasSize(4);
        assertThat(rows.get(1).get(1)).isEqualTo("좋다, 정말 \"최고\"");
        assertThat(rows.get(1).get(2)).isEqualTo(Oracle.classifier().classify("좋다, 정말 \"최고\"").label());
        assertThat(rows.get(2).get(1)).isEqualTo("두 줄\n리뷰");
        assertThat(rows.get(3).get(7)).startsWith("line 5:"); // the unclosed quote runs to the end of the file
        // text after a closing quote on the same line is kept, as Python's csv and eval keep it; after a field over
        // two lines only spaces may follow
        assertThat(TableFormat.CSV.split("1,\"인용\"뒤 텍스트,0")).containsExactly("1", "인용뒤 텍스트", "0");
        assertThat(TableFormat.CSV.split("2,\"두 줄\n리뷰\" ,0")).containsExactly("2", "두 줄\n리뷰 ", "0");
        assertThatThrownBy(() -> TableFormat.CSV.split("3,\"열린\n배우 \"연기\" 최고,1")).hasMessageContaining("text after a closing quote");
    }

    /** A stray quote or a row with more fields than the header loses nothing: every row after it is scored. */
    @Test
    void aStrayQuoteOrAnExtraFieldLosesNoRow() throws Exception {
        Path in = dir.resolve("stray.csv"), out = dir.resolve("stray-scored.csv");
        StringBuilder csv = new StringBuilder("n,review\n1,좋아요\n2,\"그냥 별로\n3,정말,덤\n");
        for (int i = 4; i <= 1500; i++) csv.append(i).append(",리뷰 ").append(i).append('\n');
        Files.writeString(in, csv);
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, "review", 64), n -> {});
        assertThat(s.scored()).isEqualTo(1498);
        assertThat(s.failed()).isEqualTo(2);
        List<List<String>> rows = new ArrayList<>();
        try (RecordReader r = new RecordReader(Files.newInputStream(out), true)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next())
                rows.add(TableFormat.CSV.split(new String(raw.bytes(), StandardCharsets.UTF_8)));
        }
        assertThat(rows).hasSize(1501);
        assertThat(rows.get(2).get(0)).isEqualTo("2,\"그냥 별로"); // the stray quote's line, whole
        assertThat(rows.get(2).get(7)).startsWith("line 3:");
        assertThat(rows.get(3).get(0)).isEqualTo("3,정말,덤"); // too many fields: the row, whole, in the first column
        assertThat(rows.get(3).get(7)).isEqualTo("line 4: 3 fields, but the header has 2");
        assertThat(rows.get(1500).subList(0, 2)).containsExactly("1500", "리뷰 1500");

        Path folder = Files.createDirectories(dir.resolve("folder"));
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(in, folder, TableFormat.CSV, "review", 64), n -> {}))
                .hasMessage(folder + " is a directory, not a file to write the scores to");
    }

    /**
     * A stray quote whose field a later review's quotes seem to close costs its own line, as eval and train read it,
     * and a partial output of such a file resumes row for row.
     */
    @Test
    void aStrayQuoteClosedByALaterReviewsQuoteCostsItsOwnLineAndResumes() throws Exception {
        Path in = dir.resolve("stray.csv"), out = dir.resolve("stray-scored.csv");
        // line 2's quote never closes; line 3's quotes close it with text after them, line 4 has a quote of its own
        Files.writeString(in, "text,label\n\"좋아요 정말,1\n그냥 \"보통\" 이에요,1\n재미 \"없다,0\n최고의 영화,1\n");
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, null, 2), n -> {});
        assertThat(s.scored()).isEqualTo(3);
        assertThat(s.failed()).isEqualTo(1);
        byte[] expected = Files.readAllBytes(out);
        List<List<String>> rows = new ArrayList<>();
        try (RecordReader r = new RecordReader(Files.newInputStream(out), true)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next())
                rows.add(TableFormat.CSV.split(new String(raw.bytes(), StandardCharsets.UTF_8)));
        }
        assertThat(rows).hasSize(5);
        assertThat(rows.get(1).get(0)).isEqualTo("\"좋아요 정말,1"); // the stray quote's line, whole
        assertThat(rows.get(1).getLast()).isEqualTo("line 2: a quoted field is not closed");
        for (int row = 2; row <= 4; row++) assertThat(rows.get(row).getLast()).as("row %d", row).isEmpty();
        assertThat(rows.get(2).subList(0, 3)).containsExactly("그냥 \"보통\" 이에요", "1",
                Oracle.classifier().classify("그냥 \"보통\" 이에요").label());
        assertThat(rows.get(3).subList(0, 3)).containsExactly("재미 \"없다", "0", Oracle.classifier().classify("재미 \"없다").label());

        List<Integer> lineEnds = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) if (expected[i] == '\n') lineEnds.add(i + 1);
        for (int k = 1; k <= 3; k++) { // killed in the middle of the row after the header and k rows
            Path partial = dir.resolve("partial" + k + ".csv");
            Files.write(partial, Arrays.copyOf(expected, lineEnds.get(k) + 5));
            List<String> told = new ArrayList<>();
            BatchScorer.Summary resumed = scorer.score(new BatchScorer.Job(in, partial, TableFormat.CSV, null, 2), new BatchScorer.Progress() {
                @Override
                public void resumed(long rows) {
                    told.add("resumed " + rows);
                }

                @Override
                public void written(long rows) {
                    told.add("written " + rows);
                }
            });
            assertThat(resumed.resumed()).isEqualTo(k);
            assertThat(told.getFirst()).as("before any row of this run").isEqualTo("resumed " + k);
            assertThat(told.stream().skip(1).mapToLong(t -> Long.parseLong(t.substring("written ".length()))).sum())
                    .as("only this run's rows").isEqualTo(4 - k);
            assertThat(resumed.resumedFailed()).isEqualTo(1);
            assertThat(Files.readAllBytes(partial)).as("resumed after %d rows", k).isEqualTo(expected);
        }
    }

    /** The bytes with every \n made {@code lineBreak}. */
    private static byte[] withLineBreaks(byte[] lf, String lineBreak) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte x : lf) {
            if (x == '\n') b.writeBytes(lineBreak.getBytes(StandardCharsets.US_ASCII));
            else b.write(x);
        }
        return b.toByteArray();
    }

    /**
     * A file whose lines end in a lone \r (classic Mac programs, some exporters) or in \r\n is scored as its \n twin
     * is, quoted CSV fields over several lines too, and its partial output resumes row for row.
     */
    @Test
    void crOnlyAndCrLfLineEndsAreReadAsLfLineEndsAre() throws Exception {
        Path lfTsv = nsmcTsv(), lfCsv = dir.resolve("lf.csv");
        Files.writeString(lfCsv, "n,review\n1,\"두 줄\n리뷰\"\n2,좋다\n3,\"닫히지 않은\n4,최고\n");
        for (String lineBreak : List.of("\r", "\r\n")) {
            for (Path lf : List.of(lfTsv, lfCsv)) {
                TableFormat format = lf == lfCsv ? TableFormat.CSV : TableFormat.TSV;
                Path in = dir.resolve("in" + lineBreak.length() + lf.getFileName());
                Files.write(in, withLineBreaks(Files.readAllBytes(lf), lineBreak));
                Path expected = dir.resolve("expected-" + lf.getFileName()), out = dir.resolve("out" + lineBreak.length() + lf.getFileName());
                scorer.score(new BatchScorer.Job(lf, expected, format, null, 3), n -> {});
                BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, format, null, 3), n -> {});
                assertThat(Files.readAllBytes(out)).as("%s with %s", lf.getFileName(), lineBreak.length() == 1 ? "CR" : "CRLF")
                        .isEqualTo(Files.readAllBytes(expected));
                assertThat(s.scored() + s.failed()).isEqualTo(BatchScorer.countRows(lf, format)).isGreaterThan(1);

                byte[] whole = Files.readAllBytes(out);
                long secondRowEnd;
                try (RecordReader r = new RecordReader(Files.newInputStream(out), format == TableFormat.CSV)) {
                    for (int records = 0; records < 3; records++) r.next(); // the header and two rows
                    secondRowEnd = r.completeEnd();
                }
                Path partial = dir.resolve("partial" + lineBreak.length() + lf.getFileName());
                Files.write(partial, Arrays.copyOf(whole, (int) secondRowEnd + 4)); // killed in the middle of the third row
                assertThat(scorer.score(new BatchScorer.Job(in, partial, format, null, 3), n -> {}).resumed()).isEqualTo(2);
                assertThat(Files.readAllBytes(partial)).isEqualTo(whole);
            }
        }
    }

    /** A record's end is where the next line starts, whatever line break ends it: a partial output is cut there. */
    @Test
    void aRecordEndsAfterItsLineBreakWhicheverItIs() throws Exception {
        byte[] csv = "h,t\r\n1,\"a\rb\"\r\n2,\"c\n3,d\re".getBytes(StandardCharsets.US_ASCII);
        List<String> records = new ArrayList<>();
        try (RecordReader r = new RecordReader(new java.io.ByteArrayInputStream(csv), true)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next())
                records.add(raw.start() + ":" + new String(raw.bytes(), StandardCharsets.US_ASCII) + ":" + r.completeEnd());
        }
        // the quoted field's line break is read as \n; the stray quote's line is a record of its own
        assertThat(records).containsExactly("0:h,t:5", "5:1,\"a\nb\":14", "14:2,\"c:19", "19:3,d:23", "23:e:23");
    }

    /**
     * A bad row is named by the line of the file it starts on, as eval names it, not by its count of data rows: after
     * the header and quoted fields over several lines the two differ, and resuming keeps the names.
     */
    @Test
    void badRowsAreNamedByTheLineTheyStartOn() throws Exception {
        Path in = dir.resolve("lines.csv"), out = dir.resolve("lines-scored.csv");
        // row 1 takes lines 2-4, row 3 lines 6-7; row 4's quote never closes, row 5 has a field too many
        Files.writeString(in, "id,review\n1,\"세 줄\n짜리\n리뷰\"\n2,좋다\n3,\"두 줄\n리뷰\"\n4,\"닫히지 않은\n5,최고,덤\n6,\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, null, 2), n -> {});
        byte[] whole = Files.readAllBytes(out);
        List<String> errors = new ArrayList<>();
        try (RecordReader r = new RecordReader(Files.newInputStream(out), true)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next())
                errors.add(TableFormat.CSV.split(new String(raw.bytes(), StandardCharsets.UTF_8)).getLast());
        }
        assertThat(errors.subList(1, errors.size())).containsExactly("", "", "", "line 8: a quoted field is not closed",
                "line 9: 3 fields, but the header has 2", "line 10: empty text");

        Path tsv = Files.writeString(dir.resolve("lines.tsv"), "id\ttext\n1\t좋다\n2\t\n3\t별로\t덤\n");
        Path tsvOut = dir.resolve("lines-scored.tsv");
        scorer.score(new BatchScorer.Job(tsv, tsvOut, TableFormat.TSV, null, 2), n -> {});
        assertThat(Files.readAllLines(tsvOut).subList(2, 4)).satisfiesExactly(
                l -> assertThat(l).endsWith("\tline 3: empty text"), l -> assertThat(l).endsWith("\tline 4: 3 fields, but the header has 2"));

        Path partial = dir.resolve("lines-partial.csv");
        Files.write(partial, Arrays.copyOf(whole, whole.length - 30)); // killed in the middle of the last rows
        scorer.score(new BatchScorer.Job(in, partial, TableFormat.CSV, null, 2), n -> {});
        assertThat(Files.readAllBytes(partial)).isEqualTo(whole);
    }

    /** UTF-16 (Notepad's "Unicode") and twice-gzipped files are named for what they are: another --encoding would fail again. */
    @Test
    void dataThatIsNoTextIsNamedForWhatItIs() throws Exception {
        byte[] tsv = "id\tdocument\n1\t좋아요\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream utf16 = new ByteArrayOutputStream();
        utf16.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
        utf16.writeBytes("id\tdocument\n1\t좋아요\n".getBytes(StandardCharsets.UTF_16LE));
        Path unicode = Files.write(dir.resolve("unicode.tsv"), utf16.toByteArray()), out = dir.resolve("out.tsv");
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(unicode, out, TableFormat.TSV, null, 2), n -> {}))
                .hasMessage(unicode + ": the header row is not valid UTF-8; it is UTF-16 (what Notepad calls Unicode): save it as UTF-8");
        Path noMark = Files.write(dir.resolve("nomark.tsv"), "id\tdocument\n1\t좋아요\n".getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(noMark, out, TableFormat.TSV, null, 2), n -> {})).hasMessage(noMark
                + ": its header holds NUL characters, as a file saved as UTF-16 without a byte-order mark does: save it as UTF-8");
        Path twice = Files.write(dir.resolve("twice.tsv.gz"), gzip(gzip(tsv)));
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(twice, out, TableFormat.TSV, null, 2), n -> {}))
                .hasMessage(twice + ": the header row is not valid UTF-8; it is gzipped twice: gunzip it once");
        Path jsonl = Files.write(dir.resolve("twice.jsonl.gz"), gzip(gzip("{\"text\": \"좋아요\"}\n".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(jsonl, dir.resolve("out.jsonl"), TableFormat.JSONL, null, 2), n -> {}))
                .hasMessage(jsonl + ": line 1 is not valid UTF-8; it is gzipped twice: gunzip it once");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("out.jsonl")).doesNotExist();
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(b)) {
            gz.write(data);
        }
        return b.toByteArray();
    }

    /** Excel's "CSV UTF-8" and Windows editors start a file with a byte-order mark; it is no part of the first column's name. */
    @Test
    void aByteOrderMarkIsNotPartOfTheFirstColumnOrLine() throws Exception {
        Path csv = dir.resolve("excel.csv"), csvOut = dir.resolve("excel-scored.csv");
        Files.writeString(csv, "\uFEFFdocument,label\n영화 정말 재밌어요,1\n");
        scorer.score(new BatchScorer.Job(csv, csvOut, TableFormat.CSV, null, 2), n -> {});
        List<String> rows = Files.readAllLines(csvOut);
        // the mark goes back out, so Excel reads the scores as UTF-8 too, and a resumed run keeps the one it wrote
        assertThat(rows.getFirst()).isEqualTo("\uFEFFdocument,label,pred_label,pred_probability,pred_prob_LABEL_0,pred_prob_LABEL_1,pred_truncated,pred_error");
        assertThat(rows.get(1)).startsWith("영화 정말 재밌어요,1," + Oracle.classifier().classify("영화 정말 재밌어요").label() + ",");
        assertThat(scorer.score(new BatchScorer.Job(csv, csvOut, TableFormat.CSV, null, 2), n -> {}).resumed()).isEqualTo(1);
        assertThat(Files.readAllLines(csvOut)).isEqualTo(rows);

        Path jsonl = dir.resolve("bom.jsonl"), jsonlOut = dir.resolve("bom-scored.jsonl");
        // The first object's fields decide the prefix: its gold label must make the scores pred_label.
        Files.writeString(jsonl, "\uFEFF{\"text\": \"시간 아깝다\", \"label\": 0}\n{\"text\": \"좋아요\"}\n");
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(jsonl, jsonlOut, TableFormat.JSONL, null, 2), n -> {});
        assertThat(s.failed()).isZero();
        JsonNode first = JSON.readTree(Files.readAllLines(jsonlOut).getFirst());
        assertThat(first.get("label").asInt()).isZero();
        assertThat(first.get("pred_label").asText()).isEqualTo(Oracle.classifier().classify("시간 아깝다").label());

        Path bomOnly = dir.resolve("bom-only.tsv");
        Files.writeString(bomOnly, "\uFEFF");
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(bomOnly, dir.resolve("x.tsv"), TableFormat.TSV, null, 2), n -> {}))
                .hasMessage(bomOnly + ": the header row is empty; it needs the column names");
    }

    @Test
    void jsonlTextIsLookedUpInEachObjectAndANumberIsItsDigits() throws Exception {
        Path in = dir.resolve("mixed.jsonl"), out = dir.resolve("mixed-out.jsonl");
        Files.writeString(in, "{\"document\": \"시간 아깝다\"}\n{\"review\": 10, \"text\": \"최고\"}\n{\"review\": 10}\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        List<String> lines = Files.readAllLines(out);
        assertThat(JSON.readTree(lines.get(0)).get("label").asText()).isEqualTo(Oracle.classifier().classify("시간 아깝다").label());
        assertThat(JSON.readTree(lines.get(1)).get("label").asText()).isEqualTo(Oracle.classifier().classify("최고").label());
        assertThat(JSON.readTree(lines.get(2)).get("label").asText()).isEqualTo(Oracle.classifier().classify("10").label());
        for (String line : lines) assertThat(JSON.readTree(line).get("error").isNull()).as(line).isTrue();
    }

    /** More after a line's object is refused as eval, tokenize and the server refuse it, not dropped unseen. */
    @Test
    void jsonlLineWithMoreAfterItsObjectIsABadLine() throws Exception {
        Path in = dir.resolve("trail.jsonl"), out = dir.resolve("trail-out.jsonl");
        Files.writeString(in, "{\"text\": \"좋아\"} {\"text\": \"싫어\"}\n{\"text\": \"최고\"}, garbage\n{\"text\": \"최고\"}  \n");
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        assertThat(s.scored()).isEqualTo(1);
        assertThat(s.failed()).isEqualTo(2);
        List<String> lines = Files.readAllLines(out);
        assertThat(JSON.readTree(lines.get(0)).get("error").asText()).isEqualTo("line 1: not valid JSON (more follows the JSON value)");
        assertThat(JSON.readTree(lines.get(0)).get(ScoreRows.INPUT_FIELD).asText()).isEqualTo("{\"text\": \"좋아\"} {\"text\": \"싫어\"}");
        assertThat(JSON.readTree(lines.get(1)).get("error").asText()).startsWith("line 2: not valid JSON (");
        assertThat(JSON.readTree(lines.get(2)).get("error").isNull()).isTrue(); // spaces after the object are no data
    }

    /** A key given twice makes the row ambiguous and is named; one inside a nested value is no field of the row. */
    @Test
    void jsonlKeysGivenTwice() throws Exception {
        Path in = dir.resolve("twice.jsonl"), out = dir.resolve("twice-out.jsonl");
        Files.writeString(in, "{\"text\": \"좋아\", \"text\": \"싫어\"}\n{\"text\": \"좋아\", \"meta\": {\"a\": 1, \"a\": 2}}\n");
        BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 2), n -> {});
        assertThat(s.scored()).isEqualTo(1);
        List<String> lines = Files.readAllLines(out);
        assertThat(JSON.readTree(lines.get(0)).get("error").asText()).isEqualTo("line 1: not valid JSON (Duplicate field 'text')");
        assertThat(JSON.readTree(lines.get(1)).get("error").isNull()).isTrue();
    }

    @Test
    void jsonlBadLinesKeepTheirPlace() throws Exception {
        Path in = dir.resolve("in.jsonl"), out = dir.resolve("out.jsonl");
        Files.writeString(in, String.join("\n", "{\"id\": 1, \"text\": \"영화 정말 재밌어요\"}", "{not json", "[1, 2]",
                "{\"id\": 4}", "{\"id\": 5, \"text\": [7]}", "", "{\"id\": 7, \"text\": \"시간 아깝다\", \"label\": 0}",
                "{\"id\": 8, \"text\": \"반쪽 \\ud800\"}") + "\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(8);
        JsonNode first = JSON.readTree(lines.getFirst());
        assertThat(first.get("id").asInt()).isEqualTo(1);
        assertThat(first.get("label").asText()).isEqualTo(Oracle.classifier().classify("영화 정말 재밌어요").label());
        assertThat(first.get("prob_LABEL_0").floatValue() + first.get("prob_LABEL_1").floatValue()).isCloseTo(1f,
                org.assertj.core.api.Assertions.within(1e-5f));
        assertThat(first.get("error").isNull()).isTrue();
        assertThat(JSON.readTree(lines.get(1)).get("error").asText()).contains("line 2").contains("not valid JSON");
        assertThat(JSON.readTree(lines.get(2)).get("error").asText()).contains("not a JSON object");
        // what is no JSON object comes back whole, not as an empty object
        assertThat(JSON.readTree(lines.get(1)).get(ScoreRows.INPUT_FIELD).asText()).isEqualTo("{not json");
        assertThat(JSON.readTree(lines.get(2)).get(ScoreRows.INPUT_FIELD).asText()).isEqualTo("[1, 2]");
        assertThat(JSON.readTree(lines.get(3)).get("error").asText()).contains("none of the fields [text, document");
        assertThat(JSON.readTree(lines.get(4)).get("error").asText()).contains("not a string");
        assertThat(JSON.readTree(lines.get(5)).get("error").asText()).contains("empty line");
        JsonNode last = JSON.readTree(lines.get(6));
        assertThat(last.get("label").asInt()).isZero(); // the input's own label stays as it was
        assertThat(last.get("error").isNull()).isTrue();
        assertThat(JSON.readTree(lines.get(7)).get("error").asText()).isEqualTo("line 8: text not valid Unicode: an unpaired surrogate \\ud800 at character 4");

        // Resumed after the broken lines, the output is the same, and the errors already written are counted.
        byte[] complete = Files.readAllBytes(out);
        Files.writeString(out, String.join("\n", lines.subList(0, 6)) + "\n");
        BatchScorer.Summary resumed = scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(resumed.resumed()).isEqualTo(6);
        assertThat(resumed.resumedFailed()).isEqualTo(5);
    }

    @Test
    void jsonlUnpairedSurrogateEscapesComeBackAsTheyCameIn() throws Exception {
        Path in = dir.resolve("surrogates.jsonl"), out = dir.resolve("surrogates-out.jsonl");
        List<String> input = List.of("{\"id\":\"x\\ud800y\",\"text\":\"좋은 영화\",\"meta\":{\"note\":\"\\udfff\"}}",
                "{\"id\":\"b\",\"text\":\"좋다 \\ud800 영화\"}", "{\"id\":\"\\ud83d\\ude0d\",\"text\":\"별로\"}");
        Files.writeString(in, String.join("\n", input) + "\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).startsWith("{\"id\":\"x\\ud800y\",\"text\":\"좋은 영화\",\"meta\":{\"note\":\"\\udfff\"},");
        assertThat(JSON.readTree(lines.get(0)).get("error").isNull()).isTrue();
        assertThat(lines.get(1)).startsWith("{\"id\":\"b\",\"text\":\"좋다 \\ud800 영화\",")
                .contains("\"error\":\"line 2: text not valid Unicode: an unpaired surrogate \\\\ud800 at character 4\"");
        assertThat(lines.get(2)).as("a pair is one character, written as UTF-8").startsWith("{\"id\":\"\uD83D\uDE0D\",");

        // The rows read back as they went in, so a resumed run takes the whole output as written.
        byte[] complete = Files.readAllBytes(out);
        BatchScorer.Summary resumed = scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 3), n -> {});
        assertThat(resumed.resumed()).isEqualTo(3);
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
    }

    @Test
    void jsonlNumbersComeBackAsWritten() throws Exception {
        Path in = dir.resolve("numbers.jsonl"), out = dir.resolve("numbers-out.jsonl");
        String fields = "{\"price\":1.50,\"id\":12345678901234567.891,\"n\":10,\"big\":123456789012345678901234567890";
        Files.writeString(in, fields + ",\"text\":\"좋은 영화\"}\n");
        scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 1), n -> {});
        assertThat(Files.readAllLines(out).getFirst()).as("not 1.5 and a double's 1.2345678901234568E16")
                .startsWith(fields + ",\"text\":\"좋은 영화\",");
    }

    @Test
    void resumingAfterAKillLosesAndRepeatsNoRow() throws Exception {
        Path in = nsmcTsv(), complete = dir.resolve("complete.tsv");
        scorer.score(new BatchScorer.Job(in, complete, TableFormat.TSV, null, 4), n -> {});
        byte[] expected = Files.readAllBytes(complete);
        List<Integer> lineEnds = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) if (expected[i] == '\n') lineEnds.add(i + 1);
        // Killed after the header and k whole rows, in the middle of the next row (or of the header itself).
        for (int k : new int[]{-1, 0, 1, 5, 12, 13}) {
            Path out = dir.resolve("partial" + k + ".tsv");
            int cut = k < 0 ? 10 : k == 13 ? expected.length : lineEnds.get(k) + 7;
            Files.write(out, Arrays.copyOf(expected, cut));
            AtomicLong progress = new AtomicLong();
            BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.TSV, null, 4), progress::addAndGet);
            assertThat(Files.readAllBytes(out)).as("resumed after %d rows", k).isEqualTo(expected);
            assertThat(s.resumed()).isEqualTo(Math.max(0, k));
            // Rows 4, 7 and 13 fail (a missing field, a blank text, broken UTF-8), whichever run wrote them.
            assertThat(s.resumedFailed()).isEqualTo(java.util.stream.IntStream.of(4, 7, 13).filter(r -> r <= k).count());
            assertThat(s.resumed() + s.scored() + s.failed()).isEqualTo(13);
            assertThat(progress.get()).as("this run's rows").isEqualTo(13 - Math.max(0, k));
        }
    }

    /** A kill while a row whose quoted field spans lines was being written leaves lines that make no row: cut, not refused. */
    @Test
    void resumingACsvCutInsideARowOfSeveralLines() throws Exception {
        Path in = dir.resolve("multi.csv"), complete = dir.resolve("multi-complete.csv");
        Files.writeString(in, "id,document,label\r\n1,\"좋아\r\n정말\r\n좋아\",1\r\n2,\"싫어,0\r\n3,괜찮아,1\r\n");
        scorer.score(new BatchScorer.Job(in, complete, TableFormat.CSV, null, 1), n -> {});
        byte[] expected = Files.readAllBytes(complete);
        String written = new String(expected, StandardCharsets.UTF_8);
        int header = written.indexOf('\n') + 1, rowOne = written.indexOf("\n\"2,") + 1; // row 2 is an error row, quoted whole
        // inside row 1's quoted field, after its closing quote, and at the row boundary
        for (int cut : new int[] {header + 8, written.indexOf("\",1") + 2, rowOne}) {
            int bytes = written.substring(0, cut).getBytes(StandardCharsets.UTF_8).length;
            Path out = dir.resolve("multi-partial-" + cut + ".csv");
            Files.write(out, Arrays.copyOf(expected, bytes));
            BatchScorer.Summary s = scorer.score(new BatchScorer.Job(in, out, TableFormat.CSV, null, 1), n -> {});
            assertThat(Files.readAllBytes(out)).as("cut at character %d", cut).isEqualTo(expected);
            assertThat(s.resumed()).isEqualTo(cut == rowOne ? 1 : 0);
        }
    }

    @Test
    void resumingWithAnotherReadingOfLongTextsIsRefused() throws Exception {
        Path in = dir.resolve("long.jsonl");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 12; i++)
            s.append(JSON.writeValueAsString(java.util.Map.of("text", "처음에는 지루했는데 중간부터 조금 나아졌고 배우들 연기는 "
                    + "그럭저럭 괜찮았지만 결말은 " + (i % 2 == 0 ? "정말 최악이었다" : "꽤 좋았다")))).append('\n');
        Files.writeString(in, s);
        Path dirModel = Oracle.classifier().directory();
        try (Classifier headTail = Classifier.load(dirModel, Classifier.Options.defaults().withMaxLength(8));
             Classifier head = Classifier.load(dirModel, Classifier.Options.defaults().withMaxLength(8)
                     .withTruncation(dev.raccoon.text.Truncation.HEAD))) {
            Path complete = dir.resolve("complete-ht.jsonl");
            new BatchScorer(headTail).score(new BatchScorer.Job(in, complete, TableFormat.JSONL, null, 4), n -> {});
            byte[] expected = Files.readAllBytes(complete);
            Path out = dir.resolve("partial-ht.jsonl");
            byte[] half = Arrays.copyOf(expected, expected.length / 2);
            Files.write(out, half);
            assertThatThrownBy(() -> new BatchScorer(head).score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 4), n -> {}))
                    .hasMessageContaining("the earlier run had another model, --max-length or --truncation");
            assertThat(Files.readAllBytes(out)).as("left as it was").isEqualTo(half);
            new BatchScorer(headTail).score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 4), n -> {});
            assertThat(Files.readAllBytes(out)).as("the same settings go on").isEqualTo(expected);
        }
    }

    @Test
    void resumingJsonlAndRefusingAForeignOutput() throws Exception {
        Path in = dir.resolve("in.jsonl"), complete = dir.resolve("complete.jsonl");
        StringBuilder s = new StringBuilder();
        for (String r : REVIEWS) s.append(JSON.writeValueAsString(java.util.Map.of("text", r))).append('\n');
        Files.writeString(in, s);
        scorer.score(new BatchScorer.Job(in, complete, TableFormat.JSONL, null, 5), n -> {});
        byte[] expected = Files.readAllBytes(complete);
        Path out = dir.resolve("partial.jsonl");
        Files.write(out, Arrays.copyOf(expected, expected.length / 2));
        scorer.score(new BatchScorer.Job(in, out, TableFormat.JSONL, null, 5), n -> {});
        assertThat(Files.readAllBytes(out)).isEqualTo(expected);

        // Another input of the same length, or the same one read in another encoding: refused, not continued.
        Path other = dir.resolve("other.jsonl");
        Files.writeString(other, s.toString().replace("시간 아깝다", "시간 아까웠다"));
        byte[] half = Arrays.copyOf(expected, expected.length / 2);
        Files.write(out, half);
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(other, out, TableFormat.JSONL, null, 5), n -> {}))
                .hasMessageContaining("line 2 does not hold " + other);
        assertThat(Files.readAllBytes(out)).as("refused, its unfinished last line too is left as it was").isEqualTo(half);
        Path tsvOut = dir.resolve("latin.tsv");
        scorer.score(new BatchScorer.Job(nsmcTsv(), tsvOut, TableFormat.TSV, null, 5), n -> {});
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(nsmcTsv(), tsvOut, TableFormat.TSV, null, 5,
                java.nio.charset.Charset.forName("x-windows-949")), n -> {}))
                .hasMessageContaining("with another --encoding");

        Path foreign = dir.resolve("foreign.tsv");
        Files.writeString(foreign, "a\tb\n1\t2\n");
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(nsmcTsv(), foreign, TableFormat.TSV, null, 5), n -> {}))
                .hasMessageContaining("other columns");
        // A file of one line without a line break is not taken for an interrupted run's and emptied.
        Files.writeString(foreign, "my notes");
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(nsmcTsv(), foreign, TableFormat.TSV, null, 5), n -> {}))
                .hasMessageContaining("other columns");
        assertThat(foreign).hasContent("my notes");
        Path foreignJsonl = dir.resolve("foreign.jsonl");
        Files.writeString(foreignJsonl, "{\"note\": \"mine\"}");
        assertThatThrownBy(() -> scorer.score(new BatchScorer.Job(in, foreignJsonl, TableFormat.JSONL, null, 5), n -> {}))
                .hasMessageContaining("holds a line without a line break that this run did not write");
        assertThat(foreignJsonl).hasContent("{\"note\": \"mine\"}");
    }
}
