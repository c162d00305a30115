package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scratch directory is removed at exit while Flink's shutdown hooks clean their own parts of it. */
class ScratchDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void removesTheTreeWhileAnotherThreadDeletesPartOfIt() throws Exception {
        for (int round = 0; round < 30; round++) {
            Path root = dir.resolve("sluice-flink-" + round);
            Path blobs = root.resolve("blobStore-" + round);
            for (int i = 0; i < 400; i++) {
                Path file = blobs.resolve("job-" + (i % 20)).resolve("blob-" + i);
                Files.createDirectories(file.getParent());
                Files.writeString(file, "x");
            }
            Files.createDirectories(root.resolve("web-upload"));
            // As Flink's blob server's shutdown hook does, at the same time.
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> deleteQuietly(blobs));
            SqlRunner.deleteTreeAlongsideOthers(root);
            other.get();
            assertFalse(Files.exists(root), "round " + round + ": " + root + " is still there");
        }
    }

    /** Deletes what it finds and ignores what the other deletion took first. */
    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A directory the other deletion has not emptied yet: it removes it.
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // The tree went while being listed.
        }
    }
}
