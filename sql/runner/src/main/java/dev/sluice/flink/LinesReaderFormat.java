package dev.sluice.flink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryStringData;

/**
 * The reading side of {@value LinesFormatFactory#IDENTIFIER}: a file's lines as rows of one STRING
 * column, the rows {@code 'format' = 'raw'} reads (split at each newline, a carriage return before
 * it removed, the bytes as they are, a last line without a newline kept, nothing after a final
 * newline). The raw format goes through Flink's adapter for line-delimited formats, which matches
 * the delimiter byte by byte, copies each line and queues it; this reader fills a fresh buffer of
 * about {@value #BATCH_BYTES} bytes at a time, finds its newlines in one loop, and each row's string
 * points into that buffer (a buffer is never reused, so rows stay valid as long as they are held).
 *
 * <p>A position is the byte offset of a batch's first line and the lines read after it, so a
 * restored reader seeks there and skips them. A file is one split.
 *
 * <p>With a completion marker the file may still be growing: at its end the reader waits
 * {@value #APPEND_POLL_MILLIS} ms at a time for more bytes until its buffer is full (its lines go
 * out then, and a partly written last line stays for the next buffer) or the marker exists. Only an
 * end found by a read that began after the marker existed ends the file, so the bytes appended just
 * before the marker are never missed.
 */
final class LinesReaderFormat implements BulkFormat<RowData, FileSourceSplit> {
    static final int BATCH_BYTES = 1 << 20;
    static final long APPEND_POLL_MILLIS = 5;

    private final TypeInformation<RowData> producedType;
    private final int batchBytes;
    /** The completion marker's path, or null for a file that is complete when the job starts. */
    private final String completeMarker;

    LinesReaderFormat(TypeInformation<RowData> producedType, String completeMarker) {
        this(producedType, BATCH_BYTES, completeMarker);
    }

    /** With batches of {@code batchBytes}, small in tests, so that lines cross them. */
    LinesReaderFormat(TypeInformation<RowData> producedType, int batchBytes, String completeMarker) {
        this.producedType = producedType;
        this.batchBytes = batchBytes;
        this.completeMarker = completeMarker;
    }

    @Override
    public Reader<RowData> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new LinesReader(split, split.offset(), 0);
    }

    @Override
    public Reader<RowData> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        CheckpointedPosition position = split.getReaderPosition().orElseThrow();
        long offset = position.getOffset() == CheckpointedPosition.NO_OFFSET ? split.offset() : position.getOffset();
        return new LinesReader(split, offset, position.getRecordsAfterOffset());
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return producedType;
    }

    private final class LinesReader implements Reader<RowData> {
        private final FSDataInputStream in;
        private final org.apache.flink.core.fs.Path path;
        /** The file offset of {@code pending}'s first byte: the start of the next line. */
        private long offset;
        /** Bytes read but not yet returned: the start of a line whose newline is still to come. */
        private byte[] pending = new byte[0];
        private boolean endOfFile;
        private boolean complete = completeMarker == null;
        private long toSkip;

        LinesReader(FileSourceSplit split, long offset, long recordsToSkip) throws IOException {
            this.path = split.path();
            this.in = path.getFileSystem().open(path);
            this.in.seek(offset);
            this.offset = offset;
            this.toSkip = recordsToSkip;
        }

        @Override
        public RecordIterator<RowData> readBatch() throws IOException {
            while (true) {
                if (endOfFile && pending.length == 0) {
                    return null;
                }
                long batchOffset = offset;
                RowData[] rows = nextRows();
                int skipped = (int) Math.min(toSkip, rows.length);
                toSkip -= skipped;
                if (rows.length > skipped) {
                    ArrayResultIterator<RowData> batch = new ArrayResultIterator<>();
                    RowData[] kept = skipped == 0 ? rows : Arrays.copyOfRange(rows, skipped, rows.length);
                    batch.set(kept, kept.length, batchOffset, skipped);
                    return batch;
                }
            }
        }

        /** The whole lines of the next buffer (at least one line, unless the file has ended). */
        private RowData[] nextRows() throws IOException {
            byte[] buffer = Arrays.copyOf(pending, Math.max(batchBytes, pending.length * 2));
            int length = pending.length;
            while (length < buffer.length) {
                boolean completeBeforeRead = isComplete();
                int read = in.read(buffer, length, buffer.length - length);
                if (read >= 0) {
                    length += read;
                } else if (completeBeforeRead) {
                    endOfFile = true;
                    break;
                } else {
                    // A buffer goes out full: returning what a writer has appended so far made the
                    // reader, once it caught up, allocate a buffer per small read.
                    awaitAppend();
                }
            }
            RowData[] rows = new RowData[Math.max(16, length / 256)];
            int count = 0;
            int start = 0;
            for (int i = Newlines.next(buffer, 0, length); i >= 0; i = Newlines.next(buffer, start, length)) {
                if (count == rows.length) {
                    rows = Arrays.copyOf(rows, count * 2);
                }
                rows[count++] = row(buffer, start, i);
                start = i + 1;
            }
            if (endOfFile && start < length) {
                if (count == rows.length) {
                    rows = Arrays.copyOf(rows, count + 1);
                }
                rows[count++] = row(buffer, start, length);
                start = length;
            }
            // A line longer than the buffer comes back with a buffer twice as large next time.
            pending = Arrays.copyOfRange(buffer, start, length);
            offset += start;
            SourceProgress.read(count, start);
            return Arrays.copyOf(rows, count);
        }

        private boolean isComplete() {
            if (!complete) {
                complete = Files.exists(Path.of(completeMarker));
            }
            return complete;
        }

        private void awaitAppend() throws IOException {
            try {
                Thread.sleep(APPEND_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for lines to be appended to " + path);
            }
        }

        private RowData row(byte[] buffer, int start, int end) {
            int last = end > start && buffer[end - 1] == '\r' ? end - 1 : end;
            return GenericRowData.of(BinaryStringData.fromBytes(buffer, start, last - start));
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
