package com.mskflinkfeatures.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rule of {@link ContractValidator}, with its exact reason text (the SQL's, before the format). */
class ContractValidatorTest {

    static final String CONTRACT =
            "{\"fields\": ["
                    + "{\"name\": \"txn_id\", \"kind\": \"string\"},"
                    + "{\"name\": \"amount\", \"kind\": \"decimal\"},"
                    + "{\"name\": \"currency\", \"kind\": \"code\", \"pattern\": \"^[A-Z]{3}$\"},"
                    + "{\"name\": \"action\", \"kind\": \"enum\", \"choices\": [\"view\", \"add_to_cart\", \"login\"]},"
                    + "{\"name\": \"event_time\", \"kind\": \"timestamp\"}]}";
    static final String VALID =
            "{\"txn_id\":\"t1\",\"amount\":12.5,\"currency\":\"USD\",\"action\":\"view\","
                    + "\"event_time\":\"2026-11-24T10:15:30.123Z\"}";

    private final ContractValidator validator = new ContractValidator(Contract.parse(CONTRACT, 250_000));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String reason(String json) {
        return validator.check(utf8(json)).reason;
    }

    private static String with(String field, String jsonValue) {
        return VALID.replaceFirst(
                "\"" + field + "\":(\"[^\"]*\"|[0-9.]+)",
                java.util.regex.Matcher.quoteReplacement("\"" + field + "\":" + jsonValue));
    }

    private static String without(String field) {
        return VALID.replaceFirst(",?\"" + field + "\":(\"[^\"]*\"|[0-9.]+)", "").replace("{,", "{");
    }

    @Test
    void validRecordIsTyped() {
        ContractValidator.Verdict v = validator.check(utf8(VALID));
        assertNull(v.reason);
        assertEquals(VALID.length(), v.chars);
        assertEquals(StringData.fromString("t1"), v.values[0]);
        assertEquals(DecimalData.fromBigDecimal(new BigDecimal("12.5"), 18, 4), v.values[1]);
        assertEquals(StringData.fromString("USD"), v.values[2]);
        assertEquals(StringData.fromString("view"), v.values[3]);
        assertEquals(
                TimestampData.fromEpochMillis(Instant.parse("2026-11-24T10:15:30.123Z").toEpochMilli()),
                v.values[4]);
        assertEquals(Instant.parse("2026-11-24T10:15:30.123Z").toEpochMilli(), v.latestMillis);
    }

    @Test
    void latestTimeIsTheLatestTimestampFieldThatPassed() {
        ContractValidator two =
                new ContractValidator(
                        Contract.parse(
                                "{\"fields\": [{\"name\": \"a\", \"kind\": \"timestamp\"},"
                                        + "{\"name\": \"b\", \"kind\": \"timestamp\"},"
                                        + "{\"name\": \"c\", \"kind\": \"string\"}]}",
                                250_000));
        String a = "\"a\":\"2026-01-02T00:00:00.000Z\"";
        String b = "\"b\":\"2026-01-01T00:00:00.000Z\"";
        assertEquals(
                Instant.parse("2026-01-02T00:00:00Z").toEpochMilli(),
                two.check(utf8("{" + a + "," + b + ",\"c\":\"x\"}")).latestMillis);
        // b breaks a rule: only a is set, and so is the latest time; c missing: both are set.
        assertEquals(
                Instant.parse("2026-01-02T00:00:00Z").toEpochMilli(),
                two.check(utf8("{" + a + ",\"b\":\"x\"}")).latestMillis);
        assertEquals(
                Instant.parse("2026-01-02T00:00:00Z").toEpochMilli(), two.check(utf8("{" + a + "," + b + "}")).latestMillis);
        assertNull(two.check(utf8("{\"a\":1}")).latestMillis);
        assertNull(two.check(null).latestMillis);
    }

    @Test
    void tombstone() {
        ContractValidator.Verdict v = validator.check(null);
        assertEquals("missing value: the record has no value (tombstone)", v.reason);
        assertNull(v.chars);
    }

    @Test
    void tooLargeCountsCharactersNotBytesAndIsNotParsed() {
        ContractValidator small = new ContractValidator(Contract.parse(CONTRACT, 10));
        assertEquals(
                "too large: the key and value hold more than 10 characters "
                        + "(its key and value are not copied; read them at the source position)",
                small.check(utf8("{\"a\":\"0123456\"}")).reason);
        // 10 characters, 30 bytes: not too large; then it is not an object.
        assertEquals(Contract.NOT_OBJECT, small.check(utf8("é€😀é€😀x\"xy")).reason);
        assertEquals(10, small.check(utf8("é€😀é€😀x\"xy")).chars);
        // Too large wins over invalid UTF-8 (each ill-formed byte counts as one character).
        byte[] bad = new byte[11];
        java.util.Arrays.fill(bad, (byte) 0xFF);
        assertEquals(small.check(utf8("{}")).reason, "missing field: txn_id");
        assertTrue(small.check(bad).reason.startsWith("too large"));
        assertEquals(11, small.check(bad).chars);
    }

    @ParameterizedTest
    @CsvSource({
        // hex bytes, characters after decoding with replacement (Python's errors="replace" counts)
        "ff, 1",
        "fffe7b7d, 4",
        "e08080, 3",
        "eda080, 3",
        "f4908080, 4",
        "c0af, 2",
        "e282, 1",
        "61e28262, 3",
        "f09f98, 1",
        "c2, 1",
    })
    void malformedUtf8(String hex, int chars) {
        byte[] bytes = java.util.HexFormat.of().parseHex(hex);
        ContractValidator.Verdict v = validator.check(bytes);
        assertEquals("bad JSON: the value is not valid UTF-8", v.reason);
        assertEquals(chars, v.chars);
    }

    @Test
    void wellFormedMultibyteIsCountedByCodePoint() {
        String json = VALID.replace("\"t1\"", "\"t€😀\"");
        ContractValidator.Verdict v = validator.check(utf8(json));
        assertNull(v.reason);
        assertEquals(json.codePointCount(0, json.length()), v.chars);
        assertEquals(StringData.fromString("t€😀"), v.values[0]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "[1, 2]",
                "\"text\"",
                "12",
                "null",
                "{\"txn_id\": \"t",
                "{'txn_id': 't1'}",
                "{\"a\": NaN}",
                "{\"a\": Infinity}",
                "/* c */ {\"a\": 1}",
                "{\"a\": 1,}",
                "{\"a\": 01}",
                "{\"a\": +1}",
                "{\"a\": .5}",
                "{\"a\": \"\u0001\"}",
                "{\"a\": \"\\x\"}",
                "{a: 1}",
                "\uFEFF{\"a\": 1}",
            })
    void notAJsonObject(String value) {
        assertEquals("bad JSON: the value is not a JSON object", reason(value));
    }

    @Test
    void nestingIsLimitedTo1000WithTheRoot() {
        String ok = "{\"a\":" + "[".repeat(999) + "]".repeat(999) + "}";
        String deep = "{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        assertEquals("missing field: txn_id", reason(ok));
        assertEquals("bad JSON: the value is not a JSON object", reason(deep));
        String deepInside = VALID.replace("{", "{\"x\":" + "{\"y\":".repeat(1000) + "1" + "}".repeat(1000) + ",");
        assertEquals("bad JSON: the value is not a JSON object", reason(deepInside));
    }

    @Test
    void whitespaceBeforeAndAnythingAfterTheObjectAreIgnored() {
        assertNull(reason(" \t\r\n" + VALID + " trailing } garbage ["));
        assertEquals("missing field: txn_id", reason("{\"a\": 1} // c"));
    }

    @Test
    void duplicateNamesTakeTheLastOccurrence() {
        assertNull(reason(VALID.replace("{", "{\"amount\": \"bad\",")));
        assertEquals(
                "wrong type: amount must be a JSON number", reason(VALID.replace("}", ",\"amount\": \"bad\"}")));
    }

    @Test
    void undeclaredFieldsAreIgnoredWhateverTheyHold() {
        assertNull(reason(VALID.replace("{", "{\"extra\": [1, {\"b\": [null, true]}], \"n\": 1e99999,")));
        String hugeNumber = "9".repeat(5000);
        assertNull(reason(VALID.replace("{", "{\"n\": " + hugeNumber + ",")));
        assertNull(reason(VALID.replace("{", "{\"" + "k".repeat(60_000) + "\": 1,")));
    }

    @Test
    void fieldRulesInContractOrder() {
        assertEquals("missing field: txn_id", reason(without("txn_id")));
        assertEquals("missing field: txn_id", reason(with("txn_id", "null")));
        assertEquals("wrong type: txn_id must be a JSON string", reason(with("txn_id", "7")));
        assertEquals("wrong type: txn_id must be a JSON string", reason(with("txn_id", "[\"t1\"]")));
        assertEquals("wrong type: txn_id must be a JSON string", reason(with("txn_id", "{\"a\":1}")));
        assertEquals("wrong type: txn_id must be a JSON string", reason(with("txn_id", "true")));
        assertEquals("out of domain: txn_id must not be empty", reason(with("txn_id", "\"\"")));
        // The first broken rule wins: txn_id is checked before amount.
        assertEquals("out of domain: txn_id must not be empty", reason(with("txn_id", "\"\"").replace("12.5", "0")));
        assertEquals("missing field: amount", reason(without("amount")));
        assertEquals("wrong type: amount must be a JSON number", reason(with("amount", "\"12.50\"")));
        assertEquals("wrong type: amount must be a JSON number", reason(with("amount", "[12.5]")));
        assertEquals("out of domain: currency must match ^[A-Z]{3}$", reason(with("currency", "\"usd\"")));
        assertEquals("out of domain: currency must match ^[A-Z]{3}$", reason(with("currency", "\"USD\\n\"")));
        assertEquals("out of domain: currency must match ^[A-Z]{3}$", reason(with("currency", "\"USDX\"")));
        assertEquals("wrong type: currency must be a JSON string", reason(with("currency", "false")));
        assertEquals(
                "out of domain: action must be one of view|add_to_cart|login", reason(with("action", "\"purchase\"")));
        assertEquals(
                "out of domain: action must be one of view|add_to_cart|login", reason(with("action", "\"View\"")));
        assertEquals("missing field: event_time", reason(without("event_time")));
        assertEquals("wrong type: event_time must be a JSON string", reason(with("event_time", "1764000000000")));
    }

    @Test
    void typedValuesAreSetForTheFieldsCheckedBeforeTheFirstBrokenRule() {
        ContractValidator.Verdict v = validator.check(utf8(with("currency", "\"usd\"")));
        assertEquals(StringData.fromString("t1"), v.values[0]);
        assertEquals(DecimalData.fromBigDecimal(new BigDecimal("12.5"), 18, 4), v.values[1]);
        assertArrayEquals(new Object[] {null, null, null}, java.util.Arrays.copyOfRange(v.values, 2, 5));
        assertArrayEquals(new Object[5], validator.check(utf8("[]")).values);
    }

    @ParameterizedTest
    @CsvSource({
        "0.01, 0.0100",
        "12345678901234.1234, 12345678901234.1234",
        "1, 1.0000",
        "100.0e0, 100.0000",
        "0.00001e5, 1.0000",
        "15E-1, 1.5000",
        "1234567890123456E-2, 12345678901234.5600",
    })
    void decimalsInDomain(String number, String typed) {
        ContractValidator.Verdict v = validator.check(utf8(with("amount", number)));
        assertNull(v.reason, number);
        assertEquals(DecimalData.fromBigDecimal(new BigDecimal(typed), 18, 4), v.values[1]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0", "0.0", "-0", "-0.0", "-3", "-0.5", "1.23456", "123456789012345", "1e2", "1E+2", "1e-7",
                "0.0000001", "1e9999999999", "99999999999999999999999999999999999999999", "1.00000",
            })
    void decimalsOutOfDomain(String number) {
        assertEquals(
                "out of domain: amount must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
                reason(with("amount", number)),
                number);
    }

    @ParameterizedTest
    @CsvSource({
        "2026-11-24T10:15:30.123Z, 2026-11-24T10:15:30.123Z",
        "2028-02-29T23:59:59.999Z, 2028-02-29T23:59:59.999Z",
        "2000-02-29T00:00:00.000Z, 2000-02-29T00:00:00.000Z",
        "1970-01-01T00:00:00.000Z, 1970-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z, 9999-12-31T23:59:59.999Z",
    })
    void realInstants(String text, String instant) {
        ContractValidator.Verdict v = validator.check(utf8(with("event_time", "\"" + text + "\"")));
        assertNull(v.reason, text);
        assertEquals(TimestampData.fromEpochMillis(Instant.parse(instant).toEpochMilli()), v.values[4]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-02-30T10:00:00.000Z", "2026-02-29T10:00:00.000Z", "1900-02-29T00:00:00.000Z",
                "2026-04-31T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-00-01T00:00:00.000Z",
                "2026-01-00T00:00:00.000Z", "2026-11-24T24:00:00.000Z", "2026-11-24T23:60:00.000Z",
                "2026-12-31T23:59:60.000Z", "2026-11-24T10:15:30Z", "2026-11-24T10:15:30.12Z",
                "2026-11-24T10:15:30.1234Z", "2026-11-24 10:15:30.123", "2026-11-24T10:15:30.123+00:00",
                "2026-11-24t10:15:30.123z", "24/11/2026 10:30", "", "2026-11-24T10:15:30.123Z\\n",
                "+026-11-24T10:15:30.123Z", "2026-1a-24T10:15:30.123Z",
            })
    void notRealInstants(String text) {
        assertEquals(
                "out of domain: event_time must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ",
                reason(with("event_time", "\"" + text + "\"")),
                text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "1900-01-01T00:00:00.000Z"})
    void instantsBefore1970(String text) {
        assertEquals(
                "out of domain: event_time must not be before 1970-01-01T00:00:00.000Z",
                reason(with("event_time", "\"" + text + "\"")));
    }

    private static final ContractValidator READINGS =
            new ContractValidator(
                    Contract.parse(
                            "{\"fields\": [{\"name\": \"value\", \"kind\": \"double\"},"
                                    + "{\"name\": \"unit\", \"kind\": \"enum\", \"choices\": [\"C\", \"kPa\"]}]}",
                            250_000));

    @ParameterizedTest
    @CsvSource({
        "21.5, 21.5",
        "-3, -3.0",
        "0, 0.0",
        "-0.0, -0.0",
        "1e3, 1000.0",
        "2.5E-3, 0.0025",
        "0.1, 0.1",
        "123456789012345678901234567890, 1.2345678901234568E29",
        "1.7976931348623157e308, 1.7976931348623157E308",
        "4.9e-324, 4.9E-324",
        "1e-400, 0.0"
    })
    void doublesAreTheNearestValue(String number, double typed) {
        ContractValidator.Verdict v = READINGS.check(utf8("{\"value\": " + number + ", \"unit\": \"C\"}"));
        assertNull(v.reason);
        assertEquals(Double.valueOf(typed), v.values[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e309", "-1e309", "1.8e308", "9" + "99999999999999999999e400"})
    void doublesBeyondTheRangeAreOutOfDomain(String number) {
        assertEquals(
                "out of domain: value must be a finite number (at most about 1.8e308 in magnitude)",
                READINGS.check(utf8("{\"value\": " + number + ", \"unit\": \"C\"}")).reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"21.5\"", "true", "[1]", "{\"v\": 1}"})
    void doublesMustBeJsonNumbers(String json) {
        assertEquals(
                "wrong type: value must be a JSON number",
                READINGS.check(utf8("{\"value\": " + json + ", \"unit\": \"C\"}")).reason);
    }

    @Test
    void doubleFieldsAreRequired() {
        assertEquals("missing field: value", READINGS.check(utf8("{\"value\": null, \"unit\": \"C\"}")).reason);
        assertEquals("missing field: value", READINGS.check(utf8("{\"unit\": \"C\"}")).reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1."})
    void nonJsonNumberTextsAreNotObjects(String text) {
        // Jackson's parser (as Flink configures it) rejects these: not JSON, so the record is bad JSON.
        assertEquals(Contract.NOT_OBJECT, READINGS.check(utf8("{\"value\": " + text + ", \"unit\": \"C\"}")).reason);
    }

    @Test
    void instantMillisMatchesJavaTime() {
        for (long day = -800_000; day < 3_000_000; day += 997) {
            long millis = day * 86_400_000L + 45_296_789L;
            String text = Instant.ofEpochMilli(millis).toString();
            if (!text.matches("[0-9]{4}-.*\\.[0-9]{3}Z")) {
                continue; // java.time writes years beyond 9999 with a sign, and drops zero millis
            }
            assertEquals(millis, ContractValidator.instantMillis(text), text);
        }
    }

    @Test
    void loneSurrogateEscapeIsAStringValue() {
        ContractValidator.Verdict v = validator.check(utf8(with("txn_id", "\"\\ud800\"")));
        assertNull(v.reason);
        // Kept as the Java string; Flink's UTF-8 encoding (every operator after the source) writes "?".
        assertEquals("\ud800", v.values[0].toString());
        assertEquals("?", new String(((BinaryStringData) v.values[0]).toBytes(), StandardCharsets.UTF_8));
        assertEquals(
                "out of domain: currency must match ^[A-Z]{3}$", reason(with("currency", "\"\\ud800AB\"")));
    }

    @Test
    void escapedTextsAreDecoded() {
        ContractValidator.Verdict v = validator.check(utf8(with("txn_id", "\"a\\\"b\\\\c\\u00e9\"")));
        assertNull(v.reason);
        assertEquals("a\"b\\cé", v.values[0].toString());
        assertNull(reason(with("currency", "\"\\u0055SD\"")));
    }

    @Test
    void contractErrorsNameTheProblem() {
        assertThrows(IllegalArgumentException.class, () -> Contract.parse("not json", 10));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Contract.parse("{\"fields\": [{\"name\": \"a\", \"kind\": \"colour\"}]}", 10));
        assertTrue(e.getMessage().contains("field a: unknown kind"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Contract.parse("{\"fields\": [{\"name\": \"a\", \"kind\": \"code\", \"pattern\": \"[\"}]}", 10));
        assertTrue(e.getMessage().contains("not a Java regular expression"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Contract.parse("{\"fields\": [{\"name\": \"a\", \"kind\": \"enum\"}]}", 10));
        assertTrue(e.getMessage().contains("needs \"choices\""), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Contract.parse(
                        "{\"fields\": [{\"name\": \"a\", \"kind\": \"string\"}, {\"name\": \"a\", \"kind\": \"string\"}]}",
                        10));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Contract.parse("{\"fields\": []}", 10));
    }
}
