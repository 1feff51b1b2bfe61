package dev.raccoon.train.data;

import dev.raccoon.text.TextEncodings;
import dev.raccoon.train.data.DataSummary.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExampleReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void readsNsmcKeepingQuotesAndCountsBadRowsWithLineNumbers() throws IOException {
        Path file = write("nsmc.tsv", utf8("""
                id\tdocument\tlabel
                1\t\"""\"""\"""그래서 뭐?\"""\""" 지루한 스토리\"""\t0
                2\t최고의 영화!\t1
                3\t\t1
                4\t재밌다\t2
                5\t라벨 없음
                """), new byte[] {'6', '\t', (byte) 0xED, (byte) 0xA0, '\t', '1', '\n'}, utf8("\r\n7\t윈도 줄끝\t0\r\n"));
        ExampleReader.Loaded loaded = ExampleReader.load(file, DataSpec.of(DataFormat.NSMC, Labels.BINARY));

        assertThat(loaded.examples()).containsExactly(
                Example.classified("\"\"\"\"\"\"\"\"\"그래서 뭐?\"\"\"\"\"\" 지루한 스토리\"\"\"", null, 0),
                Example.classified("최고의 영화!", null, 1),
                Example.classified("윈도 줄끝", null, 0));
        DataSummary s = loaded.summary();
        assertThat(s.rowsRead()).isEqualTo(8);
        assertThat(s.rowsUsed()).isEqualTo(3);
        assertThat(s.rowsSkipped()).isEqualTo(5);
        assertThat(s.skipped()).containsOnlyKeys(Reason.EMPTY_TEXT, Reason.UNKNOWN_LABEL, Reason.WRONG_COLUMNS,
                Reason.UNDECODABLE, Reason.BLANK_LINE);
        assertThat(s.lines(Reason.EMPTY_TEXT)).containsExactly(4L);
        assertThat(s.lines(Reason.UNKNOWN_LABEL)).containsExactly(5L);
        assertThat(s.lines(Reason.WRONG_COLUMNS)).containsExactly(6L);
        assertThat(s.lines(Reason.UNDECODABLE)).containsExactly(7L);
        assertThat(s.lines(Reason.BLANK_LINE)).containsExactly(8L);
        assertThat(s.firstDetail(Reason.UNKNOWN_LABEL)).isEqualTo("line 5: label '2' is not one of negative, positive");
        assertThat(s.toString()).startsWith(file + ": 8 rows read, 3 used, 5 skipped: ")
                .contains("empty text (1 row, line 4)")
                .contains("unknown label (1 row, line 5: label '2' is not one of negative, positive)")
                .contains("undecodable text (1 row, line 7: not valid UTF-8; a file saved by Excel on Korean Windows is CP949: pass --encoding cp949)");
    }

    @Test
    void readsCp949AndEucKrFilesWhenTold() throws IOException {
        String tsv = "id\tdocument\tlabel\n1\t배우들 연기가 좋았어요, \"최고\"\t1\n2\t똠방각하 지루함\t0\n";
        Path cp949 = write("excel.tsv", tsv.getBytes("x-windows-949"));
        DataSpec spec = new DataSpec(DataFormat.NSMC, null, null, null, Labels.BINARY, TextEncodings.named("CP949"));
        assertThat(ExampleReader.load(cp949, spec).examples()).containsExactly(
                Example.classified("배우들 연기가 좋았어요, \"최고\"", null, 1), Example.classified("똠방각하 지루함", null, 0));
        // Read as UTF-8 (the default), every Korean row is refused with the hint; the ASCII header still reads.
        ExampleReader.Loaded asUtf8 = ExampleReader.load(cp949, DataSpec.of(DataFormat.NSMC, Labels.BINARY));
        assertThat(asUtf8.examples()).isEmpty();
        assertThat(asUtf8.summary().lines(Reason.UNDECODABLE)).containsExactly(2L, 3L);
        // EUC-KR lacks 똠 (CP949 has it), so that row is undecodable there and named by its line.
        String eucKr = "text,label\n\"좋아요, 정말\",positive\n";
        Path csv = write("euc.csv", eucKr.getBytes("EUC-KR"), "똠,negative\n".getBytes("x-windows-949"));
        ExampleReader.Loaded loaded = ExampleReader.load(csv,
                new DataSpec(DataFormat.CSV, null, null, null, Labels.BINARY, TextEncodings.named("euc-kr")));
        assertThat(loaded.examples()).containsExactly(Example.classified("좋아요, 정말", null, 1));
        assertThat(loaded.summary().firstDetail(Reason.UNDECODABLE)).isEqualTo("line 3: not valid EUC-KR");
        // A JSON array is one value: text that does not decode ends it with an error.
        DataSpec jsonCp949 = new DataSpec(DataFormat.JSONL, null, null, null, Labels.BINARY, TextEncodings.named("CP949"));
        Path json = write("rows.jsonl", "[{\"text\": \"재밌다\", \"label\": 1}]".getBytes("x-windows-949"));
        assertThat(ExampleReader.load(json, jsonCp949).examples()).containsExactly(Example.classified("재밌다", null, 1));
        Path broken = write("broken.jsonl", utf8("[{\"text\": \"ok\", \"label\": 1},\n"), new byte[] {'{', '"', (byte) 0x80, '"', '}', ']'});
        assertThatThrownBy(() -> ExampleReader.load(broken, jsonCp949)).isInstanceOf(IOException.class)
                .hasMessage(broken + ": not valid CP949");
    }

    /** Excel's "Unicode Text" and Notepad's "Unicode" (UTF-16 with a byte-order mark) as the text's bytes would be. */
    static byte[] unicodeText(String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
        b.writeBytes(text.getBytes(StandardCharsets.UTF_16LE));
        return b.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    /** UTF-16 and twice-gzipped data are named for what they are: another --encoding would fail again. */
    @Test
    void dataThatIsNoTextIsNamedForWhatItIs() throws IOException {
        String tsv = "id\tdocument\tlabel\n1\t좋아요\t1\n2\t별로\t0\n";
        DataSpec spec = DataSpec.of(DataFormat.NSMC, Labels.BINARY);
        Path utf16 = write("unicode.tsv", unicodeText(tsv));
        assertThatThrownBy(() -> ExampleReader.load(utf16, spec)).isInstanceOf(IOException.class).hasMessage(utf16
                + " line 1 (the header) is not valid UTF-8; it is UTF-16 (what Notepad calls Unicode): save it as UTF-8");
        Path twice = write("twice.tsv.gz", gzip(gzip(utf8(tsv))));
        assertThatThrownBy(() -> ExampleReader.load(twice, spec)).isInstanceOf(IOException.class)
                .hasMessage(twice + " line 1 (the header) is not valid UTF-8; it is gzipped twice: gunzip it once");
        // without its byte-order mark, UTF-16's ASCII header decodes as UTF-8 with a NUL after every letter
        Path noMark = write("nomark.tsv", tsv.getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> ExampleReader.load(noMark, spec)).isInstanceOf(IOException.class).hasMessage(noMark
                + ": its header holds NUL characters, as a file saved as UTF-16 without a byte-order mark does: save it as UTF-8");
        Path jsonl = write("unicode.jsonl", unicodeText("{\"text\": \"좋아요\", \"label\": 1}\n"));
        assertThat(ExampleReader.load(jsonl, DataSpec.of(DataFormat.JSONL, Labels.BINARY)).summary().firstDetail(Reason.UNDECODABLE))
                .isEqualTo("line 1: not valid UTF-8; it is UTF-16 (what Notepad calls Unicode): save it as UTF-8");
    }

    @Test
    void refusesEncodingsThatDoNotKeepAsciiStructure() {
        assertThatThrownBy(() -> new DataSpec(DataFormat.TSV, null, null, null, Labels.BINARY, StandardCharsets.UTF_16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-16").hasMessageContaining("iconv");
    }

    @Test
    void guessesReviews3Columns() throws IOException {
        Path file = write("reviews3.tsv", utf8("id\tdocument\trating\tlabel\n1\t그냥 그래요\t6\t1\n2\t별로\t2\t0\n3\t최고\t10\t2\n"));
        List<Example> examples = ExampleReader.load(file, DataSpec.of(DataFormat.TSV, Labels.THREE_CLASS)).examples();
        assertThat(examples).extracting(Example::label).containsExactly(1, 0, 2);
    }

    @Test
    void readsKorStsAsPairRegression() throws IOException {
        Path file = write("sts.tsv", utf8("""
                genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2
                main-captions\tMSRvid\t2012test\t0000\t5.000\t안전모를 가진 한 남자가 춤을 추고 있다.\t안전모를 쓴 한 남자가 춤을 추고 있다.
                main-captions\tMSRvid\t2012test\t0001\tn/a\t가\t나
                main-captions\tMSRvid\t2012test\t0002\t0.5\t가\t
                """));
        ExampleReader.Loaded loaded = ExampleReader.load(file, DataSpec.of(DataFormat.TSV, null));
        assertThat(loaded.examples()).containsExactly(
                Example.scored("안전모를 가진 한 남자가 춤을 추고 있다.", "안전모를 쓴 한 남자가 춤을 추고 있다.", 5f));
        assertThat(loaded.examples().getFirst().isRegression()).isTrue();
        assertThat(loaded.summary().lines(Reason.BAD_SCORE)).containsExactly(3L);
        assertThat(loaded.summary().lines(Reason.EMPTY_TEXT)).containsExactly(4L);
    }

    @Test
    void readsHateSpeechLabelsByName() throws IOException {
        Path file = write("hate.tsv", utf8("""
                comments\tcontain_gender_bias\tbias\thate
                송중기 시대극은 믿고본다.\tFalse\tnone\tnone
                지현우 나쁜놈\tFalse\tnone\toffensive
                알바쓰고많이만들면되지\tFalse\tnone\thate
                """));
        Labels labels = new Labels(List.of("none", "offensive", "hate"));
        assertThat(ExampleReader.load(file, DataSpec.of(DataFormat.TSV, labels)).examples())
                .extracting(Example::text, Example::label)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("송중기 시대극은 믿고본다.", 0),
                        org.assertj.core.groups.Tuple.tuple("지현우 나쁜놈", 1),
                        org.assertj.core.groups.Tuple.tuple("알바쓰고많이만들면되지", 2));
    }

    @Test
    void readsCsvWithQuotedDelimitersQuotesAndLineBreaks() throws IOException {
        Path file = write("data.csv", utf8("""
                text,label
                "좋다, 정말",positive
                "그는 ""최고""라고",1
                "두 줄
                리뷰",negative
                plain,0
                "끝나지 않는 인용,1
                """));
        ExampleReader.Loaded loaded = ExampleReader.load(file, DataSpec.of(DataFormat.CSV, Labels.BINARY));
        assertThat(loaded.examples()).containsExactly(
                Example.classified("좋다, 정말", null, 1),
                Example.classified("그는 \"최고\"라고", null, 1),
                Example.classified("두 줄\n리뷰", null, 0),
                Example.classified("plain", null, 0));
        assertThat(loaded.summary().lines(Reason.BAD_QUOTING)).containsExactly(7L);
    }

    /** Lines that end in a lone \r (classic Mac programs, some exporters) are lines, as \n and \r\n ones are. */
    @Test
    void crOnlyLineEndsReadAsLfOnesWithTheSameLineNumbers() throws IOException {
        String csv = "text,label\n\"두 줄\n리뷰\",negative\n좋다,1\n\n재밌다,2\n";
        String tsv = "id\tdocument\tlabel\n1\t최고의 영화!\t1\n2\t지루함\n3\t별로\t0\n";
        String jsonl = "{\"text\":\"좋다\",\"label\":1}\nnot json\n{\"text\":\"별로\",\"label\":0}\n";
        for (String[] file : new String[][] {{"data.csv", csv}, {"nsmc.tsv", tsv}, {"data.jsonl", jsonl}}) {
            DataSpec spec = DataSpec.of(DataFormat.ofExtension(Path.of(file[0])), Labels.BINARY);
            ExampleReader.Loaded lf = ExampleReader.load(write(file[0], utf8(file[1])), spec);
            Path crFile = write("cr-" + file[0], utf8(file[1].replace('\n', '\r')));
            ExampleReader.Loaded cr = ExampleReader.load(crFile, spec);
            assertThat(cr.examples()).as(file[0]).hasSizeGreaterThan(1).isEqualTo(lf.examples());
            assertThat(cr.summary().toString()).isEqualTo(lf.summary().toString().replace(dir.resolve(file[0]).toString(), crFile.toString()));
            assertThat(cr.summary().rowsSkipped()).isPositive();
        }
    }

    /** A stray quote costs its own line, never the rows after it. */
    @Test
    void aStrayQuoteLosesOnlyItsOwnLine() throws IOException {
        StringBuilder csv = new StringBuilder("id,text,label\n1,좋아요,1\n2,\"그냥 별로,0\n");
        for (int i = 0; i < 1500; i++) csv.append(i + 3).append(",리뷰 ").append(i).append(',').append(i % 2).append('\n');
        ExampleReader.Loaded loaded = ExampleReader.load(write("stray.csv", utf8(csv.toString())),
                DataSpec.of(DataFormat.CSV, Labels.BINARY));
        assertThat(loaded.examples()).hasSize(1501).startsWith(Example.classified("좋아요", null, 1))
                .endsWith(Example.classified("리뷰 1499", null, 1));
        assertThat(loaded.summary().lines(Reason.BAD_QUOTING)).containsExactly(3L);

        // A quote that closes in a later row which then has too many fields: the first line is blamed, the lines
        // after it are read again (a pairing that happens to fit the header reads as a field over several lines,
        // as RFC 4180 has it).
        Path paired = write("paired.csv", utf8("""
                text,label
                "열린 인용,1
                가운데 리뷰,0
                닫는 인용",1,덤
                끝,0
                """));
        ExampleReader.Loaded again = ExampleReader.load(paired, DataSpec.of(DataFormat.CSV, Labels.BINARY));
        assertThat(again.examples()).containsExactly(Example.classified("가운데 리뷰", null, 0),
                Example.classified("끝", null, 0));
        assertThat(again.summary().lines(Reason.BAD_QUOTING)).containsExactly(2L);
        assertThat(again.summary().lines(Reason.WRONG_COLUMNS)).containsExactly(4L);

        // ... or in a later review's own quotes, which then fits the header: a quote that closes before more text
        // on a later line is no field's end, and the rows it would swallow are read as rows
        Path quoting = write("quoting.csv", utf8("""
                text,label
                좋아요,1
                "최악의 영화,0
                지루하다,0
                돈 아깝다,0
                별로,0
                배우 "연기" 최고,1
                """));
        ExampleReader.Loaded quoted = ExampleReader.load(quoting, DataSpec.of(DataFormat.CSV, Labels.BINARY));
        assertThat(quoted.examples()).containsExactly(Example.classified("좋아요", null, 1), Example.classified("지루하다", null, 0),
                Example.classified("돈 아깝다", null, 0), Example.classified("별로", null, 0),
                Example.classified("배우 \"연기\" 최고", null, 1));
        assertThat(quoted.summary().lines(Reason.BAD_QUOTING)).containsExactly(3L);
        // a field over two lines closed before spaces is still a field, as in Python's csv
        Path spaced = write("spaced.csv", utf8("text,label\n\"두 줄\n리뷰\" ,0\n끝,1\n"));
        assertThat(ExampleReader.load(spaced, DataSpec.of(DataFormat.CSV, Labels.BINARY)).examples())
                .containsExactly(Example.classified("두 줄\n리뷰 ", null, 0), Example.classified("끝", null, 1));
        // within one line, text after a closing quote is kept, as Python's csv keeps it
        Path inline = write("inline.csv", utf8("text,label\n\"좋아\"요,1\n"));
        assertThat(ExampleReader.load(inline, DataSpec.of(DataFormat.CSV, Labels.BINARY)).examples())
                .containsExactly(Example.classified("좋아요", null, 1));
    }

    @Test
    void readsJsonLinesWithNamedColumns() throws IOException {
        Path file = write("data.jsonl", utf8("""
                {"q": "첫 문장", "a": "둘째 문장", "y": 1}
                not json
                [1, 2]
                {"q": "짝 없음", "y": 0}
                {"q": "라벨 문자열", "a": "b", "y": "negative"}
                {"q": "반쪽 \\ud800", "a": "b", "y": 1}
                {"q": "짝이 반쪽", "a": "\\udc00", "y": 1}
                {"q": "둘이 한 줄", "a": "b", "y": 1} {"q": "둘째 객체", "a": "b", "y": 0}
                {"q": "뒤에 쓰레기", "a": "b", "y": 1}, garbage
                {"q": "판다스 라벨", "a": "b", "y": 1.0}
                {"q": ["배열"], "a": "b", "y": 1}
                {"q": "객체 라벨", "a": "b", "y": {"v": 1}}
                """));
        DataSpec spec = new DataSpec(DataFormat.JSONL, "q", "a", "y", Labels.BINARY);
        ExampleReader.Loaded loaded = ExampleReader.load(file, spec);
        assertThat(loaded.examples()).containsExactly(
                Example.classified("첫 문장", "둘째 문장", 1), Example.classified("라벨 문자열", "b", 0),
                Example.classified("판다스 라벨", "b", 1));
        // more after a line's object (a second one, garbage) is a bad line, as tokenize, score and the server take it
        assertThat(loaded.summary().lines(Reason.BAD_JSON)).containsExactly(2L, 3L, 8L, 9L);
        Path twice = write("twice.jsonl", utf8("{\"q\": \"좋아\", \"q\": \"싫어\", \"y\": 1}\n{\"q\": \"중첩\", \"m\": {\"k\": 1, \"k\": 2}, \"y\": 1}\n"
                + "{\"m\": {\"k\": 1, \"k\": 2}, \"q\": \"둘 다\", \"y\": 0, \"y\": 1}\n"));
        ExampleReader.Loaded read = ExampleReader.load(twice, new DataSpec(DataFormat.JSONL, "q", null, "y", Labels.BINARY));
        assertThat(read.summary().firstDetail(Reason.BAD_JSON)).isEqualTo("line 1: Duplicate field 'q'");
        assertThat(read.summary().lines(Reason.BAD_JSON)).as("a row's own key given twice after a nested one").containsExactly(1L, 3L);
        assertThat(read.examples()).as("a nested key given twice is no field of the row").containsExactly(Example.classified("중첩", null, 1));
        Path twoObjects = write("two.jsonl", utf8("{\"q\": \"하나\", \"y\": 1} {\"q\": \"둘\", \"y\": 0}\n"));
        ExampleReader.Loaded two = ExampleReader.load(twoObjects, new DataSpec(DataFormat.JSONL, "q", null, "y", Labels.BINARY));
        assertThat(two.summary().firstDetail(Reason.BAD_JSON)).isEqualTo("line 1: more follows the JSON value");
        assertThat(loaded.summary().lines(Reason.MISSING_FIELD)).containsExactly(4L);
        // present but no value: said so, not "no text field"
        assertThat(loaded.summary().lines(Reason.NOT_A_VALUE)).containsExactly(11L, 12L);
        assertThat(loaded.summary().firstDetail(Reason.NOT_A_VALUE)).isEqualTo("line 11: \"q\" is an array, not a value");
        // A JSON escape can make a surrogate half that no UTF-8 file holds: the row is refused, not tokenized later.
        assertThat(loaded.summary().lines(Reason.UNDECODABLE)).containsExactly(6L, 7L);
    }

    @Test
    void mapsNsmcCrawlRatingsFromAJsonArray() throws IOException {
        Path file = write("10001.json", utf8("""
                [
                  {"review": "전체관람가는 아닌것 같아요", "date": "15.08.25", "rating": "10", "review_id": "10275182"},
                  {"review": "초반부는 좋다", "rating": "5"},
                  {"review": "별 감흥이 없네요", "rating": "1"},
                  {"review": "평점 이상", "rating": "11"},
                  {"review": "숫자 평점", "rating": 9},
                  {"review": "", "rating": "3"}
                ]
                """));
        ExampleReader.Loaded binary = ExampleReader.load(file, DataSpec.of(DataFormat.NSMC_JSON, Labels.BINARY));
        assertThat(binary.examples()).extracting(Example::label).containsExactly(1, 0, 1);
        DataSummary s = binary.summary();
        assertThat(s.rowsRead()).isEqualTo(6);
        assertThat(s.skipped()).containsEntry(Reason.NEUTRAL_SKIPPED, 1L).containsEntry(Reason.BAD_RATING, 1L)
                .containsEntry(Reason.EMPTY_TEXT, 1L);
        assertThat(s.lines(Reason.NEUTRAL_SKIPPED)).containsExactly(3L);
        assertThat(s.lines(Reason.BAD_RATING)).containsExactly(5L);

        ExampleReader.Loaded three = ExampleReader.load(file, DataSpec.of(DataFormat.NSMC_JSON, Labels.THREE_CLASS));
        assertThat(three.examples()).extracting(Example::label).containsExactly(2, 1, 0, 2);
    }

    @Test
    void mapsNsmcCrawlRatingsFromJsonLines() throws IOException {
        Path file = write("crawl.jsonl", utf8("{\"review\": \"좋아요\", \"rating\": \"9\"}\n{\"review\": \"싫어요\", \"rating\": \"4\"}\n"));
        assertThat(ExampleReader.load(file, DataSpec.of(DataFormat.NSMC_JSON, Labels.BINARY)).examples())
                .containsExactly(Example.classified("좋아요", null, 1), Example.classified("싫어요", null, 0));
    }

    @Test
    void jsonLinesNamedDotJsonAreToldHowToBeReadAsSuch() throws IOException {
        Path file = write("reviews.json", utf8("{\"text\": \"좋아요\", \"label\": 1}\n"));
        ExampleReader.Loaded loaded = ExampleReader.load(file, DataSpec.of(DataFormat.guess(file), Labels.BINARY));
        assertThat(loaded.examples()).isEmpty();
        assertThat(loaded.summary().firstDetail(Reason.MISSING_FIELD)).isEqualTo("line 1: no text field (review); a .json"
                + " file is read as NSMC's crawl (review, rating): give JSON lines the name .jsonl or --format jsonl");
    }

    @Test
    void aBrokenJsonArrayIsAnErrorWithItsLine() throws IOException {
        Path file = write("broken.json", utf8("[\n{\"review\": \"a\", \"rating\": \"10\"},\n{\"review\": \n"));
        try (ExampleReader reader = ExampleReader.open(file, DataSpec.of(DataFormat.NSMC_JSON, Labels.BINARY))) {
            assertThat(reader.next()).isEqualTo(Example.classified("a", null, 1));
            assertThatThrownBy(reader::next).isInstanceOf(IOException.class).hasMessageContaining(file + " line ")
                    .hasMessageContaining("not valid JSON");
        }
    }

    @Test
    void aMissingColumnIsAnErrorNamingTheFileAndColumns() throws IOException {
        Path file = write("odd.tsv", utf8("id\tbody\tlabel\n1\t좋다\t1\n"));
        assertThatThrownBy(() -> ExampleReader.open(file, DataSpec.of(DataFormat.NSMC, Labels.BINARY)))
                .isInstanceOf(IOException.class)
                .hasMessage(file + " has no text column (document); name one with --text-column (columns: id, body, label)");
        assertThatThrownBy(() -> ExampleReader.open(file, new DataSpec(DataFormat.TSV, "body", "other", null, Labels.BINARY)))
                .hasMessage(file + " has no column 'other' (columns: id, body, label)");
        assertThat(ExampleReader.load(file, new DataSpec(DataFormat.TSV, "body", null, null, Labels.BINARY)).examples())
                .containsExactly(Example.classified("좋다", null, 1));
    }

    @Test
    void streamsAndCountsBytes() throws IOException {
        StringBuilder s = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < 5000; i++) s.append(i).append("\t리뷰 ").append(i).append('\t').append(i % 2).append('\n');
        Path file = write("big.tsv", utf8(s.toString()));
        try (ExampleReader reader = ExampleReader.open(file, DataSpec.of(DataFormat.NSMC, Labels.BINARY))) {
            reader.next();
            assertThat(reader.bytesRead()).isLessThan(Files.size(file));
            int n = 1;
            while (reader.next() != null) n++;
            assertThat(n).isEqualTo(5000);
            assertThat(reader.bytesRead()).isEqualTo(Files.size(file));
        }
    }

    @Test
    void guessesFormatsFromFileNames() {
        assertThat(DataFormat.guess(Path.of("a.csv"))).isEqualTo(DataFormat.CSV);
        assertThat(DataFormat.guess(Path.of("a.JSONL"))).isEqualTo(DataFormat.JSONL);
        assertThat(DataFormat.guess(Path.of("10001.json"))).isEqualTo(DataFormat.NSMC_JSON);
        assertThat(DataFormat.guess(Path.of("dev.tsv"))).isEqualTo(DataFormat.TSV);
        // Gzipped files keep the format of the name before .gz (a .csv.gz was read as TSV).
        assertThat(DataFormat.guess(Path.of("a.csv.gz"))).isEqualTo(DataFormat.CSV);
        assertThat(DataFormat.guess(Path.of("a.jsonl.GZ"))).isEqualTo(DataFormat.JSONL);
        assertThat(DataFormat.guess(Path.of("dev.tsv.gz"))).isEqualTo(DataFormat.TSV);
        assertThat(DataFormat.named("nsmc-json")).isEqualTo(DataFormat.NSMC_JSON);
        assertThatThrownBy(() -> DataFormat.named("xml")).hasMessageContaining("unknown data format 'xml'");
    }

    /** A stray label is a typo to skip; a label on 1 % of the rows or more is a class the names lack. */
    @Test
    void labelsOutsideTheNamesAreStraysOrAnotherTask() throws IOException {
        StringBuilder rows = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < 200; i++) rows.append(i).append("\t리뷰 ").append(i).append('\t').append(i == 7 || i == 9 ? "2" : i % 2).append('\n');
        String twoStrays = rows.toString();
        Path typo = write("typo.tsv", utf8(twoStrays.replaceFirst("\n9\t리뷰 9\t2", "\n9\t리뷰 9\t1")));
        assertThat(ExampleReader.load(typo, DataSpec.of(DataFormat.NSMC, Labels.BINARY)).summary().labelMismatch(Labels.BINARY.names())).isNull();
        DataSummary s = ExampleReader.load(write("other.tsv", utf8(twoStrays)), DataSpec.of(DataFormat.NSMC, Labels.BINARY)).summary();
        assertThat(s.labelMismatch(Labels.BINARY.names())).endsWith("other.tsv: 2 rows have a label that is not one of "
                + "[negative, positive] (line 9: label '2' is not one of negative, positive)");
    }
}
