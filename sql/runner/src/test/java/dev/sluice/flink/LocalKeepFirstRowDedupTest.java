package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepFirstRowFunction;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.runtime.util.StateConfigUtil;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

class LocalKeepFirstRowDedupTest {
    private static final long TTL_MILLIS = 1_000;
    /** The record's first field as a binary row, the form of the planner's keys and of keys read back from a snapshot. */
    private static final KeySelector<RowData, RowData> KEY = row ->
            new RowDataSerializer(new VarCharType(VarCharType.MAX_LENGTH)).toBinaryRow(GenericRowData.of(row.getString(0))).copy();

    @Test
    void keepsFlinksTimeToLiveAndSweepsOneEntryPerAccess() {
        StateTtlConfig flinks = StateConfigUtil.createTtlConfig(TTL_MILLIS);
        StateTtlConfig local = LocalKeepFirstRowDedup.ttlConfig(TTL_MILLIS);
        assertEquals(Duration.ofMillis(TTL_MILLIS), local.getTimeToLive());
        assertEquals(flinks.getUpdateType(), local.getUpdateType());
        assertEquals(flinks.getStateVisibility(), local.getStateVisibility());
        assertEquals(flinks.getTtlTimeCharacteristic(), local.getTtlTimeCharacteristic());
        assertEquals(5, flinks.getCleanupStrategies().getIncrementalCleanupStrategy().getCleanupSize());
        assertEquals(1, local.getCleanupStrategies().getIncrementalCleanupStrategy().getCleanupSize());
        assertFalse(local.getCleanupStrategies().getIncrementalCleanupStrategy().runCleanupForEveryRecord());
        assertFalse(LocalKeepFirstRowDedup.ttlConfig(0).isEnabled());
    }

    @Test
    void takesTheTimeToLiveOfThePlannedFunction() throws Exception {
        try (var harness = harness(LocalKeepFirstRowDedup.of(new ProcTimeDeduplicateKeepFirstRowFunction(TTL_MILLIS)))) {
            harness.setStateTtlProcessingTime(0);
            process(harness, "a", "a");
            harness.setStateTtlProcessingTime(TTL_MILLIS - 1);
            process(harness, "a");
            harness.setStateTtlProcessingTime(TTL_MILLIS + 1);
            process(harness, "a");
            assertEquals(List.of("a", "a"), keys(harness.extractOutputValues()));
        }
    }

    @Test
    void keepsTheFirstRowOfEachKeyWithinTheTimeToLive() throws Exception {
        try (var harness = harness(new LocalKeepFirstRowDedup(TTL_MILLIS))) {
            harness.setStateTtlProcessingTime(0);
            process(harness, "a", "b", "a", "c", "b");
            harness.setStateTtlProcessingTime(TTL_MILLIS + 1);
            // Expired: "a" is a first arrival again.
            process(harness, "a", "a");
            assertEquals(List.of("a", "b", "c", "a"), keys(harness.extractOutputValues()));
        }
    }

    @Test
    void restoresTheStateOfFlinksFunctionAndTheOtherWayRound() throws Exception {
        OperatorSubtaskState flinks = snapshotAfterKeyA(new ProcTimeDeduplicateKeepFirstRowFunction(TTL_MILLIS));
        assertEquals(List.of("b"), keys(restoredThenKeysAAndB(new LocalKeepFirstRowDedup(TTL_MILLIS), flinks)));
        OperatorSubtaskState local = snapshotAfterKeyA(new LocalKeepFirstRowDedup(TTL_MILLIS));
        assertEquals(List.of("b"), keys(restoredThenKeysAAndB(new ProcTimeDeduplicateKeepFirstRowFunction(TTL_MILLIS), local)));
    }

    private static OperatorSubtaskState snapshotAfterKeyA(ProcTimeDeduplicateKeepFirstRowFunction dedup) throws Exception {
        try (var harness = harness(dedup)) {
            harness.setStateTtlProcessingTime(0);
            process(harness, "a");
            return harness.snapshot(1, 0);
        }
    }

    private static List<RowData> restoredThenKeysAAndB(ProcTimeDeduplicateKeepFirstRowFunction dedup, OperatorSubtaskState state)
            throws Exception {
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(dedup), KEY,
                InternalTypeInfo.ofFields(new VarCharType(VarCharType.MAX_LENGTH)))) {
            harness.initializeState(state);
            harness.open();
            harness.setStateTtlProcessingTime(1);
            process(harness, "a", "b");
            return harness.extractOutputValues();
        }
    }

    @Test
    void sweepsExpiredKeysThatAreNeverReadAgain() throws Exception {
        try (var harness = harness(new LocalKeepFirstRowDedup(TTL_MILLIS))) {
            harness.setStateTtlProcessingTime(0);
            process(harness, keys("old", 1_000));
            assertEquals(1_000, harness.numKeyedStateEntries());
            harness.setStateTtlProcessingTime(TTL_MILLIS + 1);
            process(harness, keys("new", 2_000));
            // Twice as many new keys as the state held: the walk has passed every old key and removed it.
            assertEquals(2_000, harness.numKeyedStateEntries());
            assertEquals(3_000, harness.extractOutputValues().size());
        }
    }

    private static String[] keys(String prefix, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toArray(String[]::new);
    }

    private static KeyedOneInputStreamOperatorTestHarness<RowData, RowData, RowData> harness(ProcTimeDeduplicateKeepFirstRowFunction dedup)
            throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(dedup), KEY,
                InternalTypeInfo.ofFields(new VarCharType(VarCharType.MAX_LENGTH)));
        harness.open();
        return harness;
    }

    private static void process(KeyedOneInputStreamOperatorTestHarness<RowData, RowData, RowData> harness, String... keys) throws Exception {
        for (String key : keys) {
            harness.processElement(GenericRowData.of(StringData.fromString(key)), 0);
        }
    }

    private static List<String> keys(List<RowData> rows) {
        return rows.stream().map(row -> row.getString(0).toString()).toList();
    }
}
