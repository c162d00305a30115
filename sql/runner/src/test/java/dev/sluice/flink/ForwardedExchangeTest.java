package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepFirstRowFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local runs chain the dedup to its source and run it as LocalKeepFirstRowDedup; the two phases of aggregate's windows stay apart. */
class ForwardedExchangeTest {
    @TempDir
    Path dir;

    private StreamGraph plan(String job, String fixture) throws Exception {
        Configuration conf = SqlRunner.localConfiguration(null);
        SqlRunner.LocalRun run = new SqlRunner.LocalRun(job, LocalJobs.fixture(fixture), dir.resolve(job),
                TestValues.forJob(job, "local", Map.of()));
        return run.streamGraph(StreamExecutionEnvironment.getExecutionEnvironment(conf), conf, dir.resolve(job + "-parts"));
    }

    /** The names of the job's tasks: each is its chained operators' names joined by " -> ". */
    private static List<String> tasks(StreamGraph graph) {
        return StreamSupport.stream(graph.getJobGraph().getVertices().spliterator(), false)
                .map(JobVertex::getName)
                .filter(name -> name.contains("Deduplicate") || name.contains("Source: events")
                        || name.contains("WindowAggregate"))
                .sorted()
                .toList();
    }

    @Test
    void dedupFilterRunsFromItsSourceThroughTheDedupInOneTask() throws Exception {
        StreamGraph graph = plan("dedup-filter", "dedup-filter.input.jsonl");
        assertEquals(2, tasks(graph).size(), "planned: the source and the dedup in tasks of their own: " + tasks(graph));

        assertEquals(1, SqlRunner.forwardExchangesIntoDedup(graph));
        List<String> chained = tasks(graph);
        assertEquals(1, chained.size(), "forwarded: " + chained);
        String task = chained.get(0);
        assertTrue(task.startsWith("Source: events") && task.contains("Deduplicate"), task);
    }

    @Test
    void dedupFilterRunsTheLocalDedupInTheSameChainedTask() throws Exception {
        StreamGraph graph = plan("dedup-filter", "dedup-filter.input.jsonl");
        SqlRunner.forwardExchangesIntoDedup(graph);
        List<String> chained = tasks(graph);

        assertEquals(1, SqlRunner.useLocalDedup(graph));
        assertEquals(chained, tasks(graph));
        List<Object> dedups = graph.getStreamNodes().stream()
                .map(node -> node.getOperatorFactory() instanceof SimpleOperatorFactory<?> factory
                        && factory.getOperator() instanceof KeyedProcessOperator<?, ?, ?> operator ? operator.getUserFunction() : null)
                .filter(function -> function instanceof ProcTimeDeduplicateKeepFirstRowFunction)
                .map(function -> (Object) function.getClass())
                .toList();
        assertEquals(List.of(LocalKeepFirstRowDedup.class), dedups);
        assertEquals(0, SqlRunner.useLocalDedup(graph), "already swapped");
    }

    @Test
    void aggregateKeepsItsExchangeBetweenTheWindowPhases() throws Exception {
        StreamGraph graph = plan("aggregate", "aggregate.input.jsonl");
        List<String> planned = tasks(graph);

        assertEquals(0, SqlRunner.forwardExchangesIntoDedup(graph));
        assertEquals(0, SqlRunner.useLocalDedup(graph));
        assertEquals(planned, tasks(graph));
        assertEquals(2, planned.size(), "the local and the global window phase in tasks of their own: " + planned);
    }
}
