package dev.sluice.flink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One pass over a JSON object in UTF-8 bytes that records where each top-level member's name and
 * value lie, without allocating. It accepts only text that Jackson's default parser reads the same
 * way: RFC 8259 JSON with strictly valid UTF-8, well inside Jackson's default limits (nesting depth
 * {@value #MAX_DEPTH}, numbers of {@value #MAX_NUMBER_LENGTH} characters, names of
 * {@value #MAX_NAME_LENGTH} bytes, strings of {@value #MAX_STRING_LENGTH} bytes), and a top-level
 * name without escapes. Anything else, malformed or merely unusual (a byte-order mark, an escaped
 * name, a deeply nested payload), is declined, and the caller reads the record with Jackson: the
 * scan decides nothing that Jackson would decide differently, it only reads the common case faster.
 * As with Jackson, text after the object's closing brace is not looked at.
 *
 * <p>Not thread-safe: one instance per function instance, reused for every record.
 */
final class JsonObjectScan {
    static final int MAX_DEPTH = 255;
    static final int MAX_NUMBER_LENGTH = 100;
    static final int MAX_NAME_LENGTH = 1_000;
    static final int MAX_STRING_LENGTH = 1_000_000;

    /** A string without escapes: its value is the bytes between the quotes. */
    static final byte STRING = 1;
    /** A string with at least one escape. */
    static final byte ESCAPED_STRING = 2;
    /** An integer: an optional minus, then 0 or digits without a leading zero. */
    static final byte INTEGER = 3;
    /** A number with a fraction and no exponent. */
    static final byte DECIMAL = 4;
    /** A number with an exponent. */
    static final byte EXPONENT = 5;
    /** {@code true} or {@code false}. */
    static final byte BOOLEAN = 6;
    static final byte NULL = 7;
    /** An object or an array. */
    static final byte CONTAINER = 8;

    private int members;
    private int[] memberStart = new int[32];
    private int[] nameEnd = new int[32];
    private int[] valueStart = new int[32];
    private int[] valueEnd = new int[32];
    private byte[] kind = new byte[32];
    private int[] field = new int[32];
    private final byte[] stack = new byte[MAX_DEPTH];
    private byte lastKind;
    private boolean lastEscaped;

    /**
     * Scans the object starting at {@code from} (after optional whitespace) in {@code bytes}, reading
     * no further than {@code to}. True when the object is accepted and its members recorded; false
     * when the text is declined, and then nothing recorded is meaningful.
     */
    boolean scan(byte[] bytes, int from, int to) {
        members = 0;
        int i = whitespace(bytes, from, to);
        if (i < 0 || bytes[i] != '{') {
            return false;
        }
        i = whitespace(bytes, i + 1, to);
        if (i < 0) {
            return false;
        }
        if (bytes[i] == '}') {
            return true;
        }
        while (true) {
            if (bytes[i] != '"') {
                return false;
            }
            int start = i;
            i = string(bytes, i, to);
            if (i < 0 || lastEscaped || i - start - 2 > MAX_NAME_LENGTH) {
                return false;
            }
            int end = i - 1;
            i = whitespace(bytes, i, to);
            if (i < 0 || bytes[i] != ':') {
                return false;
            }
            i = whitespace(bytes, i + 1, to);
            if (i < 0) {
                return false;
            }
            int value = i;
            i = value(bytes, i, to);
            if (i < 0) {
                return false;
            }
            record(start, end, value, i, lastKind);
            i = whitespace(bytes, i, to);
            if (i < 0) {
                return false;
            }
            if (bytes[i] == '}') {
                return true;
            }
            if (bytes[i] != ',') {
                return false;
            }
            i = whitespace(bytes, i + 1, to);
            if (i < 0) {
                return false;
            }
        }
    }

    /** Names as {@link #fields} takes them. */
    static Names names(String... names) {
        return new Names(names);
    }

    /**
     * Member names to look for, by their UTF-8 bytes, grouped by length so that a member's name is
     * compared only with the names of its own length (most payload members match none).
     */
    static final class Names {
        private final byte[][] names;
        private final int[][] byLength;

        private Names(String... names) {
            this.names = new byte[names.length][];
            int longest = 0;
            for (int i = 0; i < names.length; i++) {
                this.names[i] = names[i].getBytes(StandardCharsets.UTF_8);
                longest = Math.max(longest, this.names[i].length);
            }
            byLength = new int[longest + 1][];
            for (int length = 0; length <= longest; length++) {
                int count = 0;
                for (byte[] name : this.names) {
                    count += name.length == length ? 1 : 0;
                }
                byLength[length] = new int[count];
                count = 0;
                for (int i = 0; i < this.names.length; i++) {
                    if (this.names[i].length == length) {
                        byLength[length][count++] = i;
                    }
                }
            }
        }

        /** The index of the name in {@code bytes[from, to)}, or -1. */
        int index(byte[] bytes, int from, int to) {
            int length = to - from;
            if (length >= byLength.length) {
                return -1;
            }
            for (int i : byLength[length]) {
                if (Arrays.equals(names[i], 0, length, bytes, from, to)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** The number of top-level members of the last accepted object. */
    int members() {
        return members;
    }

    /** Where member {@code m}'s name begins: its opening quote. */
    int memberStart(int m) {
        return memberStart[m];
    }

    /** Just past member {@code m}'s value's last byte. */
    int valueEnd(int m) {
        return valueEnd[m];
    }

    /**
     * After an accepted scan: which of {@code names} each member is ({@link #field}), and where each
     * name's value lies as JSON_VALUE reads it, in {@code from} and {@code to} ({@code from} -1 for
     * NULL: a missing member, null, an object or an array; a repeated name's last member counts).
     * A string's value is the bytes between its quotes; true, false and a number are their own
     * text. False when a named member needs Jackson's reading: an escaped string, or a number
     * whose decimal form (BigDecimal's toString) is not its own text, which is a number whose
     * integer part is zero (-0 reads 0, 0.0000001 reads 1E-7) or one with an exponent.
     */
    boolean fields(byte[] bytes, Names names, int[] from, int[] to) {
        Arrays.fill(from, -1);
        for (int m = 0; m < members; m++) {
            int index = names.index(bytes, memberStart[m] + 1, nameEnd[m]);
            field[m] = index;
            if (index < 0) {
                continue;
            }
            int start = valueStart[m];
            int end = valueEnd[m];
            switch (kind[m]) {
                case STRING -> {
                    from[index] = start + 1;
                    to[index] = end - 1;
                }
                case BOOLEAN -> {
                    from[index] = start;
                    to[index] = end;
                }
                case INTEGER, DECIMAL -> {
                    if (bytes[start] == '0' || (bytes[start] == '-' && bytes[start + 1] == '0')) {
                        return false;
                    }
                    from[index] = start;
                    to[index] = end;
                }
                case NULL, CONTAINER -> from[index] = -1;
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /** Which of {@code names} member {@code m} is, after {@link #fields}; -1 for none. */
    int field(int m) {
        return field[m];
    }

    private void record(int start, int end, int value, int valueTo, byte valueKind) {
        if (members == memberStart.length) {
            int size = members * 2;
            memberStart = Arrays.copyOf(memberStart, size);
            nameEnd = Arrays.copyOf(nameEnd, size);
            valueStart = Arrays.copyOf(valueStart, size);
            valueEnd = Arrays.copyOf(valueEnd, size);
            kind = Arrays.copyOf(kind, size);
            field = Arrays.copyOf(field, size);
        }
        memberStart[members] = start;
        nameEnd[members] = end;
        valueStart[members] = value;
        valueEnd[members] = valueTo;
        kind[members] = valueKind;
        members++;
    }

    /** The first byte at or after {@code i} that is not JSON whitespace; -1 at the end. */
    private static int whitespace(byte[] bytes, int i, int to) {
        while (i < to) {
            byte c = bytes[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return i;
            }
            i++;
        }
        return -1;
    }

    /** Just past the value starting at {@code i}, its kind in {@code lastKind}; -1 when declined. */
    private int value(byte[] bytes, int i, int to) {
        byte c = bytes[i];
        if (c == '{' || c == '[') {
            int end = container(bytes, i, to);
            lastKind = CONTAINER;
            return end;
        }
        return scalar(bytes, i, to);
    }

    private int scalar(byte[] bytes, int i, int to) {
        byte c = bytes[i];
        if (c == '"') {
            int end = string(bytes, i, to);
            lastKind = lastEscaped ? ESCAPED_STRING : STRING;
            return end;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number(bytes, i, to);
        }
        if (c == 't') {
            lastKind = BOOLEAN;
            return literal(bytes, i, to, TRUE);
        }
        if (c == 'f') {
            lastKind = BOOLEAN;
            return literal(bytes, i, to, FALSE);
        }
        if (c == 'n') {
            lastKind = NULL;
            return literal(bytes, i, to, NULL_TEXT);
        }
        return -1;
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL_TEXT = {'n', 'u', 'l', 'l'};

    private static int literal(byte[] bytes, int i, int to, byte[] text) {
        if (to - i < text.length) {
            return -1;
        }
        for (int k = 1; k < text.length; k++) {
            if (bytes[i + k] != text[k]) {
                return -1;
            }
        }
        return i + text.length;
    }

    private int number(byte[] bytes, int start, int to) {
        int i = start;
        if (bytes[i] == '-') {
            i++;
        }
        if (i >= to) {
            return -1;
        }
        if (bytes[i] == '0') {
            i++;
        } else if (bytes[i] >= '1' && bytes[i] <= '9') {
            i = digits(bytes, i, to);
        } else {
            return -1;
        }
        lastKind = INTEGER;
        if (i < to && bytes[i] == '.') {
            int fraction = i + 1;
            i = digits(bytes, fraction, to);
            if (i == fraction) {
                return -1;
            }
            lastKind = DECIMAL;
        }
        if (i < to && (bytes[i] == 'e' || bytes[i] == 'E')) {
            i++;
            if (i < to && (bytes[i] == '+' || bytes[i] == '-')) {
                i++;
            }
            int exponent = i;
            i = digits(bytes, exponent, to);
            if (i == exponent) {
                return -1;
            }
            lastKind = EXPONENT;
        }
        return i - start > MAX_NUMBER_LENGTH ? -1 : i;
    }

    private static int digits(byte[] bytes, int i, int to) {
        while (i < to && bytes[i] >= '0' && bytes[i] <= '9') {
            i++;
        }
        return i;
    }

    /**
     * Just past the closing quote of the string whose opening quote is at {@code i}; -1 when
     * declined. {@code lastEscaped} says whether it holds an escape.
     */
    private int string(byte[] bytes, int start, int to) {
        lastEscaped = false;
        int limit = Math.min(to, start + 1 + MAX_STRING_LENGTH + 1);
        int i = start + 1;
        while (i < limit) {
            int c;
            if (i + Long.BYTES <= limit) {
                long special = special((long) LONGS.get(bytes, i));
                if (special == 0) {
                    i += Long.BYTES;
                    continue;
                }
                i += Long.numberOfTrailingZeros(special) >>> 3;
                c = bytes[i] & 0xFF;
            } else {
                c = bytes[i] & 0xFF;
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                    i++;
                    continue;
                }
            }
            if (c == '"') {
                return i + 1;
            } else if (c == '\\') {
                lastEscaped = true;
                i = escape(bytes, i, limit);
            } else if (c >= 0x80) {
                i = utf8(bytes, i, c, limit);
            } else {
                return -1;
            }
            if (i < 0) {
                return -1;
            }
        }
        return -1;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long TOPS = 0x8080808080808080L;

    /**
     * The top bit of each of eight string bytes that needs a look of its own (a quote, a backslash,
     * a control character or a non-ASCII byte), or 0 when none does: most of a record is skipped a
     * word at a time. Each test ((x - ONES) &amp; ~x &amp; TOPS: a zero byte; with 0x20 in place of
     * ONES, a byte below 0x20) can also mark a byte above a true match, never one below it, so the
     * lowest mark is always the first such byte.
     */
    private static long special(long word) {
        long quote = word ^ 0x2222222222222222L;
        long backslash = word ^ 0x5C5C5C5C5C5C5C5CL;
        return (word | ((word - 0x2020202020202020L) & ~word) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash)) & TOPS;
    }

    /** Just past the escape whose backslash is at {@code i}; -1 when it is not one of JSON's. */
    private static int escape(byte[] bytes, int i, int to) {
        if (i + 1 >= to) {
            return -1;
        }
        switch (bytes[i + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
                return i + 2;
            case 'u':
                if (i + 6 > to) {
                    return -1;
                }
                for (int k = i + 2; k < i + 6; k++) {
                    if (Character.digit(bytes[k], 16) < 0) {
                        return -1;
                    }
                }
                return i + 6;
            default:
                return -1;
        }
    }

    /**
     * Just past the well-formed UTF-8 sequence (Unicode's table 3-7: no overlong forms, no
     * surrogates, nothing above U+10FFFF) whose lead byte {@code c} is at {@code i}; -1 otherwise.
     */
    private static int utf8(byte[] bytes, int i, int c, int to) {
        int length;
        int low = 0x80;
        int high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) {
                low = 0xA0;
            } else if (c == 0xED) {
                high = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) {
                low = 0x90;
            } else if (c == 0xF4) {
                high = 0x8F;
            }
        } else {
            return -1;
        }
        if (i + length > to) {
            return -1;
        }
        int second = bytes[i + 1] & 0xFF;
        if (second < low || second > high) {
            return -1;
        }
        for (int k = i + 2; k < i + length; k++) {
            if ((bytes[k] & 0xC0) != 0x80) {
                return -1;
            }
        }
        return i + length;
    }

    /** Just past the object or array opening at {@code start}, every nested value checked; -1 when declined. */
    private int container(byte[] bytes, int start, int to) {
        int depth = 0;
        int i = start;
        values:
        while (true) {
            byte c = bytes[i];
            if (c == '{' || c == '[') {
                // The top-level object is one level already.
                if (depth + 1 >= MAX_DEPTH) {
                    return -1;
                }
                stack[depth++] = c;
                i = whitespace(bytes, i + 1, to);
                if (i < 0) {
                    return -1;
                }
                if (bytes[i] == (c == '{' ? '}' : ']')) {
                    depth--;
                    i++;
                } else {
                    if (c == '{') {
                        i = name(bytes, i, to);
                        if (i < 0) {
                            return -1;
                        }
                    }
                    continue;
                }
            } else {
                i = scalar(bytes, i, to);
                if (i < 0) {
                    return -1;
                }
            }
            while (depth > 0) {
                i = whitespace(bytes, i, to);
                if (i < 0) {
                    return -1;
                }
                byte open = stack[depth - 1];
                if (bytes[i] == ',') {
                    i = whitespace(bytes, i + 1, to);
                    if (i < 0) {
                        return -1;
                    }
                    if (open == '{') {
                        i = name(bytes, i, to);
                        if (i < 0) {
                            return -1;
                        }
                    }
                    continue values;
                }
                if (bytes[i] != (open == '{' ? '}' : ']')) {
                    return -1;
                }
                depth--;
                i++;
            }
            return i;
        }
    }

    /** For a member of a nested object: reads {@code "name" :} and returns where its value starts; -1 when declined. */
    private int name(byte[] bytes, int i, int to) {
        if (bytes[i] != '"') {
            return -1;
        }
        int start = i;
        i = string(bytes, i, to);
        if (i < 0 || i - start - 2 > MAX_NAME_LENGTH) {
            return -1;
        }
        i = whitespace(bytes, i, to);
        if (i < 0 || bytes[i] != ':') {
            return -1;
        }
        return whitespace(bytes, i + 1, to);
    }
}
