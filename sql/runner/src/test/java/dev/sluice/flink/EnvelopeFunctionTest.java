package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

class EnvelopeFunctionTest {
    private static final EnvelopeFunction ENVELOPE = new EnvelopeFunction();

    @Test
    void readsTopLevelFieldsOnly() {
        assertEquals(
                Row.of("a", null, null, "t", null, null),
                ENVELOPE.eval("{\"event_uuid\":\"a\",\"nested\":{\"event_uuid\":\"inner\"},\"event_type\":\"t\",\"event_subtype\":null}"));
    }

    @Test
    void writesNumbersInDecimalFormAndKeepsBigOnesWhole() {
        assertEquals(
                Row.of("12345678901234567890", null, "1.0E+400", null, null, "1767225600.100"),
                ENVELOPE.eval("{\"event_uuid\":12345678901234567890,\"created_at\":1.0e400,\"ingested_at\":1767225600.100}"));
    }

    @Test
    void givesNullsForTextThatIsNotAJsonObject() {
        Row none = Row.of(null, null, null, null, null, null);
        assertEquals(none, ENVELOPE.eval("not json"));
        assertEquals(none, ENVELOPE.eval("[\"event_type\"]"));
        assertEquals(none, ENVELOPE.eval("{\"event_type\":\"unterminated\""));
        assertEquals(none, ENVELOPE.eval(null));
    }

    /** The same answers as JSON_VALUE, run side by side in Flink on fixtures/envelope-parity.jsonl. */
    @Test
    void agreesWithJsonValueInFlink() throws Exception {
        TableEnvironment env = TableEnvironment.create(SqlRunner.localSettings(null));
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
        assertEquals(13, rows.size());
        int n = EnvelopeFunction.FIELDS.length;
        for (Row row : rows) {
            for (int i = 0; i < n; i++) {
                assertEquals(row.getField(1 + n + i), row.getField(1 + i), EnvelopeFunction.FIELDS[i] + " of " + row.getField(0));
            }
        }
    }
}
