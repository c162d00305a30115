package dev.sluice.flink;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.table.factories.BulkReaderFormatFactory;
import org.apache.flink.connector.file.table.factories.BulkWriterFormatFactory;
import org.apache.flink.connector.file.table.format.BulkDecodingFormat;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinarySegmentUtils;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Format {@value #IDENTIFIER} of the filesystem connector. Its source reads a file's lines as the
 * raw format does, faster ({@link LinesReaderFormat}). Its sink writes each row's one STRING column
 * written as its UTF-8 bytes and a newline, the bytes {@code 'format' = 'raw'} writes, through a
 * buffer of {@value #BUFFER_BYTES} bytes. The raw format is an encoder, and the filesystem sink hands
 * an encoder the part file's unbuffered stream: on the local file system that is two write system
 * calls per record (the record, then the newline). As a bulk format the writer owns its buffer and
 * empties it when the sink flushes the part file (on each checkpoint and when the file rolls), so
 * exactly-once commits are unchanged.
 */
public final class LinesFormatFactory implements BulkWriterFormatFactory, BulkReaderFormatFactory {
    public static final String IDENTIFIER = "sluice-lines";
    static final int BUFFER_BYTES = 1 << 16;

    /**
     * Reading only: a file whose existence says the input file is complete. Until it exists the
     * input is still being appended to, and the reader waits at its end for more lines; without the
     * option the file is complete when the job starts.
     */
    static final ConfigOption<String> COMPLETE_MARKER = ConfigOptions.key("complete-marker")
            .stringType()
            .noDefaultValue()
            .withDescription("A file whose existence says the input file is complete; until it exists the reader waits for more lines at the end of the file.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(COMPLETE_MARKER);
    }

    @Override
    public BulkDecodingFormat<RowData> createDecodingFormat(DynamicTableFactory.Context context, ReadableConfig formatOptions) {
        return new BulkDecodingFormat<>() {
            @Override
            public BulkFormat<RowData, FileSourceSplit> createRuntimeDecoder(DynamicTableSource.Context sourceContext, DataType physicalDataType) {
                checkOneStringColumn(context, physicalDataType, "reads");
                return new LinesReaderFormat(sourceContext.createTypeInformation(physicalDataType),
                        formatOptions.getOptional(COMPLETE_MARKER).orElse(null));
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    @Override
    public EncodingFormat<BulkWriter.Factory<RowData>> createEncodingFormat(DynamicTableFactory.Context context, ReadableConfig formatOptions) {
        return new EncodingFormat<>() {
            @Override
            public BulkWriter.Factory<RowData> createRuntimeEncoder(DynamicTableSink.Context sinkContext, DataType physicalDataType) {
                checkOneStringColumn(context, physicalDataType, "writes");
                return LinesWriter::new;
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    private static void checkOneStringColumn(DynamicTableFactory.Context context, DataType physicalDataType, String verb) {
        List<LogicalType> columns = physicalDataType.getLogicalType().getChildren();
        if (columns.size() != 1 || !columns.get(0).is(LogicalTypeRoot.VARCHAR)) {
            throw new ValidationException("format '" + IDENTIFIER + "' " + verb + " a table of one STRING column; table "
                    + context.getObjectIdentifier().asSummaryString() + " has " + physicalDataType
                    + ": declare it as (record_text STRING)");
        }
    }

    /** Appends each row's text and a newline to a buffer that goes to the part file when full or flushed. */
    static final class LinesWriter implements BulkWriter<RowData> {
        private final FSDataOutputStream out;
        private final byte[] buffer = new byte[BUFFER_BYTES];
        private int length;

        LinesWriter(FSDataOutputStream out) {
            this.out = out;
        }

        @Override
        public void addElement(RowData row) throws IOException {
            if (!row.isNullAt(0)) {
                write((BinaryStringData) row.getString(0));
            }
            if (length == buffer.length) {
                drain();
            }
            buffer[length++] = '\n';
        }

        /** Copies the string's UTF-8 bytes straight from its memory segments into the buffer. */
        private void write(BinaryStringData text) throws IOException {
            // A string made from a Java string has no bytes until asked for them.
            text.ensureMaterialized();
            int size = text.getSizeInBytes();
            if (size > buffer.length - length) {
                drain();
                if (size > buffer.length) {
                    out.write(text.toBytes());
                    return;
                }
            }
            BinarySegmentUtils.copyToBytes(text.getSegments(), text.getOffset(), buffer, length, size);
            length += size;
        }

        private void drain() throws IOException {
            out.write(buffer, 0, length);
            length = 0;
        }

        @Override
        public void flush() throws IOException {
            drain();
            out.flush();
        }

        /** Must not close the stream: the sink closes and commits the part file itself. */
        @Override
        public void finish() throws IOException {
            flush();
        }
    }
}
