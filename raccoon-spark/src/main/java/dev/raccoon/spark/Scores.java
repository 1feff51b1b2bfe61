package dev.raccoon.spark;

import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
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

    /** Values a scored text adds: label, probability, probabilities and truncated. */
    static final int VALUES = 4;

    /** Scores for {@code texts} in order, null where a text is null or blank; one classify call for the rest. */
    static List<Answers.Answer> classify(ScoringSettings settings, List<String> texts) {
        List<String> scorable = new ArrayList<>(texts.size());
        for (String t : texts) if (scorable(t)) scorable.add(t);
        Classifier classifier = SharedClassifiers.get(settings);
        List<Answers.Answer> answers = scorable.isEmpty() ? List.of() : Answers.of(classifier, scorable, false).run();
        List<Answers.Answer> out = new ArrayList<>(texts.size());
        int next = 0;
        for (String t : texts) out.add(scorable(t) ? answers.get(next++) : null);
        return out;
    }

    /** The label, probability, probabilities and truncated values of a score, all null for none. */
    static Object[] values(Answers.Answer s) {
        if (s == null) return new Object[VALUES];
        Prediction p = s.prediction();
        Map<String, Float> probabilities = new LinkedHashMap<>();
        float[] probs = p.probabilities();
        for (int i = 0; i < probs.length; i++) probabilities.put(p.labels().get(i), probs[i]);
        // Spark's Row encoder takes Scala maps for map columns.
        return new Object[] {p.label(), p.probability(), CollectionConverters.asScala(probabilities), s.truncated()};
    }

    static Row struct(Answers.Answer s) {
        return s == null ? null : RowFactory.create(values(s));
    }
}
