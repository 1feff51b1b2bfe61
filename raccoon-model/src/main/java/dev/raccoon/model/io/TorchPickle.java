package dev.raccoon.model.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine for the subset {@code torch.save} emits. It never executes anything: every global is
 * checked against an allow-list the moment it is named, and the few allowed callables are interpreted here as
 * plain data constructors (a dict, a tensor view, a storage reference).
 */
final class TorchPickle {
    /** An allow-listed global, by its dotted name. */
    record Global(String name) {
    }

    record Tuple(List<Object> items) {
    }

    /** A dict or OrderedDict; keys are restricted to simple immutable values. */
    static final class Dict {
        final LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
    }

    static final class PyList {
        final List<Object> items = new ArrayList<>();
    }

    /** One {@code data/<key>} entry; {@code dtype == null} for integer and bool storages, which are skipped. */
    record Storage(String key, String type, DType dtype, int elementBytes, long numel) {
    }

    /** A strided view into a storage, as {@code torch._utils._rebuild_tensor_v2} describes it (all in elements). */
    record TensorRef(Storage storage, long offset, long[] size, long[] stride) {
    }

    private record StorageType(DType dtype, int elementBytes) {
    }

    private static final Map<String, StorageType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("torch.DoubleStorage", new StorageType(DType.F64, 8)),
            Map.entry("torch.FloatStorage", new StorageType(DType.F32, 4)),
            Map.entry("torch.HalfStorage", new StorageType(DType.F16, 2)),
            Map.entry("torch.BFloat16Storage", new StorageType(DType.BF16, 2)),
            Map.entry("torch.LongStorage", new StorageType(null, 8)),
            Map.entry("torch.IntStorage", new StorageType(null, 4)),
            Map.entry("torch.ShortStorage", new StorageType(null, 2)),
            Map.entry("torch.CharStorage", new StorageType(null, 1)),
            Map.entry("torch.ByteStorage", new StorageType(null, 1)),
            Map.entry("torch.BoolStorage", new StorageType(null, 1)));

    private static final String ORDERED_DICT = "collections.OrderedDict";
    private static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
    private static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
    private static final String REBUILD_FROM_TYPE = "torch._tensor._rebuild_from_type_v2";
    /** Only ever the {@code new_type} argument of {@code _rebuild_from_type_v2}; never called. */
    private static final Set<String> TYPE_MARKERS = Set.of("torch.Tensor", "torch.nn.parameter.Parameter");
    private static final Set<String> CALLABLES = Set.of(ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_FROM_TYPE);

    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private final byte[] code;
    private final Path file;
    private final String entry;
    private int pos;
    private int opStart;
    private final List<Object> stack = new ArrayList<>();
    /** Stack heights at each open MARK; as in CPython, nothing below the innermost mark can be popped. */
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, Storage> storages = new HashMap<>();

    private TorchPickle(byte[] code, int start, Path file, String entry) {
        this.code = code;
        this.pos = start;
        this.file = file;
        this.entry = entry;
    }

    /** A pickle's result and the offset just past its STOP, where the next pickle of a stream starts. */
    record Loaded(Object value, int end) {
    }

    /** Runs the pickle and returns its result: dicts, tuples, lists, strings, longs, booleans and tensor references. */
    static Object load(byte[] code, Path file, String entry) throws CheckpointException {
        return loadAt(code, 0, file, entry).value();
    }

    /** Runs the pickle that starts at {@code start} of {@code code}, as {@link #load}. */
    static Loaded loadAt(byte[] code, int start, Path file, String entry) throws CheckpointException {
        TorchPickle pickle = new TorchPickle(code, start, file, entry);
        Object value = pickle.run();
        return new Loaded(value, pickle.pos);
    }

    private Object run() throws CheckpointException {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int version = u8();
                    if (version > 5) throw bad("unsupported pickle protocol " + version);
                }
                case 0x95 -> skip(8); // FRAME: only a read-ahead hint
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) s32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (u8() | (u8() << 8))); // BININT2
                case 0x8a -> push(longLE(u8())); // LONG1
                case 0x8b -> push(longLE(length(s32()))); // LONG4
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(length(s32()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(s64()))); // BINUNICODE8
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 0x85 -> push(tupleOf(1)); // TUPLE1
                case 0x86 -> push(tupleOf(2)); // TUPLE2
                case 0x87 -> push(tupleOf(3)); // TUPLE3
                case 't' -> push(new Tuple(List.copyOf(popMark()))); // TUPLE
                case '}' -> push(new Dict()); // EMPTY_DICT
                case ']' -> push(new PyList()); // EMPTY_LIST
                case 'a' -> { // APPEND
                    Object item = pop();
                    list(peek()).items.add(item);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).items.addAll(items);
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    put(peek(), key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) throw bad("SETITEMS with an odd number of items");
                    Object target = peek();
                    for (int i = 0; i < items.size(); i += 2) put(target, items.get(i), items.get(i + 1));
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n))
                        throw bad("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 'Q' -> push(storage(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 'b' -> { // BUILD: only OrderedDict's _metadata attribute and tensor state reach here; both are irrelevant
                    pop();
                    Object target = peek();
                    if (!(target instanceof Dict) && !(target instanceof TensorRef))
                        throw bad("BUILD on a " + typeName(target));
                }
                default -> throw bad(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    private Object global(String module, String name) throws CheckpointException {
        String qualified = module + "." + name;
        if (!CALLABLES.contains(qualified) && !STORAGE_TYPES.containsKey(qualified) && !TYPE_MARKERS.contains(qualified))
            throw new CheckpointException(file + ": refusing to load: the pickle calls " + CheckpointException.printable(qualified)
                    + ", which is not a tensor");
        return new Global(qualified);
    }

    /**
     * {@code torch.save} stores tensors' storages out of band as {@code ('storage', type, key, location, numel)};
     * the legacy format adds a sixth item, a view of another storage, which current PyTorch never writes (None).
     */
    private Storage storage(Object pid) throws CheckpointException {
        if (pid instanceof Tuple(List<Object> t) && t.size() == 6 && "storage".equals(t.get(0))) {
            if (t.get(5) != NONE) throw bad("a storage that is a view of another storage (legacy torch.save) is not supported");
            return storage(new Tuple(t.subList(0, 5)));
        }
        if (!(pid instanceof Tuple(List<Object> t)) || t.size() != 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof Global(String type)) || !STORAGE_TYPES.containsKey(type)
                || !(t.get(2) instanceof String key) || !(t.get(3) instanceof String)
                || !(t.get(4) instanceof Long numel) || numel < 0)
            throw bad("persistent id is not a ('storage', type, key, location, size) tuple");
        StorageType st = STORAGE_TYPES.get(type);
        Storage s = new Storage(key, type, st.dtype, st.elementBytes, numel);
        Storage previous = storages.putIfAbsent(key, s);
        if (previous != null && !previous.equals(s)) throw bad("storage " + key + " is declared twice with different types or sizes");
        return previous != null ? previous : s;
    }

    private Object reduce(Object callable, Object args) throws CheckpointException {
        if (!(callable instanceof Global(String name)) || !CALLABLES.contains(name))
            throw bad("REDUCE calls " + typeName(callable) + ", which is not callable");
        if (!(args instanceof Tuple(List<Object> a))) throw bad("REDUCE arguments are not a tuple");
        switch (name) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) throw bad("OrderedDict called with arguments");
                return new Dict();
            }
            case REBUILD_FROM_TYPE -> {
                // (func, new_type, args, state): the subclass and its state do not change the values.
                if (a.size() != 4 || !(a.get(0) instanceof Global(String func))
                        || !(func.equals(REBUILD_TENSOR) || func.equals(REBUILD_PARAMETER))
                        || !(a.get(1) instanceof Global(String type)) || !TYPE_MARKERS.contains(type)
                        || !(a.get(2) instanceof Tuple(List<Object> inner)))
                    throw bad("_rebuild_from_type_v2 arguments are not (rebuild function, tensor type, args, state)");
                return func.equals(REBUILD_TENSOR) ? rebuildTensor(inner) : rebuildParameter(inner);
            }
            case REBUILD_TENSOR -> {
                return rebuildTensor(a);
            }
            default -> {
                return rebuildParameter(a);
            }
        }
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private TensorRef rebuildTensor(List<Object> a) throws CheckpointException {
        if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage s) || !(a.get(1) instanceof Long offset))
            throw bad("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        long[] size = longs(a.get(2), "size");
        long[] stride = longs(a.get(3), "stride");
        return new TensorRef(s, offset, size, stride);
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks)}: a Parameter's values are its data's. */
    private TensorRef rebuildParameter(List<Object> a) throws CheckpointException {
        if (a.size() != 3 || !(a.get(0) instanceof TensorRef t)) throw bad("_rebuild_parameter arguments are not (tensor, ...)");
        return t;
    }

    private long[] longs(Object o, String what) throws CheckpointException {
        if (!(o instanceof Tuple(List<Object> items))) throw bad("tensor " + what + " is not a tuple");
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(items.get(i) instanceof Long v)) throw bad("tensor " + what + " holds a " + typeName(items.get(i)));
            out[i] = v;
        }
        return out;
    }

    private void put(Object target, Object key, Object value) throws CheckpointException {
        if (!(target instanceof Dict d)) throw bad("SETITEM on a " + typeName(target));
        // Restricting keys to immutable scalars keeps hashing cheap and free of self-referencing containers.
        if (!(key instanceof String || key instanceof Long || key instanceof Boolean)) throw bad("dict key is a " + typeName(key));
        d.map.put(key, value);
    }

    private PyList list(Object o) throws CheckpointException {
        if (!(o instanceof PyList l)) throw bad("APPEND on a " + typeName(o));
        return l;
    }

    private Tuple tupleOf(int n) throws CheckpointException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return new Tuple(List.of(items));
    }

    private void memoPut(long index) throws CheckpointException {
        memo.put(index, peek());
    }

    private Object memoGet(long index) throws CheckpointException {
        Object o = memo.get(index);
        if (o == null) throw bad("memo slot " + index + " is empty");
        return o;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private int base() {
        return marks.isEmpty() ? 0 : marks.getLast();
    }

    private Object pop() throws CheckpointException {
        if (stack.size() <= base()) throw bad("stack underflow");
        return stack.removeLast();
    }

    private Object peek() throws CheckpointException {
        if (stack.size() <= base()) throw bad("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() throws CheckpointException {
        if (marks.isEmpty()) throw bad("no MARK to pop to");
        int mark = marks.removeLast();
        List<Object> top = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private int u8() throws CheckpointException {
        need(1);
        return code[pos++] & 0xFF;
    }

    private int s32() throws CheckpointException {
        need(4);
        int v = ByteBuffer.wrap(code, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        pos += 4;
        return v;
    }

    private long u32() throws CheckpointException {
        return s32() & 0xFFFFFFFFL;
    }

    private long s64() throws CheckpointException {
        need(8);
        long v = ByteBuffer.wrap(code, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        pos += 8;
        return v;
    }

    /** A declared length, checked against what is left so that a corrupt one cannot trigger a huge allocation. */
    private int length(long n) throws CheckpointException {
        if (n < 0 || n > code.length - pos) throw bad("declared length " + n + " runs past the end of the pickle");
        return (int) n;
    }

    private void need(int n) throws CheckpointException {
        if (n > code.length - pos) throw bad("the pickle ends before its STOP opcode");
    }

    private void skip(int n) throws CheckpointException {
        need(n);
        pos += n;
    }

    private byte[] bytes(int n) throws CheckpointException {
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(code, pos, b, 0, n);
        pos += n;
        return b;
    }

    private String utf8(int n) throws CheckpointException {
        need(n);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(code, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw bad("string is not valid UTF-8");
        }
    }

    /** Two's-complement little-endian integer of {@code n} bytes, as LONG1/LONG4 encode it. */
    private Long longLE(int n) throws CheckpointException {
        if (n > 8) throw bad("integer of " + n + " bytes is too large");
        byte[] b = bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        if (n > 0 && n < 8 && b[n - 1] < 0) v -= 1L << (8 * n);
        return v;
    }

    private String line() throws CheckpointException {
        for (int i = pos; i < code.length; i++) {
            if (code[i] == '\n') {
                String s = utf8(i - pos);
                pos++;
                return s;
            }
        }
        throw bad("GLOBAL name is not terminated by a newline");
    }

    private static String typeName(Object o) {
        return switch (o) {
            case Global g -> g.name;
            case Tuple _ -> "tuple";
            case Dict _ -> "dict";
            case PyList _ -> "list";
            case Storage _ -> "storage";
            case TensorRef _ -> "tensor";
            case String _ -> "string";
            case Long _ -> "int";
            case Double _ -> "float";
            case Boolean _ -> "bool";
            default -> o == NONE ? "None" : o.getClass().getSimpleName();
        };
    }

    private CheckpointException bad(String what) {
        return new CheckpointException(file + ": bad pickle in " + entry + " at byte " + opStart + ": " + CheckpointException.printable(what));
    }
}
