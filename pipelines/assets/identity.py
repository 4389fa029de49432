"""Identity resolution steps that a library does (Splink) or SQL cannot (clustering with
limits, stable ids), plus the configured blocked identifiers. The rest of identity
resolution is SQL: ``sql/identity/*.sql`` (assets built by ``pipelines.assets.sql``).

Checks on the assignment: no customer larger than ``config.identity.max_cluster_size``
person records (blocking: a giant cluster means a shared identifier slipped through and
would merge strangers in every downstream table), and the shop-account limit holds
except where stronger evidence (an email) joined the accounts.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.identity.identifiers import write_blocked_identifiers
from pipelines.identity.resolve import build_node_assignment, build_probabilistic_links
from pipelines.metadata import markdown_table, table_metadata
from pipelines.resources import Warehouse

BLOCKED = AssetKey(["identity", "blocked_identifiers"])
PROBABILISTIC = AssetKey(["identity", "probabilistic_links"])
ASSIGNMENT = AssetKey(["identity", "node_assignment"])
CLUSTER_SIZE_CHECK = "cluster_size_limit"
SHOP_ACCOUNT_CHECK = "shop_account_limit"

def _notes(notes: list[str]) -> MetadataValue:
    return MetadataValue.md("\n".join(f"- {n}" for n in notes) or "-")

@asset(key=BLOCKED, group_name="identity", kinds={"duckdb", "python"})
def blocked_identifiers(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Identifier values configured never to link records (config.identity.blocked_identifiers),
    normalised as email key, E.164 phone and plain value. Built-in placeholders (info@,
    noreply@, 0000…) are applied in identity.identifier_usage."""
    config = warehouse.load_config()
    with warehouse.connect() as con:
        rows = write_blocked_identifiers(con, config.identity.blocked_identifiers, config.default_phone_region)
        context.log.info(f"identity.blocked_identifiers: {rows} values")
        return MaterializeResult(metadata=table_metadata(con, "identity.blocked_identifiers"))

@asset(
    key=PROBABILISTIC,
    group_name="identity",
    kinds={"duckdb", "python"},
    deps=[AssetKey(["identity", "deterministic_links"]), AssetKey(["identity", "person_records"]),
          AssetKey(["identity", "identifier_usage"])],
)
def probabilistic_links(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Probabilistic links (Splink, DuckDB backend) between customers the identifiers could
    not join: names, addresses, postcodes and cities, Fellegi-Sunter weights with term
    frequencies, trained on the data itself. A link needs more than a name in common."""
    config = warehouse.load_config()
    with warehouse.connect(beside_python=True) as con:
        report = build_probabilistic_links(con, config.identity)
        for note in report.notes:
            context.log.info(note)
        metadata = table_metadata(con, "identity.probabilistic_links")
        metadata["training"] = _notes(report.notes)
        metadata["seconds"] = MetadataValue.float(round(report.seconds, 2))
        return MaterializeResult(metadata=metadata)

@asset(
    key=ASSIGNMENT,
    group_name="identity",
    kinds={"duckdb", "python"},
    deps=[AssetKey(["identity", "deterministic_links"]), PROBABILISTIC, AssetKey(["identity", "identifier_usage"])],
    check_specs=[
        AssetCheckSpec(CLUSTER_SIZE_CHECK, asset=ASSIGNMENT, blocking=True,
                       description="No customer holds more person records than config.identity.max_cluster_size."),
        AssetCheckSpec(SHOP_ACCOUNT_CHECK, asset=ASSIGNMENT, blocking=False,
                       description="No customer holds more shop accounts than config.identity.max_shop_accounts_per_customer, "
                                   "unless an email joined them."),
    ],
)
def node_assignment(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Each person record's customer: connected components over deterministic and
    probabilistic links, strongest first, with per-type limits (one shop account, one app
    account per customer by default); customer ids carried forward from the previous run
    by majority overlap. Also writes identity.refused_links (what the limits refused)."""
    config = warehouse.load_config()
    identity = config.identity
    with warehouse.connect(beside_python=True) as con:
        report = build_node_assignment(con, identity)
        for note in report.notes:
            context.log.info(note)
        sizes = con.execute(
            """select customer_id, count(*) as records from identity.node_assignment
               group by customer_id order by records desc limit 10"""
        ).fetchall()
        too_big = [row for row in sizes if row[1] > identity.max_cluster_size]
        over_limit = con.execute(
            """select a.customer_id, count(distinct i.id_value) as shop_accounts
               from identity.node_assignment a
               join identity.identifiers i on i.node_id = a.node_id and i.id_type = 'shop_customer_id' and not i.quoted
               group by a.customer_id
               having count(distinct i.id_value) > ? and not bool_or(a.over_limit)
               order by shop_accounts desc limit 10""",
            [identity.max_shop_accounts_per_customer],
        ).fetchall()
        metadata = table_metadata(con, "identity.node_assignment")
        metadata["resolution"] = _notes(report.notes)
        metadata["largest_customers"] = MetadataValue.md(markdown_table(["customer_id", "person records"], sizes))
        rules = con.execute("select rule, count(*) from identity.node_assignment group by rule order by 2 desc").fetchall()
        metadata["records_by_rule"] = MetadataValue.md(markdown_table(["rule", "person records"], rules))
        return MaterializeResult(
            metadata=metadata,
            check_results=[
                AssetCheckResult(
                    check_name=CLUSTER_SIZE_CHECK,
                    passed=not too_big,
                    severity=AssetCheckSeverity.ERROR,
                    metadata={
                        "max_cluster_size": identity.max_cluster_size,
                        "largest": MetadataValue.int(sizes[0][1] if sizes else 0),
                        "oversized": MetadataValue.md(markdown_table(["customer_id", "person records"], too_big) if too_big else "none"),
                    },
                ),
                AssetCheckResult(
                    check_name=SHOP_ACCOUNT_CHECK,
                    passed=not over_limit,
                    severity=AssetCheckSeverity.WARN,
                    metadata={
                        "limit": identity.max_shop_accounts_per_customer,
                        "violations": MetadataValue.md(markdown_table(["customer_id", "shop accounts"], over_limit) if over_limit else "none"),
                    },
                ),
            ],
        )
