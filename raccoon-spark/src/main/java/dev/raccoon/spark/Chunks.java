package dev.raccoon.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** Maps an iterator a chunk at a time, lazily, so that a partition is never held in memory whole. */
final class Chunks {
    private Chunks() {}

    static <T, R> Iterator<R> map(Iterator<T> in, int size, Function<List<T>, List<R>> f) {
        return new Iterator<>() {
            private Iterator<R> out = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!out.hasNext() && in.hasNext()) {
                    List<T> chunk = new ArrayList<>(size);
                    while (chunk.size() < size && in.hasNext()) chunk.add(in.next());
                    out = f.apply(chunk).iterator();
                }
                return out.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) throw new NoSuchElementException();
                return out.next();
            }
        };
    }
}
