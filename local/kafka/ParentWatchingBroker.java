import java.io.IOException;

/**
 * Runs the Kafka broker (kafka.Kafka) and stops it when its standard input closes, that is when
 * the process that started it has gone, however it went (exit, error, signal, even SIGKILL): a
 * local run never leaves a broker behind. Started in Java's source-file mode, so there is nothing
 * to compile: java -cp &lt;broker classpath&gt; ParentWatchingBroker.java server.properties
 */
public final class ParentWatchingBroker {
    private ParentWatchingBroker() {}

    public static void main(String[] args) throws Exception {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing is ever sent; the read only waits for the end of the stream.
                }
            } catch (IOException e) {
                // A broken pipe means the same as the end of the stream.
            }
            // exit runs the broker's shutdown hook, which closes the logs cleanly.
            System.exit(0);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
        kafka.Kafka.main(args);
    }
}
