package dev.raccoon.train.run;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Replaces a directory as a whole: the new content is written into a temporary sibling, the old directory is
 * moved aside and the new one renamed into place, so a crash leaves either the old or the new checkpoint
 * (as {@code NAME} or, between the two renames, {@code NAME.old}) and never a half-written one. Only a directory
 * this kind of output wrote before (it holds the marker file) or an empty one is replaced: a path a user mistyped
 * is refused, never deleted.
 */
public final class AtomicDirectory {
    public interface Writer {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /** Writes {@code target} as a whole; {@code marker} is a file every such directory holds, see {@link #checkReplaceable}. */
    public static void replace(Path target, String marker, Writer writer) throws IOException {
        replace(target, marker, name -> true, writer);
    }

    /**
     * {@link #replace(Path, String, Writer)} for an output whose files are known: an earlier one that also holds
     * anything else (a user's notes) is refused, since replacing it would delete that.
     */
    public static void replace(Path target, String marker, Predicate<String> ownFile, Writer writer) throws IOException {
        target = target.toAbsolutePath().normalize();
        requireReplaceable(target, marker, ownFile);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        deleteLeftovers(target);
        Path tmp = createUnique(parent, target.getFileName() + ".tmp-");
        try {
            writer.write(tmp);
            if (!Files.exists(tmp.resolve(marker))) throw new IllegalStateException("the writer did not write " + marker);
            Path old = aside(target);
            deleteTree(old);
            if (Files.exists(target)) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /**
     * A new directory named {@code prefix} and a random suffix. Not Files.createTempDirectory: that makes it
     * owner-only (0700) whatever the umask, and the rename would hand that to a model or report others must read.
     */
    private static Path createUnique(Path parent, String prefix) throws IOException {
        while (true) {
            try {
                return Files.createDirectory(parent.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1)));
            } catch (FileAlreadyExistsException e) {
                // drawn twice: draw again
            }
        }
    }

    /**
     * A fresh run's output directory must be absent or empty: a run that writes next to an earlier run's files, or
     * a user's, would replace some of them and leave the rest to be mistaken for its own.
     */
    public static void requireEmpty(Path dir) throws IOException {
        requireEmpty(dir, Set.of());
    }

    /**
     * {@link #requireEmpty(Path)}, but a directory that holds nothing but {@code ownLeftovers} (a run's log, and what
     * else a run of the same kind may leave before its first checkpoint) and the temporary directories of
     * {@link #replace} passes: what such a run killed early left, which a new run starts again. Those temporary
     * directories are deleted here.
     */
    public static void requireEmpty(Path dir, Set<String> ownLeftovers) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a directory");
        List<Path> leftovers;
        List<String> names;
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> all = entries.sorted().toList();
            leftovers = all.stream().filter(AtomicDirectory::isTemporary).toList();
            names = all.stream().filter(p -> !leftovers.contains(p)).map(p -> p.getFileName().toString()).toList();
        }
        if (!ownLeftovers.containsAll(names))
            throw new IOException(dir + " is not empty (it holds " + someOf(names) + "); choose a new output directory or empty it");
        for (Path p : leftovers) deleteTree(p);
    }

    /** How {@link #createUnique} ends the name of a directory being written. */
    private static final String TEMPORARY_SUFFIX = "\\.tmp-[0-9a-f]{1,16}";

    /** Whether {@code p} is a directory {@link #replace} was writing: a user's file or folder of a like name is not. */
    private static boolean isTemporary(Path p) {
        return isTemporary(p, ".+");
    }

    private static boolean isTemporary(Path p, String namePattern) {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && p.getFileName().toString().matches(namePattern + TEMPORARY_SUFFIX);
    }

    /**
     * Throws unless {@code target} is absent, an empty directory, or a directory holding {@code marker} (an earlier
     * output of the same kind), and unless its folder can be written. Call it before long work, so a wrong path fails
     * at once.
     */
    public static void checkReplaceable(Path target, String marker) throws IOException {
        checkReplaceable(target, marker, name -> true);
    }

    /** {@link #checkReplaceable(Path, String)}, and an earlier output must hold nothing but {@code ownFile}s. */
    public static void checkReplaceable(Path target, String marker, Predicate<String> ownFile) throws IOException {
        requireReplaceable(target, marker, ownFile);
        requireWritableParent(target);
    }

    /**
     * Makes and removes a temporary sibling of {@code target} as {@link #replace} will (in the nearest folder that
     * exists yet): a folder that cannot be written to fails now, naming {@code target}, not after the work.
     */
    private static void requireWritableParent(Path target) throws IOException {
        Path existing = target.toAbsolutePath().normalize().getParent();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return;
        try {
            Files.delete(createUnique(existing, target.getFileName() + ".tmp-"));
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(target.toString());
        } catch (FileSystemException e) { // a read-only file system, a file where a folder should be
            throw new FileSystemException(target.toString(), null, e.getReason());
        }
    }

    private static void requireReplaceable(Path target, String marker, Predicate<String> ownFile) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(target))
            throw new IOException(target + " exists and is not a directory; nothing was written");
        if (Files.isRegularFile(target.resolve(marker))) {
            List<String> foreign;
            try (Stream<Path> entries = Files.list(target)) {
                foreign = entries.map(p -> p.getFileName().toString()).filter(ownFile.negate()).sorted().toList();
            }
            if (!foreign.isEmpty())
                throw new IOException(target + " holds an earlier output and also " + someOf(foreign)
                        + ", which replacing it would delete; nothing was written. Move those away or choose another path");
            return;
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent())
                throw new IOException(target + " is a directory that holds other files (no " + marker
                        + " in it), so it is not replaced; nothing was written. Choose another path or empty it");
        }
    }

    /** File names for a message: the first four, and "…" for the rest. */
    public static String someOf(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(4, names.size()))) + (names.size() > 4 ? ", …" : "");
    }

    /** The temporary siblings of {@code target} a killed process left behind (each up to a whole checkpoint). */
    private static void deleteLeftovers(Path target) throws IOException {
        String name = java.util.regex.Pattern.quote(target.getFileName().toString());
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            for (Path p : siblings.filter(p -> isTemporary(p, name)).toList()) deleteTree(p);
        }
    }

    /** The directory as last written completely: {@code target}, or its moved-aside copy after a crash. */
    public static Path latest(Path target) {
        if (Files.isDirectory(target)) return target;
        Path old = aside(target);
        return Files.isDirectory(old) ? old : null;
    }

    private static Path aside(Path target) {
        return target.resolveSibling(target.getFileName() + ".old");
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
