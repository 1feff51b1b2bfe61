package dev.raccoon.train.corpus;

import dev.raccoon.text.WordPieceTrainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;

/**
 * Counts the words of corpus files for a {@link WordPieceTrainer} on several threads: the calling thread reads and
 * hands out batches of lines, each worker normalises ({@link CorpusFiles#normalize}), splits (with its own
 * {@link NoriMorphemes} when asked) and counts into a trainer of its own, and the counts are added up at the end.
 * Without pruning the result does not depend on the number of threads.
 */
public final class WordCounting {

    private static final int BATCH = 512;
    /** Tells a worker to stop; compared by identity. */
    private static final List<String> END = new ArrayList<>(0);

    private WordCounting() {
    }

    /** Lines read and the trainer holding all counts, ready to train. */
    public record Result(long lines, WordPieceTrainer trainer) {
    }

    public static Result count(CorpusFiles corpus, long maxLines, WordPieceTrainer.Options options, boolean morphemes,
                               int threads, LongConsumer progress) throws IOException {
        BlockingQueue<List<String>> queue = new ArrayBlockingQueue<>(4 * threads);
        List<Worker> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Worker w = new Worker(new WordPieceTrainer(options, morphemes ? new NoriMorphemes() : null), queue);
            workers.add(w);
            w.thread.start();
        }
        long lines;
        try {
            var pending = new Object() {
                List<String> batch = new ArrayList<>(BATCH);
            };
            lines = corpus.read(maxLines, progress, line -> {
                pending.batch.add(line);
                if (pending.batch.size() == BATCH) {
                    put(queue, pending.batch);
                    pending.batch = new ArrayList<>(BATCH);
                }
            });
            put(queue, pending.batch);
        } finally {
            for (int t = 0; t < threads; t++) {
                put(queue, END);
            }
        }
        WordPieceTrainer total = workers.getFirst().trainer;
        for (Worker w : workers) {
            try {
                w.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while counting words", e);
            }
            switch (w.failure) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(w.failure);
            }
            if (w.trainer != total) {
                total.addCounts(w.trainer);
            }
        }
        return new Result(lines, total);
    }

    private static void put(BlockingQueue<List<String>> queue, List<String> batch) throws IOException {
        try {
            queue.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while counting words", e);
        }
    }

    private static final class Worker implements Runnable {
        final WordPieceTrainer trainer;
        final BlockingQueue<List<String>> queue;
        final Thread thread = new Thread(this, "raccoon-word-count");
        /** What stopped this worker: a RuntimeException, or an Error such as running out of memory. */
        volatile Throwable failure;

        Worker(WordPieceTrainer trainer, BlockingQueue<List<String>> queue) {
            this.trainer = trainer;
            this.queue = queue;
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                for (List<String> batch; (batch = queue.take()) != END; ) {
                    if (failure != null) {
                        continue; // keep draining so that the reader never blocks
                    }
                    try {
                        for (String line : batch) {
                            trainer.addText(CorpusFiles.normalize(line));
                        }
                    } catch (RuntimeException | Error e) { // an Error too: a dead worker would leave the reader blocked for ever
                        failure = e;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
