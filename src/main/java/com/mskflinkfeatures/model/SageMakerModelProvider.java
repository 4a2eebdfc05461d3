package com.mskflinkfeatures.model;

import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/** Asynchronous only: ML_PREDICT with {@code 'async' = 'false'} is refused by the planner. */
public final class SageMakerModelProvider implements AsyncPredictRuntimeProvider {

    private final SageMakerSettings settings;

    SageMakerModelProvider(SageMakerSettings settings) {
        this.settings = settings;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new SageMakerPredictFunction(settings);
    }

    @Override
    public ModelProvider copy() {
        return new SageMakerModelProvider(settings);
    }
}
