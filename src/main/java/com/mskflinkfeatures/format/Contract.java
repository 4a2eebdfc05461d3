package com.mskflinkfeatures.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An input contract: the required fields of a JSON record, in the order their rules are checked,
 * and the largest record that can be valid. Written by the Python side ({@code
 * connectors/contract_format.py}) as the JSON of the format option {@code contract-json.schema}:
 *
 * <pre>{"fields": [{"name": "amount", "kind": "decimal"},
 *             {"name": "currency", "kind": "code", "pattern": "^[A-Z]{3}$"},
 *             {"name": "action", "kind": "enum", "choices": ["view", "login"]},
 *             {"name": "event_time", "kind": "timestamp"}, ...]}</pre>
 *
 * <p>Kinds and their rules (each field: present and not JSON null, then its JSON type, then its
 * domain):
 *
 * <ul>
 *   <li>{@code string}: a JSON string, not empty;
 *   <li>{@code decimal}: a JSON number whose canonical text ({@link java.math.BigDecimal#toString})
 *       is a plain decimal with at most 14 integer and 4 fraction digits, greater than zero; typed
 *       {@code DECIMAL(18, 4)};
 *   <li>{@code double}: a JSON number (integer, fraction or exponent) whose nearest {@code double}
 *       is finite; typed {@code DOUBLE} (the nearest value, as {@link Double#parseDouble} rounds);
 *   <li>{@code code}: a JSON string that {@code pattern} (Java regex) matches as a whole;
 *   <li>{@code enum}: a JSON string equal to one of {@code choices};
 *   <li>{@code timestamp}: a JSON string {@code YYYY-MM-DDTHH:MM:SS.mmmZ} naming a real instant
 *       (proleptic Gregorian calendar, hours 00-23, no leap second), not before 1970; typed {@code
 *       TIMESTAMP(3)}, UTC.
 * </ul>
 */
public final class Contract implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Kinds of field, as the Python contract names them. */
    public enum Kind {
        STRING,
        DECIMAL,
        DOUBLE,
        CODE,
        ENUM,
        TIMESTAMP
    }

    /** One required field and its rule. */
    public static final class Field implements Serializable {
        private static final long serialVersionUID = 1L;

        public final String name;
        public final Kind kind;
        /** For {@link Kind#CODE}: the pattern, as written in the contract. */
        public final String pattern;
        /** For {@link Kind#ENUM}: the choices, in declaration order. */
        public final List<String> choices;

        final Pattern compiled;
        final Set<String> choiceSet;
        final String missingReason;
        final String wrongTypeReason;
        final String domainReason;

        Field(String name, Kind kind, String pattern, List<String> choices) {
            this.name = name;
            this.kind = kind;
            this.pattern = pattern;
            this.choices = Collections.unmodifiableList(new ArrayList<>(choices));
            this.compiled = pattern == null ? null : Pattern.compile(pattern);
            this.choiceSet = new LinkedHashSet<>(choices);
            this.missingReason = "missing field: " + name;
            this.wrongTypeReason =
                    "wrong type: " + name + " must be a JSON " + (isNumber(kind) ? "number" : "string");
            this.domainReason = "out of domain: " + name + " " + domainRule(kind, pattern, choices);
        }

        static boolean isNumber(Kind kind) {
            return kind == Kind.DECIMAL || kind == Kind.DOUBLE;
        }

        private static String domainRule(Kind kind, String pattern, List<String> choices) {
            switch (kind) {
                case STRING:
                    return "must not be empty";
                case DECIMAL:
                    return "must be a plain decimal > 0 with at most 14 integer and 4 fraction digits";
                case DOUBLE:
                    return "must be a finite number (at most about 1.8e308 in magnitude)";
                case CODE:
                    return "must match " + pattern;
                case ENUM:
                    return "must be one of " + String.join("|", choices);
                default:
                    return "must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ";
            }
        }
    }

    /** Reason of a record without a value (a tombstone). */
    public static final String MISSING_VALUE = "missing value: the record has no value (tombstone)";
    /** Reason of a value that is not UTF-8. */
    public static final String NOT_UTF8 = "bad JSON: the value is not valid UTF-8";
    /** Reason of a value that is not one JSON object (or nests deeper than {@link #MAX_DEPTH}). */
    public static final String NOT_OBJECT = "bad JSON: the value is not a JSON object";
    /** Reason of a timestamp before the epoch (its second domain rule). */
    static final String BEFORE_EPOCH_RULE = "must not be before 1970-01-01T00:00:00.000Z";
    /** Deepest nesting of a valid value, the root object included (Jackson's default limit). */
    public static final int MAX_DEPTH = 1000;

    private final List<Field> fields;
    private final Map<String, Integer> index;
    private final int maxChars;
    private final String tooLargeReason;

    Contract(List<Field> fields, int maxChars) {
        this.fields = Collections.unmodifiableList(new ArrayList<>(fields));
        this.index = new HashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            index.put(fields.get(i).name, i);
        }
        this.maxChars = maxChars;
        this.tooLargeReason = tooLargeReason(maxChars);
    }

    /** The reason of a record whose key and value hold more than {@code maxChars} characters. */
    public static String tooLargeReason(int maxChars) {
        return "too large: the key and value hold more than "
                + maxChars
                + " characters (its key and value are not copied; read them at the source position)";
    }

    public List<Field> fields() {
        return fields;
    }

    /** Position of the field called {@code name}, or -1. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    public int maxChars() {
        return maxChars;
    }

    public String tooLargeReason() {
        return tooLargeReason;
    }

    /**
     * Reads a contract from its JSON text.
     *
     * @throws IllegalArgumentException naming what is wrong, for a text that is not a contract
     */
    public static Contract parse(String json, int maxChars) {
        if (maxChars <= 0) {
            throw new IllegalArgumentException("max-chars must be positive, got " + maxChars);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("the contract is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("fields").isArray() || root.path("fields").isEmpty()) {
            throw new IllegalArgumentException(
                    "the contract must be a JSON object with a non-empty array \"fields\", got: " + json);
        }
        List<Field> fields = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode node : root.get("fields")) {
            String name = node.path("name").asText("");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a contract field has no \"name\": " + node);
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("the contract names field " + name + " twice");
            }
            Kind kind;
            try {
                kind = Kind.valueOf(node.path("kind").asText("").toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "field " + name + ": unknown kind " + node.path("kind")
                                + " (one of string, decimal, double, code, enum, timestamp)");
            }
            String pattern = null;
            List<String> choices = new ArrayList<>();
            if (kind == Kind.CODE) {
                pattern = node.path("pattern").asText("");
                if (pattern.isEmpty()) {
                    throw new IllegalArgumentException("field " + name + ": a code field needs a \"pattern\"");
                }
                try {
                    Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(
                            "field " + name + ": the pattern is not a Java regular expression: " + e.getMessage());
                }
            }
            if (kind == Kind.ENUM) {
                for (JsonNode choice : node.path("choices")) {
                    choices.add(choice.asText());
                }
                if (choices.isEmpty()) {
                    throw new IllegalArgumentException("field " + name + ": an enum field needs \"choices\"");
                }
            }
            fields.add(new Field(name, kind, pattern, choices));
        }
        return new Contract(fields, maxChars);
    }
}
