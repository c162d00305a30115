package dev.sluice.flink;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;

/**
 * A test-only table factory named {@code kinesis} that declares the table options of the Kinesis
 * Data Streams SQL connector of flink-connector-aws 6.0.0 (KinesisDynamicTableFactory,
 * KinesisSourceConfigOptions, AsyncSinkConnectorOptions, AWSConfigConstants) and checks a table
 * declaration against them, so that tables.cloud.sql is planned in CI without the connector,
 * which Maven Central does not serve here. It is stricter than the connector: unknown keys under
 * {@code source.} and {@code aws.} are refused too, where the connector passes them through. Its
 * source and sink fail if they are ever run; it lives in src/test only and never reaches a jar.
 */
public final class KinesisOptionsStub implements DynamicTableSourceFactory, DynamicTableSinkFactory {
    static final ConfigOption<String> STREAM_ARN = string("stream.arn");
    static final ConfigOption<String> AWS_REGION = string("aws.region");
    static final ConfigOption<String> INIT_POSITION = string("source.init.position");
    static final ConfigOption<String> INIT_TIMESTAMP = string("source.init.timestamp");
    static final ConfigOption<String> READER_TYPE = string("source.reader.type");
    static final ConfigOption<String> EFO_CONSUMER_NAME = string("source.efo.consumer.name");
    static final ConfigOption<String> EFO_LIFECYCLE = string("source.efo.lifecycle");

    /** Optional keys of the 6.0.0 connector besides the ones above (source, sink and async sink options). */
    private static final List<String> OTHER_OPTIONAL = List.of(
            "stream",
            "source.init.timestamp.format",
            "source.shard.discovery.interval",
            "source.shard.get-records.max-record-count",
            "source.shard-assigner",
            "source.reader.empty-records-fetch-interval",
            "source.efo.subscription.timeout",
            "source.efo.describe.retry-strategy.delay.min",
            "source.efo.describe.retry-strategy.delay.max",
            "source.efo.describe.retry-strategy.attempts.max",
            "source.efo.deregister.timeout",
            "sink.partitioner",
            "sink.partitioner-field-delimiter",
            "sink.fail-on-error",
            "sink.batch.max-size",
            "sink.requests.max-inflight",
            "sink.requests.max-buffered",
            "sink.flush-buffer.size",
            "sink.flush-buffer.timeout",
            "aws.credentials.provider",
            "aws.endpoint",
            "aws.trust.all.certificates",
            "aws.http.protocol.version",
            "aws.http-client.max-concurrency",
            "aws.http-client.read-timeout");
    private static final Pattern ARN = Pattern.compile("arn:aws(-[a-z]+)*:kinesis:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}");

    private static ConfigOption<String> string(String key) {
        return ConfigOptions.key(key).stringType().noDefaultValue();
    }

    @Override
    public String factoryIdentifier() {
        return "kinesis";
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(STREAM_ARN, AWS_REGION, FactoryUtil.FORMAT);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new java.util.HashSet<>(Set.of(INIT_POSITION, INIT_TIMESTAMP, READER_TYPE, EFO_CONSUMER_NAME, EFO_LIFECYCLE));
        OTHER_OPTIONAL.forEach(key -> options.add(string(key)));
        return options;
    }

    private FactoryUtil.TableFactoryHelper validated(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        // The credential provider's settings are open-ended in the connector; every other key must be declared.
        helper.validateExcept("aws.credentials.");
        ReadableConfig config = helper.getOptions();
        String arn = config.get(STREAM_ARN);
        if (!ARN.matcher(arn).matches()) {
            throw new ValidationException("stream.arn '" + arn + "' is not a Kinesis stream ARN");
        }
        config.getOptional(INIT_POSITION).ifPresent(position -> {
            if (!List.of("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP").contains(position)) {
                throw new ValidationException("source.init.position '" + position + "' must be LATEST, TRIM_HORIZON or AT_TIMESTAMP");
            }
            if (position.equals("AT_TIMESTAMP") && config.getOptional(INIT_TIMESTAMP).isEmpty()) {
                throw new ValidationException("source.init.position AT_TIMESTAMP needs source.init.timestamp");
            }
        });
        config.getOptional(READER_TYPE).ifPresent(type -> {
            if (!List.of("POLLING", "EFO").contains(type)) {
                throw new ValidationException("source.reader.type '" + type + "' must be POLLING or EFO");
            }
            if (type.equals("EFO") && config.getOptional(EFO_CONSUMER_NAME).isEmpty()) {
                throw new ValidationException("source.reader.type EFO needs source.efo.consumer.name");
            }
        });
        config.getOptional(EFO_LIFECYCLE).ifPresent(lifecycle -> {
            if (!List.of("JOB_MANAGED", "SELF_MANAGED").contains(lifecycle)) {
                throw new ValidationException("source.efo.lifecycle '" + lifecycle + "' must be JOB_MANAGED or SELF_MANAGED");
            }
        });
        return helper;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        FactoryUtil.TableFactoryHelper helper = validated(context);
        helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
        return new StubSource();
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = validated(context);
        helper.discoverEncodingFormat(SerializationFormatFactory.class, FactoryUtil.FORMAT);
        return new StubSink();
    }

    private static UnsupportedOperationException notRunnable() {
        return new UnsupportedOperationException("the kinesis table factory of the tests declares options only; it cannot run");
    }

    private static final class StubSource implements ScanTableSource {
        @Override
        public ChangelogMode getChangelogMode() {
            return ChangelogMode.insertOnly();
        }

        @Override
        public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
            return SourceProvider.of(new Source<RowData, SourceSplit, Void>() {
                @Override
                public Boundedness getBoundedness() {
                    return Boundedness.CONTINUOUS_UNBOUNDED;
                }

                @Override
                public SourceReader<RowData, SourceSplit> createReader(SourceReaderContext readerContext) {
                    throw notRunnable();
                }

                @Override
                public SplitEnumerator<SourceSplit, Void> createEnumerator(SplitEnumeratorContext<SourceSplit> enumContext) {
                    throw notRunnable();
                }

                @Override
                public SplitEnumerator<SourceSplit, Void> restoreEnumerator(SplitEnumeratorContext<SourceSplit> enumContext, Void checkpoint) {
                    throw notRunnable();
                }

                @Override
                public SimpleVersionedSerializer<SourceSplit> getSplitSerializer() {
                    throw notRunnable();
                }

                @Override
                public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
                    throw notRunnable();
                }
            });
        }

        @Override
        public DynamicTableSource copy() {
            return this;
        }

        @Override
        public String asSummaryString() {
            return "kinesis (options checked, not runnable)";
        }
    }

    private static final class StubSink implements DynamicTableSink {
        @Override
        public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
            return ChangelogMode.insertOnly();
        }

        @Override
        public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
            return SinkV2Provider.of(new Sink<RowData>() {
                @Override
                public SinkWriter<RowData> createWriter(WriterInitContext writerContext) {
                    throw notRunnable();
                }
            });
        }

        @Override
        public DynamicTableSink copy() {
            return this;
        }

        @Override
        public String asSummaryString() {
            return "kinesis (options checked, not runnable)";
        }
    }

}
