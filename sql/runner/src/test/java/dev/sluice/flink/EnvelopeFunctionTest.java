package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

class EnvelopeFunctionTest {
    private static RowData envelope(String text) {
        return new EnvelopeFunction().eval(text == null ? null : StringData.fromString(text));
    }

    private static RowData row(String... fields) {
        return GenericRowData.of((Object[]) java.util.Arrays.stream(fields).map(f -> f == null ? null : StringData.fromString(f)).toArray());
    }

    @Test
    void readsTopLevelFieldsOnly() {
        assertEquals(
                row("a", null, null, "t", null, null),
                envelope("{\"event_uuid\":\"a\",\"nested\":{\"event_uuid\":\"inner\"},\"event_type\":\"t\",\"event_subtype\":null}"));
    }

    @Test
    void writesNumbersInDecimalFormAndKeepsBigOnesWhole() {
        assertEquals(
                row("12345678901234567890", null, "1.0E+400", null, null, "1767225600.100"),
                envelope("{\"event_uuid\":12345678901234567890,\"created_at\":1.0e400,\"ingested_at\":1767225600.100}"));
    }

    @Test
    void givesNullsForTextThatIsNotAJsonObject() {
        RowData none = row(null, null, null, null, null, null);
        assertEquals(none, envelope("not json"));
        assertEquals(none, envelope("[\"event_type\"]"));
        assertEquals(none, envelope("{\"event_type\":\"unterminated\""));
        assertEquals(none, envelope(null));
    }

    @Test
    void answersARepeatedRecordFromThePreviousCallAndAnyOtherAfresh() {
        EnvelopeFunction function = new EnvelopeFunction();
        String first = "{\"event_type\":\"a\",\"event_subtype\":\"x\"}";
        assertEquals(row(null, null, null, "a", "x", null), function.eval(StringData.fromString(first)));
        assertEquals(row(null, null, null, "a", "x", null), function.eval(StringData.fromString(first)));
        assertEquals(row(null, null, null, "b", "x", null), function.eval(StringData.fromString("{\"event_type\":\"b\",\"event_subtype\":\"x\"}")));
        assertEquals(row(null, null, null, null, null, null), function.eval(StringData.fromString("{\"event_type\":")));
        assertEquals(row(null, null, null, "a", "x", null), function.eval(StringData.fromString(first)));
    }

    @Test
    void readsBytesThatAreNotUtf8AsTheirLenientDecoding() {
        byte[] text = "{\"event_type\":\"a?b\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        text[16] = (byte) 0xff;
        assertEquals(row(null, null, null, "a\uFFFDb", null, null), new EnvelopeFunction().eval(StringData.fromBytes(text)));
    }

    /** The same answers as JSON_VALUE, run side by side in Flink on fixtures/envelope-parity.jsonl. */
    @Test
    void agreesWithJsonValueInFlink() throws Exception {
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
        env.executeSql("CREATE TEMPORARY FUNCTION envelope AS 'dev.sluice.flink.EnvelopeFunction' LANGUAGE JAVA");
        env.executeSql("CREATE TEMPORARY TABLE cases (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '"
                + LocalJobs.fixture("envelope-parity.jsonl") + "', 'format' = 'raw')");
        StringBuilder jsonValues = new StringBuilder();
        StringBuilder fields = new StringBuilder();
        for (String field : EnvelopeFunction.FIELDS) {
            jsonValues.append(", JSON_VALUE(record_text, '$.").append(field).append("')");
            fields.append(", e.").append(field);
        }
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = env.executeSql(
                "SELECT record_text" + fields + jsonValues + " FROM (SELECT record_text, envelope(record_text) AS e FROM cases)").collect()) {
            it.forEachRemaining(rows::add);
        }
        assertEquals(14, rows.size());
        int n = EnvelopeFunction.FIELDS.length;
        for (Row row : rows) {
            for (int i = 0; i < n; i++) {
                assertEquals(row.getField(1 + n + i), row.getField(1 + i), EnvelopeFunction.FIELDS[i] + " of " + row.getField(0));
            }
        }
    }
}
