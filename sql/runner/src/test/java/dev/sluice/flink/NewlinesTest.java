package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every byte value next to newlines, at every offset and length a word-wise search can get wrong. */
class NewlinesTest {
    private static final byte[] INTERESTING = {'\n', 0x0B, 0x09, (byte) 0x8A, 0x00, (byte) 0xFF, 0x7F, (byte) 0x80};

    private static byte[] randomBuffer(Random random) {
        byte[] buffer = new byte[random.nextInt(70)];
        for (int i = 0; i < buffer.length; i++) {
            buffer[i] = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)] : (byte) random.nextInt(256);
        }
        return buffer;
    }

    @Test
    void countsExactlyTheNewlinesOfAnyBytes() {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            byte[] buffer = randomBuffer(random);
            int length = buffer.length == 0 ? 0 : random.nextInt(buffer.length + 1);
            long expected = 0;
            for (int i = 0; i < length; i++) {
                expected += buffer[i] == '\n' ? 1 : 0;
            }
            assertEquals(expected, Newlines.count(buffer, length));
        }
    }

    @Test
    void findsExactlyTheFirstNewlineOfAnyRange() {
        Random random = new Random(11);
        for (int round = 0; round < 5_000; round++) {
            byte[] buffer = randomBuffer(random);
            int from = buffer.length == 0 ? 0 : random.nextInt(buffer.length + 1);
            int to = from + random.nextInt(buffer.length - from + 1);
            int expected = -1;
            for (int i = from; i < to && expected < 0; i++) {
                expected = buffer[i] == '\n' ? i : -1;
            }
            assertEquals(expected, Newlines.next(buffer, from, to), "from " + from + " to " + to);
        }
    }
}
