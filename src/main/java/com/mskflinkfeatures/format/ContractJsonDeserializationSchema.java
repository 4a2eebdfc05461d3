package com.mskflinkfeatures.format;

import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.util.Collector;

/**
 * Turns each record value into exactly one row: the requested contract fields (typed; see {@link
 * ContractValidator.Verdict#values}), then the requested metadata ({@link
 * ContractJsonDecodingFormat.Metadata}). Never fails and never drops a record, whatever the bytes:
 * an invalid record is a row with its reason, for the dead-letter topic.
 */
public final class ContractJsonDeserializationSchema implements DeserializationSchema<RowData> {
    private static final long serialVersionUID = 1L;

    private final Contract contract;
    /** For each physical output column, the position of its contract field. */
    private final int[] fieldOfColumn;
    private final ContractJsonDecodingFormat.Metadata[] metadata;
    private final TypeInformation<RowData> producedType;
    private transient ContractValidator validator;

    ContractJsonDeserializationSchema(
            Contract contract,
            int[] fieldOfColumn,
            List<ContractJsonDecodingFormat.Metadata> metadata,
            TypeInformation<RowData> producedType) {
        this.contract = contract;
        this.fieldOfColumn = fieldOfColumn.clone();
        this.metadata = metadata.toArray(new ContractJsonDecodingFormat.Metadata[0]);
        this.producedType = producedType;
    }

    @Override
    public void open(InitializationContext context) {
        validator = new ContractValidator(contract);
    }

    @Override
    public RowData deserialize(byte[] message) {
        if (validator == null) {
            validator = new ContractValidator(contract);
        }
        ContractValidator.Verdict verdict = validator.check(message);
        GenericRowData row = new GenericRowData(fieldOfColumn.length + metadata.length);
        for (int c = 0; c < fieldOfColumn.length; c++) {
            row.setField(c, verdict.values[fieldOfColumn[c]]);
        }
        for (int m = 0; m < metadata.length; m++) {
            Object value;
            switch (metadata[m]) {
                case REASON:
                    value = verdict.reason == null ? null : StringData.fromString(verdict.reason);
                    break;
                case RAW:
                    value = message;
                    break;
                case CHARS:
                    value = verdict.chars;
                    break;
                default:
                    value = verdict.latestMillis == null ? null : TimestampData.fromEpochMillis(verdict.latestMillis);
            }
            row.setField(fieldOfColumn.length + m, value);
        }
        return row;
    }

    /** One row per message, a tombstone included (the default would drop a null result). */
    @Override
    public void deserialize(byte[] message, Collector<RowData> out) {
        out.collect(deserialize(message));
    }

    @Override
    public boolean isEndOfStream(RowData nextElement) {
        return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return producedType;
    }
}
