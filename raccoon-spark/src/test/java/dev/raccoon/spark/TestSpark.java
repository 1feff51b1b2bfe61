package dev.raccoon.spark;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;

/** One local[2] session for all test classes (starting Spark takes seconds); Spark stops it at JVM exit. */
final class TestSpark {
    private TestSpark() {}

    static synchronized SparkSession session() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("raccoon-spark-test")
                .config("spark.ui.enabled", false)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", 2)
                .getOrCreate();
    }

    /** The oracle's tiny random ELECTRA classifier (labels LABEL_0 and LABEL_1). */
    static Path oracleModel() {
        return Path.of(System.getProperty("raccoon.root", "..")).resolve("raccoon-model/src/test/resources/oracle/electra-classifier");
    }
}
