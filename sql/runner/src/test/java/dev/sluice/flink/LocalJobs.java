package dev.sluice.flink;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;

/**
 * Runs the packaged job SQL in a mini-cluster over a fixture file, as `sluice flink` does, with
 * {@code params} over the {@link TestValues} of the job's other processing parameters.
 */
final class LocalJobs {
    private LocalJobs() {}

    static Path fixture(String name) {
        try {
            return Path.of(LocalJobs.class.getClassLoader().getResource("fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A table environment's settings for the mini-cluster setup of local runs, without checkpoints. */
    static EnvironmentSettings settings() {
        return EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(SqlRunner.localConfiguration(null)).build();
    }

    static Path run(String job, Path input, Path output, Map<String, String> params) throws Exception {
        new SqlRunner.LocalRun(job, input, output, TestValues.forJob(job, "local", params)).execute();
        return output;
    }

    static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    static byte[] bytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }
}
