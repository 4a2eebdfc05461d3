package com.mskflinkfeatures.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The predict function against a local HTTP server that answers like the SageMaker runtime
 * (POST /endpoints/NAME/invocations; errors as the rest-json protocol writes them: an
 * x-amzn-ErrorType header and a JSON body). No AWS service can run here; the real async client,
 * signer, retry strategy and netty transport do.
 */
class SageMakerPredictFunctionTest {

    /** What one request carried. */
    record Seen(String path, String contentType, String accept, String authorization, String body) {}

    /** A reply: status, error type (null for success), body, delay before answering. */
    record Reply(int status, String errorType, String body, long delayMs) {
        static Reply ok(String body) {
            return new Reply(200, null, body, 0);
        }
    }

    private HttpServer server;
    private ExecutorService pool;
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger count = new AtomicInteger();

    private String start(Function<Integer, Reply> replies) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pool = Executors.newFixedThreadPool(32); // more than any bound tested: the client is the limit
        server.setExecutor(pool);
        server.createContext("/", exchange -> answer(exchange, replies.apply(count.getAndIncrement())));
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange exchange, Reply reply) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.add(new Seen(
                exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Accept"),
                exchange.getRequestHeaders().getFirst("Authorization"),
                body));
        if (reply.delayMs() > 0) {
            try {
                Thread.sleep(reply.delayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        if (reply.errorType() != null) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", reply.errorType());
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        } else {
            exchange.getResponseHeaders().add("Content-Type", "text/csv; charset=utf-8");
        }
        try {
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException e) {
            // the client gave up (attempt timeout): nothing to answer
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            pool.shutdownNow();
        }
    }

    private static SageMakerSettings settings(String url, Duration attemptTimeout, int maxAttempts) {
        return new SageMakerSettings(
                "fraud-score", "eu-west-1", url, attemptTimeout, maxAttempts, Duration.ofMillis(10), 8,
                "AKIDEXAMPLE", "secret", 3);
    }

    private static RowData predict(SageMakerPredictFunction function, RowData input) throws Exception {
        Collection<RowData> rows = function.asyncPredict(input).get(30, TimeUnit.SECONDS);
        assertEquals(1, rows.size(), "one output row per input row");
        return rows.iterator().next();
    }

    private static SageMakerPredictFunction started(SageMakerSettings settings) {
        SageMakerPredictFunction function = new SageMakerPredictFunction(settings);
        function.start(new UnregisteredMetricsGroup());
        return function;
    }

    @Test
    void aScoredRowCarriesTheScoreAndNoReason() throws Exception {
        String url = start(n -> Reply.ok("0.8125\n"));
        SageMakerPredictFunction function = started(settings(url, Duration.ofSeconds(10), 3));
        try {
            RowData out = predict(function, GenericRowData.of(12.5, null, 1.0E-7));
            assertTrue(out.isNullAt(1), () -> "no reason expected, got: " + out.getString(1));
            assertEquals(0.8125, out.getDouble(0));
        } finally {
            function.close();
        }
        Seen request = seen.get(0);
        assertEquals("/endpoints/fraud-score/invocations", request.path());
        assertEquals("12.5,,1.0E-7", request.body(), "CSV record, NULL as an empty field");
        assertEquals("text/csv", request.contentType());
        assertEquals("text/csv", request.accept());
        assertTrue(
                request.authorization().startsWith(
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                        && request.authorization().contains("/eu-west-1/sagemaker/aws4_request"),
                "SigV4 for service sagemaker in the configured region: " + request.authorization());
    }

    @Test
    void aModelErrorIsNotRetriedAndBecomesTheReason() throws Exception {
        String url = start(n -> new Reply(424, "ModelError", "{\"message\": \"feature_names mismatch\"}", 0));
        SageMakerPredictFunction function = started(settings(url, Duration.ofSeconds(10), 3));
        try {
            RowData out = predict(function, GenericRowData.of(1.0, 2.0, 3.0));
            assertTrue(out.isNullAt(0), "no score");
            assertEquals(
                    "endpoint fraud-score: ModelError (HTTP 424) after 1 attempt: feature_names mismatch",
                    out.getString(1).toString());
        } finally {
            function.close();
        }
        assertEquals(1, seen.size());
    }

    @Test
    void serverErrorsAreRetriedUntilOneSucceeds() throws Exception {
        String url = start(n -> n < 2 ? new Reply(503, "ServiceUnavailable", "{\"message\": \"busy\"}", 0)
                : Reply.ok("0.25"));
        SageMakerPredictFunction function = started(settings(url, Duration.ofSeconds(10), 3));
        try {
            RowData out = predict(function, GenericRowData.of(1.0, 2.0, 3.0));
            assertTrue(out.isNullAt(1), () -> "no reason expected, got: " + out.getString(1));
            assertEquals(0.25, out.getDouble(0));
        } finally {
            function.close();
        }
        assertEquals(3, seen.size(), "two failures, then the answer");
    }

    @Test
    void throttlingOnEveryAttemptGivesTheReasonWithTheAttempts() throws Exception {
        // SageMaker answers throttling with HTTP 400 and this error code; the SDK retries it by code.
        String url = start(n -> new Reply(400, "ThrottlingException", "{\"message\": \"Rate exceeded\"}", 0));
        SageMakerPredictFunction function = started(settings(url, Duration.ofSeconds(10), 3));
        try {
            RowData out = predict(function, GenericRowData.of(1.0, 2.0, 3.0));
            assertTrue(out.isNullAt(0));
            assertEquals(
                    "endpoint fraud-score: ThrottlingException (HTTP 400) after 3 attempts: Rate exceeded",
                    out.getString(1).toString());
        } finally {
            function.close();
        }
        assertEquals(3, seen.size());
    }

    @Test
    void rowsBeyondTheBoundWaitWithoutTimingOutAndAllAreScored() throws Exception {
        // 8 calls at most (max-connections), 200 ms each, an attempt timeout of 300 ms: 24 rows at
        // once take three rounds. A row waiting for a call runs no timer, so none times out.
        AtomicInteger open = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        String url = start(n -> {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            open.decrementAndGet();
            return Reply.ok(String.valueOf(n));
        });
        SageMakerPredictFunction function = started(settings(url, Duration.ofMillis(300), 1));
        try {
            List<CompletableFuture<Collection<RowData>>> rows = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                rows.add(function.asyncPredict(GenericRowData.of(1.0, 2.0, (double) i)));
            }
            assertTrue(function.inFlight() <= 8, () -> function.inFlight() + " calls in flight");
            for (CompletableFuture<Collection<RowData>> row : rows) {
                RowData out = row.get(30, TimeUnit.SECONDS).iterator().next();
                assertTrue(out.isNullAt(1), () -> "no reason expected, got: " + out.getString(1));
            }
            assertEquals(0, function.inFlight());
        } finally {
            function.close();
        }
        assertEquals(24, seen.size(), "every row called once");
        assertTrue(most.get() <= 8, () -> "the endpoint saw " + most.get() + " calls at once");
        // Calls overlap up to the bound (not one at a time); how many start together depends on
        // the machine's scheduling, so only the half of the bound is required.
        assertTrue(most.get() >= 4, () -> "at most " + most.get() + " calls at once: the bound is not used");
    }

    @Test
    void aSlowEndpointTimesOutPerAttemptAndIsRetried() throws Exception {
        String url = start(n -> new Reply(200, null, "0.5", 1_500));
        SageMakerPredictFunction function = started(settings(url, Duration.ofMillis(300), 2));
        try {
            RowData out = predict(function, GenericRowData.of(1.0, 2.0, 3.0));
            assertTrue(out.isNullAt(0));
            String reason = out.getString(1).toString();
            assertTrue(reason.startsWith("endpoint fraud-score: timed out"), reason);
            assertTrue(reason.contains("300 ms per attempt, 2 attempts at most"), reason);
        } finally {
            function.close();
        }
        assertEquals(2, seen.size(), "the first attempt and one retry");
    }

    @Test
    void aResponseThatIsNotOneNumberIsAReason() throws Exception {
        String url = start(n -> Reply.ok(n == 0 ? "0.1,0.9" : "not-a-score"));
        SageMakerPredictFunction function = started(settings(url, Duration.ofSeconds(10), 1));
        try {
            assertEquals(
                    "endpoint fraud-score: the response is not one score: '0.1,0.9'",
                    predict(function, GenericRowData.of(1.0, 2.0, 3.0)).getString(1).toString());
            assertEquals(
                    "endpoint fraud-score: the response is not a number: 'not-a-score'",
                    predict(function, GenericRowData.of(1.0, 2.0, 3.0)).getString(1).toString());
        } finally {
            function.close();
        }
    }

    @Test
    void anUnreachableEndpointIsAReasonNotAnException() throws Exception {
        // A port nothing listens on: connection refused on every attempt.
        start(n -> Reply.ok("0"));
        int port = server.getAddress().getPort();
        stop();
        server = null;
        SageMakerPredictFunction function = started(settings("http://127.0.0.1:" + port, Duration.ofMillis(500), 2));
        try {
            RowData out = predict(function, GenericRowData.of(1.0, 2.0, 3.0));
            assertTrue(out.isNullAt(0));
            assertTrue(out.getString(1).toString().startsWith("endpoint fraud-score: "), out.getString(1).toString());
        } finally {
            function.close();
        }
    }

    @Test
    void theCallBudgetCoversEveryAttemptAndBackoff() {
        SageMakerSettings s = new SageMakerSettings(
                "e", null, null, Duration.ofSeconds(2), 4, Duration.ofMillis(100), 8, null, null, 1);
        // 4 x 2 s + 100 + 200 + 400 ms
        assertEquals(Duration.ofMillis(8_700), s.callBudget());
        SageMakerSettings capped = new SageMakerSettings(
                "e", null, null, Duration.ofSeconds(1), 8, Duration.ofMillis(100), 8, null, null, 1);
        // 8 x 1 s + 100 + 200 + 400 + 800 + 1600 + 2000 + 2000 (capped at 20 x base)
        assertEquals(Duration.ofMillis(15_100), capped.callBudget());
    }

    @Test
    void theSettingsNeverPrintTheSecretKey() {
        String text = settings("http://127.0.0.1:1", Duration.ofSeconds(1), 1).toString();
        assertTrue(text.contains("secretAccessKey=<redacted>") && !text.contains("secret,"), text);
    }

    @Test
    void csvParsingRejectsWhatIsNotOneFiniteNumber() {
        assertEquals(0.5, CsvRecord.parseScore(" 0.5\n"));
        assertThrows(IllegalArgumentException.class, () -> CsvRecord.parseScore(""));
        assertThrows(IllegalArgumentException.class, () -> CsvRecord.parseScore("NaN"));
        assertThrows(IllegalArgumentException.class, () -> CsvRecord.parseScore("0.5\n0.6"));
    }
}
