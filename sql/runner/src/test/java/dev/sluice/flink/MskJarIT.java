package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runner jar built with the Maven profile msk (alone, or with kinesis for a deploy), checked
 * after packaging in a class loader that sees only that jar and slf4j-api (which Flink provides):
 * Amazon MSK's IAM callback handler and login module load from it together with the non-shaded
 * Kafka client classes they implement, and a Kafka consumer configured exactly as
 * tables.cloud-msk.sql configures the MSK source (read from the SQL packaged in the jar) is built
 * with them. With the shaded flink-sql-connector-kafka the client classes would be relocated and
 * the handler would not be one of Kafka's callback handlers. No broker is reached: building a
 * consumer sets up its login and channel, it connects on the first poll.
 */
class MskJarIT {
    private static final Pattern OPTION = Pattern.compile("'(properties\\.(?:security|sasl)\\.[a-z.]+)' = '((?:[^']|'')*)'");

    private static Path jar;
    private static URLClassLoader jarOnly;

    @BeforeAll
    static void loadTheJarAlone() throws Exception {
        String property = System.getProperty("sluice.msk.jar");
        assertTrue(property != null && Files.isRegularFile(Path.of(property)),
                "system property sluice.msk.jar must name the packaged jar (set by the msk profile): " + property);
        jar = Path.of(property);
        URL slf4j = org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        jarOnly = new URLClassLoader(new URL[] {jar.toUri().toURL(), slf4j}, ClassLoader.getPlatformClassLoader());
    }

    @AfterAll
    static void close() throws Exception {
        jarOnly.close();
    }

    @Test
    void theIamCallbackHandlerIsAKafkaClientCallbackHandlerOfTheSameJar() throws Exception {
        Class<?> handler = Class.forName("software.amazon.msk.auth.iam.IAMClientCallbackHandler", true, jarOnly);
        Class<?> callbackHandler = Class.forName("org.apache.kafka.common.security.auth.AuthenticateCallbackHandler", true, jarOnly);
        assertSame(jarOnly, handler.getClassLoader());
        assertSame(jarOnly, callbackHandler.getClassLoader());
        assertTrue(callbackHandler.isAssignableFrom(handler), "IAMClientCallbackHandler does not implement the jar's AuthenticateCallbackHandler");
        Class<?> loginModule = Class.forName("software.amazon.msk.auth.iam.IAMLoginModule", true, jarOnly);
        assertTrue(javax.security.auth.spi.LoginModule.class.isAssignableFrom(loginModule));
    }

    @Test
    void aKafkaConsumerConfiguredAsTheMskSourceIsBuiltFromTheJar() throws Exception {
        Map<String, String> iam = mskSecurityProperties();
        assertEquals(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "AWS_MSK_IAM",
                "sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
                "sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler"), iam);
        Properties config = new Properties();
        config.putAll(iam);
        config.put("bootstrap.servers", "127.0.0.1:9098");
        config.put("group.id", "sluice-dedup-filter");
        config.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        config.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // Kafka and JAAS load the configured classes through the context class loader, as in a Flink task.
        thread.setContextClassLoader(jarOnly);
        try {
            Class<?> consumerClass = Class.forName("org.apache.kafka.clients.consumer.KafkaConsumer", true, jarOnly);
            Object consumer = consumerClass.getConstructor(Properties.class).newInstance(config);
            assertSame(jarOnly, consumer.getClass().getClassLoader());
            ((AutoCloseable) consumer).close();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void theJarRegistersTheNonShadedKafkaTableFactoryAndNoRelocatedKafka() throws Exception {
        try (JarFile file = new JarFile(jar.toFile())) {
            String factories;
            try (InputStream in = file.getInputStream(file.getEntry("META-INF/services/org.apache.flink.table.factories.Factory"))) {
                factories = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(factories.contains("org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory"), factories);
            assertFalse(file.stream().anyMatch(e -> e.getName().startsWith("org/apache/flink/kafka/shaded/")),
                    "the jar holds the shaded SQL connector's relocated Kafka classes");
            assertTrue(file.getEntry("org/apache/kafka/clients/consumer/KafkaConsumer.class") != null);
        }
    }

    /** The security and SASL options of the MSK source table, from the SQL packaged in the jar, without their properties. prefix. */
    private static Map<String, String> mskSecurityProperties() throws Exception {
        String sql;
        try (InputStream in = jarOnly.getResourceAsStream("sql/dedup-filter/tables.cloud-msk.sql")) {
            assertTrue(in != null, "sql/dedup-filter/tables.cloud-msk.sql is not packaged in " + jar);
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> options = new TreeMap<>();
        Matcher m = OPTION.matcher(sql);
        while (m.find()) {
            options.put(m.group(1).substring("properties.".length()), m.group(2).replace("''", "'"));
        }
        return options;
    }
}
