package dev.raccoon.train;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Replaces a directory as a whole: the new content is written into a temporary sibling, the old directory is
 * moved aside and the new one renamed into place, so a crash leaves either the old or the new checkpoint
 * (as {@code NAME} or, between the two renames, {@code NAME.old}) and never a half-written one.
 */
public final class AtomicDirectory {
    public interface Writer {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    public static void replace(Path target, Writer writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, target.getFileName() + ".tmp-");
        try {
            writer.write(tmp);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
        Path old = aside(target);
        deleteTree(old);
        if (Files.exists(target)) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
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
