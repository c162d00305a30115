package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pinned Iceberg Flink runtime (iceberg-flink-runtime-2.1 1.11.0, with hadoop-client 3.4.1)
 * running on Flink 2.2.0 in the mini-cluster: the dedup-filter job writes the lake table events,
 * and Iceberg's own Flink source reads back exactly the rows it wrote.
 */
class IcebergRuntimeTest {
    @TempDir
    static Path work;

    private static Path lake;
    private static String summary;

    @BeforeAll
    static void runJob() throws Exception {
        Path out = work.resolve("out");
        summary = new SqlRunner.LocalRun("dedup-filter", LocalJobs.fixture("dedup-filter.input.jsonl"), out,
                TestValues.forJob("dedup-filter", "local", Map.of("exclude_event_types", "internal", "exclude_event_names", "account:deleted")))
                .execute();
        lake = out.resolve("lake");
    }

    @Test
    void createsTheTableAsIcebergV2WithTheLakePartitionSpec() {
        HadoopCatalog catalog = new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), lake.toString());
        Table table = catalog.loadTable(TableIdentifier.of("curated", "events"));
        assertEquals("2", String.valueOf(((org.apache.iceberg.HasTableOperations) table).operations().current().formatVersion()));
        assertEquals("[\n  1000: event_type: identity(3)\n  1001: created_datetime_day: day(6)\n]", table.spec().toString());
        assertEquals(lake.resolve("curated/events").toString(), table.location().replaceAll("^file:", "").replaceAll("/$", ""));
        assertTrue(summary.contains("\"lake\":{\"path\":"), summary);
        assertTrue(summary.contains("\"events\":{\"snapshot_id\":"), summary);
        assertTrue(summary.contains("\"records\":8,"), summary);
    }

    @Test
    void readsBackTheRowsItWroteWithTheOriginalPayloadText() throws Exception {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.newInstance().inBatchMode()
                .withConfiguration(SqlRunner.localConfiguration()).build());
        env.executeSql("CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' = '" + lake + "')");
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = env.executeSql(
                "SELECT event_uuid, event_name, event_type, event_subtype, created_at, created_datetime, ingested_at, source, payload"
                        + " FROM lake.curated.events ORDER BY event_uuid, created_at").collect()) {
            it.forEachRemaining(rows::add);
        }
        assertEquals(8, rows.size());
        assertEquals(Row.of("00000000-0000-4000-8000-000000000001", "account:created", "account", "created", 1767225600.0,
                LocalDateTime.parse("2026-01-01T00:00:00"), LocalDateTime.parse("2026-01-01T00:00:01"), "stream", "{}"), rows.get(0));
        Row unusual = rows.stream().filter(r -> "profile:updated".equals(r.getField(1))).findFirst().orElseThrow();
        String line = Files.readAllLines(LocalJobs.fixture("dedup-filter.input.jsonl")).get(12);
        assertEquals(expectedPayload(line), unusual.getField(8));
        Row noSubtype = rows.stream().filter(r -> "heartbeat".equals(r.getField(1))).findFirst().orElseThrow();
        assertEquals(null, noSubtype.getField(3));
        Row older = rows.stream().filter(r -> "00000000-0000-4000-8000-000000000008".equals(r.getField(0))).findFirst().orElseThrow();
        assertEquals(LocalDateTime.parse("2025-12-02T00:00:00"), older.getField(5));
        assertEquals(1764633600.0, older.getField(4));
    }

    /** The fixture line's payload members, cut from the line by hand: from "big" to the closing brace. */
    private static String expectedPayload(String line) {
        int start = line.indexOf("\"big\"");
        return "{" + line.substring(start, line.lastIndexOf('}')).stripTrailing() + "}";
    }
}
