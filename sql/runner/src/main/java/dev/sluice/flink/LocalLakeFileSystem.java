package dev.sluice.flink;

import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Hadoop's file system for the local lake's {@code file:} paths (LocalLake.hadoopConfiguration):
 * the files as they are, with no checksum file beside each. RawLocalFileSystem does not name its
 * scheme, which Iceberg asks of every file system it reads through (Util.mayHaveBlockLocations),
 * so this names it, as LocalFileSystem does.
 */
public final class LocalLakeFileSystem extends RawLocalFileSystem {
    @Override
    public String getScheme() {
        return "file";
    }
}
