package dev.raccoon.train.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps a second raccoon run from writing an output while one does: two runs into one output replace each other's
 * checkpoints and logs, and each would report success. The lock is the operating system's, on a hidden file beside
 * the output ({@code .NAME.raccoon-lock}, so a file output is locked as a directory is), which ends with the process
 * however that ends (kill -9 included): the file a killed run leaves blocks nothing, and the next run removes it.
 */
public final class OutputLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;

    private OutputLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Locks {@code out} (a file or a directory, which need not exist yet) for this process until {@link #close}.
     *
     * @throws IOException "another raccoon run is writing OUT" while a live process holds it
     */
    public static OutputLock acquire(Path out) throws IOException {
        Path absolute = out.toAbsolutePath().normalize();
        Path file = absolute.resolveSibling("." + absolute.getFileName() + ".raccoon-lock");
        while (true) {
            FileChannel channel;
            try {
                Files.createDirectories(absolute.getParent());
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (AccessDeniedException e) { // say so of the path the user gave, before any work
                throw new AccessDeniedException(out.toString());
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) { // held by this JVM
                lock = null;
            } catch (IOException e) { // a file system without locks: run unguarded, as before, rather than not at all
                return new OutputLock(file, channel);
            }
            if (lock == null) {
                channel.close();
                throw new IOException("another raccoon run is writing " + out);
            }
            if (Files.exists(file)) return new OutputLock(file, channel);
            channel.close(); // the run that held it removed it as it ended: lock the file a run sees now
        }
    }

    /** Removes the lock file, while still locked (so no run can lock it half gone), and releases the lock. */
    @Override
    public void close() throws IOException {
        try (channel) {
            Files.deleteIfExists(file);
        }
    }
}
