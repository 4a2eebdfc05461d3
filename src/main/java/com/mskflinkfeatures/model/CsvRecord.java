package com.mskflinkfeatures.model;

import java.util.regex.Pattern;
import org.apache.flink.table.data.RowData;

/**
 * The {@code text/csv} request and response bodies of SageMaker's built-in XGBoost container: one
 * record of comma-separated values without a header, a missing value as an empty field; the
 * response is the prediction as text.
 */
final class CsvRecord {

    private static final Pattern SEPARATORS = Pattern.compile("[,\\n]");

    private CsvRecord() {}

    /**
     * One CSV line of the row's {@code count} DOUBLE fields: {@link Double#toString} of each (the
     * shortest text that reads back as the same double), NULL as an empty field.
     */
    static String format(RowData row, int count) {
        StringBuilder line = new StringBuilder(count * 8);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                line.append(',');
            }
            if (!row.isNullAt(i)) {
                line.append(row.getDouble(i));
            }
        }
        return line.toString();
    }

    /**
     * The one score of a response body (surrounding whitespace and one trailing newline allowed).
     *
     * @throws IllegalArgumentException naming what was received when it is not one finite number
     */
    static double parseScore(String body) {
        String text = body.strip();
        String[] values = SEPARATORS.split(text, -1);
        if (values.length != 1 || text.isEmpty()) {
            throw new IllegalArgumentException("the response is not one score: '" + preview(text) + "'");
        }
        double score;
        try {
            score = Double.parseDouble(values[0].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the response is not a number: '" + preview(text) + "'");
        }
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("the response is not a finite number: '" + preview(text) + "'");
        }
        return score;
    }

    static String preview(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
