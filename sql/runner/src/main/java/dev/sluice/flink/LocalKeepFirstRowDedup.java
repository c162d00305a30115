package dev.sluice.flink;

import java.lang.reflect.Field;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.table.runtime.operators.deduplicate.DeduplicateFunctionBase;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepFirstRowFunction;
import org.apache.flink.table.runtime.util.StateConfigUtil;

/**
 * Flink's first-row deduplication on processing time, the function the planner gives
 * dedup-filter's {@code ROW_NUMBER() ... = 1}, as local runs use it: the same rows, the same state
 * (name, type, time to live, visibility), with its expired keys swept {@value #SWEPT_PER_ACCESS}
 * per access of the state instead of Flink's default five.
 *
 * <p>Local runs keep the state on the heap, where Flink removes expired keys by walking the state
 * a few entries at every access (incremental cleanup), reading the clock for each entry it visits.
 * With Flink's default of five, on the two accesses a first arrival makes, that walk cost more CPU
 * than anything else in the dedup (README, "Performance"). One entry per access still removes
 * every expired key without it being read again: the walk passes the whole state while at most
 * as many new keys arrive as the state holds (Flink's five: a quarter as many), so the state stays
 * within about twice the keys that arrive within one time to live. Managed Flink keeps the state
 * in RocksDB, which drops expired keys while compacting and never runs this walk, so it runs the
 * planner's function as it is.
 */
final class LocalKeepFirstRowDedup extends ProcTimeDeduplicateKeepFirstRowFunction {
    private static final long serialVersionUID = 1L;

    /** The state's name in Flink's function (SyncStateDeduplicateFunctionBase), so checkpoints of either restore into the other. */
    static final String STATE_NAME = "deduplicate-state";
    /** Entries of the state the heap backend visits for expired keys at each access of it. */
    static final int SWEPT_PER_ACCESS = 1;

    LocalKeepFirstRowDedup(long stateRetentionMillis) {
        super(stateRetentionMillis);
    }

    /** The same deduplication as {@code planned}: its time to live, taken from the function the planner built. */
    static LocalKeepFirstRowDedup of(ProcTimeDeduplicateKeepFirstRowFunction planned) {
        try {
            Field retention = DeduplicateFunctionBase.class.getDeclaredField("stateRetentionTime");
            retention.setAccessible(true);
            return new LocalKeepFirstRowDedup(retention.getLong(planned));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Flink's DeduplicateFunctionBase has no readable stateRetentionTime field:"
                    + " this runner was built against Flink 2.2; rebuild it (mvn package in sql/runner) for the Flink on its classpath", e);
        }
    }

    /**
     * Registers the state as Flink's function does (SyncStateDeduplicateFunctionBase.open), its time
     * to live from the same StateConfigUtil.createTtlConfig, with the sweep of {@value #SWEPT_PER_ACCESS}.
     */
    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>(STATE_NAME, Types.BOOLEAN);
        StateTtlConfig ttl = ttlConfig(stateRetentionTime);
        if (ttl.isEnabled()) {
            descriptor.enableTimeToLive(ttl);
        }
        state = getRuntimeContext().getState(descriptor);
    }

    /** Flink's time-to-live settings for a retention of {@code retentionMillis}, swept {@value #SWEPT_PER_ACCESS} entry per access. */
    static StateTtlConfig ttlConfig(long retentionMillis) {
        StateTtlConfig flinks = StateConfigUtil.createTtlConfig(retentionMillis);
        if (!flinks.isEnabled()) {
            return flinks;
        }
        return StateTtlConfig.newBuilder(flinks.getTimeToLive())
                .setUpdateType(flinks.getUpdateType())
                .setStateVisibility(flinks.getStateVisibility())
                .setTtlTimeCharacteristic(flinks.getTtlTimeCharacteristic())
                .cleanupIncrementally(SWEPT_PER_ACCESS, false)
                .build();
    }
}
