package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

/** record_bytes() and record_string() hand the record over byte for byte, whatever its bytes. */
class RecordBytesTest {
    @Test
    void keepsEveryByteBothWays() {
        Random random = new Random(5);
        RecordBytesFunction toBytes = new RecordBytesFunction();
        RecordStringFunction toString = new RecordStringFunction();
        for (int round = 0; round < 1_000; round++) {
            // Any bytes: malformed UTF-8, lone continuation bytes, NUL, CR.
            byte[] record = new byte[random.nextInt(40)];
            random.nextBytes(record);
            assertArrayEquals(record, toBytes.eval(StringData.fromBytes(record)));
            assertArrayEquals(record, toString.eval(record).toBytes());
            assertArrayEquals(record, toBytes.eval(toString.eval(record)));
        }
    }

    @Test
    void passesNullOn() {
        assertNull(new RecordBytesFunction().eval(null));
        assertNull(new RecordStringFunction().eval(null));
    }
}
