package dev.raccoon.spark;

import dev.raccoon.api.Prediction;
import dev.raccoon.text.WordPieceTokenizer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Scoring of text values as the Transformer and the UDF share it: a blank or null text gets no prediction. */
final class Scores {
    /** Per-label probabilities: label name to probability, in label-id order. */
    static final MapType PROBABILITIES = DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false);

    private Scores() {}

    static boolean scorable(String text) {
        return text != null && !WordPieceTokenizer.isBlank(text);
    }

    /** Predictions for {@code texts} in order, null where a text is null or blank; one classify call for the rest. */
    static List<Prediction> classify(ScoringSettings settings, List<String> texts) {
        List<String> scorable = new ArrayList<>(texts.size());
        for (String t : texts) if (scorable(t)) scorable.add(t);
        List<Prediction> predictions = scorable.isEmpty() ? List.of() : SharedClassifiers.get(settings).classify(scorable);
        List<Prediction> out = new ArrayList<>(texts.size());
        int next = 0;
        for (String t : texts) out.add(scorable(t) ? predictions.get(next++) : null);
        return out;
    }

    /** The label, probability and probabilities values of a prediction, all null for none. */
    static Object[] values(Prediction p) {
        if (p == null) return new Object[] {null, null, null};
        Map<String, Float> probabilities = new LinkedHashMap<>();
        float[] probs = p.probabilities();
        for (int i = 0; i < probs.length; i++) probabilities.put(p.labels().get(i), probs[i]);
        // Spark's Row encoder takes Scala maps for map columns.
        return new Object[] {p.label(), p.probability(), CollectionConverters.asScala(probabilities)};
    }

    static Row struct(Prediction p) {
        return p == null ? null : RowFactory.create(values(p));
    }
}
