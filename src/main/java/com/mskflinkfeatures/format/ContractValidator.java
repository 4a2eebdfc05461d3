package com.mskflinkfeatures.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Checks one record value against a {@link Contract} in one pass of Jackson's streaming parser and
 * returns its typed fields and the reason of the first rule it breaks.
 *
 * <p>Record rules, in this order, before the field rules (in contract order; per field: present,
 * JSON type, domain):
 *
 * <ol>
 *   <li>{@link Contract#MISSING_VALUE}: the value is null;
 *   <li>too large: the value alone holds more than {@link Contract#maxChars()} characters (the key's
 *       share is added in SQL, where the key is);
 *   <li>{@link Contract#NOT_UTF8};
 *   <li>{@link Contract#NOT_OBJECT}: after JSON whitespace the value does not start with an object
 *       (a byte-order mark included), the object is not valid JSON (NaN, comments, single quotes,
 *       trailing commas, leading zeros, control characters in strings), or it nests deeper than
 *       {@link Contract#MAX_DEPTH} with the root object.
 * </ol>
 *
 * <p>Deliberate consequences, shared with the test reference: of a name given twice the last
 * occurrence counts; anything after the root object's closing brace is ignored; undeclared fields
 * are skipped unread; a lone surrogate escape reads as a Java string holding it (Flink encodes it as
 * {@code ?}); numbers are never rounded, their canonical text decides the decimal rule.
 *
 * <p>Not thread-safe: one instance per deserializer (Flink gives each subtask its own).
 */
public final class ContractValidator {

    /** Outcome of one check: the reason (null when valid), the value's characters, typed fields. */
    public static final class Verdict {
        /** Null when the record passes every rule checked here. */
        public final String reason;
        /** Characters of the value (null for a tombstone), for the size rule that adds the key. */
        public final Integer chars;
        /**
         * Typed value of each contract field, in contract order, set for the fields checked and
         * passed before the first broken rule (so a timestamp's value means every rule before it
         * held), null from there on.
         */
        public final Object[] values;
        /**
         * The latest instant (epoch milliseconds) among the timestamp fields whose value is set, or
         * null: what SQL bounds by the Kafka timestamp, without a time-zone conversion per field.
         */
        public final Long latestMillis;

        Verdict(String reason, Integer chars, Object[] values, Long latestMillis) {
            this.reason = reason;
            this.chars = chars;
            this.values = values;
            this.latestMillis = latestMillis;
        }

        Verdict(String reason, Integer chars, Object[] values) {
            this(reason, chars, values, null);
        }
    }

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L};

    private final Contract contract;
    private final Contract.Field[] fields;
    private final JsonFactory factory;
    private final JsonToken[] tokens;
    private final String[] texts;

    public ContractValidator(Contract contract) {
        this.contract = contract;
        this.fields = contract.fields().toArray(new Contract.Field[0]);
        this.factory =
                JsonFactory.builder()
                        .streamReadConstraints(
                                StreamReadConstraints.builder()
                                        .maxNestingDepth(Contract.MAX_DEPTH)
                                        .maxNumberLength(Integer.MAX_VALUE)
                                        .maxStringLength(Integer.MAX_VALUE)
                                        .maxNameLength(Integer.MAX_VALUE)
                                        .build())
                        .build();
        this.tokens = new JsonToken[fields.length];
        this.texts = new String[fields.length];
    }

    /** Checks {@code value} (a Kafka record value, null for a tombstone). Never throws on input. */
    public Verdict check(byte[] value) {
        Object[] values = new Object[fields.length];
        if (value == null) {
            return new Verdict(Contract.MISSING_VALUE, null, values);
        }
        int chars = value.length;
        boolean utf8 = true;
        if (value.length > contract.maxChars() || !isAscii(value)) {
            int counted = Utf8.countOrNegative(value);
            utf8 = counted >= 0;
            chars = utf8 ? counted : -1 - counted;
        }
        if (chars > contract.maxChars()) {
            return new Verdict(contract.tooLargeReason(), chars, values);
        }
        if (!utf8) {
            return new Verdict(Contract.NOT_UTF8, chars, values);
        }
        if (!read(value)) {
            return new Verdict(Contract.NOT_OBJECT, chars, values);
        }
        Long latest = null;
        for (int i = 0; i < fields.length; i++) {
            String reason = fieldRule(fields[i], tokens[i], texts[i], values, i);
            if (reason != null) {
                return new Verdict(reason, chars, values, latest);
            }
            if (fields[i].kind == Contract.Kind.TIMESTAMP) {
                long millis = ((TimestampData) values[i]).getMillisecond();
                latest = latest == null ? millis : Math.max(latest, millis);
            }
        }
        return new Verdict(null, chars, values, latest);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Parses the root object, keeping the last token and text of each contract field. */
    private boolean read(byte[] value) {
        Arrays.fill(tokens, null);
        Arrays.fill(texts, null);
        int start = 0;
        while (start < value.length && isJsonWhitespace(value[start])) {
            start++;
        }
        if (start == value.length || value[start] != '{') {
            return false;
        }
        try (JsonParser parser = factory.createParser(value, start, value.length - start)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                int i = contract.indexOf(parser.currentName());
                token = parser.nextToken();
                if (i >= 0) {
                    tokens[i] = token;
                    texts[i] =
                            token == JsonToken.VALUE_STRING
                                            || token == JsonToken.VALUE_NUMBER_INT
                                            || token == JsonToken.VALUE_NUMBER_FLOAT
                                    ? parser.getText()
                                    : null;
                }
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    parser.skipChildren();
                }
            }
            return token == JsonToken.END_OBJECT;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isJsonWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** The reason of the first rule of {@code field} broken, or null after setting its value. */
    private static String fieldRule(Contract.Field field, JsonToken token, String text, Object[] values, int i) {
        if (token == null || token == JsonToken.VALUE_NULL) {
            return field.missingReason;
        }
        if (field.kind == Contract.Kind.DOUBLE) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                return field.wrongTypeReason;
            }
            double number = Double.parseDouble(text); // JSON number syntax is a subset of Java's
            if (Double.isInfinite(number)) {
                return field.domainReason;
            }
            values[i] = number;
            return null;
        }
        if (field.kind == Contract.Kind.DECIMAL) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                return field.wrongTypeReason;
            }
            DecimalData decimal = decimal(text);
            if (decimal == null) {
                return field.domainReason;
            }
            values[i] = decimal;
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            return field.wrongTypeReason;
        }
        switch (field.kind) {
            case STRING:
                if (text.isEmpty()) {
                    return field.domainReason;
                }
                break;
            case CODE:
                if (!field.compiled.matcher(text).matches()) {
                    return field.domainReason;
                }
                break;
            case ENUM:
                if (!field.choiceSet.contains(text)) {
                    return field.domainReason;
                }
                break;
            default:
                long millis = instantMillis(text);
                if (millis == NOT_AN_INSTANT) {
                    return field.domainReason;
                }
                if (millis < 0) {
                    return "out of domain: " + field.name + " " + Contract.BEFORE_EPOCH_RULE;
                }
                values[i] = TimestampData.fromEpochMillis(millis);
                return null;
        }
        values[i] = StringData.fromString(text);
        return null;
    }

    /**
     * {@code DECIMAL(18, 4)} of a JSON number's text when its canonical form ({@link
     * BigDecimal#toString}) is a plain decimal with at most 14 integer and 4 fraction digits and it
     * is greater than zero, else null. Without an exponent the text is its own canonical form for
     * every number this accepts (a minus sign or more than 4 fraction digits fail either way), so
     * only texts with an exponent are normalised through {@link BigDecimal}.
     */
    static DecimalData decimal(String text) {
        String plain = text;
        if (text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
            try {
                plain = new BigDecimal(text).toString();
            } catch (NumberFormatException | ArithmeticException e) {
                return null; // an exponent beyond int range: not plain either way
            }
        }
        int n = plain.length();
        int dot = plain.indexOf('.');
        int intEnd = dot < 0 ? n : dot;
        if (intEnd == 0 || intEnd > 14 || (intEnd > 1 && plain.charAt(0) == '0')) {
            return null;
        }
        int fraction = dot < 0 ? 0 : n - dot - 1;
        if (dot >= 0 && (fraction < 1 || fraction > 4)) {
            return null;
        }
        long unscaled = 0;
        for (int k = 0; k < n; k++) {
            if (k == dot) {
                continue;
            }
            char c = plain.charAt(k);
            if (c < '0' || c > '9') {
                return null;
            }
            unscaled = unscaled * 10 + (c - '0');
        }
        unscaled *= POW10[4 - fraction];
        if (unscaled <= 0) {
            return null;
        }
        return DecimalData.fromUnscaledLong(unscaled, 18, 4);
    }

    static final long NOT_AN_INSTANT = Long.MIN_VALUE;

    /**
     * Epoch milliseconds of {@code YYYY-MM-DDTHH:MM:SS.mmmZ} when the text has exactly that form and
     * names a real date and time of day (proleptic Gregorian calendar, any year 0000-9999), else
     * {@link #NOT_AN_INSTANT}. Negative for instants before 1970.
     */
    static long instantMillis(String s) {
        if (s.length() != 24
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':'
                || s.charAt(19) != '.'
                || s.charAt(23) != 'Z') {
            return NOT_AN_INSTANT;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int milli = digits(s, 20, 3);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || milli < 0) {
            return NOT_AN_INSTANT;
        }
        long days = daysFromEpoch(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + milli;
    }

    /** The number written by {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int k = from; k < from + len; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int daysIn(int year, int month) {
        switch (month) {
            case 2:
                boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                return leap ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days from 1970-01-01 to the given proleptic Gregorian date (civil-from-days inverse). */
    private static long daysFromEpoch(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
