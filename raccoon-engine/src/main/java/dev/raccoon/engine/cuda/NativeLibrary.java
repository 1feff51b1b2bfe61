package dev.raccoon.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A shared library opened through FFM by soname (the dynamic loader's search: LD_LIBRARY_PATH, ld.so.cache),
 * falling back to the usual CUDA install folders, so a toolkit that is installed but not registered with
 * ldconfig still works. Libraries stay loaded for the life of the process.
 */
final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** The library's file name as it was found, for messages. */
    String name() { return name; }

    /**
     * Opens the first of {@code sonames} that loads.
     *
     * @throws CudaException naming every soname tried when none loads
     */
    static NativeLibrary open(String... sonames) {
        List<String> tried = new ArrayList<>();
        for (String soname : sonames) {
            for (String candidate : candidates(soname)) {
                try {
                    return new NativeLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
                } catch (IllegalArgumentException notThere) {
                    tried.add(candidate);
                }
            }
        }
        throw new CudaException(String.join(" / ", sonames) + " not found (tried " + String.join(", ", tried)
                + "; set LD_LIBRARY_PATH or -Draccoon.cuda.libs=DIR)");
    }

    /** The bare soname first, then the same file in the folders a CUDA toolkit or driver usually lives in. */
    private static List<String> candidates(String soname) {
        Set<String> dirs = new LinkedHashSet<>();
        String prop = System.getProperty("raccoon.cuda.libs");
        if (prop != null)
            for (String d : prop.split(java.io.File.pathSeparator)) if (!d.isBlank()) dirs.add(d);
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String home = System.getenv(env);
            if (home != null) {
                dirs.add(home + "/lib64");
                dirs.add(home + "/targets/x86_64-linux/lib");
            }
        }
        dirs.add("/usr/local/cuda/lib64");
        dirs.add("/usr/local/cuda/targets/x86_64-linux/lib");
        dirs.add("/usr/lib/x86_64-linux-gnu");
        dirs.add("/usr/lib64");
        List<String> out = new ArrayList<>();
        out.add(soname);
        for (String d : dirs) {
            Path p = Path.of(d, soname);
            if (Files.exists(p)) out.add(p.toString());
        }
        return out;
    }

    /** A downcall handle for {@code symbol}; a missing symbol is a CudaException naming the library. */
    MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = lookup.find(symbol)
                .orElseThrow(() -> new CudaException(name + " has no symbol " + symbol + " (too old a version?)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** Like {@link #function} but null when the symbol is absent (optional conveniences such as error strings). */
    MethodHandle optionalFunction(String symbol, FunctionDescriptor descriptor) {
        return lookup.find(symbol).map(a -> LINKER.downcallHandle(a, descriptor)).orElse(null);
    }
}
