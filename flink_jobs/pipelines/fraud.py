"""The reference pipeline: fraud features, exactly as specified in docs/architecture.md.

Inputs ``transactions``, ``clicks``, ``profiles`` (compacted, latest per user wins) and ``labels``
(the fraud/legit verdict on a transaction, known later than the transaction itself), entity
``user_id`` (also each record's Kafka key); every valid on-time event is also archived to Parquet.
No feature set reads ``labels``: its archive (``events/labels``) is what ``msk-features train``
joins to the features as they were at each transaction's time.
The input contracts come first: their rules are those of :mod:`flink_jobs.features.contracts`.
"""

from __future__ import annotations

from flink_jobs.features import (
    AsOf,
    Avg,
    Category,
    Compare,
    Count,
    CountDistinct,
    Equals,
    EventFeatures,
    Field,
    Flag,
    Hopping,
    InputSchema,
    Max,
    Number,
    PipelineSpec,
    Related,
    Rolling,
    Scoring,
    SecondsSinceLatest,
    Session,
    Source,
    Span,
    Sum,
    Tumbling,
    WindowFeatures,
    hours,
    minutes,
)

CURRENCY = r"^[A-Z]{3}$"
COUNTRY = r"^[A-Z]{2}$"

TRANSACTIONS = InputSchema(
    name="transactions",
    key="user_id",
    fields=(
        Field("txn_id", "string", description="unique transaction id"),
        Field("user_id", "string"),
        Field("merchant_id", "string"),
        Field("amount", "decimal", description="positive amount in the transaction currency"),
        Field("currency", "code", pattern=CURRENCY, description="ISO 4217 code"),
        Field("country", "code", pattern=COUNTRY, description="ISO 3166-1 alpha-2 code"),
        Field("event_time", "timestamp"),
    ),
)

CLICKS = InputSchema(
    name="clicks",
    key="user_id",
    fields=(
        Field("click_id", "string"),
        Field("user_id", "string"),
        Field("page", "string"),
        Field("action", "enum", choices=("view", "add_to_cart", "checkout", "login")),
        Field("event_time", "timestamp"),
    ),
)

PROFILES = InputSchema(
    name="profiles",
    key="user_id",
    fields=(
        Field("user_id", "string"),
        Field("home_country", "code", pattern=COUNTRY),
        Field("risk_tier", "enum", choices=("low", "medium", "high")),
        Field("updated_at", "timestamp"),
    ),
    time_field="updated_at",
)

LABELS = InputSchema(
    name="labels",
    key="user_id",
    fields=(
        Field("txn_id", "string"),
        Field("user_id", "string"),
        Field("label", "enum", choices=("fraud", "legit")),
        Field("txn_time", "timestamp", description="event_time of the labelled transaction"),
        Field("labeled_at", "timestamp", description="when the label became known"),
    ),
    time_field="labeled_at",
)

transactions = Source(TRANSACTIONS)
clicks = Source(CLICKS)
profiles = Source(PROFILES, versioned=True)
labels = Source(LABELS)

txn_1m = WindowFeatures(
    name="txn_1m",
    source=transactions,
    window=Tumbling(minutes(1)),
    aggregations=(Count("txn_count"), Sum("amount_sum", "amount")),
    description="Per user and minute: number and total amount of transactions.",
)

txn_1h = WindowFeatures(
    name="txn_1h",
    source=transactions,
    window=Hopping(size=hours(1), slide=minutes(5)),
    aggregations=(
        Count("txn_count"),
        Avg("amount_avg", "amount"),
        Max("amount_max", "amount"),
        CountDistinct("distinct_merchants", "merchant_id"),
    ),
    description="Per user, the last hour every 5 minutes: count, mean and max amount, distinct merchants.",
)

session = WindowFeatures(
    name="session",
    source=clicks,
    window=Session(gap=minutes(30)),
    aggregations=(
        Count("click_count"),
        Count("checkout_count", where=Equals("action", "checkout")),
        Span("duration_s"),
    ),
    description="Click sessions (a gap of 30 min or more ends one): clicks, checkouts, duration.",
)

txn_features = EventFeatures(
    name="txn_features",
    source=transactions,
    columns=("txn_id", "amount", "country"),
    window=Rolling(minutes(10)),
    aggregations=(Count("txn_count_10m"), Avg("amount_avg_10m", "amount")),
    related=(
        Related(
            clicks,
            Rolling(minutes(10)),
            (Count("clicks_10m_before"), SecondsSinceLatest("seconds_since_last_click", within=hours(24))),
        ),
    ),
    enrich=(AsOf(profiles, ("home_country", "risk_tier")),),
    compare=(Compare("is_foreign", "country", "<>", "home_country"),),
    description="One row per transaction: the online scoring vector.",
)

fraud_score = Scoring(
    name="fraud_score",
    features=txn_features,
    inputs=(
        Number("amount"),
        Number("txn_count_10m"),
        Number("amount_avg_10m"),
        Number("clicks_10m_before"),
        Number("seconds_since_last_click"),
        Flag("is_foreign"),
        Category("risk_tier", ("low", "medium", "high")),
    ),
    output="fraud_score",
    columns=("txn_id",),
    description="The probability that a transaction is fraud, from a model trained on the labels.",
)

PIPELINE = PipelineSpec(
    name="fraud",
    sources=(transactions, clicks, profiles, labels),
    feature_sets=(txn_1m, txn_1h, session, txn_features),
    scorings=(fraud_score,),
    description="Fraud features on transactions, clicks and profiles, a fraud score per transaction, and "
    "the labels archived for training.",
)
