package dev.raccoon.text;

import java.util.Arrays;

/**
 * A char trie over the WordPiece vocabulary for greedy longest-match-first lookups without building substrings.
 * Edges live in one open-addressing table keyed by (parent node, char); continuation pieces are the subtree under
 * the "##" prefix, so "##" + piece is looked up by walking from that node. Immutable after construction.
 */
final class SubwordTrie {

    static final String CONTINUATION_PREFIX = "##";

    private static final long EMPTY = -1L;

    private final long[] edgeKeys;
    private final int[] edgeChildren;
    private final int shift;
    private final int mask;
    /** Token id ending at each node, or -1. */
    private final int[] nodeTokenIds;
    private final int continuationRoot;

    /** Builds the trie over {@code tokens[0, count)}; a token's id is its index. */
    SubwordTrie(String[] tokens, int count) {
        long totalChars = 0;
        for (int i = 0; i < count; i++) {
            totalChars += tokens[i].length();
        }
        int bits = Math.max(4, 64 - Long.numberOfLeadingZeros(totalChars * 2 + 1));
        edgeKeys = new long[1 << bits];
        Arrays.fill(edgeKeys, EMPTY);
        edgeChildren = new int[1 << bits];
        shift = 64 - bits;
        mask = (1 << bits) - 1;
        int[] tokenIds = new int[(int) Math.min(Integer.MAX_VALUE - 8, totalChars + 1)];
        Arrays.fill(tokenIds, -1);
        int nodes = 1;
        for (int id = 0; id < count; id++) {
            String token = tokens[id];
            if (token.isEmpty()) {
                continue; // an empty line in vocab.txt keeps its id but can never match
            }
            int node = 0;
            for (int i = 0; i < token.length(); i++) {
                long key = key(node, token.charAt(i));
                int slot = slot(key);
                while (edgeKeys[slot] != EMPTY && edgeKeys[slot] != key) {
                    slot = (slot + 1) & mask;
                }
                if (edgeKeys[slot] == EMPTY) {
                    edgeKeys[slot] = key;
                    edgeChildren[slot] = nodes++;
                }
                node = edgeChildren[slot];
            }
            tokenIds[node] = id;
        }
        nodeTokenIds = Arrays.copyOf(tokenIds, nodes);
        int cont = 0;
        for (int i = 0; i < CONTINUATION_PREFIX.length() && cont >= 0; i++) {
            cont = child(cont, CONTINUATION_PREFIX.charAt(i));
        }
        continuationRoot = cont;
    }

    /**
     * The longest vocabulary token that is a prefix of {@code text[from, to)}, with "##" in front when
     * {@code continuation}. Returns {@code (end << 32) | id}, or -1 when no token matches.
     */
    long longestMatch(char[] text, int from, int to, boolean continuation) {
        int node = continuation ? continuationRoot : 0;
        long best = -1;
        for (int i = from; i < to && node >= 0; i++) {
            node = child(node, text[i]);
            if (node >= 0 && nodeTokenIds[node] >= 0) {
                best = ((long) (i + 1) << 32) | nodeTokenIds[node];
            }
        }
        return best;
    }

    private int child(int node, char c) {
        long key = key(node, c);
        for (int slot = slot(key); ; slot = (slot + 1) & mask) {
            long k = edgeKeys[slot];
            if (k == key) {
                return edgeChildren[slot];
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    private static long key(int node, char c) {
        return ((long) node << 16) | c;
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
