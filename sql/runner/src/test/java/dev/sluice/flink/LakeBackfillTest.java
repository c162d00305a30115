package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publication of a backfill over the local lake's catalog: both tables replaced, their
 * previous states tagged, a publication interrupted between the two tables finished by running it
 * again or rolled back, and a live table that moved in between refused. The tables hold data file
 * entries only (publishing never reads a data file of a local lake), so no job has to run.
 */
class LakeBackfillTest {
    private static final Schema EVENTS = new Schema(
            Types.NestedField.optional(1, "event_uuid", Types.StringType.get()),
            Types.NestedField.optional(2, "event_type", Types.StringType.get()),
            Types.NestedField.optional(3, "created_datetime", Types.TimestampType.withoutZone()));
    private static final Schema AGGREGATES = new Schema(
            Types.NestedField.optional(1, "window_start", Types.TimestampType.withoutZone()),
            Types.NestedField.optional(2, "event_count", Types.LongType.get()));

    @TempDir
    Path work;

    private Path live;
    private Path staged;

    private static Table create(Path warehouse, String name) {
        HadoopCatalog catalog = new HadoopCatalog(new Configuration(), warehouse.toString());
        TableIdentifier id = TableIdentifier.of(Namespace.of(LocalLake.NAMESPACE), name);
        return name.equals("events")
                ? catalog.createTable(id, EVENTS, PartitionSpec.builderFor(EVENTS).identity("event_type").day("created_datetime").build())
                : catalog.createTable(id, AGGREGATES, PartitionSpec.builderFor(AGGREGATES).day("window_start").build());
    }

    private static Table load(Path warehouse, String name) {
        return new HadoopCatalog(new Configuration(), warehouse.toString()).loadTable(TableIdentifier.of(Namespace.of(LocalLake.NAMESPACE), name));
    }

    private static void append(Table table, String... files) {
        AppendFiles append = table.newAppend();
        for (String file : files) {
            DataFiles.Builder builder = DataFiles.builder(table.spec()).withPath(file).withFileSizeInBytes(100).withRecordCount(10).withFormat(FileFormat.PARQUET);
            append.appendFile((table.name().endsWith("events") ? builder.withPartitionPath("event_type=payment/created_datetime_day=2026-03-17")
                    : builder.withPartitionPath("window_start_day=2026-03-17")).build());
        }
        append.commit();
    }

    private static Set<String> files(Path warehouse, String name) {
        Table table = load(warehouse, name);
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            return java.util.stream.StreamSupport.stream(tasks.spliterator(), false).map(t -> t.file().location())
                    .map(l -> l.substring(l.lastIndexOf('/') + 1)).collect(Collectors.toSet());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeEach
    void lakes() {
        live = work.resolve("live");
        staged = work.resolve("staged");
        append(create(live, "events"), "/data/live-events-1.parquet", "/data/live-events-2.parquet");
        append(create(live, "aggregates"), "/data/live-aggregates-1.parquet");
        append(create(staged, "events"), "/data/new-events-1.parquet");
        append(create(staged, "aggregates"), "/data/new-aggregates-1.parquet", "/data/new-aggregates-2.parquet");
    }

    private Map<String, LakeBackfill.Published> publish(String id, java.util.function.Consumer<String> afterTable) {
        return LakeBackfill.publish(LakeBackfill.hadoopLake(live), staged, id, "archive-a", false, afterTable);
    }

    @Test
    void replacesBothTablesAndTagsTheirPreviousState() {
        long eventsBefore = load(live, "events").currentSnapshot().snapshotId();
        Map<String, LakeBackfill.Published> published = publish("b1", t -> {});
        assertEquals(Set.of("new-events-1.parquet"), files(live, "events"));
        assertEquals(Set.of("new-aggregates-1.parquet", "new-aggregates-2.parquet"), files(live, "aggregates"));
        assertEquals(eventsBefore, published.get("events").previousSnapshot());
        assertEquals(2, published.get("events").removedFiles());
        assertEquals(1, published.get("events").addedFiles());
        assertEquals(10, published.get("events").records());
        assertEquals(20, published.get("aggregates").records());
        assertEquals(eventsBefore, load(live, "events").refs().get("before-backfill-b1").snapshotId());
        LakeBackfill.Lake lake = LakeBackfill.hadoopLake(live);
        assertEquals("done", LakeBackfill.readRecord(lake, "b1").state());
        assertTrue(LakeBackfill.records(lake).stream().noneMatch(r -> r.state().equals("publishing")));
        // Published again, a finished publication changes nothing.
        long eventsAfter = load(live, "events").currentSnapshot().snapshotId();
        publish("b1", t -> {});
        assertEquals(eventsAfter, load(live, "events").currentSnapshot().snapshotId());
    }

    @Test
    void anInterruptionBetweenTheTablesIsFinishedByRunningItAgain() {
        RuntimeException crash = new RuntimeException("stopped after events");
        assertThrows(RuntimeException.class, () -> publish("b2", t -> {
            if (t.equals("events")) {
                throw crash;
            }
        }));
        // Half published: events is new, aggregates is still the old one, and the record says so.
        assertEquals(Set.of("new-events-1.parquet"), files(live, "events"));
        assertEquals(Set.of("live-aggregates-1.parquet"), files(live, "aggregates"));
        LakeBackfill.Lake lake = LakeBackfill.hadoopLake(live);
        List<LakeBackfill.PublishRecord> pending = LakeBackfill.records(lake).stream().filter(r -> r.state().equals("publishing")).toList();
        assertEquals(List.of("b2"), pending.stream().map(LakeBackfill.PublishRecord::id).toList());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> publish("b3", t -> {}));
        assertEquals("the publication of backfill b2 (from archive-a) was interrupted; finish it first by running it again, or roll it back to before-backfill-b2", other.getMessage());

        long eventsSnapshot = load(live, "events").currentSnapshot().snapshotId();
        Map<String, LakeBackfill.Published> finished = publish("b2", t -> {});
        assertEquals(eventsSnapshot, finished.get("events").newSnapshot(), "events is not committed twice");
        assertEquals(eventsSnapshot, load(live, "events").currentSnapshot().snapshotId());
        assertEquals(Set.of("new-aggregates-1.parquet", "new-aggregates-2.parquet"), files(live, "aggregates"));
        assertEquals("done", LakeBackfill.readRecord(lake, "b2").state());
    }

    @Test
    void anInterruptionIsRolledBackByARestoreOfItsTag() {
        assertThrows(RuntimeException.class, () -> publish("b4", t -> {
            if (t.equals("events")) {
                throw new RuntimeException("stopped");
            }
        }));
        LakeBackfill.Lake lake = LakeBackfill.hadoopLake(live);
        LakeBackfill.restore(lake, "before-backfill-b4");
        assertEquals(Set.of("live-events-1.parquet", "live-events-2.parquet"), files(live, "events"));
        assertEquals(Set.of("live-aggregates-1.parquet"), files(live, "aggregates"));
        assertEquals("rolled-back", LakeBackfill.readRecord(lake, "b4").state());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> publish("b4", t -> {}));
        assertEquals("backfill b4 was rolled-back; stage a new backfill to publish again", again.getMessage());
        // Nothing pending any more: a new backfill may publish, and its previous state is the restored one.
        publish("b5", t -> {});
        assertEquals(Set.of("new-events-1.parquet"), files(live, "events"));
        LakeBackfill.restore(lake, "before-backfill-b5");
        assertEquals(Set.of("live-events-1.parquet", "live-events-2.parquet"), files(live, "events"));
    }

    @Test
    void aLiveTableThatMovedSinceItWasTaggedIsNotOverwritten() {
        assertThrows(RuntimeException.class, () -> publish("b6", t -> {
            if (t.equals("events")) {
                throw new RuntimeException("stopped");
            }
        }));
        append(load(live, "aggregates"), "/data/late-aggregates.parquet");
        assertThrows(ValidationException.class, () -> publish("b6", t -> {}));
        assertEquals(Set.of("live-aggregates-1.parquet", "late-aggregates.parquet"), files(live, "aggregates"));
    }

    @Test
    void aTableEmptyBeforeTheBackfillIsEmptiedByTheRestore() {
        Path fresh = work.resolve("fresh");
        create(fresh, "events");
        create(fresh, "aggregates");
        LakeBackfill.Lake lake = LakeBackfill.hadoopLake(fresh);
        Map<String, LakeBackfill.Published> published = LakeBackfill.publish(lake, staged, "b7", "archive-a", false, t -> {});
        assertNull(published.get("events").previousSnapshot());
        assertEquals(Set.of("new-events-1.parquet"), files(fresh, "events"));
        LakeBackfill.restore(lake, "before-backfill-b7");
        assertEquals(Set.of(), files(fresh, "events"));
        assertEquals(Set.of(), files(fresh, "aggregates"));
    }
}
