package dev.raccoon.spark;

import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ML Transformer and the SQL UDF, against the Classifier called directly. */
class SentimentTransformerTest {
    /** 201 words: more tokens than the 128 the model reads. */
    private static final String LONG = "정말 ".repeat(200) + "재밌어요";
    private static final List<String> TEXTS = Arrays.asList("영화 정말 재밌어요", null, "시간 아깝다", "", "   ",
            "배우들 연기가 좋았어요", "스토리가 엉망", "ㅋㅋㅋ 최고", "다시 보고 싶다", "별로였다", LONG);
    private static SparkSession spark;
    private static Classifier classifier;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.session();
        classifier = Classifier.load(TestSpark.oracleModel(), ScoringSettings.of("x").options());
    }

    private static Dataset<Row> reviews() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) rows.add(RowFactory.create(i, TEXTS.get(i)));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("document", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(3);
    }

    private static void assertScored(String text, String label, Float probability, Map<String, Float> probabilities,
                                     Boolean truncated) {
        if (text == null || text.isBlank()) {
            assertThat(label).isNull();
            assertThat(probability).isNull();
            assertThat(probabilities).isNull();
            assertThat(truncated).isNull();
            return;
        }
        assertThat(truncated).as(text).isEqualTo(text.equals(LONG));
        Prediction p = classifier.classify(text);
        assertThat(label).isEqualTo(p.label());
        assertThat(probability).isEqualTo(p.probability());
        assertThat(probabilities).containsExactly(Map.entry("LABEL_0", p.probabilities()[0]), Map.entry("LABEL_1", p.probabilities()[1]));
    }

    @Test
    void addsLabelAndProbabilitiesAndNullsForMissingTexts() {
        SentimentTransformer t = new SentimentTransformer().setModelDir(TestSpark.oracleModel().toString())
                .setInputCol("document").setBatchSize(4);
        Dataset<Row> scored = new Pipeline().setStages(new PipelineStage[] {t}).fit(reviews()).transform(reviews());
        assertThat(scored.schema().fieldNames())
                .containsExactly("id", "document", "sentiment", "sentiment_probability", "sentiment_probabilities",
                        "sentiment_truncated");
        List<Row> rows = scored.orderBy("id").collectAsList();
        assertThat(rows).hasSize(TEXTS.size());
        for (Row r : rows) {
            assertThat(r.<String>getAs("document")).isEqualTo(TEXTS.get(r.<Integer>getAs("id")));
            assertScored(r.getAs("document"), r.getAs("sentiment"), r.getAs("sentiment_probability"),
                    r.isNullAt(4) ? null : r.getJavaMap(4), r.getAs("sentiment_truncated"));
        }
    }

    @Test
    void checksColumnsBeforeRunning() {
        SentimentTransformer t = new SentimentTransformer().setModelDir("unused");
        assertThatThrownBy(() -> t.transformSchema(reviews().schema())).hasMessageContaining("no column 'text'");
        assertThatThrownBy(() -> t.setInputCol("id").transformSchema(reviews().schema())).hasMessageContaining("not string");
        assertThatThrownBy(() -> t.setInputCol("document").setLabelCol("id").transformSchema(reviews().schema()))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> t.setLabelCol("x").setProbabilityCol("x").transformSchema(reviews().schema()))
                .hasMessage("output column 'x' is named for two outputs; give each its own name");
        t.setLabelCol("sentiment").setProbabilityCol("sentiment_probability");
        assertThat(t.copy(new org.apache.spark.ml.param.ParamMap()).settings()).isEqualTo(t.settings());
        assertThat(t.settings().truncation()).isEqualTo(dev.raccoon.text.Truncation.HEAD_AND_TAIL);
        assertThat(t.setTruncation("head").settings().truncation()).isEqualTo(dev.raccoon.text.Truncation.HEAD);
        assertThatThrownBy(() -> t.setTruncation("tail").settings()).hasMessageContaining("unknown truncation 'tail'");
    }

    @Test
    void zeroThreadsIsAllCoresAsInTheJob() {
        SentimentTransformer t = new SentimentTransformer().setModelDir("unused").setThreads(0);
        assertThat(t.settings()).isEqualTo(ScoringSettings.of("unused").withThreads(0));
        assertThatThrownBy(() -> t.setThreads(-1)).hasMessageContaining("invalid value -1");
    }

    @Test
    void sparkMdNamesTheOutputColumns() throws IOException {
        Path doc = Path.of(System.getProperty("raccoon.root", "..")).resolve("docs/SPARK.md");
        String row = Files.readAllLines(doc).stream().filter(l -> l.startsWith("| `dev.raccoon.spark.SentimentTransformer`"))
                .findFirst().orElseThrow();
        SentimentTransformer t = new SentimentTransformer();
        for (Param<String> column : List.of(t.labelCol(), t.probabilityCol(), t.probabilitiesCol(), t.truncatedCol()))
            assertThat(row).contains("`" + t.getOrDefault(column) + "`");
    }

    @Test
    void udfScoresInSql() {
        SentimentUdf.register(spark, "sentiment", TestSpark.oracleModel().toString());
        reviews().createOrReplaceTempView("reviews");
        List<Row> rows = spark.sql("SELECT id, document, sentiment(document) AS s FROM reviews ORDER BY id").collectAsList();
        assertThat(rows).hasSize(TEXTS.size());
        for (Row r : rows) {
            Row s = r.isNullAt(2) ? null : r.getStruct(2);
            assertScored(r.getString(1), s == null ? null : s.getString(0), s == null ? null : s.<Float>getAs(1),
                    s == null ? null : s.getJavaMap(2), s == null ? null : s.<Boolean>getAs("truncated"));
        }
        List<String> labels = spark.sql("SELECT sentiment(document).label FROM reviews WHERE id = 0").as(Encoders.STRING()).collectAsList();
        assertThat(labels).containsExactly(classifier.classify(TEXTS.getFirst()).label());
        assertThatThrownBy(() -> spark.sql("SELECT sentiment(id) FROM reviews").collectAsList()).rootCause()
                .hasMessage("sentiment(...) takes a string column, not Integer: cast it, as in sentiment(CAST(column AS STRING))");
    }

    /**
     * Spark holds strings as UTF-8, which has no unpaired surrogate: it makes one a '?' as the DataFrame is built, so
     * the Transformer scores that, where the job and raccoon score, reading the input's bytes, say "text not valid
     * Unicode" (SPARK.md).
     */
    @Test
    void anUnpairedSurrogateReachesTheTransformerAsAQuestionMark() {
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("\uD800 broken")), new StructType().add("text", DataTypes.StringType));
        Row r = new SentimentTransformer().setModelDir(TestSpark.oracleModel().toString()).transform(df).first();
        assertThat(r.getString(0)).isEqualTo("? broken");
        assertThat(r.<String>getAs("sentiment")).isEqualTo(classifier.classify("? broken").label());
    }
}
