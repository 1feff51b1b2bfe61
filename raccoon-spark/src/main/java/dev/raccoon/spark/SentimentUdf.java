package dev.raccoon.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Collections;
import java.util.List;

/**
 * Sentiment as a SQL function: {@code SELECT s.label, s.probability FROM (SELECT sentiment(document) AS s FROM t)}.
 * It returns a struct of {@code label}, {@code probability}, {@code probabilities} (label to probability) and
 * {@code truncated} (the text has more tokens than the model reads; only its first quarter and its end were classified), or null for a
 * null or blank text. Its argument must be a string column. A UDF sees one row at a time, so every text is its own forward pass of batch 1;
 * for large tables use {@link SentimentTransformer}, which scores partitions in batches.
 */
public final class SentimentUdf {
    public static final StructType RESULT = DataTypes.createStructType(List.of(
            DataTypes.createStructField("label", DataTypes.StringType, true),
            DataTypes.createStructField("probability", DataTypes.FloatType, true),
            DataTypes.createStructField("probabilities", Scores.PROBABILITIES, true),
            DataTypes.createStructField("truncated", DataTypes.BooleanType, true)));

    private SentimentUdf() {}

    public static void register(SparkSession spark, String name, String modelDir) {
        register(spark, name, ScoringSettings.of(modelDir));
    }

    public static void register(SparkSession spark, String name, ScoringSettings settings) {
        // Registered from Java, the function has no input types that Spark could check or cast to: its argument is
        // checked here, or a number column would fail with a bare ClassCastException
        UDF1<Object, Row> udf = value -> {
            if (value != null && !(value instanceof String))
                throw new IllegalArgumentException(name + "(...) takes a string column, not " + value.getClass().getSimpleName()
                        + ": cast it, as in " + name + "(CAST(column AS STRING))");
            return Scores.struct(Scores.classify(settings, Collections.singletonList((String) value)).getFirst());
        };
        spark.udf().register(name, udf, RESULT);
    }
}
