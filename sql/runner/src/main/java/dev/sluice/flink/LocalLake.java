package dev.sluice.flink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The local lake's Iceberg catalog: a filesystem (Hadoop) catalog whose warehouse is the lake
 * directory, with the curated tables in its namespace {@value #NAMESPACE}, so that a table's files
 * lie under {@code <lake>/curated/<table>/} as they do under the lake bucket's {@code curated/}.
 */
public final class LocalLake {
    public static final String NAMESPACE = "curated";
    /** The Flink name of a lake table is this prefix and its Iceberg name. */
    public static final String FLINK_PREFIX = "lake_";

    /**
     * The partition spec of each lake table, the same transforms the cloud tables are declared
     * with: events by event type and day of event time, aggregates by day of window start.
     */
    static final Map<String, Function<Schema, PartitionSpec>> PARTITIONING = Map.of(
            "events", schema -> PartitionSpec.builderFor(schema).identity("event_type").day("created_datetime").build(),
            "aggregates", schema -> PartitionSpec.builderFor(schema).day("window_start").build());

    /**
     * The file format properties of the cloud tables (core/lake/iceberg.ts, ICEBERG_TABLE_PROPERTIES),
     * so a local run writes the Parquet files the Flink applications write: zstd at level 1, which
     * compresses the JSON payload about as well as the default level 3 for much less CPU, and no
     * dictionary pages, which cost the jobs CPU for columns whose values are nearly all distinct.
     */
    static final Map<String, String> TABLE_PROPERTIES = Map.of(
            TableProperties.FORMAT_VERSION, "2",
            TableProperties.DEFAULT_FILE_FORMAT, "parquet",
            TableProperties.PARQUET_COMPRESSION, "zstd",
            TableProperties.PARQUET_COMPRESSION_LEVEL, "1",
            "parquet.enable.dictionary", "false");

    /** The Hadoop settings of the local lake's files (hadoopConfiguration), a resource of this jar. */
    static final String LOCAL_FILES_RESOURCE = "sluice-local-files.xml";

    /**
     * Hadoop's configuration for the local lake: {@code file:} paths go through
     * {@link LocalLakeFileSystem}, Hadoop's RawLocalFileSystem. Hadoop's default for them,
     * LocalFileSystem, computes a CRC32 of every byte a job writes and writes it to a {@code .crc}
     * file beside each data and metadata file; nothing reads those (DuckDB and the runner's own
     * readers do not), and they cost the jobs CPU (README, "Performance"). The settings are added
     * as a default resource, so every Hadoop configuration made in this JVM from then on has them:
     * Iceberg's Flink connector builds its own from the classpath and takes none from the table's
     * options. A file system Hadoop has already made for {@code file:} stays cached as it is, so
     * this is called before the runner's first use of the lake.
     */
    public static Configuration hadoopConfiguration() {
        Configuration.addDefaultResource(LOCAL_FILES_RESOURCE);
        return new Configuration();
    }

    private final HadoopCatalog catalog;
    private final String namespace;

    public LocalLake(Path lake) {
        this(lake, NAMESPACE);
    }

    /** A lake whose tables live in {@code namespace} (a stand-in for the Glue database in tests). */
    LocalLake(Path lake, String namespace) {
        this.catalog = new HadoopCatalog(hadoopConfiguration(), lake.toAbsolutePath().normalize().toString());
        this.namespace = namespace;
    }

    /**
     * Creates each lake table the job declares (temporary tables named lake_&lt;table&gt;) that the
     * catalog does not hold yet, with the declared columns and the table's partition spec.
     * Iceberg's Flink connector would create a missing table itself, but only with identity
     * partitions, so the runner does it first.
     */
    public void ensureTables(TableEnvironment tableEnv) {
        for (String flinkName : tableEnv.listTemporaryTables()) {
            if (!flinkName.startsWith(FLINK_PREFIX)) {
                continue;
            }
            String name = flinkName.substring(FLINK_PREFIX.length());
            Function<Schema, PartitionSpec> partitioning = PARTITIONING.get(name);
            if (partitioning == null) {
                throw new IllegalArgumentException("lake table " + flinkName + " has no partition spec; known lake tables: "
                        + String.join(", ", PARTITIONING.keySet()) + ". Add it to LocalLake.PARTITIONING.");
            }
            TableIdentifier id = TableIdentifier.of(Namespace.of(namespace), name);
            if (catalog.tableExists(id)) {
                continue;
            }
            ResolvedSchema declared = tableEnv.from(flinkName).getResolvedSchema();
            Schema schema = FlinkSchemaUtil.convert(declared);
            catalog.createTable(id, schema, partitioning.apply(schema), TABLE_PROPERTIES);
        }
    }

    /** What a reader of one table needs: its current snapshot and the data files live in it. */
    public record TableFiles(String table, Long snapshotId, Long committedAtMillis, long records, List<String> files) {
        String toJson() {
            List<String> quoted = files.stream().map(SqlRunner::jsonString).toList();
            return SqlRunner.jsonString(table) + ":{\"snapshot_id\":" + snapshotId + ",\"committed_at_ms\":" + committedAtMillis
                    + ",\"records\":" + records + ",\"files\":[" + String.join(",", quoted) + "]}";
        }
    }

    /**
     * The current snapshot of each table and the data files it holds, as Iceberg's own metadata
     * lists them (manifest list, then manifests). A table that does not exist yet has no files.
     * The lake tables are append-only; a snapshot with delete files is refused, since a reader of
     * the data files alone would show rows that were deleted.
     */
    public Map<String, TableFiles> liveFiles(List<String> tables) {
        Map<String, TableFiles> result = new LinkedHashMap<>();
        for (String name : tables) {
            TableIdentifier id = TableIdentifier.of(Namespace.of(namespace), name);
            if (!catalog.tableExists(id)) {
                result.put(name, new TableFiles(name, null, null, 0, List.of()));
                continue;
            }
            Table table = catalog.loadTable(id);
            Snapshot current = table.currentSnapshot();
            if (current == null) {
                result.put(name, new TableFiles(name, null, null, 0, List.of()));
                continue;
            }
            List<String> files = new ArrayList<>();
            long records = 0;
            try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(current.snapshotId()).planFiles()) {
                for (FileScanTask task : tasks) {
                    if (!task.deletes().isEmpty()) {
                        throw new IllegalStateException("table " + name + " snapshot " + current.snapshotId()
                                + " has delete files; the lake tables are append-only, so this lake was written by something else");
                    }
                    files.add(localPath(task.file().location()));
                    records += task.file().recordCount();
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot list the files of table " + name + ": " + e.getMessage(), e);
            }
            files.sort(null);
            result.put(name, new TableFiles(name, current.snapshotId(), current.timestampMillis(), records, files));
        }
        return result;
    }

    private static String localPath(String location) {
        return location.startsWith("file:") ? Path.of(java.net.URI.create(location)).toString() : location;
    }

    /** The lake tables a local reader knows. */
    public static final List<String> TABLES = List.of("events", "aggregates");

    /**
     * {@code LocalLake --lake <dir> [--watch <millis>]}: prints one JSON line with each lake table's
     * current snapshot and live data files; with --watch, prints a new line whenever a snapshot
     * changes, until stopped.
     */
    public static void main(String[] args) throws Exception {
        Path lake = null;
        long watchMillis = -1;
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--lake" -> lake = Path.of(args[++i]);
                case "--watch" -> watchMillis = Long.parseLong(args[++i]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (lake == null) {
            usage("--lake is required");
        }
        LocalLake local = new LocalLake(lake);
        String last = null;
        do {
            String line = "{" + String.join(",", local.liveFiles(TABLES).values().stream().map(TableFiles::toJson).toList()) + "}";
            if (!line.equals(last)) {
                System.out.println(line);
                System.out.flush();
                last = line;
            }
            if (watchMillis > 0) {
                Thread.sleep(watchMillis);
            }
        } while (watchMillis > 0);
    }

    private static void usage(String problem) {
        System.err.println("sluice-lake-files: " + problem + "; usage: --lake <dir> [--watch <millis>]");
        System.exit(2);
    }
}
