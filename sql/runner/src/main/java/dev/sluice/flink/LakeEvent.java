package dev.sluice.flink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.core.memory.MemorySegmentFactory;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.data.binary.BinaryStringData;

/**
 * The value of lake_event(record_text): the record's bytes and where each of its fields lies in
 * them, in one byte array, read by lake_text(), lake_time(), lake_payload() and lake_record().
 *
 * <p>It is BYTES, not a ROW of the fields beside the record's STRING, because Flink's generated
 * calculations deep-copy every STRING and ROW column they read or pass on, and pass BYTES on as
 * they are: on dedup-filter's way from the source to its two sinks, the calculations copied each
 * record's text five times and its ROW of fields three times (58% of the bytes the job allocated
 * and 14% of its task thread's CPU in a profile, README "Performance"). Now the record's bytes are
 * copied twice: by the first calculation, which reads the STRING, and into this value.
 *
 * <p>Layout, ints and longs big-endian:
 * <pre>
 *   0                  int   where the record's bytes start in the array
 *   4                  int   their length
 *   8                  TEXT_FIELDS.length x (int from, int to): each field's text; from -1 for NULL
 *   TIMES              long created_datetime, long ingested_at: epoch milliseconds UTC; NULL_TIME for NULL
 *   PAYLOAD            int   the payload's kind (PAYLOAD_NULL, PAYLOAD_MEMBERS, PAYLOAD_TEXT)
 *   PAYLOAD + 4        int   the number of spans, then (int from, int to) per span
 *   then the record's bytes, then any field text Jackson decoded (a record the scan declined)
 * </pre>
 */
final class LakeEvent {
    /** The fields the validator adds or requires (DESIGN.md, "Event contract"); every other member is payload. */
    static final String[] TEXT_FIELDS = {
        "event_uuid", "event_name", "created_at", "event_type", "event_subtype", "ingested_at", "created_datetime", "source"};
    static final int INGESTED_AT = 5;
    static final int CREATED_DATETIME = 6;
    /** The fields lake_time() reads: created_datetime and ingested_at, as UTC timestamps. */
    static final String[] TIME_FIELDS = {"created_datetime", "ingested_at"};
    static final int CREATED_TIME = 0;
    static final int INGESTED_TIME = 1;

    /** The payload is NULL: the record is unreadable. */
    static final int PAYLOAD_NULL = 0;
    /** The payload is its spans, each a run of adjacent payload members, joined by commas inside braces. */
    static final int PAYLOAD_MEMBERS = 1;
    /** The payload is the one span's text as it is (Jackson's reading, braces included). */
    static final int PAYLOAD_TEXT = 2;
    static final long NULL_TIME = Long.MIN_VALUE;

    private static final int FIELDS = 8;
    private static final int TIMES = FIELDS + TEXT_FIELDS.length * 2 * Integer.BYTES;
    private static final int PAYLOAD = TIMES + TIME_FIELDS.length * Long.BYTES;
    private static final int SPANS = PAYLOAD + 2 * Integer.BYTES;

    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private LakeEvent() {}

    /**
     * An event's value with room for {@code spans} payload spans and {@code extra} bytes after the
     * record's {@code length} bytes, which the caller copies in at {@link #recordStart}. Every field
     * starts NULL.
     */
    static byte[] allocate(int length, int spans, int extra) {
        int start = SPANS + spans * 2 * Integer.BYTES;
        byte[] event = new byte[start + length + extra];
        INTS.set(event, 0, start);
        INTS.set(event, 4, length);
        for (int i = 0; i < TEXT_FIELDS.length; i++) {
            INTS.set(event, FIELDS + i * 2 * Integer.BYTES, -1);
        }
        for (int i = 0; i < TIME_FIELDS.length; i++) {
            LONGS.set(event, TIMES + i * Long.BYTES, NULL_TIME);
        }
        INTS.set(event, PAYLOAD + Integer.BYTES, spans);
        return event;
    }

    static int recordStart(byte[] event) {
        return (int) INTS.get(event, 0);
    }

    static int recordLength(byte[] event) {
        return (int) INTS.get(event, 4);
    }

    static void setText(byte[] event, int field, int from, int to) {
        INTS.set(event, FIELDS + field * 2 * Integer.BYTES, from);
        INTS.set(event, FIELDS + field * 2 * Integer.BYTES + Integer.BYTES, to);
    }

    /** Sets time field {@code field} (an index of TIME_FIELDS) in epoch milliseconds UTC, or NULL_TIME. */
    static void setTime(byte[] event, int field, long millis) {
        LONGS.set(event, TIMES + field * Long.BYTES, millis);
    }

    static void setPayload(byte[] event, int kind) {
        INTS.set(event, PAYLOAD, kind);
    }

    static void setSpan(byte[] event, int span, int from, int to) {
        INTS.set(event, SPANS + span * 2 * Integer.BYTES, from);
        INTS.set(event, SPANS + span * 2 * Integer.BYTES + Integer.BYTES, to);
    }

    static int textFrom(byte[] event, int field) {
        return (int) INTS.get(event, FIELDS + field * 2 * Integer.BYTES);
    }

    static int textTo(byte[] event, int field) {
        return (int) INTS.get(event, FIELDS + field * 2 * Integer.BYTES + Integer.BYTES);
    }

    /** Time field {@code field} (an index of TIME_FIELDS) in epoch milliseconds UTC, or NULL_TIME. */
    static long time(byte[] event, int field) {
        return (long) LONGS.get(event, TIMES + field * Long.BYTES);
    }

    /** The payload's text, joined from its spans; null when the record is unreadable. */
    static StringData payload(byte[] event) {
        int kind = (int) INTS.get(event, PAYLOAD);
        int spans = (int) INTS.get(event, PAYLOAD + Integer.BYTES);
        if (kind == PAYLOAD_NULL) {
            return null;
        }
        if (kind == PAYLOAD_TEXT) {
            int from = spanFrom(event, 0);
            return StringData.fromBytes(Arrays.copyOfRange(event, from, spanTo(event, 0)));
        }
        int length = 1 + Math.max(0, spans - 1) + 1;
        for (int k = 0; k < spans; k++) {
            length += spanTo(event, k) - spanFrom(event, k);
        }
        byte[] text = new byte[length];
        text[0] = '{';
        int at = 1;
        for (int k = 0; k < spans; k++) {
            if (k > 0) {
                text[at++] = ',';
            }
            int from = spanFrom(event, k);
            int to = spanTo(event, k);
            System.arraycopy(event, from, text, at, to - from);
            at += to - from;
        }
        text[at] = '}';
        return StringData.fromBytes(text);
    }

    private static int spanFrom(byte[] event, int span) {
        return (int) INTS.get(event, SPANS + span * 2 * Integer.BYTES);
    }

    private static int spanTo(byte[] event, int span) {
        return (int) INTS.get(event, SPANS + span * 2 * Integer.BYTES + Integer.BYTES);
    }

    static TimestampData timestamp(long millis) {
        return millis == NULL_TIME ? null : TimestampData.fromEpochMillis(millis);
    }

    /** Index of {@code name} in {@code names}, or an error that names the fields there are. */
    static int field(StringData name, StringData[] names, String function) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        StringBuilder known = new StringBuilder();
        for (StringData n : names) {
            known.append(known.length() == 0 ? "" : ", ").append('\'').append(n).append('\'');
        }
        throw new IllegalArgumentException(function + "(e, '" + name + "'): no such field; use one of " + known);
    }

    static StringData[] strings(String... names) {
        StringData[] strings = new StringData[names.length];
        for (int i = 0; i < names.length; i++) {
            strings[i] = StringData.fromString(names[i]);
        }
        return strings;
    }

    /**
     * Strings over an event's own bytes: one memory segment per event, shared by every field read
     * from it, so a field adds one object (StringData.fromBytes would wrap the bytes in a segment
     * and an array of their own each time).
     */
    static final class Reader {
        private byte[] event;
        private MemorySegment[] segments;

        StringData text(byte[] event, int field) {
            int from = textFrom(event, field);
            return from < 0 ? null : slice(event, from, textTo(event, field));
        }

        StringData record(byte[] event) {
            int start = recordStart(event);
            return slice(event, start, start + recordLength(event));
        }

        private StringData slice(byte[] event, int from, int to) {
            if (event != this.event) {
                this.event = event;
                this.segments = new MemorySegment[] {MemorySegmentFactory.wrap(event)};
            }
            return BinaryStringData.fromAddress(segments, from, to - from);
        }
    }
}
