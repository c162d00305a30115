package dev.sluice.flink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * Stands in for Iceberg's GlueCatalog when the cloud table declarations are planned in CI: it
 * checks the catalog properties tables.cloud.sql gives (S3FileIO, SSE-KMS with a key, an S3
 * warehouse, a region) and keeps the tables in a local filesystem catalog under
 * {@value #WAREHOUSE_PROPERTY}, where the test declares them as the platform declares them in Glue.
 */
public final class GlueCatalogStandIn extends HadoopCatalog {
    static final String WAREHOUSE_PROPERTY = "sluice.test.glue-warehouse";

    /** The properties of every initialisation, for the tests to inspect. */
    static final List<Map<String, String>> SEEN = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void initialize(String name, Map<String, String> properties) {
        SEEN.add(Map.copyOf(properties));
        require(properties, "io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        require(properties, "s3.sse.type", "kms");
        String key = properties.getOrDefault("s3.sse.key", "");
        if (!key.matches("arn:aws:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("s3.sse.key must be the stack key's ARN, got '" + key + "'");
        }
        if (!properties.getOrDefault(CatalogProperties.WAREHOUSE_LOCATION, "").startsWith("s3://")) {
            throw new IllegalArgumentException("warehouse must be an s3:// location, got " + properties.get(CatalogProperties.WAREHOUSE_LOCATION));
        }
        if (properties.getOrDefault("client.region", "").isEmpty()) {
            throw new IllegalArgumentException("client.region is missing");
        }
        Map<String, String> local = new HashMap<>(properties);
        local.remove("io-impl");
        local.put(CatalogProperties.WAREHOUSE_LOCATION, System.getProperty(WAREHOUSE_PROPERTY));
        super.initialize(name, local);
    }

    private static void require(Map<String, String> properties, String key, String expected) {
        if (!expected.equals(properties.get(key))) {
            throw new IllegalArgumentException(key + " must be " + expected + ", got " + properties.get(key));
        }
    }
}
