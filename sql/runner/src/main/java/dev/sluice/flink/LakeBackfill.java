package dev.sluice.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SupportsPrefixOperations;

/**
 * Publishes a backfill: the lake tables a batch run of the jobs wrote into a staging catalog of
 * their own (a local filesystem catalog) replace the live tables' contents, in the local lake (a
 * filesystem catalog) or in the stack's Glue catalog (GlueCatalog, S3FileIO, SSE-KMS with the
 * stack key; the staged data files are copied into each live table's location first).
 *
 * <p>Iceberg has no transaction over two tables, so the publication is made as close to one as
 * it can be: each table is replaced by one atomic commit (an overwrite that removes every live
 * data file and adds every backfilled one, refused if the live table moved since it was tagged);
 * before either commit, each table's previous snapshot is tagged and a publish record naming both
 * tables and their previous snapshots is written. A publication interrupted between the two
 * commits leaves its record pending: running it again commits the table still missing (a table
 * already published is recognised by its snapshot's {@value #SUMMARY_ID}), and a restore rolls
 * both back to their tags. Snapshot expiry never removes a tagged snapshot, so the previous state
 * stays readable until its tag is dropped.
 */
public final class LakeBackfill {
    private LakeBackfill() {}

    /** Snapshot summary property naming the backfill that wrote the snapshot. */
    static final String SUMMARY_ID = "sluice.backfill-id";
    /** Prefix of the tag that keeps a table's state before a backfill. */
    static final String TAG_PREFIX = "before-backfill-";
    /** Directory of the publish records, beside the tables. */
    static final String RECORDS = "_backfills";

    /** The live lake: a catalog, the namespace of its tables, the FileIO and the root of the publish records. */
    public record Lake(Catalog catalog, Namespace namespace, FileIO io, String recordRoot, boolean copyFiles, String describe) {
        TableIdentifier id(String table) {
            return TableIdentifier.of(namespace, table);
        }

        String recordLocation(String id) {
            return recordRoot + "/" + id + ".properties";
        }
    }

    /** The local lake directory: a filesystem catalog with the tables in namespace curated. */
    public static Lake hadoopLake(Path dir) {
        String warehouse = dir.toAbsolutePath().normalize().toString();
        Configuration conf = LocalLake.hadoopConfiguration();
        FileIO io = CatalogUtil.loadFileIO("org.apache.iceberg.hadoop.HadoopFileIO", Map.of(), conf);
        return new Lake(new HadoopCatalog(conf, warehouse), Namespace.of(LocalLake.NAMESPACE), io,
                warehouse + "/" + LocalLake.NAMESPACE + "/" + RECORDS, false, warehouse);
    }

    /**
     * A stack's lake in the Glue catalog, with the catalog properties tables.cloud.sql gives the
     * jobs: GlueCatalog, S3FileIO, SSE-KMS with the stack key, the warehouse and the region. An
     * endpoint (an emulator in tests) is used for both Glue and S3, with path-style S3 addresses.
     * GlueCatalog and S3FileIO are loaded by name and need the AWS SDK of iceberg-aws-bundle, which
     * is on the classpath of this command only: the local runner jar does not carry the SDK.
     */
    public static Lake glueLake(String database, String warehouse, String region, String kmsKey, String endpoint) {
        Map<String, String> props = new HashMap<>();
        props.put("warehouse", warehouse);
        props.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        props.put("client.region", region);
        if (kmsKey != null) {
            props.put("s3.sse.type", "kms");
            props.put("s3.sse.key", kmsKey);
        }
        if (endpoint != null) {
            props.put("glue.endpoint", endpoint);
            props.put("s3.endpoint", endpoint);
            props.put("s3.path-style-access", "true");
        }
        try {
            Class.forName("software.amazon.awssdk.services.glue.GlueClient");
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("the AWS SDK of GlueCatalog and S3FileIO is not on the classpath: run this command with the iceberg-aws-bundle classpath (local/aws/pom.xml, sluice backfill does)", e);
        }
        Configuration conf = new Configuration();
        Catalog catalog = CatalogUtil.loadCatalog("org.apache.iceberg.aws.glue.GlueCatalog", "glue", props, conf);
        FileIO io = CatalogUtil.loadFileIO("org.apache.iceberg.aws.s3.S3FileIO", props, conf);
        String root = warehouse.replaceAll("/+$", "");
        return new Lake(catalog, Namespace.of(database), io, root + "/" + RECORDS, true, "Glue database " + database + " (" + root + ")");
    }

    private static Catalog staged(Path backfill) {
        return new HadoopCatalog(LocalLake.hadoopConfiguration(), backfill.toAbsolutePath().normalize().toString());
    }

    private static TableIdentifier stagedId(String table) {
        return TableIdentifier.of(Namespace.of(LocalLake.NAMESPACE), table);
    }

    private static List<DataFile> dataFiles(Table table) {
        return table.currentSnapshot() == null ? new ArrayList<>() : dataFiles(table, table.currentSnapshot().snapshotId());
    }

    private static List<DataFile> dataFiles(Table table, long snapshotId) {
        List<DataFile> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(snapshotId).planFiles()) {
            for (FileScanTask task : tasks) {
                files.add(task.file());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data files of " + table.name(), e);
        }
        return files;
    }

    /** What one table's publication did. */
    public record Published(String table, Long previousSnapshot, long newSnapshot, int removedFiles, int addedFiles, long records) {
        String toJson() {
            return SqlRunner.jsonString(table) + ":{\"previous_snapshot\":" + previousSnapshot + ",\"new_snapshot\":" + newSnapshot
                    + ",\"removed_files\":" + removedFiles + ",\"added_files\":" + addedFiles + ",\"records\":" + records + "}";
        }
    }

    /** A publish record: what a publication replaces, written before its first commit. */
    public record PublishRecord(String id, String state, String backfill, String source, Map<String, Long> previous) {
        String tag() {
            return TAG_PREFIX + id;
        }

        String toJson() {
            List<String> tables = new ArrayList<>();
            previous.forEach((table, snapshot) -> tables.add(SqlRunner.jsonString(table) + ":" + snapshot));
            return "{\"id\":" + SqlRunner.jsonString(id) + ",\"state\":" + SqlRunner.jsonString(state) + ",\"tag\":" + SqlRunner.jsonString(tag())
                    + ",\"backfill\":" + SqlRunner.jsonString(backfill) + ",\"source\":" + SqlRunner.jsonString(source)
                    + ",\"previous_snapshots\":{" + String.join(",", tables) + "}}";
        }
    }

    static final String PUBLISHING = "publishing";
    static final String DONE = "done";
    static final String ROLLED_BACK = "rolled-back";

    private static void writeRecord(Lake lake, PublishRecord record) {
        Properties props = new Properties();
        props.setProperty("id", record.id());
        props.setProperty("state", record.state());
        props.setProperty("backfill", record.backfill());
        props.setProperty("source", record.source());
        record.previous().forEach((table, snapshot) -> props.setProperty("previous." + table, snapshot == null ? "" : Long.toString(snapshot)));
        StringWriter text = new StringWriter();
        try {
            props.store(text, "sluice backfill publish record");
            // One object written whole (an S3 PUT, or a local file replaced): a reader sees the old record or the new one.
            try (OutputStream out = lake.io().newOutputFile(lake.recordLocation(record.id())).createOrOverwrite()) {
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the publish record " + lake.recordLocation(record.id()), e);
        }
    }

    static PublishRecord readRecord(Lake lake, String id) {
        InputFile file = lake.io().newInputFile(lake.recordLocation(id));
        if (!file.exists()) {
            return null;
        }
        Properties props = new Properties();
        try (InputStream in = file.newStream()) {
            props.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the publish record " + file.location(), e);
        }
        Map<String, Long> previous = new LinkedHashMap<>();
        for (String table : LocalLake.TABLES) {
            String value = props.getProperty("previous." + table, "");
            previous.put(table, value.isEmpty() ? null : Long.parseLong(value));
        }
        return new PublishRecord(props.getProperty("id"), props.getProperty("state"), props.getProperty("backfill"), props.getProperty("source", ""), previous);
    }

    /** Every publish record of the lake, oldest id first. */
    public static List<PublishRecord> records(Lake lake) {
        List<PublishRecord> result = new ArrayList<>();
        if (!(lake.io() instanceof SupportsPrefixOperations prefixes)) {
            throw new IllegalStateException(lake.io().getClass().getName() + " cannot list the publish records");
        }
        // A local directory that does not exist lists as an error; an S3 prefix without objects lists as nothing.
        if (!lake.copyFiles() && !java.nio.file.Files.isDirectory(Path.of(lake.recordRoot()))) {
            return result;
        }
        List<String> ids = new ArrayList<>();
        for (FileInfo info : prefixes.listPrefix(lake.recordRoot() + "/")) {
            String name = info.location().substring(info.location().lastIndexOf('/') + 1);
            if (name.endsWith(".properties")) {
                ids.add(name.substring(0, name.length() - ".properties".length()));
            }
        }
        ids.sort(null);
        for (String id : ids) {
            result.add(readRecord(lake, id));
        }
        return result;
    }

    /** The snapshot of the table's current history that this backfill wrote, if any. */
    private static Snapshot publishedBy(Table table, String id) {
        for (Snapshot s = table.currentSnapshot(); s != null; s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
            if (id.equals(s.summary().get(SUMMARY_ID))) {
                return s;
            }
        }
        return null;
    }

    private static Published describe(String table, Long previous, Snapshot snapshot) {
        Map<String, String> summary = snapshot.summary();
        return new Published(table, previous, snapshot.snapshotId(), Integer.parseInt(summary.getOrDefault(SnapshotSummary.DELETED_FILES_PROP, "0")),
                Integer.parseInt(summary.getOrDefault(SnapshotSummary.ADDED_FILES_PROP, "0")), Long.parseLong(summary.getOrDefault(SnapshotSummary.TOTAL_RECORDS_PROP, "0")));
    }

    /** A staged data file as a file of the live table: the same file in place, or copied into the table's location. */
    private static DataFile liveFile(Lake lake, Table target, Table source, DataFile file, String id) {
        if (!lake.copyFiles()) {
            return DataFiles.builder(target.spec()).copy(file).build();
        }
        String name = file.location().substring(file.location().lastIndexOf('/') + 1);
        String location = target.locationProvider().newDataLocation(target.spec(), file.partition(), "backfill-" + id + "-" + name);
        try (InputStream in = source.io().newInputFile(file.location()).newStream();
                OutputStream out = target.io().newOutputFile(location).createOrOverwrite()) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + file.location() + " to " + location, e);
        }
        return DataFiles.builder(target.spec()).copy(file).withPath(location).build();
    }

    /** Creates a table the live catalog lacks with the staged table's schema and partition spec (a catalog lost with its tables). */
    private static void createLive(Lake lake, String name, Table source) {
        if (lake.copyFiles()) {
            String root = lake.recordRoot().substring(0, lake.recordRoot().length() - RECORDS.length() - 1);
            lake.catalog().buildTable(lake.id(name), source.schema()).withPartitionSpec(source.spec()).withLocation(root + "/" + name).withProperties(LocalLake.TABLE_PROPERTIES).create();
        } else {
            lake.catalog().createTable(lake.id(name), source.schema(), source.spec(), LocalLake.TABLE_PROPERTIES);
        }
    }

    /**
     * Publishes the backfill {@code id} staged in {@code backfill}: replaces each live table's
     * contents with the staged table's, after tagging each previous state {@code before-backfill-<id>}
     * and writing the publish record. Run again with the same id after an interruption, it commits
     * only the tables still missing. {@code afterTable} is told each table once its commit is made.
     */
    public static Map<String, Published> publish(Lake lake, Path backfill, String id, String source, boolean createMissing, Consumer<String> afterTable) {
        PublishRecord record = readRecord(lake, id);
        if (record != null && !PUBLISHING.equals(record.state()) && !DONE.equals(record.state())) {
            throw new IllegalArgumentException("backfill " + id + " was " + record.state() + "; stage a new backfill to publish again");
        }
        Catalog stagedCatalog = staged(backfill);
        if (record == null) {
            for (PublishRecord other : records(lake)) {
                if (PUBLISHING.equals(other.state())) {
                    throw new IllegalArgumentException("the publication of backfill " + other.id() + " (from " + other.source() + ") was interrupted; finish it first by running it again, "
                            + "or roll it back to " + other.tag());
                }
            }
            Map<String, Long> previous = new LinkedHashMap<>();
            for (String name : LocalLake.TABLES) {
                if (!stagedCatalog.tableExists(stagedId(name))) {
                    throw new IllegalArgumentException("the backfill " + backfill + " has no table " + name + "; run both jobs into it before publishing");
                }
                Table staged = stagedCatalog.loadTable(stagedId(name));
                if (!lake.catalog().tableExists(lake.id(name))) {
                    if (!createMissing) {
                        throw new IllegalArgumentException(lake.describe() + " has no table " + name + " to replace; "
                                + (lake.copyFiles() ? "recreate the stack's tables (make deploy) first" : "rebuild it instead (sluice local --from-archive into a new --out)"));
                    }
                    createLive(lake, name, staged);
                }
                Table target = lake.catalog().loadTable(lake.id(name));
                if (!target.schema().sameSchema(staged.schema()) || !target.spec().compatibleWith(staged.spec())) {
                    throw new IllegalArgumentException("table " + name + " of the backfill has another schema or partition spec than the live table; "
                            + "a changed table needs a migration, not a backfill");
                }
                if (target.refs().containsKey(TAG_PREFIX + id)) {
                    throw new IllegalArgumentException("table " + name + " already has a tag " + TAG_PREFIX + id + "; choose another backfill id or drop the tag first");
                }
                previous.put(name, target.currentSnapshot() == null ? null : target.currentSnapshot().snapshotId());
            }
            for (String name : LocalLake.TABLES) {
                if (previous.get(name) != null) {
                    lake.catalog().loadTable(lake.id(name)).manageSnapshots().createTag(TAG_PREFIX + id, previous.get(name)).commit();
                }
            }
            record = new PublishRecord(id, PUBLISHING, backfill.toAbsolutePath().normalize().toString(), source == null ? "" : source, previous);
            writeRecord(lake, record);
        }
        Map<String, Published> result = new LinkedHashMap<>();
        for (String name : LocalLake.TABLES) {
            Table target = lake.catalog().loadTable(lake.id(name));
            Long previous = record.previous().get(name);
            Snapshot done = publishedBy(target, id);
            if (done == null) {
                Table staged = stagedCatalog.loadTable(stagedId(name));
                OverwriteFiles overwrite = target.newOverwrite();
                if (previous != null) {
                    // Refused if the live table gained data anywhere since it was tagged: nothing is silently dropped.
                    overwrite.validateFromSnapshot(previous).conflictDetectionFilter(Expressions.alwaysTrue()).validateNoConflictingData().validateNoConflictingDeletes();
                    dataFiles(target, previous).forEach(overwrite::deleteFile);
                } else if (target.currentSnapshot() != null) {
                    throw new IllegalStateException("table " + name + " was empty when backfill " + id + " was recorded and has data now; roll back to " + record.tag() + " or check who writes it");
                }
                for (DataFile file : dataFiles(staged)) {
                    overwrite.addFile(liveFile(lake, target, staged, file, id));
                }
                overwrite.set(SUMMARY_ID, id).set("sluice.backfill", record.backfill()).commit();
                target.refresh();
                done = target.currentSnapshot();
            }
            result.put(name, describe(name, previous, done));
            afterTable.accept(name);
        }
        if (!DONE.equals(record.state())) {
            writeRecord(lake, new PublishRecord(id, DONE, record.backfill(), record.source(), record.previous()));
        }
        return result;
    }

    private static String idOf(String tag) {
        if (!tag.startsWith(TAG_PREFIX) || tag.length() == TAG_PREFIX.length()) {
            throw new IllegalArgumentException("tag " + tag + " is not a backfill's tag (" + TAG_PREFIX + "<id>); list them with: LakeBackfill tags");
        }
        return tag.substring(TAG_PREFIX.length());
    }

    /**
     * Makes each table's state before the backfill current again: a rollback to the tagged
     * snapshot (the backfill stays in history), or, for a table that was empty before, a commit
     * that removes the backfill's files. Works on a finished and on an interrupted publication.
     */
    public static void restore(Lake lake, String tag) {
        PublishRecord record = readRecord(lake, idOf(tag));
        for (String name : LocalLake.TABLES) {
            Table table = lake.catalog().loadTable(lake.id(name));
            SnapshotRef ref = table.refs().get(tag);
            boolean emptyBefore = record != null && record.previous().get(name) == null;
            if (ref != null && ref.isTag()) {
                if (table.currentSnapshot() == null || table.currentSnapshot().snapshotId() != ref.snapshotId()) {
                    table.manageSnapshots().rollbackTo(ref.snapshotId()).commit();
                }
            } else if (emptyBefore) {
                if (publishedBy(table, record.id()) != null) {
                    OverwriteFiles clear = table.newOverwrite();
                    dataFiles(table).forEach(clear::deleteFile);
                    clear.set(SUMMARY_ID + ".restored", record.id()).commit();
                }
            } else {
                throw new IllegalArgumentException("table " + name + " has no tag " + tag + "; list them with: LakeBackfill tags");
            }
        }
        if (record != null) {
            writeRecord(lake, new PublishRecord(record.id(), ROLLED_BACK, record.backfill(), record.source(), record.previous()));
        }
    }

    /** Drops the tag of a previous state, so snapshot expiry may reclaim its files. */
    public static void drop(Lake lake, String tag) {
        PublishRecord record = readRecord(lake, idOf(tag));
        if (record != null && PUBLISHING.equals(record.state())) {
            throw new IllegalArgumentException("the publication of backfill " + record.id() + " is not finished; finish it (run it again) or restore " + tag + " before dropping the previous state");
        }
        for (String name : LocalLake.TABLES) {
            Table table = lake.catalog().loadTable(lake.id(name));
            if (table.refs().containsKey(tag)) {
                table.manageSnapshots().removeTag(tag).commit();
            }
        }
    }

    /** Each table's tags: name -> snapshot id. */
    public static Map<String, Map<String, Long>> tags(Lake lake) {
        Map<String, Map<String, Long>> result = new LinkedHashMap<>();
        for (String name : LocalLake.TABLES) {
            Map<String, Long> tags = new LinkedHashMap<>();
            if (lake.catalog().tableExists(lake.id(name))) {
                lake.catalog().loadTable(lake.id(name)).refs().forEach((ref, snapshot) -> {
                    if (snapshot.isTag()) {
                        tags.put(ref, snapshot.snapshotId());
                    }
                });
            }
            result.put(name, tags);
        }
        return result;
    }

    /** Each live table's current snapshot, record count and data file locations (a table not there: none). */
    public static String filesJson(Lake lake) {
        List<String> tables = new ArrayList<>();
        for (String name : LocalLake.TABLES) {
            if (!lake.catalog().tableExists(lake.id(name))) {
                tables.add(SqlRunner.jsonString(name) + ":{\"exists\":false,\"snapshot_id\":null,\"records\":0,\"files\":[]}");
                continue;
            }
            Table table = lake.catalog().loadTable(lake.id(name));
            List<String> files = new ArrayList<>();
            long records = 0;
            for (DataFile file : dataFiles(table)) {
                files.add(SqlRunner.jsonString(file.location()));
                records += file.recordCount();
            }
            files.sort(null);
            Snapshot current = table.currentSnapshot();
            tables.add(SqlRunner.jsonString(name) + ":{\"exists\":true,\"snapshot_id\":" + (current == null ? null : current.snapshotId()) + ",\"records\":" + records
                    + ",\"files\":[" + String.join(",", files) + "]}");
        }
        return "{" + String.join(",", tables) + "}";
    }

    /** An environment variable that makes publish stop the JVM dead after the named table's commit: the interruption the tests make. */
    static final String CRASH_AFTER_ENV = "SLUICE_BACKFILL_CRASH_AFTER";

    /**
     * {@code LakeBackfill <command> <lake> [options]}, where the lake is {@code --lake <dir>} (a
     * local lake) or {@code --glue-database <db> --warehouse <s3://...> --region <r> [--kms-key <arn>]
     * [--endpoint <url>]}, and the command one of {@code publish --backfill <dir> --id <id> [--source <text>]
     * [--create-missing]}, {@code restore --tag <t>}, {@code drop --tag <t>}, {@code tags}, {@code pending},
     * {@code files}. Prints one JSON line.
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            usage("give a command");
        }
        Map<String, String> opts = new HashMap<>();
        boolean createMissing = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--create-missing")) {
                createMissing = true;
                continue;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        for (String key : opts.keySet()) {
            if (!List.of("lake", "glue-database", "warehouse", "region", "kms-key", "endpoint", "backfill", "id", "source", "tag").contains(key)) {
                usage("unknown option --" + key);
            }
        }
        try {
            Lake lake;
            if (opts.containsKey("lake")) {
                lake = hadoopLake(Path.of(opts.get("lake")));
            } else if (opts.containsKey("glue-database")) {
                if (!opts.containsKey("warehouse") || !opts.containsKey("region")) {
                    usage("--glue-database needs --warehouse and --region");
                }
                lake = glueLake(opts.get("glue-database"), opts.get("warehouse"), opts.get("region"), opts.get("kms-key"), opts.get("endpoint"));
            } else {
                usage("give the lake: --lake <dir> or --glue-database <db> --warehouse <s3://...> --region <region>");
                return;
            }
            switch (args[0]) {
                case "publish" -> {
                    if (!opts.containsKey("backfill") || !opts.containsKey("id")) {
                        usage("publish needs --backfill and --id");
                    }
                    String crashAfter = System.getenv(CRASH_AFTER_ENV);
                    Map<String, Published> published = publish(lake, Path.of(opts.get("backfill")), opts.get("id"), opts.get("source"), createMissing, table -> {
                        if (table.equals(crashAfter)) {
                            System.err.println("sluice-lake-backfill: stopping dead after the commit of " + table + " (" + CRASH_AFTER_ENV + ")");
                            Runtime.getRuntime().halt(137);
                        }
                    });
                    System.out.println("{" + String.join(",", published.values().stream().map(Published::toJson).toList()) + "}");
                }
                case "restore", "drop" -> {
                    if (!opts.containsKey("tag")) {
                        usage(args[0] + " needs --tag");
                    }
                    if (args[0].equals("restore")) {
                        restore(lake, opts.get("tag"));
                    } else {
                        drop(lake, opts.get("tag"));
                    }
                    System.out.println("{}");
                }
                case "tags" -> {
                    List<String> tables = new ArrayList<>();
                    tags(lake).forEach((table, tags) -> {
                        List<String> entries = new ArrayList<>();
                        tags.forEach((name, snapshot) -> entries.add(SqlRunner.jsonString(name) + ":" + snapshot));
                        tables.add(SqlRunner.jsonString(table) + ":{" + String.join(",", entries) + "}");
                    });
                    System.out.println("{" + String.join(",", tables) + "}");
                }
                case "pending" -> System.out.println("[" + String.join(",", records(lake).stream().filter(r -> PUBLISHING.equals(r.state())).map(PublishRecord::toJson).toList()) + "]");
                case "files" -> System.out.println(filesJson(lake));
                default -> usage("unknown command " + args[0]);
            }
        } catch (IllegalArgumentException | IllegalStateException | org.apache.iceberg.exceptions.ValidationException e) {
            System.err.println("sluice-lake-backfill: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage(String problem) {
        System.err.println("sluice-lake-backfill: " + problem
                + "; usage: publish|restore|drop|tags|pending|files (--lake <dir> | --glue-database <db> --warehouse <s3://...> --region <r> [--kms-key <arn>] [--endpoint <url>])"
                + " [--backfill <dir> --id <id> [--source <text>] [--create-missing]] [--tag <before-backfill-id>]");
        System.exit(2);
    }
}
