package dev.sluice.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Publishes a backfill: the lake tables a batch run of the jobs wrote into a catalog of their own
 * replace the live tables' contents, one atomic Iceberg commit per table (an overwrite that
 * removes every live data file and adds every backfilled one, refused if the live table moved
 * since it was read). The live snapshot before it is tagged, so it stays readable and restorable
 * until the tag is dropped; snapshot expiry never removes a tagged snapshot.
 */
public final class LakeBackfill {
    private LakeBackfill() {}

    private static HadoopCatalog catalog(Path warehouse) {
        return new HadoopCatalog(new Configuration(), warehouse.toAbsolutePath().normalize().toString());
    }

    private static TableIdentifier id(String table) {
        return TableIdentifier.of(Namespace.of(LocalLake.NAMESPACE), table);
    }

    private static List<DataFile> dataFiles(Table table) {
        List<DataFile> files = new ArrayList<>();
        Snapshot current = table.currentSnapshot();
        if (current == null) {
            return files;
        }
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(current.snapshotId()).planFiles()) {
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

    /** Replaces each live table's contents with the backfilled table's, tagging the previous state {@code tag}. */
    public static Map<String, Published> publish(Path lake, Path backfill, String tag) {
        HadoopCatalog live = catalog(lake);
        HadoopCatalog staged = catalog(backfill);
        Map<String, Published> result = new LinkedHashMap<>();
        for (String name : LocalLake.TABLES) {
            if (!staged.tableExists(id(name))) {
                throw new IllegalArgumentException("the backfill " + backfill + " has no table " + name + "; run both jobs into it before publishing");
            }
            if (!live.tableExists(id(name))) {
                throw new IllegalArgumentException("the lake " + lake + " has no table " + name + " to replace; rebuild it instead (sluice local --from-archive into a new --out)");
            }
            Table target = live.loadTable(id(name));
            Table source = staged.loadTable(id(name));
            if (!target.schema().sameSchema(source.schema()) || !target.spec().compatibleWith(source.spec())) {
                throw new IllegalArgumentException("table " + name + " of the backfill has another schema or partition spec than the live table; "
                        + "a changed table needs a migration, not a backfill");
            }
            Snapshot previous = target.currentSnapshot();
            if (previous != null) {
                if (target.refs().containsKey(tag)) {
                    throw new IllegalArgumentException("table " + name + " already has a tag " + tag + "; choose another tag or drop it first");
                }
                target.manageSnapshots().createTag(tag, previous.snapshotId()).commit();
            }
            List<DataFile> removed = dataFiles(target);
            List<DataFile> added = dataFiles(source);
            OverwriteFiles overwrite = target.newOverwrite();
            if (previous != null) {
                // Refused if the live table gained a commit since it was read: nothing is silently dropped.
                overwrite.validateFromSnapshot(previous.snapshotId()).validateNoConflictingData().validateNoConflictingDeletes();
            }
            removed.forEach(overwrite::deleteFile);
            long records = 0;
            for (DataFile file : added) {
                overwrite.addFile(DataFiles.builder(target.spec()).copy(file).build());
                records += file.recordCount();
            }
            overwrite.set("sluice.backfill", backfill.toString()).commit();
            target.refresh();
            result.put(name, new Published(name, previous == null ? null : previous.snapshotId(), target.currentSnapshot().snapshotId(),
                    removed.size(), added.size(), records));
        }
        return result;
    }

    /** Makes the tagged snapshot current again (a new commit; the backfill stays in history). */
    public static void restore(Path lake, String tag) {
        HadoopCatalog live = catalog(lake);
        for (String name : LocalLake.TABLES) {
            Table table = live.loadTable(id(name));
            SnapshotRef ref = table.refs().get(tag);
            if (ref == null || !ref.isTag()) {
                throw new IllegalArgumentException("table " + name + " has no tag " + tag + "; list them with: LakeBackfill tags --lake " + lake);
            }
            table.manageSnapshots().rollbackTo(ref.snapshotId()).commit();
        }
    }

    /** Drops the tag of a previous state, so snapshot expiry may reclaim its files. */
    public static void drop(Path lake, String tag) {
        HadoopCatalog live = catalog(lake);
        for (String name : LocalLake.TABLES) {
            Table table = live.loadTable(id(name));
            if (table.refs().containsKey(tag)) {
                table.manageSnapshots().removeTag(tag).commit();
            }
        }
    }

    /** Each table's tags: name -> snapshot id. */
    public static Map<String, Map<String, Long>> tags(Path lake) {
        HadoopCatalog live = catalog(lake);
        Map<String, Map<String, Long>> result = new LinkedHashMap<>();
        for (String name : LocalLake.TABLES) {
            Map<String, Long> tags = new LinkedHashMap<>();
            if (live.tableExists(id(name))) {
                live.loadTable(id(name)).refs().forEach((ref, snapshot) -> {
                    if (snapshot.isTag()) {
                        tags.put(ref, snapshot.snapshotId());
                    }
                });
            }
            result.put(name, tags);
        }
        return result;
    }

    /**
     * {@code LakeBackfill publish --lake <dir> --backfill <dir> --tag <name> | restore --lake <dir> --tag <name>
     * | drop --lake <dir> --tag <name> | tags --lake <dir>}: prints one JSON line.
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            usage("give a command");
        }
        Path lake = null;
        Path backfill = null;
        String tag = null;
        for (int i = 1; i < args.length; i++) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--lake" -> lake = Path.of(args[++i]);
                case "--backfill" -> backfill = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                default -> usage("unknown option " + args[i]);
            }
        }
        if (lake == null) {
            usage("--lake is required");
        }
        try {
            switch (args[0]) {
                case "publish" -> {
                    if (backfill == null || tag == null) {
                        usage("publish needs --backfill and --tag");
                    }
                    System.out.println("{" + String.join(",", publish(lake, backfill, tag).values().stream().map(Published::toJson).toList()) + "}");
                }
                case "restore" -> {
                    if (tag == null) {
                        usage("restore needs --tag");
                    }
                    restore(lake, tag);
                    System.out.println("{}");
                }
                case "drop" -> {
                    if (tag == null) {
                        usage("drop needs --tag");
                    }
                    drop(lake, tag);
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
                default -> usage("unknown command " + args[0]);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("sluice-lake-backfill: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage(String problem) {
        System.err.println("sluice-lake-backfill: " + problem
                + "; usage: publish --lake <dir> --backfill <dir> --tag <name> | restore --lake <dir> --tag <name> | drop --lake <dir> --tag <name> | tags --lake <dir>");
        System.exit(2);
    }
}
