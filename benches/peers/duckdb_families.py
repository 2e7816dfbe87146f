"""The three detector families of scrapewatch, simplified, as DuckDB SQL
over the same NDJSON file: sequential id runs (window functions), events
per minute/hour/day, distinct records per day, distinct ips per day, and
the watchlist join (campaign reads before the embargo, revoked use).
Prints how many rows each query found. Used by benches/peers/run.sh."""
import sys

import duckdb

events, watchlist = sys.argv[1], sys.argv[2]
con = duckdb.connect()
# The same events as Parquet (benches/peers/run.sh converts the NDJSON
# with examples/ndjson_to_parquet.rs) are queried in place, by the same SQL.
if events.endswith(".parquet"):
    # Its `ts` is a UTC instant: cast to the NDJSON row's UTC wall time.
    con.execute("SET TimeZone = 'UTC'")
    source = f"read_parquet('{events}')"
else:
    source = f"""read_ndjson('{events}', columns = {{
  ts: 'VARCHAR', account: 'VARCHAR', ip: 'VARCHAR', system: 'VARCHAR',
  action: 'VARCHAR', record: 'VARCHAR', page: 'BIGINT', rows: 'BIGINT',
  bytes: 'BIGINT', status: 'BIGINT', session: 'VARCHAR', user_agent: 'VARCHAR'}})"""
con.execute(f"""
CREATE TEMP TABLE ev AS
SELECT CAST(ts AS TIMESTAMP) AS ts, account, ip, system, action,
       TRY_CAST(record AS BIGINT) AS rec, record, user_agent
FROM {source}
""")
queries = {
    "sequential-read": """
        WITH r AS (
          SELECT account, system, ts, rec,
                 rec - lag(rec) OVER w AS step,
                 epoch(ts) - epoch(lag(ts) OVER w) AS pause
          FROM ev WHERE action = 'read' AND rec IS NOT NULL
          WINDOW w AS (PARTITION BY account, system ORDER BY ts)),
        g AS (
          SELECT *, sum(CASE WHEN step BETWEEN 1 AND 5 AND pause <= 600 THEN 0 ELSE 1 END)
                 OVER (PARTITION BY account, system ORDER BY ts ROWS UNBOUNDED PRECEDING) AS run
          FROM r)
        SELECT account, system, run, count(*) AS n, min(rec), max(rec)
        FROM g GROUP BY ALL HAVING count(*) >= 200""",
    "rate-absolute": """
        SELECT account, 'minute' AS w, date_trunc('minute', ts) AS t, count(*) FROM ev GROUP BY ALL HAVING count(*) >= 60
        UNION ALL
        SELECT account, 'hour', date_trunc('hour', ts), count(*) FROM ev GROUP BY ALL HAVING count(*) >= 1000
        UNION ALL
        SELECT account, 'day', date_trunc('day', ts), count(*) FROM ev GROUP BY ALL HAVING count(*) >= 5000""",
    "distinct-volume": """
        SELECT account, date_trunc('day', ts), count(DISTINCT (system, record))
        FROM ev WHERE record IS NOT NULL GROUP BY ALL HAVING count(DISTINCT (system, record)) >= 2000""",
    "shared-credential": """
        SELECT account, date_trunc('hour', ts), count(DISTINCT ip), count(DISTINCT user_agent)
        FROM ev GROUP BY ALL HAVING count(DISTINCT ip) >= 8 OR count(DISTINCT user_agent) >= 6""",
    "watchlist": f"""
        WITH w AS (SELECT * FROM read_csv('{watchlist}', all_varchar = true))
        SELECT e.account, w.kind, count(*)
        FROM ev e JOIN w ON e.account = w.account
        WHERE (w.kind = 'campaign' AND e.ts < CAST(w.not_before AS TIMESTAMP) AND e.system = w.system)
           OR (w.kind = 'revoked' AND e.ts >= CAST(w.revoked_at AS TIMESTAMP))
        GROUP BY ALL""",
}
for name, sql in queries.items():
    print(name, len(con.execute(sql).fetchall()))
