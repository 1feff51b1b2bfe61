package dev.raccoon.spark;

import dev.raccoon.api.Answers;
import dev.raccoon.text.Truncation;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Spark ML stage that adds sentiment columns for a text column: the label ({@code sentiment}), its probability
 * ({@code sentiment_probability}), every label's probability ({@code sentiment_probabilities}, a map from label to
 * probability) and whether the text was longer than the model reads ({@code sentiment_truncated}); prefixed so that
 * they do not clash with a gold {@code label} column, and renamed with {@link #setLabelCol} and the like. Each
 * executor loads the model once and scores its partitions in chunks of {@code batchSize × 32} rows; rows with a null
 * or blank text get nulls.
 *
 * <pre>{@code
 * Dataset<Row> scored = new SentimentTransformer().setModelDir("/models/nsmc").setInputCol("document").transform(df);
 * }</pre>
 */
public final class SentimentTransformer extends Transformer {
    private final String uid;
    private final Param<String> modelDir, inputCol, labelCol, probabilityCol, probabilitiesCol, truncatedCol, device,
            truncation;
    private final IntParam batchSize, maxLength, threads;

    public SentimentTransformer(String uid) {
        this.uid = uid; // before the params: they take their parent's uid
        modelDir = new Param<>(this, "modelDir",
                "model directory on every executor (shared path, or a name shipped with --files/--archives)");
        inputCol = new Param<>(this, "inputCol", "text column to score");
        labelCol = new Param<>(this, "labelCol", "output column: predicted label");
        probabilityCol = new Param<>(this, "probabilityCol", "output column: probability of the predicted label");
        probabilitiesCol = new Param<>(this, "probabilitiesCol", "output column: map of every label to its probability");
        truncatedCol = new Param<>(this, "truncatedCol",
                "output column: whether the text has more tokens than maxLength, so only part of it was classified");
        device = new Param<>(this, "device", "cpu or scalar");
        batchSize = new IntParam(this, "batchSize", "texts per forward pass", ParamValidators.gtEq(1));
        maxLength = new IntParam(this, "maxLength", "tokens per text; longer texts are truncated", ParamValidators.gtEq(3));
        truncation = new Param<>(this, "truncation",
                "which tokens of a text longer than maxLength are read: head-tail (its first quarter and its end) or head");
        threads = new IntParam(this, "threads",
                "CPU threads of the executor's one model, shared by its concurrent tasks; 0: all the executor's cores"
                        + " (see docs/SPARK.md)",
                ParamValidators.gtEq(0));
        ScoringSettings d = ScoringSettings.of("unset");
        setDefault(inputCol, "text");
        setDefault(labelCol, "sentiment");
        setDefault(probabilityCol, "sentiment_probability");
        setDefault(probabilitiesCol, "sentiment_probabilities");
        setDefault(truncatedCol, "sentiment_truncated");
        setDefault(device, d.device());
        setDefault(batchSize, d.batchSize());
        setDefault(maxLength, d.maxLength());
        setDefault(truncation, d.truncation().id());
        setDefault(threads, d.threads());
    }

    public SentimentTransformer() {
        this(Identifiable.randomUID("sentiment"));
    }

    @Override
    public String uid() { return uid; }

    // Spark ML finds a stage's params through public no-argument methods returning Param.
    public Param<String> modelDir() { return modelDir; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> probabilitiesCol() { return probabilitiesCol; }
    public Param<String> truncatedCol() { return truncatedCol; }
    public Param<String> device() { return device; }
    public IntParam batchSize() { return batchSize; }
    public IntParam maxLength() { return maxLength; }
    public Param<String> truncation() { return truncation; }
    public IntParam threads() { return threads; }

    public SentimentTransformer setModelDir(String v) { set(modelDir, v); return this; }
    public SentimentTransformer setInputCol(String v) { set(inputCol, v); return this; }
    public SentimentTransformer setLabelCol(String v) { set(labelCol, v); return this; }
    public SentimentTransformer setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    public SentimentTransformer setProbabilitiesCol(String v) { set(probabilitiesCol, v); return this; }
    public SentimentTransformer setTruncatedCol(String v) { set(truncatedCol, v); return this; }
    public SentimentTransformer setDevice(String v) { set(device, v); return this; }
    public SentimentTransformer setBatchSize(int v) { set(batchSize, v); return this; }
    public SentimentTransformer setMaxLength(int v) { set(maxLength, v); return this; }
    public SentimentTransformer setTruncation(String v) { set(truncation, v); return this; }
    public SentimentTransformer setThreads(int v) { set(threads, v); return this; }

    public ScoringSettings settings() {
        if (!isDefined(modelDir)) throw new IllegalArgumentException("modelDir is not set");
        return new ScoringSettings(getOrDefault(modelDir), getOrDefault(device), (Integer) getOrDefault(threads),
                (Integer) getOrDefault(maxLength), (Integer) getOrDefault(batchSize), Truncation.of(getOrDefault(truncation)));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(in))
            throw new IllegalArgumentException("no column '" + in + "'; the columns are " + Arrays.toString(schema.fieldNames()));
        if (!schema.apply(in).dataType().equals(DataTypes.StringType))
            throw new IllegalArgumentException("column '" + in + "' is " + schema.apply(in).dataType().simpleString() + ", not string");
        StructType out = schema;
        for (StructField f : outputFields()) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name()))
                throw new IllegalArgumentException("output column '" + f.name() + "' already exists");
            if (Arrays.asList(out.fieldNames()).contains(f.name()))
                throw new IllegalArgumentException("output column '" + f.name() + "' is named for two outputs; give each its own name");
            out = out.add(f);
        }
        return out;
    }

    private List<StructField> outputFields() {
        return List.of(DataTypes.createStructField(getOrDefault(labelCol), DataTypes.StringType, true),
                DataTypes.createStructField(getOrDefault(probabilityCol), DataTypes.FloatType, true),
                DataTypes.createStructField(getOrDefault(probabilitiesCol), Scores.PROBABILITIES, true),
                DataTypes.createStructField(getOrDefault(truncatedCol), DataTypes.BooleanType, true));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = transformSchema(dataset.schema());
        int textIndex = dataset.schema().fieldIndex(getOrDefault(inputCol));
        ScoringSettings settings = settings();
        // A static function of serializable values: a lambda here would capture this stage.
        return dataset.toDF().mapPartitions(scorePartition(settings, textIndex), Encoders.row(schema));
    }

    private static MapPartitionsFunction<Row, Row> scorePartition(ScoringSettings settings, int textIndex) {
        return rows -> Chunks.map(rows, settings.chunkRows(), chunk -> {
            List<String> texts = new ArrayList<>(chunk.size());
            for (Row r : chunk) texts.add(r.isNullAt(textIndex) ? null : r.getString(textIndex));
            List<Answers.Answer> scores = Scores.classify(settings, texts);
            List<Row> out = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                Row r = chunk.get(i);
                Object[] values = new Object[r.size() + Scores.VALUES];
                for (int c = 0; c < r.size(); c++) values[c] = r.get(c);
                System.arraycopy(Scores.values(scores.get(i)), 0, values, r.size(), Scores.VALUES);
                out.add(RowFactory.create(values));
            }
            return out;
        });
    }

    @Override
    public SentimentTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
