package dev.raccoon.text;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * How the files of a model directory are looked for and read, so that each failure names the file and what is wrong
 * with it. A Hugging Face cache keeps a model's files as symbolic links into a store of blobs; pruning the store, or
 * copying a snapshot without following links, leaves links that point nowhere, which must not read as files never
 * there.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Whether {@code file} is there to read.
     *
     * @throws FileSystemException for a symbolic link to nothing, naming its target, or one that loops, or for a
     *                             directory that may not be searched
     */
    public static boolean exists(Path file) throws IOException {
        if (Files.exists(file)) return true;
        if (Files.isSymbolicLink(file))
            throw new FileSystemException(file.toString(), null, "a symbolic link to " + Files.readSymbolicLink(file) + (loops(file)
                    ? ", which leads back to itself (a loop of links)"
                    : ", which does not exist (a pruned Hugging Face cache, or a copy that did not follow links?)"));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && Files.isDirectory(parent) && !Files.isExecutable(parent))
            throw new AccessDeniedException(parent.toString(), null, "permission denied: its files cannot be looked up");
        return false;
    }

    /** Whether following the links from {@code link} comes back to one already passed. */
    private static boolean loops(Path link) throws IOException {
        Set<Path> passed = new HashSet<>();
        for (Path p = link; Files.isSymbolicLink(p); p = p.resolveSibling(Files.readSymbolicLink(p)))
            if (!passed.add(p.toAbsolutePath().normalize())) return true;
        return false;
    }

    /**
     * More than any config, vocabulary or tokenizer file holds (tokenizer.json of the largest vocabularies has tens of
     * megabytes): a wrong file in their place is refused before it fills the heap.
     */
    private static final long MAX_BYTES = 100L << 20;

    /**
     * The bytes of {@code file}; a directory in its place is named as such, not "Is a directory" of no file. A device
     * or pipe (config.json linked to /dev/zero) would be read forever, and is refused as a file that is too large is.
     */
    public static byte[] read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new FileSystemException(file.toString(), null, "a directory, where a file belongs");
        if (Files.exists(file)) { // else reading names the file missing
            if (!Files.isRegularFile(file))
                throw new FileSystemException(file.toString(), null, "not a regular file (a device, pipe or socket), where a file belongs");
            long size = Files.size(file);
            if (size > MAX_BYTES)
                throw new FileSystemException(file.toString(), null, "holds " + size + " bytes, more than the "
                        + MAX_BYTES + " a config, vocabulary or tokenizer file may");
        }
        return Files.readAllBytes(file);
    }
}
